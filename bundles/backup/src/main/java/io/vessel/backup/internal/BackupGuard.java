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
 */
@Component(service = VeLifecycleHook.class, property = {VeLifecycleHook.NAME + "=backup", VeLifecycleHook.ACTIONS + "=DESTROY,REINSTALL",
        VeLifecycleHook.ON_FAILURE + "=allow"})
public final class BackupGuard implements VeLifecycleHook {

    private final BackupService backups;

    @Activate
    public BackupGuard(@Reference BackupService backups) {
        this.backups = backups;
    }

    @Override
    public void before(VeLifecycleEvent event) throws VeVeto {
        if (backups.busy(event.veId())) {
            throw VeVeto.conflict("VE " + event.veId() + " is being backed up; " + (event.action() == VeAction.DESTROY ? "destroy" : "reinstall")
                    + " it once the backup has finished");
        }
    }
}
