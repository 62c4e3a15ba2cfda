package io.vessel.backup.internal;

import io.vessel.persistence.api.PersistenceContribution;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * What of backups this process runs, by its role (the launcher's {@code server.role}): a panel keeps the records and
 * orchestrates (the {@link BackupPersistence} contribution, and so {@link BackupService} and all that needs it); a
 * node agent only answers panels' calls for its own VEs ({@link NodeBackups}, everywhere). Registered here, as the
 * bundle starts, rather than enabled later: the database's first mapping waits for what starting bundles contribute.
 */
@Component(immediate = true)
public final class BackupRole {

    private final ServiceRegistration<PersistenceContribution> records;

    @Activate
    public BackupRole(BundleContext context) {
        this.records = "node-agent".equals(context.getProperty("vessel.role")) ? null
                : context.registerService(PersistenceContribution.class, new BackupPersistence(), null);
    }

    @Deactivate
    void deactivate() {
        if (records != null) {
            try {
                records.unregister();
            } catch (IllegalStateException gone) {
                // the bundle is stopping
            }
        }
    }
}
