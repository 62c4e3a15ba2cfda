package io.vessel.notifications.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.api.notify.Notification;
import io.vessel.persistence.api.Database;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tenants' webhooks: each notification a webhook subscribes to becomes a delivery row, then an HTTPS POST of a JSON
 * body signed with the webhook's secret — {@code Vessel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "t.body">}, so a receiver can check both who sent it and that it is fresh (reject a {@code t} more than five
 * minutes off: a replay). A delivery not answered with 2xx is tried again after 1, 6, 30, 180 and 720 times the
 * base delay ({@code notifications.webhook.retry}, 10 s), then given up. Rows make retries survive restarts; the
 * due time is taken with a conditional update, so with several panels each delivery is sent by one.
 */
@Component(service = Webhooks.class, configurationPid = "io.vessel.notifications", configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = Webhooks.Config.class)
public final class Webhooks {

    private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);
    private static final int[] BACKOFF = {1, 6, 30, 180, 720};
    static final ObjectMapper JSON = new ObjectMapper();

    @ObjectClassDefinition(name = "Vessel notifications")
    public @interface Config {
        @AttributeDefinition(description = "Networks webhooks may reach although they are not public (e.g. 10.1.0.0/16), comma-separated")
        String webhook_allow() default "";

        @AttributeDefinition(description = "Base delay between attempts of a failed delivery (e.g. 10s)")
        String webhook_retry() default "10s";
    }

    private final Database database;
    private final io.vessel.api.security.SecretSealer sealer;
    private final AddressGuard guard;
    private final Duration retryBase;
    private final Clock clock = Clock.systemUTC();
    /**
     * Made at the first delivery, not at activation: an HTTP client loads the JDK's default TLS context and its CA
     * certificates, a fifth of a second the start does not need to spend (issue 14).
     */
    private HttpClient http;

    private synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
        }
        return http;
    }
    private final ScheduledExecutorService dispatcher;
    private final ThreadPoolExecutor senders;

    @Activate
    public Webhooks(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + NotificationsPersistence.MODULE + ")") Database database,
                    @Reference io.vessel.api.security.SecretSealer sealer, Config config) {
        this.database = database;
        this.sealer = sealer;
        this.guard = AddressGuard.allowing(config.webhook_allow());
        this.retryBase = io.vessel.api.platform.SettingDurations.parse("notifications.webhook.retry", config.webhook_retry());
        this.dispatcher = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "vessel-webhooks"));
        this.senders = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(100), r -> daemon(r, "vessel-webhook-send"));
        senders.allowCoreThreadTimeOut(true);
        dispatcher.execute(this::sealSecretsKeptInClear);
        dispatcher.scheduleWithFixedDelay(this::dispatch, 2, 1, TimeUnit.SECONDS);
    }

    /** A signing secret as stored: sealed, so that a copy of the database alone cannot forge deliveries. */
    String seal(String secret) {
        return sealer.seal(secret);
    }

    /** The signing secret of a webhook; ones made before secrets were sealed are still in clear until sealed at start. */
    private String secretOf(WebhookEntity hook) {
        return hook.secret.startsWith(PLAIN_SECRET) ? hook.secret : sealer.open(hook.secret);
    }

    private static final String PLAIN_SECRET = "whsec_";

    /** Webhooks made by versions that kept secrets in clear get them sealed, once. */
    private void sealSecretsKeptInClear() {
        try {
            int sealed = database.inTransaction(em -> {
                // native SQL: nothing on the start path parses HQL (ANTLR's first parse costs about half a second of CPU; issue 14)
                @SuppressWarnings("unchecked")
                List<WebhookEntity> plain = em.createNativeQuery("select * from webhook where secret like ?1", WebhookEntity.class)
                        .setParameter(1, PLAIN_SECRET + "%").getResultList();
                plain.forEach(w -> w.secret = sealer.seal(w.secret));
                return plain.size();
            });
            if (sealed > 0) {
                LOG.info("Webhook secrets kept in clear are sealed now count={}", sealed);
            }
        } catch (RuntimeException e) {
            LOG.warn("Webhook secrets could not be sealed yet: {}", e.toString());
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    AddressGuard guard() {
        return guard;
    }

    /** Queues a delivery to every webhook of the tenant (null: the provider's) subscribed to the event. */
    void publish(java.util.UUID tenantId, Notification notification) {
        Instant now = clock.instant();
        try {
            int queued = database.inTransaction(em -> {
                List<WebhookEntity> hooks = (tenantId == null
                        ? em.createQuery("select w from WebhookEntity w where w.tenantId is null", WebhookEntity.class)
                        : em.createQuery("select w from WebhookEntity w where w.tenantId = :t", WebhookEntity.class).setParameter("t", tenantId))
                        .getResultList();
                int n = 0;
                for (WebhookEntity hook : hooks) {
                    if (hook.wants(notification.event())) {
                        UUID id = UUID.randomUUID();
                        em.persist(new WebhookDeliveryEntity(id, hook.id, notification.event(), body(id, tenantId, notification, now), now));
                        n++;
                    }
                }
                return n;
            });
            if (queued > 0) {
                dispatcher.execute(this::dispatch);
            }
        } catch (RuntimeException e) {
            LOG.error("Webhook deliveries not queued event={}: {}", notification.event(), e.toString());
        }
    }

    static String body(UUID deliveryId, UUID tenantId, Notification n, Instant at) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", deliveryId.toString());
        body.put("event", n.event());
        body.put("at", at.toString());
        body.put("tenant", tenantId == null ? null : tenantId.toString());
        body.put("subject", n.subject());
        body.put("text", n.text());
        body.put("data", n.data());
        try {
            return JSON.writeValueAsString(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("notification data that is not JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Deliveries wait for the panel to be ready (at most {@link #READY_WAIT_NANOS}): the first look parses HQL, about half a
     * second of CPU the start's last moments need (issue 14); a webhook a few seconds late is none the worse.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.api.platform.PanelReady ready;
    private final long activatedAt = System.nanoTime();
    private static final long READY_WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private void dispatch() {
        if (ready == null && System.nanoTime() - activatedAt < READY_WAIT_NANOS) {
            return;
        }
        try {
            Instant now = clock.instant();
            List<WebhookDeliveryEntity> due = database.inTransaction(em -> em.createQuery("select d from WebhookDeliveryEntity d"
                            + " where d.state = 'PENDING' and d.nextAttemptAt <= :now order by d.nextAttemptAt", WebhookDeliveryEntity.class)
                    .setParameter("now", now).setMaxResults(20).getResultList());
            for (WebhookDeliveryEntity delivery : due) {
                // taken by moving its due time on: another panel (or the next tick) does not send it too
                Instant claimUntil = now.plus(Duration.ofMinutes(2));
                int taken = database.inTransaction(em -> em.createQuery("update WebhookDeliveryEntity d set d.nextAttemptAt = :until"
                                + " where d.id = :id and d.state = 'PENDING' and d.nextAttemptAt = :due")
                        .setParameter("until", claimUntil).setParameter("id", delivery.id).setParameter("due", delivery.nextAttemptAt).executeUpdate());
                if (taken != 1) {
                    continue;
                }
                try {
                    senders.execute(() -> send(delivery));
                } catch (RejectedExecutionException e) {
                    return; // the claim lapses and the delivery is taken again later
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Webhook dispatch failed: {}", e.toString());
        }
    }

    private void send(WebhookDeliveryEntity delivery) {
        WebhookEntity hook = database.inTransaction(em -> em.find(WebhookEntity.class, delivery.webhookId));
        if (hook == null) {
            return; // deleted meanwhile (its deliveries went with it)
        }
        URI url = URI.create(hook.url);
        String refusal = guard.refusal(url);
        if (refusal != null) {
            LOG.warn("Webhook not called webhook={} event={}: {}", hook.id, delivery.event, refusal);
            record(delivery, null, "not sent: " + refusal, true);
            return;
        }
        long t = clock.instant().getEpochSecond();
        try {
            HttpResponse<Void> response = http().send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "Vessel-Webhooks/1")
                    .header("Vessel-Event", delivery.event)
                    .header("Vessel-Delivery", delivery.id.toString())
                    .header("Vessel-Signature", "t=" + t + ",v1=" + sign(secretOf(hook), t, delivery.body))
                    .POST(HttpRequest.BodyPublishers.ofString(delivery.body, StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            record(delivery, status, status / 100 == 2 ? null : "answered " + status, false);
        } catch (java.io.IOException e) {
            record(delivery, null, "not reached: " + e.getMessage(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Records an attempt: delivered on 2xx, otherwise due again after the back-off, or given up. */
    private void record(WebhookDeliveryEntity delivery, Integer status, String error, boolean giveUp) {
        Instant now = clock.instant();
        database.run(em -> {
            WebhookDeliveryEntity d = em.find(WebhookDeliveryEntity.class, delivery.id);
            if (d == null) {
                return;
            }
            d.attempts++;
            d.lastStatus = status;
            d.lastError = error == null ? null : error.length() > 1000 ? error.substring(0, 1000) : error;
            if (error == null) {
                d.state = "DELIVERED";
                d.deliveredAt = now;
                d.nextAttemptAt = null;
            } else if (giveUp || d.attempts > BACKOFF.length) {
                d.state = "FAILED";
                d.nextAttemptAt = null;
            } else {
                d.nextAttemptAt = now.plus(retryBase.multipliedBy(BACKOFF[d.attempts - 1]));
            }
        });
        if (error == null) {
            LOG.info("Webhook delivered delivery={} event={} status={}", delivery.id, delivery.event, status);
        } else {
            LOG.info("Webhook attempt failed delivery={} event={} attempt={}: {}", delivery.id, delivery.event, delivery.attempts + 1, error);
        }
    }

    static String sign(String secret, long timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    Database database() {
        return database;
    }

    @Deactivate
    void deactivate() {
        dispatcher.shutdownNow();
        senders.shutdownNow();
    }
}
