package io.vessel.backup.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code /api/v1/backups}: the backups of every VE a caller's tenants own or owned — also of VEs destroyed since,
 * which no longer have a page of their own: the customer who deleted a server by mistake gets it back as a new VE
 * made like it. A backup of a tenant the caller does not see is not found.
 */
@Component(service = TenantBackupsResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("backups")
@Produces(MediaType.APPLICATION_JSON)
public final class TenantBackupsResource {

    private final BackupService backups;

    @Activate
    public TenantBackupsResource(@Reference BackupService backups) {
        this.backups = backups;
    }

    /** Newest first; {@code tenant} narrows to one tenant (of those the caller sees). */
    @GET
    @RequiresPermission(Permissions.BACKUP_READ)
    public List<BackupService.TenantBackupView> listTenantBackups(@QueryParam("tenant") String tenant, @Context SecurityContext security) {
        Caller caller = Caller.of(security);
        return backups.tenantBackups(caller::sees, tenant == null || tenant.isBlank() ? null : tenant.strip());
    }

    @DELETE
    @Path("{backup}")
    @RequiresPermission(Permissions.BACKUP_MANAGE)
    public Response deleteTenantBackup(@PathParam("backup") String backup, @Context SecurityContext security) {
        BackupEntity b = visible(backup, security);
        return BackupsResource.accepted(BackupsResource.call(() -> backups.delete(b.veId, b.id)));
    }

    /** Restores into a new VE made like the backed-up one ({@code {"newVe": {"hostname": "…"}}}); needs the right to make VEs. */
    @POST
    @Path("{backup}/restore")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @RequiresPermission(Permissions.VE_CREATE) // it makes a VE: checked first, before the body is read
    public Response restoreTenantBackup(@PathParam("backup") String backup, BackupsResource.RestoreRequest body, @Context SecurityContext security) {
        if (!Caller.of(security).may(Permissions.BACKUP_RESTORE)) {
            throw new ProblemException(403, "forbidden", "Forbidden", "Your role may not restore backups.");
        }
        BackupEntity b = visible(backup, security);
        String hostname = body == null || body.newVe() == null ? null : body.newVe().hostname();
        return BackupsResource.accepted(BackupsResource.call(() -> backups.restoreAsNewVe(b, hostname)));
    }

    private BackupEntity visible(String backup, SecurityContext security) {
        Caller caller = Caller.of(security);
        try {
            return backups.visibleBackup(UUID.fromString(backup), caller::sees)
                    .orElseThrow(() -> ProblemException.notFound("There is no backup " + backup + "."));
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("There is no backup " + backup + ".");
        }
    }
}
