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

    /** The definition of the plan version the subscription is on. */
    static PlanDefinition plan(EntityManager em, SubscriptionEntity s) {
        return PlanJson.read(PlansResource.version(em, em.find(PlanEntity.class, s.planId), s.planVersion));
    }
}
