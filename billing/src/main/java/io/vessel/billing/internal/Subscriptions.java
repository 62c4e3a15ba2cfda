package io.vessel.billing.internal;

import io.vessel.billing.api.PlanDefinition;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.UUID;

/** The queries the run, the draft, live cost and the quota hook share about a tenant's subscriptions. */
final class Subscriptions {

    private Subscriptions() {
    }

    /** The tenant's subscriptions, oldest first. */
    static List<SubscriptionEntity> of(EntityManager em, UUID tenant) {
        return em.createQuery("select s from BillingSubscription s where s.tenantId = :t order by s.startedAt", SubscriptionEntity.class)
                .setParameter("t", tenant).getResultList();
    }

    /**
     * The definition of the plan version the subscription is on. Plan versions never change once made, so each is read
     * and parsed once (a billing run asks for thousands); the memo is bounded.
     */
    static PlanDefinition plan(EntityManager em, SubscriptionEntity s) {
        String key = s.planId + "/" + s.planVersion;
        PlanDefinition known = VERSIONS.get(key);
        if (known != null) {
            return known;
        }
        PlanDefinition read = PlanJson.read(PlansResource.version(em, em.find(PlanEntity.class, s.planId), s.planVersion));
        if (VERSIONS.size() >= 4096) {
            VERSIONS.clear(); // bounded: a panel with more plan versions than that in use reads some again
        }
        VERSIONS.put(key, read);
        return read;
    }

    /** Immutable plan versions by plan id and number. */
    private static final java.util.Map<String, PlanDefinition> VERSIONS = new java.util.concurrent.ConcurrentHashMap<>();
}
