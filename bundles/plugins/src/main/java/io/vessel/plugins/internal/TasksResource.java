package io.vessel.plugins.internal;

import io.vessel.api.security.RequiresPermission;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Instant;
import java.util.List;

/** {@code /api/v1/scheduled-tasks}: every scheduled task, its schedule, next and last run; run one now. */
@Path("scheduled-tasks")
@Produces(MediaType.APPLICATION_JSON)
public final class TasksResource {

    /**
     * A task as listed. {@code nextRunAt} is null while it runs; {@code problem} says why it is not scheduled (a
     * bad expression, or its bundle is gone); {@code lastOutcome} is SUCCEEDED, FAILED or TIMED_OUT.
     */
    public record TaskView(String name, String bundle, String cron, String timeZone, String missed, Long timeLimitSeconds,
                           boolean registered, String problem, Instant nextRunAt, boolean running, Instant lastScheduledFor,
                           Instant lastStartedAt, Instant lastFinishedAt, String lastOutcome, String lastError, long runs) {
    }

    static final String READ = "task.read";
    static final String MANAGE = "task.manage";

    private final TaskScheduler scheduler;

    TasksResource(TaskScheduler scheduler) {
        this.scheduler = scheduler;
    }

    @GET
    @RequiresPermission(READ)
    public List<TaskView> listTasks(@Context SecurityContext security) {
        PluginsResource.providerOnly(security);
        return scheduler.list();
    }

    /** Runs the task within a second (or, if it is running, once that run ends); answers with the task. */
    @POST
    @Path("{name}/run")
    @RequiresPermission(MANAGE)
    public Response runTask(@PathParam("name") String name, @Context SecurityContext security) {
        PluginsResource.providerOnly(security);
        if (!scheduler.runNow(name)) {
            throw ProblemException.notFound("There is no scheduled task " + name + " that can run now.");
        }
        TaskView view = scheduler.list().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
        return Response.accepted(view).build();
    }
}
