package io.vessel.backup.internal;

import io.vessel.api.schedule.ScheduledTask;
import io.vessel.api.schedule.TaskRun;
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
 * {@code /api/v1/backup-repositories}: every tenant's repository with what it stores and what its last check found,
 * a check on demand, and the erasure of one (a customer's request) — the provider's administrators only. Also the nightly check of every repository (task
 * {@code backup.verify}, 04:00 UTC), each time a different thirtieth of its data.
 */
@Component(service = {BackupRepositoriesResource.class, ScheduledTask.class}, property = {ApiWhiteboard.RESOURCE + "=true",
        ScheduledTask.NAME + "=backup.verify", ScheduledTask.CRON + "=0 4 * * *", ScheduledTask.MISSED + "=" + ScheduledTask.CATCH_UP})
@Path("backup-repositories")
@Produces(MediaType.APPLICATION_JSON)
public final class BackupRepositoriesResource implements ScheduledTask {

    /** Body of {@code POST …/check} (optional): {@code all} reads every byte instead of the next slice. */
    public record CheckRequest(Boolean all) {
    }

    private final BackupService backups;

    @Activate
    public BackupRepositoriesResource(@Reference BackupService backups) {
        this.backups = backups;
    }

    @GET
    @RequiresPermission(Permissions.BACKUP_TARGETS)
    public List<BackupService.RepositoryView> listBackupRepositories(@Context SecurityContext security) {
        BackupsResource.providerOnly(security);
        return backups.repositories();
    }

    @POST
    @Path("{repository}/check")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @RequiresPermission(Permissions.BACKUP_TARGETS)
    public Response checkBackupRepository(@PathParam("repository") String repository, CheckRequest body, @Context SecurityContext security) {
        BackupsResource.providerOnly(security);
        UUID id = id(repository);
        boolean all = body != null && Boolean.TRUE.equals(body.all());
        return BackupsResource.accepted(BackupsResource.call(() -> backups.check(id, all)));
    }

    /**
     * Erases a tenant's repository — every backup in it and the repository itself — as an operation: the erasure a
     * customer may ask for. {@code 202} with the operation.
     */
    @DELETE
    @Path("{repository}")
    @RequiresPermission(Permissions.BACKUP_TARGETS)
    public Response eraseBackupRepository(@PathParam("repository") String repository, @Context SecurityContext security) {
        BackupsResource.providerOnly(security);
        UUID id = id(repository);
        return BackupsResource.accepted(BackupsResource.call(() -> backups.erase(id, "erased on request by "
                + io.vessel.api.security.Caller.of(security).getName())));
    }

    private static UUID id(String repository) {
        try {
            return UUID.fromString(repository);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("There is no backup repository " + repository + ".");
        }
    }

    @Override
    public void run(TaskRun run) {
        backups.checkAll();
    }

}
