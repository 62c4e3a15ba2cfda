package io.vessel.backup.internal;

import io.vessel.api.operation.Operation;
import io.vessel.api.security.Caller;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.kernel.api.VeException;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
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
import java.net.URI;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code /api/v1/ves/{id}/backups}: a VE's backups — make one (an operation), list them, delete one. Whoever may see
 * the VE sees its backups; a backup of another VE is not found.
 */
@Component(service = BackupsResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("ves/{id}/backups")
@Produces(MediaType.APPLICATION_JSON)
public final class BackupsResource {

    /** Body of {@code POST}: the target (the built-in {@code local} when absent) and a note for the list. */
    public record BackupRequest(String target, String note) {
    }

    private final BackupService backups;

    @Activate
    public BackupsResource(@Reference BackupService backups) {
        this.backups = backups;
    }

    @GET
    @RequiresPermission(value = Permissions.BACKUP_READ, object = "ve")
    public List<BackupService.BackupView> listBackups(@PathParam("id") int ve) {
        return backups.list(ve);
    }

    @GET
    @Path("{backup}")
    @RequiresPermission(value = Permissions.BACKUP_READ, object = "ve")
    public BackupService.BackupView getBackup(@PathParam("id") int ve, @PathParam("backup") String backup) {
        return backups.find(ve, uuid(ve, backup)).orElseThrow(() -> ProblemException.notFound("VE " + ve + " has no backup " + backup + "."));
    }

    /** Makes a backup: {@code 202} with the operation; its result is the backup. */
    @POST
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @RequiresPermission(value = Permissions.BACKUP_MANAGE, object = "ve")
    public Response makeBackup(@PathParam("id") int ve, BackupRequest body, @Context SecurityContext security) {
        String note = body == null || body.note() == null || body.note().isBlank() ? null : body.note().strip();
        if (note != null && note.length() > 500) {
            throw ProblemException.invalid("A note is at most 500 characters.", List.of(new Problem.FieldError("note", "at most 500 characters")));
        }
        String target = body == null ? null : body.target();
        if (target != null && !target.isBlank() && !Caller.of(security).sees(null)) {
            // targets are the provider's business: customers and resellers use the default one
            throw ProblemException.invalid("Only the provider chooses a backup target.", List.of(new Problem.FieldError("target", "provider only")));
        }
        return accepted(call(() -> backups.backup(ve, target, note, Caller.of(security).getName())));
    }

    /** Deletes a backup: {@code 202} with the operation (restic forgets it and reclaims the space only it held). */
    @DELETE
    @Path("{backup}")
    @RequiresPermission(value = Permissions.BACKUP_MANAGE, object = "ve")
    public Response deleteBackup(@PathParam("id") int ve, @PathParam("backup") String backup) {
        UUID id = uuid(ve, backup);
        return accepted(call(() -> backups.delete(ve, id)));
    }

    /**
     * Restores the VE from this backup, in place: {@code 202} with the operation. The backup is written into a fresh
     * tree first; only then is the VE stopped, its files swapped for the restored ones, and started again if it ran.
     * With {@code paths}, only those files and directories are put back into the running VE (below {@code into},
     * {@code /} when absent), which runs on; with {@code newVe}, the backup becomes a new VE.
     */
    @POST
    @Path("{backup}/restore")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @RequiresPermission(value = Permissions.BACKUP_RESTORE, object = "ve")
    public Response restoreBackup(@PathParam("id") int ve, @PathParam("backup") String backup, RestoreRequest body,
                                  @Context SecurityContext security) {
        UUID id = uuid(ve, backup);
        if (body != null && body.newVe() != null) {
            if (!Caller.of(security).may(Permissions.VE_CREATE)) {
                throw new ProblemException(403, "forbidden", "Forbidden", "Restoring into a new VE makes a VE, which your role may not do.");
            }
            String hostname = body.newVe().hostname();
            return accepted(call(() -> backups.restoreAsNewVe(ve, id, hostname)));
        }
        if (body != null && body.paths() != null) {
            return accepted(call(() -> backups.restoreFiles(ve, id, body.paths(), body.into())));
        }
        return accepted(call(() -> backups.restore(ve, id)));
    }

    /**
     * Body of {@code POST …/restore} (optional): {@code newVe} restores into a new VE made like this one instead of in
     * place; {@code paths} (absolute, as in the VE) restores only those files and directories into the running VE,
     * at their places or below directory {@code into}.
     */
    public record RestoreRequest(NewVeRequest newVe, List<String> paths, String into) {
    }

    /** The new VE of a restore: its host name (the backed-up VE's when absent). */
    public record NewVeRequest(String hostname) {
    }

    /** The entries of a directory in a backup ({@code path}, {@code /} when absent), owners as the VE sees them. */
    @GET
    @Path("{backup}/files")
    @RequiresPermission(value = Permissions.BACKUP_READ, object = "ve")
    public BackupService.Listing listBackupFiles(@PathParam("id") int ve, @PathParam("backup") String backup,
                                                 @jakarta.ws.rs.QueryParam("path") String path) {
        UUID id = uuid(ve, backup);
        return call(() -> backups.files(ve, id, path));
    }

    /** Downloads a file of a backup as it was, or a directory as a {@code .tar.zst} (tar, compressed with zstd). */
    @GET
    @Path("{backup}/download")
    @Produces(MediaType.WILDCARD)
    @RequiresPermission(value = Permissions.BACKUP_READ, object = "ve")
    public Response downloadBackupFile(@PathParam("id") int ve, @PathParam("backup") String backup, @jakarta.ws.rs.QueryParam("path") String path) {
        UUID id = uuid(ve, backup);
        BackupService.Download download = call(() -> backups.download(ve, id, path));
        jakarta.ws.rs.core.StreamingOutput body = out -> {
            List<Process> processes = download.processes();
            Process last = processes.get(processes.size() - 1);
            try (java.io.InputStream in = last.getInputStream()) {
                in.transferTo(out);
            } finally {
                processes.forEach(Process::destroy); // a client that went away stops restic too
            }
        };
        Response.ResponseBuilder response = Response.ok(body, download.type()).header("Content-Disposition",
                "attachment; filename=\"" + download.filename().replaceAll("[^A-Za-z0-9._-]", "_") + "\"");
        if (download.size() >= 0) {
            response.header("Content-Length", download.size());
        }
        return response.build();
    }

    private static UUID uuid(int ve, String backup) {
        try {
            return UUID.fromString(backup);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("VE " + ve + " has no backup " + backup + ".");
        }
    }

    static Response accepted(Operation operation) {
        return Response.accepted(operation).location(URI.create("/api/v1/operations/" + operation.id())).build();
    }

    /** Targets, repositories and the panel's own backups are the provider's business: anybody else finds nothing. */
    static void providerOnly(SecurityContext security) {
        if (!Caller.of(security).sees(null)) {
            throw ProblemException.notFound("There is no such resource.");
        }
    }

    /** A refusal of the backup service as a problem (its messages are whole sentences). */
    static <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (VeException e) {
            List<Problem.FieldError> fields = e.field() == null ? List.of() : List.of(new Problem.FieldError(e.field(), e.getMessage()));
            throw switch (e.kind()) {
                case NOT_FOUND -> ProblemException.notFound(e.getMessage());
                case CONFLICT -> ProblemException.conflict(e.getMessage());
                case INVALID -> ProblemException.invalid(e.getMessage(), fields);
                case UNPROCESSABLE -> new ProblemException(422, "unprocessable", "Unprocessable request", e.getMessage(), fields);
                case UNAVAILABLE -> new ProblemException(503, "unavailable", "Backups unavailable", e.getMessage());
                case FAILED -> new ProblemException(500, "backup-failed", "Backup failed", e.getMessage());
            };
        }
    }
}
