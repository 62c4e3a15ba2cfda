package io.vessel.billing.internal;

import io.vessel.api.security.RequiresPermission;
import io.vessel.kernel.api.UsageService;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Live cost of a VE: {@code /api/v1/billing/ves/{id}/cost}, the current period so far and projected for the
 * subscription the VE is billed through ({@code /api/v1/billing/accounts/{id}/cost} has the whole account's).
 */
@Component(service = CostResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("billing/ves")
@Produces(MediaType.APPLICATION_JSON)
public final class CostResource {

    private final Database database;
    private final BillingClock clock;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile UsageService usage;

    @Activate
    public CostResource(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database,
                        @Reference BillingClock clock) {
        this.database = database;
        this.clock = clock;
    }

    @GET
    @Path("{id}/cost")
    @RequiresPermission(value = AccountsResource.READ, object = "ve")
    public LiveCost.Cost costOfVe(@PathParam("id") int ve) {
        return database.inTransaction(em -> LiveCost.ofVe(em, ve, usage, clock.instant()))
                .orElseThrow(() -> ProblemException.notFound("VE " + ve + " is not billed through a subscription."));
    }

    /** What the VE cost on each day of the current period so far (for the portal's chart of daily cost). */
    @GET
    @Path("{id}/cost/daily")
    @RequiresPermission(value = AccountsResource.READ, object = "ve")
    public LiveCost.DailyCost dailyCostOfVe(@PathParam("id") int ve) {
        return database.inTransaction(em -> LiveCost.daily(em, ve, usage, clock.instant()))
                .orElseThrow(() -> ProblemException.notFound("VE " + ve + " is not billed through a subscription."));
    }
}
