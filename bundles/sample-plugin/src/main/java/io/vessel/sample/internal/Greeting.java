package io.vessel.sample.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "sample_greeting")
public class Greeting {

    @Id
    private UUID id;

    @Column(nullable = false, length = 500)
    private String message;

    /** Lazy on purpose: loading it goes through a Hibernate proxy defined in this bundle's class loader. */
    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "guest_id")
    private Guest guest;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected Greeting() {
    }

    Greeting(UUID id, String message, Guest guest, Instant createdAt) {
        this.id = id;
        this.message = message;
        this.guest = guest;
        this.createdAt = createdAt;
    }

    UUID getId() {
        return id;
    }

    String getMessage() {
        return message;
    }

    Guest getGuest() {
        return guest;
    }

    Instant getCreatedAt() {
        return createdAt;
    }
}
