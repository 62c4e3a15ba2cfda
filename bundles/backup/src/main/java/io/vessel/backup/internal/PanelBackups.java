package io.vessel.backup.internal;

import io.vessel.api.operation.Operation;
import io.vessel.api.schedule.ScheduledTask;
import io.vessel.api.schedule.TaskRun;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.persistence.api.DatabaseDump;
import io.vessel.web.api.ApiWhiteboard;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code /api/v1/panel-backups}: the panel's own backup — the database (invoices, audit log, accounts, everything),
 * the keys (the backup master key above all: without it no tenant repository opens), the configuration, the node's
 * identity and certificates — into the repository {@code panel} of the default target, which the provider's
 * recovery key opens, so that it survives the loss of the host. Nightly at 02:30 UTC (task {@code backup.panel},
 * missed runs caught up) and on demand; the provider's administrators only. docs/backups.md has the restore.
 */
@Component(service = {PanelBackups.class, ScheduledTask.class}, property = {ApiWhiteboard.RESOURCE + "=true",
        ScheduledTask.NAME + "=backup.panel", ScheduledTask.CRON + "=30 2 * * *", ScheduledTask.MISSED + "=" + ScheduledTask.CATCH_UP})
@Path("panel-backups")
@Produces(MediaType.APPLICATION_JSON)
public final class PanelBackups implements ScheduledTask {

    private final BackupService backups;
    private final DatabaseDump dump;
    private final java.nio.file.Path data;
    private final java.nio.file.Path conf;

    @Activate
    public PanelBackups(BundleContext context, @Reference BackupService backups, @Reference DatabaseDump dump) {
        this.backups = backups;
        this.dump = dump;
        String dataProperty = context.getProperty("vessel.data.dir");
        this.data = java.nio.file.Path.of(dataProperty == null || dataProperty.isBlank() ? "data" : dataProperty).toAbsolutePath();
        String home = context.getProperty("vessel.home");
        String confEnv = System.getenv("VESSEL_CONF");
        this.conf = confEnv != null && !confEnv.isBlank() ? java.nio.file.Path.of(confEnv)
                : java.nio.file.Path.of(home == null ? "." : home).resolve("conf/vessel.conf");
    }

    @GET
    @RequiresPermission(Permissions.BACKUP_TARGETS)
    public List<BackupService.PanelBackupView> listPanelBackups(@Context SecurityContext security) {
        BackupsResource.providerOnly(security);
        return BackupsResource.call(backups::panelBackups);
    }

    @POST
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @RequiresPermission(Permissions.BACKUP_TARGETS)
    public Response makePanelBackup(@Context SecurityContext security) {
        BackupsResource.providerOnly(security);
        return BackupsResource.accepted(start());
    }

    @Override
    public void run(TaskRun run) {
        start();
    }

    private Operation start() {
        return backups.backupPanel(dump, data, conf);
    }

}
