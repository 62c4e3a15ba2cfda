package io.vessel.billing.internal;

import io.vessel.api.operation.Operation;
import io.vessel.api.operation.OperationService;
import io.vessel.api.security.Caller;
import io.vessel.api.security.ObjectOwnership;
import io.vessel.api.security.RequiresPermission;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.ProblemException;
import jakarta.persistence.EntityManager;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code /api/v1/billing/runs}: billing runs asked for by a seller's administrator, each a tracked operation (a run
 * over ten thousand accounts takes seconds, and the caller sees its progress instead of a hanging request): {@code POST}
 * answers {@code 202} with the operation, whose result is the run ({@code GET …/runs/{id}}: accounts billed, the
 * documents' numbers, the accounts whose documents wait). A seller's run bills its own customers; the list shows the
 * caller's runs (the provider's: all, the hourly scheduled ones included).
 */
@Component(service = {RunsResource.class, ObjectOwnership.class}, property = {ApiWhiteboard.RESOURCE + "=true",
        ObjectOwnership.KIND + "=" + RunsResource.KIND})
@Path("billing/runs")
@Produces(MediaType.APPLICATION_JSON)
public final class RunsResource implements ObjectOwnership {

    static final String KIND = "billing-run";

    /** A billing run as the API shows it; {@code documents}: the numbers it issued (in the one run asked for, not in the list). */
    public record RunView(UUID id, String state, String requestedBy, UUID operation, Instant startedAt, Instant finishedAt, int accounts,
                          int accountsBilled, int documentCount, List<String> documents, List<UUID> failed) {
    }

    private final Database database;
    private final BillingRun run;
    private final OperationService operations;

    @Activate
    public RunsResource(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                        @Reference BillingRun run, @Reference OperationService operations) {
        this.database = database;
        this.run = run;
        this.operations = operations;
    }

    /**
     * Bills the caller's customers (what is due; what was billed is never billed again), as a tracked operation;
     * with {@code tenant}, that one customer only (an administrator invoicing a customer now rather than at the next
     * hourly run, e.g. after ending its subscription), and with {@code usageSoFar} also the metered usage of the
     * current period so far (the upcoming invoice, issued now; the rest of the period is priced on top of it).
     */
    @POST
    @RequiresPermission(AccountsResource.MANAGE)
    public Response startRun(@QueryParam("tenant") String tenant, @QueryParam("usageSoFar") boolean usageSoFar, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        Predicate<UUID> customers = AccountsResource.customersOf(caller);
        if (tenant != null) {
            UUID only;
            try {
                only = UUID.fromString(tenant.strip());
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest("tenant is a customer's id.");
            }
            if (!customers.test(only)) {
                throw ProblemException.notFound("There is no customer " + tenant + " of yours.");
            }
            customers = only::equals;
        }
        Predicate<UUID> billed = customers;
        UUID id = run.record(UUID.fromString(caller.tenantId()), caller.getName());
        Operation operation = operations.submit("billing.run", "billing-run/" + id, caller.tenantId(), progress -> {
            progress.update(1, "finding the accounts to bill");
            BillingRun.Result result = run.run(billed, id, (done, of) -> progress.update(Math.max(1, Math.min(99, 100 * done / Math.max(1, of))),
                    "billed " + done + " of " + of + " accounts"), usageSoFar && tenant != null);
            progress.update(100, result.documents().size() + " documents issued" + (result.failed().isEmpty() ? ""
                    : ", " + result.failed().size() + " accounts wait for the next run"));
            return "/api/v1/billing/runs/" + id;
        });
        run.tracked(id, operation.id());
        return Response.accepted(operation).location(URI.create("/api/v1/operations/" + operation.id())).build();
    }

    @GET
    @RequiresPermission(AccountsResource.READ)
    public List<RunView> listRuns(@QueryParam("limit") @DefaultValue("50") int limit, @Context SecurityContext security) {
        if (limit < 1 || limit > 500) {
            throw ProblemException.badRequest("limit must be between 1 and 500.");
        }
        Caller caller = Caller.of(security);
        return database.inTransaction(em -> em.createQuery("select r from BillingRunRecord r order by r.startedAt desc", RunEntity.class)
                .getResultStream().filter(r -> caller.sees(owner(r))).limit(limit).map(r -> view(em, r, false)).toList());
    }

    @GET
    @Path("{id}")
    @RequiresPermission(value = AccountsResource.READ, object = KIND)
    public RunView getRun(@PathParam("id") String id) {
        return database.inTransaction(em -> view(em, em.find(RunEntity.class, UUID.fromString(id)), true));
    }

    @Override
    public Optional<String> ownerOf(String id) {
        try {
            UUID run = UUID.fromString(id);
            return Optional.ofNullable(database.inTransaction(em -> em.find(RunEntity.class, run))).map(RunsResource::owner);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String owner(RunEntity r) {
        return r.ownerTenant == null ? ObjectOwnership.PROVIDER : r.ownerTenant.toString();
    }

    private static RunView view(EntityManager em, RunEntity r, boolean documents) {
        List<String> numbers = documents ? em.createQuery("select i.number from BillingInvoice i where i.runId = :r order by i.kind desc, i.sequence",
                String.class).setParameter("r", r.id).getResultList() : null;
        List<UUID> failed = r.failedAccounts == null ? List.of() : Arrays.stream(r.failedAccounts.split(",")).map(UUID::fromString).toList();
        return new RunView(r.id, r.state, r.requestedBy, r.operationId, r.startedAt, r.finishedAt, r.accounts, r.accountsDone, r.documents, numbers,
                failed);
    }
}
