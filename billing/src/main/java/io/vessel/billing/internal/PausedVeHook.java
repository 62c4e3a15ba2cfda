package io.vessel.billing.internal;

import io.vessel.kernel.api.hook.VeLifecycleEvent;
import io.vessel.kernel.api.hook.VeLifecycleHook;
import io.vessel.kernel.api.hook.VeVeto;
import io.vessel.persistence.api.Database;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * A VE that billing holds does not start (nor resume, which the kernel asks as a start) through the API: one whose
 * subscription is paused until it is resumed, one dunning suspended or stopped until what is due is paid, one whose
 * provisioned service an external billing system suspended until it lifts the suspension. Billing itself lifts
 * them through the kernel service, not through this check. Fails open: every VE start asks, so a sick check must
 * not keep every tenant's VEs down.
 */
@Component(service = VeLifecycleHook.class, property = {VeLifecycleHook.NAME + "=billing-pause", VeLifecycleHook.ACTIONS + "=START",
        VeLifecycleHook.ON_FAILURE + "=allow"})
public final class PausedVeHook implements VeLifecycleHook {

    private final Database database;

    @Activate
    public PausedVeHook(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + BillingPersistence.MODULE + ")") Database database) {
        this.database = database;
    }

    @Override
    public void before(VeLifecycleEvent event) throws VeVeto {
        int ve = event.veId();
        String why = database.inTransaction(em -> {
            boolean paused = em.createQuery("select s.state from BillingSubscription s where s.veId = :v order by s.startedAt desc", String.class)
                    .setParameter("v", ve).setMaxResults(1).getResultStream().findFirst().map(SubscriptionsResource.PAUSED::equals).orElse(false);
            if (paused) {
                return "VE " + ve + " is paused with its subscription; resume the subscription to start it";
            }
            boolean dunned = !em.createQuery("select s.id from BillingSuspension s where s.veId = :v and s.liftedAt is null").setParameter("v", ve)
                    .setMaxResults(1).getResultList().isEmpty();
            if (dunned) {
                return "VE " + ve + " is held for an overdue invoice; it runs again once what is due is paid";
            }
            if (event.owner() == null) {
                return null; // the provider's own VEs are never provisioned services
            }
            return em.createQuery("select r.suspendReason from BillingProvisionedService r where r.veId = :v and r.tenantId = :t and r.state = :s",
                            String.class).setParameter("v", ve).setParameter("t", java.util.UUID.fromString(event.owner()))
                    .setParameter("s", ProvisionedServiceEntity.SUSPENDED).setMaxResults(1).getResultStream().findFirst()
                    .map(reason -> "VE " + ve + " is suspended by your provider: " + reason).orElse(null);
        });
        if (why != null) {
            throw VeVeto.conflict(why);
        }
    }
}
