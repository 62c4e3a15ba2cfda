package io.vessel.notifications.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity(name = "WebhookEntity")
@Table(name = "webhook")
public class WebhookEntity {
    @Id
    UUID id;
    @Column(name = "tenant_id")
    UUID tenantId;
    String url;
    /** Comma-separated event patterns: {@code ve.started}, {@code ve.*} or {@code *}. */
    String events;
    String description;
    /** The HMAC key; the tenant sees it once, at creation. */
    String secret;
    @Column(name = "created_at")
    Instant createdAt;

    protected WebhookEntity() {
    }

    WebhookEntity(UUID id, UUID tenantId, String url, String events, String description, String secret, Instant createdAt) {
        this.id = id;
        this.tenantId = tenantId;
        this.url = url;
        this.events = events;
        this.description = description;
        this.secret = secret;
        this.createdAt = createdAt;
    }

    boolean wants(String event) {
        for (String pattern : events.split(",")) {
            String p = pattern.strip();
            if (p.equals("*") || p.equals(event) || p.endsWith(".*") && event.startsWith(p.substring(0, p.length() - 1))) {
                return true;
            }
        }
        return false;
    }
}
