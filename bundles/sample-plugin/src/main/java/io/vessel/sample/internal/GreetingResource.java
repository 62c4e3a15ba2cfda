package io.vessel.sample.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.RequiresPermission;
import io.vessel.billing.api.UsageEvent;
import io.vessel.billing.api.UsageRecorder;
import io.vessel.persistence.api.Database;
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
import jakarta.ws.rs.core.Response;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** {@code /api/v1/sample}: what a plugin's REST resource with its own storage looks like. */
@Component(service = GreetingResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("sample")
@Produces(MediaType.APPLICATION_JSON)
public final class GreetingResource {

    /**
     * Body of {@code POST /api/v1/sample/greetings}: {@code tenant} is whose greeting it is (billed to it; absent: the
     * caller's own), {@code at} when it was made (absent: now; an old one imported late is billed as a correction).
     */
    public record NewGreeting(String message, String guest, String tenant, Instant at) {
    }

    /** A stored greeting. {@code guestLoadedLazily} tells whether the guest came through a Hibernate proxy. */
    public record GreetingView(UUID id, String message, String guest, Instant createdAt, boolean guestLoadedLazily) {
    }

    private final Database database;

    /** Billing, when the panel bills: each greeting is usage of the {@value GreetingMeter#NAME} meter. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile UsageRecorder usage;

    @Activate
    public GreetingResource(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + SamplePersistence.MODULE + ")") Database database) {
        this.database = database;
    }

    @GET
    @Path("hello")
    @RequiresPermission("sample.read")
    public Map<String, String> hello() {
        return Map.of("message", "Hello from the sample plugin");
    }

    @GET
    @Path("greetings")
    @RequiresPermission("sample.read")
    public List<GreetingView> listGreetings() {
        return database.inTransaction(em -> em.createQuery("select g from Greeting g order by g.createdAt", Greeting.class)
                .getResultList().stream().map(g -> {
                    boolean lazy = !em.getEntityManagerFactory().getPersistenceUnitUtil().isLoaded(g.getGuest());
                    return new GreetingView(g.getId(), g.getMessage(), g.getGuest().getName(), g.getCreatedAt(), lazy);
                }).toList());
    }

    @POST
    @Path("greetings")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission("sample.write")
    public Response createGreeting(NewGreeting body, @Context SecurityContext security) {
        if (body == null || body.message() == null || body.message().isBlank() || body.guest() == null || body.guest().isBlank()) {
            throw ProblemException.invalid("A greeting needs a message and a guest.", List.of(
                    new Problem.FieldError("message", "required"), new Problem.FieldError("guest", "required")));
        }
        if (body.message().length() > 500 || body.guest().length() > 100) {
            throw ProblemException.invalid("Too long.", List.of(new Problem.FieldError("message", "at most 500 characters"),
                    new Problem.FieldError("guest", "at most 100 characters")));
        }
        Caller caller = Caller.of(security);
        String tenant = body.tenant() == null ? caller.tenantId() : body.tenant().strip();
        if (!caller.sees(tenant)) {
            throw ProblemException.notFound("There is no tenant " + tenant + " of yours.");
        }
        Instant now = body.at() == null ? Instant.now().truncatedTo(ChronoUnit.MICROS) : body.at();
        GreetingView view = database.inTransaction(em -> {
            Guest guest = new Guest(UUID.randomUUID(), body.guest());
            em.persist(guest);
            Greeting greeting = new Greeting(UUID.randomUUID(), body.message(), guest, now);
            em.persist(greeting);
            return new GreetingView(greeting.getId(), greeting.getMessage(), guest.getName(), now, false);
        });
        UsageRecorder billing = usage;
        if (billing != null) {
            try {
                // keyed by the greeting: sent again after a failure, it still counts once
                billing.record(new UsageEvent(GreetingMeter.NAME, view.id().toString(), UUID.fromString(tenant), null, now, BigDecimal.ONE, null));
            } catch (IllegalArgumentException tooLate) {
                throw ProblemException.invalid("The greeting was kept but is not billed: " + tooLate.getMessage() + ".",
                        List.of(new Problem.FieldError("at", "within billing's correction window")));
            }
        }
        return Response.status(201).entity(view).build();
    }
}
