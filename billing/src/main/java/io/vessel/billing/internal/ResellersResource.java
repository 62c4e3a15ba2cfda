package io.vessel.billing.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.billing.api.PlanQuotas;
import io.vessel.identity.api.IdentityService;
import io.vessel.identity.api.TenantKind;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * A reseller's terms with its seller ({@code /api/v1/billing/resellers/{id}/terms}): how it is billed wholesale and
 * its oversell ratios (set by the seller, read by the reseller too), with its capacity per resource — allocated,
 * sellable, sold.
 */
@Component(service = ResellersResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("billing/resellers")
@Produces(MediaType.APPLICATION_JSON)
public final class ResellersResource {

    /** Body of {@code PUT}: {@code ALLOCATION} or {@code USAGE}, and ratios per resource ({@code "memoryMiB": "2.0"}). */
    public record TermsRequest(String wholesale, Map<String, String> oversell, Boolean firstOrderApproval) {
    }

    /** One resource: what the reseller's own plans allocate it, the ratio, what it may sell, what it sold. Null: open. */
    public record Capacity(String resource, Long allocated, String ratio, Long sellable, Long sold) {
    }

    public record TermsView(UUID reseller, String wholesale, Map<String, String> oversell, List<Capacity> capacity, boolean firstOrderApproval) {
    }

    private static final Set<String> WHOLESALE = Set.of(ResellerTermsEntity.ALLOCATION, ResellerTermsEntity.USAGE);

    private final Database database;
    private final IdentityService identity;
    private final BillingClock clock;

    @Activate
    public ResellersResource(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                             @Reference IdentityService identity, @Reference BillingClock clock) {
        this.database = database;
        this.identity = identity;
        this.clock = clock;
    }

    @GET
    @Path("{id}/terms")
    @RequiresPermission(value = Permissions.BILLING_ACCOUNT_READ, object = AccountsResource.KIND)
    public TermsView getResellerTerms(@PathParam("id") String id) {
        UUID reseller = reseller(id);
        return database.inTransaction(em -> view(em, reseller));
    }

    @PUT
    @Path("{id}/terms")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = Permissions.BILLING_ACCOUNT_MANAGE, object = AccountsResource.KIND)
    public TermsView putResellerTerms(@PathParam("id") String id, TermsRequest body, @Context SecurityContext security) {
        UUID reseller = reseller(id);
        if (reseller.toString().equals(Caller.of(security).tenantId())) {
            throw new ProblemException(403, "forbidden", "Not yours to set", "A reseller's terms are set by its seller.");
        }
        TermsRequest r = body == null ? new TermsRequest(null, null, null) : body;
        List<Problem.FieldError> errors = new ArrayList<>();
        String wholesale = r.wholesale() == null ? ResellerTermsEntity.ALLOCATION : r.wholesale().strip().toUpperCase(java.util.Locale.ROOT);
        if (!WHOLESALE.contains(wholesale)) {
            errors.add(new Problem.FieldError("wholesale", "ALLOCATION or USAGE"));
        }
        Set<String> known = Resellers.RESOURCES.stream().map(Resellers.Resource::key).collect(Collectors.toSet());
        Map<String, BigDecimal> ratios = new LinkedHashMap<>();
        if (r.oversell() != null) {
            r.oversell().forEach((resource, ratio) -> {
                if (!known.contains(resource)) {
                    errors.add(new Problem.FieldError("oversell." + resource, "one of " + String.join(", ", new java.util.TreeSet<>(known))));
                    return;
                }
                try {
                    BigDecimal value = new BigDecimal(ratio == null ? "" : ratio.strip());
                    if (value.compareTo(BigDecimal.ONE) < 0 || value.compareTo(BigDecimal.valueOf(100)) > 0 || value.scale() > 2) {
                        errors.add(new Problem.FieldError("oversell." + resource, "from 1.0 (no overselling) to 100, at most 2 decimals"));
                    } else {
                        ratios.put(resource, value);
                    }
                } catch (NumberFormatException e) {
                    errors.add(new Problem.FieldError("oversell." + resource, "a decimal string such as \"1.5\""));
                }
            });
        }
        if (!errors.isEmpty()) {
            throw PlansResource.unprocessable("The reseller's terms are not valid.", errors);
        }
        return database.inTransaction(em -> {
            ResellerTermsEntity terms = em.find(ResellerTermsEntity.class, reseller, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            boolean fresh = terms == null;
            if (fresh) {
                terms = new ResellerTermsEntity(reseller);
            }
            terms.wholesale = wholesale;
            terms.oversell = Resellers.write(ratios);
            if (r.firstOrderApproval() != null) {
                terms.firstOrderApproval = r.firstOrderApproval();
            }
            terms.updatedAt = clock.instant();
            if (fresh) {
                em.persist(terms); // after its fields are set: the insert takes the state at persist
            }
            em.flush();
            return view(em, reseller);
        });
    }

    private UUID reseller(String id) {
        UUID tenant = UUID.fromString(id);
        if (identity.tenant(tenant).map(t -> t.kind() != TenantKind.RESELLER).orElse(true)) {
            throw PlansResource.unprocessable("Tenant " + id + " is not a reseller.", List.of(new Problem.FieldError("id", "a reseller")));
        }
        return tenant;
    }

    private TermsView view(jakarta.persistence.EntityManager em, UUID reseller) {
        ResellerTermsEntity terms = em.find(ResellerTermsEntity.class, reseller);
        Instant now = clock.instant();
        Map<String, BigDecimal> ratios = terms == null ? Map.of() : Resellers.parse(terms.oversell);
        List<PlanQuotas> allocation = Resellers.activeQuotas(em, reseller, now);
        Map<Resellers.Resource, Long> sellable = Resellers.sellable(em, reseller, now);
        List<PlanQuotas> sold = Resellers.sold(em, reseller, null, now);
        List<Capacity> capacity = new ArrayList<>();
        for (Resellers.Resource r : Resellers.RESOURCES) {
            capacity.add(new Capacity(r.key(), allocation.isEmpty() ? null : Resellers.sum(allocation, r.amount()),
                    ratios.getOrDefault(r.key(), BigDecimal.ONE).toPlainString(), sellable.get(r), Resellers.sum(sold, r.amount())));
        }
        Map<String, String> shown = new LinkedHashMap<>();
        ratios.forEach((k, v) -> shown.put(k, v.toPlainString()));
        return new TermsView(reseller, terms == null ? ResellerTermsEntity.ALLOCATION : terms.wholesale, shown, capacity,
                terms != null && terms.firstOrderApproval);
    }
}
