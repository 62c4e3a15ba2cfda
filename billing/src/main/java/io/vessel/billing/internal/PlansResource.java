package io.vessel.billing.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.ObjectOwnership;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.billing.api.PlanDefinition;
import io.vessel.identity.api.IdentityService;
import io.vessel.identity.api.Tenant;
import io.vessel.identity.api.TenantKind;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/v1/billing/plans}: the plans a provider or reseller sells. A plan's versions are immutable: {@code PUT}
 * makes the next version (subscriptions keep theirs until moved), {@code retire} stops new subscriptions. Each seller
 * sees and edits its own plans; the provider sees all.
 */
@Component(service = {PlansResource.class, ObjectOwnership.class}, property = {ApiWhiteboard.RESOURCE + "=true",
        ObjectOwnership.KIND + "=" + PlansResource.KIND})
@Path("billing/plans")
@Produces(MediaType.APPLICATION_JSON)
public final class PlansResource implements ObjectOwnership {

    private static final Logger LOG = LoggerFactory.getLogger(PlansResource.class);
    static final String KIND = "plan";
    static final String READ = Permissions.BILLING_PLAN_READ;
    static final String MANAGE = Permissions.BILLING_PLAN_MANAGE;

    /** A plan at one version: who sells it, its code, the version shown and the newest, and the version's definition. */
    public record PlanView(UUID id, String code, String seller, int version, int latestVersion, Instant createdAt, Instant versionCreatedAt,
                           String versionCreatedBy, Instant retiredAt, PlanJson.PlanRequest definition, boolean orderable, boolean firstOrderApproval,
                           String orderIpPool) {
    }

    /** Body of {@code PUT …/ordering}: whether customers order the plan themselves, and whether a first order waits for approval. */
    public record Ordering(Boolean orderable, Boolean firstOrderApproval, String ipPool) {
    }

    /** A version in a plan's history. */
    public record VersionView(int version, Instant createdAt, String createdBy, String name, String price, String currency) {
    }

    private final Database database;
    private final IdentityService identity;
    private final Clock clock;
    private final PluginMeters meters;

    @Activate
    public PlansResource(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                         @Reference IdentityService identity, @Reference BillingClock clock, @Reference PluginMeters meters) {
        this.database = database;
        this.identity = identity;
        this.clock = clock;
        this.meters = meters;
    }

    /** A meter a plan may charge for: its name and what it counts, in which unit. */
    public record MeterInfo(String name, String description, boolean plugin) {
    }

    /** The meters a plan may charge for now: the built-in ones (from the kernel's accounting) and the plugins'. */
    @GET
    @Path("meters")
    @RequiresPermission(READ)
    public List<MeterInfo> chargeableMeters() {
        Map<String, PluginMeters.Info> plugins = meters.known();
        return meters.chargeable().stream().map(name -> plugins.containsKey(name) ? new MeterInfo(name, plugins.get(name).description(), true)
                : new MeterInfo(name, UsageCharges.COUNTERS.containsKey(name) ? UsageCharges.COUNTERS.get(name).description() : name, false)).toList();
    }

