package io.vessel.identity.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "audit_event")
public class AuditEventEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;
    @Column(nullable = false)
    private Instant at;
    @Column(nullable = false, length = 20)
    private String category;
    @Column(nullable = false, length = 120)
    private String action;
    @Column(name = "actor_id")
    private UUID actorId;
    @Column(name = "actor_name", length = 64)
    private String actorName;
    @Column(name = "impersonator_name", length = 64)
    private String impersonatorName;
    @Column(name = "tenant_id")
    private UUID tenantId;
    @Column(name = "subject_account_id")
    private UUID subjectAccountId;
    @Column(length = 300)
    private String target;
    @Column(name = "source_ip", length = 45)
    private String sourceIp;
    @Column(nullable = false)
    private int status;
    @Column(length = 500)
    private String detail;

    protected AuditEventEntity() {
    }

    AuditEventEntity(AuditLog.Entry entry) {
        this.at = entry.at();
        this.category = entry.category();
        this.action = cut(entry.action(), 120);
        this.actorId = entry.actorId();
        this.actorName = cut(entry.actorName(), 64);
        this.impersonatorName = cut(entry.impersonatorName(), 64);
        this.tenantId = entry.tenantId();
        this.subjectAccountId = entry.subjectAccountId();
        this.target = cut(entry.target(), 300);
        this.sourceIp = cut(entry.sourceIp(), 45);
        this.status = entry.status();
        this.detail = cut(entry.detail(), 500);
    }

    private static String cut(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }

    AuditLog.Event toEvent() {
        return new AuditLog.Event(id, at, category, action, actorName, impersonatorName, tenantId, target, sourceIp, status, detail);
    }
}
