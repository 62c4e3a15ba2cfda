package io.vessel.notifications.internal;

import io.vessel.api.notify.Notification;
import io.vessel.api.security.Caller;
import io.vessel.api.security.ObjectOwnership;
import io.vessel.api.security.RequiresPermission;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code /api/v1/webhooks}: a tenant's endpoints for notifications about its objects (its VEs, later its invoices
 * and backups). The secret that signs deliveries is shown once, when the webhook is made.
 */
@Component(service = {WebhooksResource.class, ObjectOwnership.class}, property = {ApiWhiteboard.RESOURCE + "=true",
        ObjectOwnership.KIND + "=webhook"})
@Path("webhooks")
@Produces(MediaType.APPLICATION_JSON)
public final class WebhooksResource implements ObjectOwnership {

    static final String MANAGE = io.vessel.api.security.Permissions.WEBHOOK_MANAGE;

    /** Body of {@code POST /api/v1/webhooks}: events are names or patterns ({@code ve.started}, {@code ve.*}, {@code *}). */
    public record NewWebhook(String url, List<String> events, String description) {
    }

    /** A webhook as listed; {@code secret} only in the answer to its creation. */
    public record WebhookView(UUID id, String owner, String url, List<String> events, String description, Instant createdAt, String secret) {
    }

    /** One delivery, newest first. */
    public record DeliveryView(UUID id, String event, String state, int attempts, Integer lastStatus, String lastError, Instant createdAt,
                               Instant deliveredAt, Instant nextAttemptAt) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Webhooks webhooks;
    private final Database database;

    @Activate
    public WebhooksResource(@Reference Webhooks webhooks) {
        this.webhooks = webhooks;
        this.database = webhooks.database();
    }

    @GET
    @RequiresPermission(MANAGE)
    public List<WebhookView> listWebhooks(@Context SecurityContext security) {
        Caller caller = Caller.of(security);
        return database.inTransaction(em -> em.createQuery("select w from WebhookEntity w order by w.createdAt", WebhookEntity.class).getResultList())
                .stream().filter(w -> caller.sees(w.tenantId == null ? null : w.tenantId.toString())).map(w -> view(w, null)).toList();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(MANAGE)
    public Response createWebhook(NewWebhook body, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        if (body == null || body.url() == null || body.url().isBlank()) {
            throw ProblemException.invalid("Send {\"url\": \"https://example.com/hooks/vessel\", \"events\": [\"ve.*\"]}.",
                    List.of(new Problem.FieldError("url", "required")));
        }
        URI url;
        try {
            url = URI.create(body.url().strip());
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("url is not a URL.", List.of(new Problem.FieldError("url", "not a URL")));
        }
        String refusal = url.getHost() == null || body.url().length() > 2000 ? "the address must be an https:// URL" : webhooks.guard().refusal(url);
        if (refusal != null) {
            throw new ProblemException(422, "unprocessable", "Unprocessable request", "This webhook cannot be called: " + refusal + ".",
                    List.of(new Problem.FieldError("url", refusal)));
        }
        List<String> events = body.events() == null || body.events().isEmpty() ? List.of("*") : body.events().stream().map(String::strip).toList();
        for (String e : events) {
            if (!e.matches("\\*|[a-z][a-z0-9-]*(\\.[a-z0-9-]+)*(\\.\\*)?")) {
                throw ProblemException.invalid("'" + e + "' is not an event name or pattern (ve.started, ve.*, *).",
                        List.of(new Problem.FieldError("events", "ve.started, ve.* or *")));
            }
        }
        String description = body.description() == null ? null : body.description().strip();
        if (description != null && description.length() > 200) {
            throw ProblemException.invalid("description is at most 200 characters.", List.of(new Problem.FieldError("description", "too long")));
        }
        byte[] key = new byte[24];
        RANDOM.nextBytes(key);
        String secret = "whsec_" + HexFormat.of().formatHex(key);
        UUID tenant = caller.tenantId() == null || caller.sees(null) ? null : UUID.fromString(caller.tenantId());
        WebhookEntity entity = new WebhookEntity(UUID.randomUUID(), tenant, url.toString(), String.join(",", events), description,
                webhooks.seal(secret), Instant.now());
        database.run(em -> em.persist(entity));
        return Response.created(URI.create("/api/v1/webhooks/" + entity.id)).entity(view(entity, secret)).build();
    }

    @DELETE
    @Path("{id}")
    @RequiresPermission(value = MANAGE, object = "webhook")
    public Response deleteWebhook(@PathParam("id") String id) {
        UUID webhook = UUID.fromString(id);
        database.run(em -> {
            em.createQuery("delete from WebhookDeliveryEntity d where d.webhookId = :w").setParameter("w", webhook).executeUpdate();
            WebhookEntity w = em.find(WebhookEntity.class, webhook);
            if (w != null) {
                em.remove(w);
            }
        });
        return Response.noContent().build();
    }

    @GET
    @Path("{id}/deliveries")
    @RequiresPermission(value = MANAGE, object = "webhook")
    public List<DeliveryView> deliveriesOfWebhook(@PathParam("id") String id) {
        UUID webhook = UUID.fromString(id);
        return database.inTransaction(em -> em.createQuery("select d from WebhookDeliveryEntity d where d.webhookId = :w order by d.createdAt desc",
                        WebhookDeliveryEntity.class).setParameter("w", webhook).setMaxResults(100).getResultList()).stream()
                .map(d -> new DeliveryView(d.id, d.event, d.state, d.attempts, d.lastStatus, d.lastError, d.createdAt, d.deliveredAt,
                        "PENDING".equals(d.state) ? d.nextAttemptAt : null)).toList();
    }

    /** Sends a {@code webhook.ping} to this webhook only, to try a receiver. */
    @POST
    @Path("{id}/ping")
    @RequiresPermission(value = MANAGE, object = "webhook")
    public Response pingWebhook(@PathParam("id") String id) {
        UUID webhook = UUID.fromString(id);
        Instant now = Instant.now();
        UUID delivery = UUID.randomUUID();
        database.run(em -> {
            WebhookEntity w = em.find(WebhookEntity.class, webhook);
            em.persist(new WebhookDeliveryEntity(delivery, webhook, "webhook.ping", Webhooks.body(delivery, w.tenantId,
                    new Notification("webhook.ping", "Ping", "A test delivery asked for in the panel.", Map.of("webhook", id)), now), now));
        });
        return Response.accepted(Map.of("delivery", delivery.toString())).build();
    }

    @Override
    public Optional<String> ownerOf(String id) {
        UUID webhook;
        try {
            webhook = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(database.inTransaction(em -> em.find(WebhookEntity.class, webhook)))
                .map(w -> w.tenantId == null ? ObjectOwnership.PROVIDER : w.tenantId.toString());
    }

    @Override
    public long countOwnedBy(String tenantId) {
        return database.inTransaction(em -> em.createQuery("select count(w) from WebhookEntity w where w.tenantId = :t", Long.class)
                .setParameter("t", UUID.fromString(tenantId)).getSingleResult());
    }

    private static WebhookView view(WebhookEntity w, String secret) {
        return new WebhookView(w.id, w.tenantId == null ? null : w.tenantId.toString(), w.url, Arrays.asList(w.events.split(",")), w.description,
                w.createdAt, secret);
    }
}
