package io.vessel.identity.internal;

import io.vessel.persistence.api.Database;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who did what, to what, from where, with which result. Written in the request's own thread so that an answered
 * request is always on record; a failure to write is logged and never turns a done action into an error.
 */
@Component(service = AuditLog.class)
public final class AuditLog {

    /** Changes made through the API. */
    static final String CHANGE = "change";
    /** Logins, password and 2FA changes, token use: what a customer's security log shows. */
    static final String SECURITY = "security";

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

    /** What is written. {@code subjectAccountId} is the account a security event concerns. */
    record Entry(Instant at, String category, String action, UUID actorId, String actorName, String impersonatorName, UUID tenantId,
                 UUID subjectAccountId, String target, String sourceIp, int status, String detail) {
    }

    /** What is read back. */
    public record Event(Long id, Instant at, String category, String action, String actor, String impersonator, UUID tenantId, String target,
                        String sourceIp, int status, String detail) {
    }

    /** Filters of {@code GET /api/v1/audit}; null fields do not filter. */
    record Query(String actor, String action, String target, String category, Integer status, Instant from, Instant to, int limit) {
    }

    private final Database database;

    @Activate
    public AuditLog(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + IdentityPersistence.MODULE + ")") Database database) {
        this.database = database;
    }

    void record(Entry entry) {
        try {
            database.run(em -> em.persist(new AuditEventEntity(entry)));
        } catch (RuntimeException e) {
            LOG.error("Audit event not written action={} actor={} status={}: {}", entry.action(), entry.actorName(), entry.status(), e.getMessage());
        }
    }

    /** A security event about one account (logins, 2FA, tokens, passwords). */
    void security(String action, UUID account, String actorName, UUID tenant, String sourceIp, int status, String detail) {
        record(new Entry(Tenancy.now(), SECURITY, action, account, actorName, null, tenant, account, null, sourceIp, status, detail));
    }

    /** Newest first, restricted to events of tenants in {@code visibleTenants} (null: all). */
    List<Event> query(Query q, List<UUID> visibleTenants) {
        StringBuilder jpql = new StringBuilder("select e from AuditEventEntity e where 1 = 1");
        List<Object[]> params = new ArrayList<>();
        add(jpql, params, q.actor(), "e.actorName = :actor", "actor");
        add(jpql, params, q.action() == null ? null : "%" + q.action() + "%", "e.action like :action", "action");
        add(jpql, params, q.target() == null ? null : "%" + q.target() + "%", "e.target like :target", "target");
        add(jpql, params, q.category(), "e.category = :category", "category");
        add(jpql, params, q.status(), "e.status = :status", "status");
        add(jpql, params, q.from(), "e.at >= :from", "from");
        add(jpql, params, q.to(), "e.at < :to", "to");
        add(jpql, params, visibleTenants, "e.tenantId in :tenants", "tenants");
        jpql.append(" order by e.id desc");
        return database.inTransaction(em -> {
            var query = em.createQuery(jpql.toString(), AuditEventEntity.class).setMaxResults(q.limit());
            params.forEach(p -> query.setParameter((String) p[0], p[1]));
            return query.getResultList().stream().map(AuditEventEntity::toEvent).toList();
        });
    }

    /** The security log of one account, newest first. */
    List<Event> securityLog(UUID account, int limit) {
        return database.inTransaction(em -> em.createQuery(
                "select e from AuditEventEntity e where e.subjectAccountId = :a and e.category = :c order by e.id desc", AuditEventEntity.class)
                .setParameter("a", account).setParameter("c", SECURITY).setMaxResults(limit).getResultList().stream()
                .map(AuditEventEntity::toEvent).toList());
    }

    private static void add(StringBuilder jpql, List<Object[]> params, Object value, String clause, String name) {
        if (value != null) {
            jpql.append(" and ").append(clause);
            params.add(new Object[] {name, value});
        }
    }
}
