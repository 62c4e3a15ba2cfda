package io.vessel.backup.internal;

import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.web.api.ApiWhiteboard;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code /api/v1/backup-targets}: where backups go, with health and free space — the provider's administrators only. */
@Component(service = BackupTargetsResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("backup-targets")
@Produces(MediaType.APPLICATION_JSON)
public final class BackupTargetsResource {

    private final BackupService backups;

    @Activate
    public BackupTargetsResource(@Reference BackupService backups) {
        this.backups = backups;
    }

    @GET
    @RequiresPermission(Permissions.BACKUP_TARGETS)
    public List<BackupService.TargetView> listBackupTargets(@Context SecurityContext security) {
        BackupsResource.providerOnly(security);
        return backups.targets();
    }
}
