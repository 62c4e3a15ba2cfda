package io.vessel.billing.internal;

import io.vessel.kernel.api.hook.VeLifecycleEvent;
import io.vessel.kernel.api.hook.VeLifecycleHook;
import io.vessel.kernel.api.hook.VeVeto;
import io.vessel.persistence.api.Database;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * A VE whose subscription is paused does not start until the subscription is resumed. Fails open: every VE start
 * asks, so a sick check must not keep every tenant's VEs down.
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
        boolean paused = database.inTransaction(em -> em.createQuery("select s.state from BillingSubscription s where s.veId = :v order by s.startedAt desc",
                String.class).setParameter("v", event.veId()).setMaxResults(1).getResultStream().findFirst().map(SubscriptionsResource.PAUSED::equals)
                .orElse(false));
        if (paused) {
            throw VeVeto.conflict("VE " + event.veId() + " is paused with its subscription; resume the subscription to start it");
        }
    }
}