    @GET
    @RequiresPermission(READ)
    public List<PlanView> listPlans(@Context SecurityContext security) {
        Caller caller = Caller.of(security);
        return database.inTransaction(em -> {
            List<PlanEntity> plans = em.createQuery("select p from BillingPlan p order by p.code", PlanEntity.class).getResultList().stream()
                    .filter(p -> visible(caller, p)).toList();
            if (plans.isEmpty()) {
                return List.<PlanView>of();
            }
            Map<UUID, PlanVersionEntity> latest = em.createQuery("select v from BillingPlanVersion v where v.planId in :ids", PlanVersionEntity.class)
                    .setParameter("ids", plans.stream().map(p -> p.id).toList()).getResultList().stream()
                    .filter(v -> plans.stream().anyMatch(p -> p.id.equals(v.planId) && p.latestVersion == v.version))
                    .collect(Collectors.toMap(v -> v.planId, Function.identity()));
            return plans.stream().map(p -> view(p, latest.get(p.id))).toList();
        });
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(MANAGE)
    public Response createPlan(PlanJson.PlanRequest body, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        UUID seller = seller(caller);
        List<Problem.FieldError> errors = new ArrayList<>();
        if (body == null) {
            throw unprocessable("Send the plan as JSON: {\"code\": \"vps-s\", \"name\": \"VPS S\", \"currency\": \"EUR\", "
                    + "\"period\": \"MONTH\", \"price\": \"9.90\"}.", List.of(new Problem.FieldError("body", "required")));
        }
        String code = body.code() == null ? "" : body.code().strip();
        if (!code.matches("[a-z0-9][a-z0-9-]{0,63}")) {
            errors.add(new Problem.FieldError("code", "lower-case letters, digits and dashes, at most 64"));
        }
        PlanDefinition definition = PlanJson.definition(body, meters.chargeable(), errors);
        refuseIfInvalid(errors);
        Instant now = clock.instant();
        PlanEntity plan = new PlanEntity(UUID.randomUUID(), seller, code, now);
        PlanVersionEntity version = new PlanVersionEntity(UUID.randomUUID(), plan.id, 1, PlanJson.write(definition), now, caller.getName());
        database.run(em -> {
            Long taken = em.createQuery("select count(p) from BillingPlan p where p.ownerTenant = :o and p.code = :c", Long.class)
                    .setParameter("o", seller).setParameter("c", code).getSingleResult();
            if (taken > 0) {
                throw ProblemException.conflict("You sell a plan with the code " + code + " already; edit it (PUT) to make a new version.");
            }
            em.persist(plan);
            em.flush();
            em.persist(version);
        });
        LOG.info("Plan created plan={} code={} seller={} by={}", plan.id, code, seller, caller.getName());
        return Response.created(URI.create("/api/v1/billing/plans/" + plan.id)).entity(view(plan, version)).build();
    }

    @GET
    @Path("{id}")
    @RequiresPermission(value = READ, object = KIND)
    public PlanView getPlan(@PathParam("id") String id) {
        return database.inTransaction(em -> {
            PlanEntity plan = em.find(PlanEntity.class, UUID.fromString(id));
            return view(plan, version(em, plan, plan.latestVersion));
        });
    }

    @GET
    @Path("{id}/versions")
    @RequiresPermission(value = READ, object = KIND)
    public List<VersionView> versionsOfPlan(@PathParam("id") String id) {
        return database.inTransaction(em -> em.createQuery("select v from BillingPlanVersion v where v.planId = :p order by v.version desc",
                PlanVersionEntity.class).setParameter("p", UUID.fromString(id)).getResultList()).stream().map(v -> {
                    PlanJson.PlanRequest d = PlanJson.stored(v);
                    return new VersionView(v.version, v.createdAt, v.createdBy, d.name(), d.price(), d.currency());
                }).toList();
    }

    @GET
    @Path("{id}/versions/{version}")
    @RequiresPermission(value = READ, object = KIND)
    public PlanView getPlanVersion(@PathParam("id") String id, @PathParam("version") int number) {
        return database.inTransaction(em -> {
            PlanEntity plan = em.find(PlanEntity.class, UUID.fromString(id));
            return view(plan, version(em, plan, number));
        });
    }

    /** Makes the next version of the plan from the body (its code stays); a retired plan is not changed. */
    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = MANAGE, object = KIND)
    public PlanView changePlan(@PathParam("id") String id, PlanJson.PlanRequest body, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        List<Problem.FieldError> errors = new ArrayList<>();
        if (body == null) {
            throw unprocessable("Send the plan's new definition as JSON.", List.of(new Problem.FieldError("body", "required")));
        }
        PlanDefinition definition = PlanJson.definition(body, meters.chargeable(), errors);
        refuseIfInvalid(errors);
        UUID planId = UUID.fromString(id);
        String stored = PlanJson.write(definition);
        try {
            return database.inTransaction(em -> {
                PlanEntity plan = em.find(PlanEntity.class, planId, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
                if (plan.retiredAt != null) {
                    throw ProblemException.conflict("Plan " + plan.code + " is retired; make a new plan instead.");
                }
                if (body.code() != null && !body.code().strip().equals(plan.code)) {
                    throw unprocessable("A plan's code does not change.", List.of(new Problem.FieldError("code", "is " + plan.code)));
                }
                String currency = PlanJson.stored(version(em, plan, plan.latestVersion)).currency();
                if (!currency.equals(definition.currency().getCurrencyCode())) {
                    throw unprocessable("A plan's currency does not change (" + currency + "); make a plan for the other currency.",
                            List.of(new Problem.FieldError("currency", "is " + currency)));
                }
                plan.latestVersion++;
                PlanVersionEntity version = new PlanVersionEntity(UUID.randomUUID(), plan.id, plan.latestVersion, stored, clock.instant(), caller.getName());
                em.persist(version);
                LOG.info("Plan changed plan={} code={} version={} by={}", plan.id, plan.code, plan.latestVersion, caller.getName());
                return view(plan, version);
            });
        } catch (jakarta.persistence.PersistenceException e) {
            throw ProblemException.conflict("The plan was changed at the same moment by someone else; look at it again and retry.");
        }
    }

    /** How customers may order the plan from the portal; not versioned (it is about selling, not about what is sold). */
    @PUT
    @Path("{id}/ordering")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = MANAGE, object = KIND)
    public PlanView setPlanOrdering(@PathParam("id") String id, Ordering body, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        return database.inTransaction(em -> {
            PlanEntity plan = em.find(PlanEntity.class, UUID.fromString(id));
            if (body != null && body.orderable() != null) {
                plan.orderable = body.orderable();
            }
            if (body != null && body.firstOrderApproval() != null) {
                plan.firstOrderApproval = body.firstOrderApproval();
            }
            if (body != null && body.ipPool() != null) {
                plan.orderIpPool = body.ipPool().isBlank() ? null : sellersPool(body.ipPool().strip(), plan.ownerTenant);
            }
            LOG.info("Plan ordering set plan={} orderable={} firstOrderApproval={} by={}", plan.code, plan.orderable, plan.firstOrderApproval,
                    caller.getName());
            return view(plan, version(em, plan, plan.latestVersion));
        });
    }

