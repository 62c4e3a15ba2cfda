package io.vessel.billing.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** The PDF of an issued document exactly as first rendered, with its SHA-256; never rendered again. */
@Entity(name = "BillingDocument")
@Table(name = "billing_document")
public class DocumentEntity {
    @Id
    @Column(name = "invoice_id")
    UUID invoiceId;
    @Column(name = "media_type")
    String mediaType;
    byte[] content;
    String sha256;
    @Column(name = "rendered_at")
    Instant renderedAt;
    /** The libraries that rendered it, with their versions. */
    String renderer;

    protected DocumentEntity() {
    }

    DocumentEntity(UUID invoiceId, String mediaType, byte[] content, String sha256, Instant renderedAt, String renderer) {
        this.invoiceId = invoiceId;
        this.mediaType = mediaType;
        this.content = content;
        this.sha256 = sha256;
        this.renderedAt = renderedAt;
        this.renderer = renderer;
    }
}
