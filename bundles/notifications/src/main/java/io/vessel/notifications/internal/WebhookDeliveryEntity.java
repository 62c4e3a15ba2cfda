package io.vessel.notifications.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity(name = "WebhookDeliveryEntity")
@Table(name = "webhook_delivery")
public class WebhookDeliveryEntity {
    @Id
    UUID id;
    @Column(name = "webhook_id")
    UUID webhookId;
    String event;
    String body;
    /** PENDING (waiting for its next attempt), DELIVERED, FAILED (given up). */
    String state;
    int attempts;
    @Column(name = "next_attempt_at")
    Instant nextAttemptAt;
    @Column(name = "last_status")
    Integer lastStatus;
    @Column(name = "last_error")
    String lastError;
    @Column(name = "created_at")
    Instant createdAt;
    @Column(name = "delivered_at")
    Instant deliveredAt;

    protected WebhookDeliveryEntity() {
    }

    WebhookDeliveryEntity(UUID id, UUID webhookId, String event, String body, Instant now) {
        this.id = id;
        this.webhookId = webhookId;
        this.event = event;
        this.body = body;
        this.state = "PENDING";
        this.nextAttemptAt = now;
        this.createdAt = now;
    }
}