    @Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile io.vessel.kernel.api.NetworkService network;

    /** {@code name} if it is one of the seller's address pools (the provider's own have no owner), else 422 naming {@code ipPool}. */
    private String sellersPool(String name, UUID seller) {
        io.vessel.kernel.api.NetworkService net = network;
        boolean provider = identity.provider().id().equals(seller);
        boolean ours = net != null && net.pool(name).map(p -> sellersPool(p, seller, provider)).orElse(false);
        if (!ours) {
            throw unprocessable("You have no address pool '" + name + "'.", List.of(new Problem.FieldError("ipPool", "one of your address pools")));
        }
        return name;
    }

    /** Whether the pool is the seller's: its own, or with no owner when the seller is the provider. */
    static boolean sellersPool(io.vessel.kernel.api.IpPool pool, UUID seller, boolean provider) {
        return pool.owner() == null ? provider : pool.owner().equals(seller.toString());
    }

    /** No new subscriptions to the plan; existing ones keep running on their versions. */
    @POST
    @Path("{id}/retire")
    @RequiresPermission(value = MANAGE, object = KIND)
    public PlanView retirePlan(@PathParam("id") String id, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        return database.inTransaction(em -> {
            PlanEntity plan = em.find(PlanEntity.class, UUID.fromString(id));
            if (plan.retiredAt == null) {
                plan.retiredAt = clock.instant();
                LOG.info("Plan retired plan={} code={} by={}", plan.id, plan.code, caller.getName());
            }
            return view(plan, version(em, plan, plan.latestVersion));
        });
    }

    @Override
    public Optional<String> ownerOf(String id) {
        UUID plan;
        try {
            plan = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(database.inTransaction(em -> em.find(PlanEntity.class, plan))).map(this::owner);
    }

    @Override
    public long countOwnedBy(String tenantId) {
        return database.inTransaction(em -> em.createQuery("select count(p) from BillingPlan p where p.ownerTenant = :t", Long.class)
                .setParameter("t", UUID.fromString(tenantId)).getSingleResult());
    }

    /** The tenant that sells: the caller's, which must be the provider or a reseller (customers buy, they do not sell). */
    private UUID seller(Caller caller) {
        UUID tenant = UUID.fromString(caller.tenantId());
        TenantKind kind = identity.tenant(tenant).map(Tenant::kind).orElse(TenantKind.CUSTOMER);
        if (kind == TenantKind.CUSTOMER) {
            throw new ProblemException(403, "forbidden", "Forbidden", "Only the provider and resellers sell plans.");
        }
        return tenant;
    }

    private boolean visible(Caller caller, PlanEntity plan) {
        String owner = owner(plan);
        return caller.sees(ObjectOwnership.PROVIDER.equals(owner) ? null : owner);
    }

    /** The owner as the access filter knows it: the provider's own plans are {@link ObjectOwnership#PROVIDER}'s. */
    private String owner(PlanEntity plan) {
        return tenantLabel(identity, plan.ownerTenant);
    }

    /** A tenant as billing's answers name it: {@link ObjectOwnership#PROVIDER} for the provider, else its id. */
    static String tenantLabel(IdentityService identity, UUID tenant) {
        return tenant.equals(identity.provider().id()) ? ObjectOwnership.PROVIDER : tenant.toString();
    }

    static PlanVersionEntity version(jakarta.persistence.EntityManager em, PlanEntity plan, int number) {
        return em.createQuery("select v from BillingPlanVersion v where v.planId = :p and v.version = :n", PlanVersionEntity.class)
                .setParameter("p", plan.id).setParameter("n", number).getResultStream().findFirst()
                .orElseThrow(() -> ProblemException.notFound("Plan " + plan.code + " has no version " + number + "."));
    }

    private PlanView view(PlanEntity plan, PlanVersionEntity version) {
        String seller = owner(plan);
        return new PlanView(plan.id, plan.code, seller, version.version, plan.latestVersion, plan.createdAt, version.createdAt, version.createdBy,
                plan.retiredAt, PlanJson.stored(version), plan.orderable, plan.firstOrderApproval, plan.orderIpPool);
    }

    /** A request that parses but cannot be used: 422, each wrong field named. */
    static ProblemException unprocessable(String detail, List<Problem.FieldError> errors) {
        return new ProblemException(422, "unprocessable", "Unprocessable request", detail, errors);
    }

    private static void refuseIfInvalid(List<Problem.FieldError> errors) {
        if (!errors.isEmpty()) {
            throw unprocessable("The plan is not valid: " + errors.stream().map(e -> e.field() + " " + e.message())
                    .collect(Collectors.joining("; ")) + ".", errors);
        }
    }
}
