package io.vessel.billing.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.RequiresPermission;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code /api/v1/billing/clock}: billing's time, and (with the test clock on) moving it forward. Provider admins only. */
@Component(service = ClockResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("billing/clock")
@Produces(MediaType.APPLICATION_JSON)
public final class ClockResource {

    /** Body of {@code POST}: a time to move to, or a duration to move by ({@code P30D}, {@code PT1H}). */
    public record Move(String to, String by) {
    }

    private final BillingClock clock;

    @Activate
    public ClockResource(@Reference BillingClock clock) {
        this.clock = clock;
    }

    @GET
    @RequiresPermission(io.vessel.api.security.Permissions.BILLING_CLOCK)
    public Map<String, Object> getBillingClock(@Context SecurityContext security) {
        providerOnly(security);
        return Map.of("now", clock.instant().toString(), "movable", clock.movable());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(io.vessel.api.security.Permissions.BILLING_CLOCK)
    public Map<String, Object> moveBillingClock(Move body, @Context SecurityContext security) {
        providerOnly(security);
        if (!clock.movable()) {
            throw new ProblemException(409, "conflict", "The clock is real", "Billing runs on the real clock here; only a panel with"
                    + " billing.test.clock = true (tests and demos) lets it be moved.");
        }
        Instant target;
        try {
            target = body != null && body.to() != null ? Instant.parse(body.to())
                    : clock.instant().plus(Duration.parse(body == null || body.by() == null ? "" : body.by()));
        } catch (DateTimeParseException e) {
            throw PlansResource.unprocessable("Send {\"to\": \"2027-01-01T00:00:00Z\"} or {\"by\": \"P30D\"}.",
                    List.of(new Problem.FieldError(body != null && body.to() != null ? "to" : "by", "not a time or duration")));
        }
        if (!clock.moveTo(target)) {
            throw PlansResource.unprocessable("Billing's clock only moves forward; it is " + clock.instant() + ".",
                    List.of(new Problem.FieldError("to", "in the past")));
        }
        return Map.of("now", clock.instant().toString(), "movable", true);
    }

    private static void providerOnly(SecurityContext security) {
        if (!Caller.of(security).sees(null)) {
            throw ProblemException.notFound("There is no such resource.");
        }
    }
}
