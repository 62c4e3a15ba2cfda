package io.vessel.sample.internal;

import io.vessel.api.notify.Notification;
import io.vessel.api.notify.NotificationChannel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/**
 * A notification channel: when a VE starts ({@code ve.running}), the URL of the plugin's {@code Webhook on VE start}
 * setting gets a JSON POST. The panel calls {@link #deliver} on this plugin's own threads with a time limit, so a
 * slow receiver never holds anybody else up; a failure is logged by the panel.
 */
@Component(service = NotificationChannel.class, property = NotificationChannel.NAME + "=sample-ve-start",
        configurationPid = "io.vessel.sample", configurationPolicy = ConfigurationPolicy.REQUIRE)
public final class VeStartWebhook implements NotificationChannel {

    private final URI target;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @Activate
    public VeStartWebhook(SampleSettings.Config config) {
        this.target = config.webhook_url().isBlank() ? null : URI.create(config.webhook_url().strip());
    }

    @Override
    public void deliver(UUID tenantId, Notification notification) throws IOException, InterruptedException {
        if (target == null || !"ve.running".equals(notification.event())) {
            return;
        }
        String body = "{\"event\":\"ve.running\",\"ve\":" + quote(notification.data().get("ve")) + ",\"tenant\":" + quote(tenantId) + "}";
        HttpResponse<Void> response = http.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() / 100 != 2) {
            throw new IOException(target + " answered " + response.statusCode());
        }
    }

    private static String quote(Object value) {
        return value == null ? "null" : "\"" + String.valueOf(value).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
