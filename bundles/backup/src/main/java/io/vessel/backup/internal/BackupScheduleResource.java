package io.vessel.backup.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code /api/v1/ves/{id}/backup-schedule}: when the VE is backed up by itself, and which backups are kept. */
@Component(service = BackupScheduleResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("ves/{id}/backup-schedule")
@Produces(MediaType.APPLICATION_JSON)
public final class BackupScheduleResource {

    /**
     * Body of {@code PUT}: a cron expression ({@code 0 3 * * *}: daily at 03:00) in {@code timeZone} (UTC when
     * absent), a random delay of up to {@code spreadMinutes}, and the retention ({@code keep}: last, hourly, daily,
     * weekly, monthly, yearly; absent rules are 0, no rule keeps every backup).
     */
    public record ScheduleRequest(String cron, String timeZone, Integer spreadMinutes, KeepRequest keep) {
    }

    /** Retention rules as sent; absent ones are 0. */
    public record KeepRequest(Integer last, Integer hourly, Integer daily, Integer weekly, Integer monthly, Integer yearly) {
    }

    private final BackupSchedules schedules;

    @Activate
    public BackupScheduleResource(@Reference BackupSchedules schedules) {
        this.schedules = schedules;
    }

    @GET
    @RequiresPermission(value = Permissions.BACKUP_READ, object = "ve")
    public BackupSchedules.ScheduleView getBackupSchedule(@PathParam("id") int ve) {
        return schedules.get(ve).orElseThrow(() -> ProblemException.notFound("VE " + ve + " has no backup schedule."));
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = Permissions.BACKUP_MANAGE, object = "ve")
    public BackupSchedules.ScheduleView setBackupSchedule(@PathParam("id") int ve, ScheduleRequest body, @Context SecurityContext security) {
        if (body == null || body.cron() == null || body.cron().isBlank()) {
            throw ProblemException.invalid("A schedule needs a cron expression, e.g. \"0 3 * * *\" for 03:00 every day.",
                    List.of(new Problem.FieldError("cron", "required")));
        }
        Retention keep;
        try {
            KeepRequest k = body.keep() == null ? new KeepRequest(null, null, null, null, null, null) : body.keep();
            keep = new Retention(n(k.last()), n(k.hourly()), n(k.daily()), n(k.weekly()), n(k.monthly()), n(k.yearly()));
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("In keep, " + e.getMessage() + ".", List.of(new Problem.FieldError("keep", e.getMessage())));
        }
        int spread = body.spreadMinutes() == null ? 0 : body.spreadMinutes();
        boolean provider = Caller.of(security).sees(null);
        return BackupsResource.call(() -> schedules.put(ve, body.cron(), body.timeZone(), spread, keep, provider));
    }

    @DELETE
    @RequiresPermission(value = Permissions.BACKUP_MANAGE, object = "ve")
    public Response deleteBackupSchedule(@PathParam("id") int ve) {
        if (!schedules.delete(ve)) {
            throw ProblemException.notFound("VE " + ve + " has no backup schedule.");
        }
        return Response.noContent().build();
    }

    private static int n(Integer value) {
        return value == null ? 0 : value;
    }
}
