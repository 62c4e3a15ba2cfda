package io.vessel.backup.internal;

import io.vessel.kernel.api.hook.VeAction;
import io.vessel.kernel.api.hook.VeLifecycleEvent;
import io.vessel.kernel.api.hook.VeLifecycleHook;
import io.vessel.kernel.api.hook.VeVeto;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * A VE whose backup runs is neither destroyed nor reinstalled meanwhile (the backup would end half-read, or read a
 * tree being replaced): such a request is refused with {@code 409} and the reason. Answers from memory, at once.
 * Told of a destroy, it drops the VE's backup schedule.
 */
@Component(service = VeLifecycleHook.class, property = {VeLifecycleHook.NAME + "=backup", VeLifecycleHook.ACTIONS + "=DESTROY,REINSTALL",
        VeLifecycleHook.ON_FAILURE + "=allow"})
public final class BackupGuard implements VeLifecycleHook {

    private final BackupService backups;
    private final BackupSchedules schedules;

    @Activate
    public BackupGuard(@Reference BackupService backups, @Reference BackupSchedules schedules) {
        this.backups = backups;
        this.schedules = schedules;
    }

    /** A destroyed VE's schedule goes with it (its backups stay until deleted: they may be all that is left of it). */
    @Override
    public void after(VeLifecycleEvent event) {
        if (event.action() == VeAction.DESTROY) {
            schedules.delete(event.veId());
        }
    }

    @Override
    public void before(VeLifecycleEvent event) throws VeVeto {
        if (backups.busy(event.veId())) {
            throw VeVeto.conflict("VE " + event.veId() + " is being backed up; " + (event.action() == VeAction.DESTROY ? "destroy" : "reinstall")
                    + " it once the backup has finished");
        }
    }
}
