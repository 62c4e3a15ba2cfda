package io.vessel.plugins.internal;

import io.vessel.api.plugin.PluginCallException;
import io.vessel.api.plugin.PluginCalls;
import io.vessel.api.schedule.ScheduledTask;
import io.vessel.api.schedule.TaskRun;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ApiWhiteboard;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link ScheduledTask} services. Each task's row holds its next due time and a lease: a process runs a
 * due task only if it moves the due time on and takes the lease in one conditional update, so with several panel
 * processes on one database (H2 or PostgreSQL alike) each scheduled time runs once, and a task whose previous run
 * holds the lease does not start again. The work itself runs through {@link PluginCalls}, on the owning bundle's
 * own pool with the task's time limit; the lease is given back when the work really ends, even after its caller
 * stopped waiting, so a run that overran is never overlapped by the next.
 */
@Component(service = TaskScheduler.class, immediate = true)
public final class TaskScheduler {

    private static final Logger LOG = LoggerFactory.getLogger(TaskScheduler.class);

    /** A due time older than this when seen counts as missed (the panel was down, or the task still running). */
    static final Duration LATE = Duration.ofMinutes(1);
    static final Duration DEFAULT_TIME_LIMIT = Duration.ofHours(1);
    /** How often each process rereads due times that another process may have changed. */
    private static final Duration RESYNC = Duration.ofSeconds(15);

    /** A registered task, as its service properties declare it; {@code problem} is why it cannot be scheduled. */
    record Registered(ScheduledTask task, String name, long bundleId, String bundle, CronSchedule schedule, String cron,
                      String zone, boolean catchUp, Duration timeLimit, String problem) {
    }

    private final Database database;
    private final PluginCalls calls;
    private final Clock clock;
    private final String instance = UUID.randomUUID().toString();
    private final Map<String, Registered> tasks = new ConcurrentHashMap<>();
    /** Next due time per task as last read, so most ticks need no database. */
    private final Map<String, Instant> dueCache = new ConcurrentHashMap<>();
    private final Map<String, Boolean> runningHere = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker;
    private final ThreadPoolExecutor dispatchers;
    /** The REST view, registered by the OSGi constructor (tests construct the scheduler without it). */
    private volatile ServiceRegistration<?> resource;
    private volatile Instant lastResync = Instant.EPOCH;
    /**
     * Due tasks wait for the panel to be ready (or for {@link #READY_WAIT} after activation): a restart finds the
     * minutely billing tasks due, and running them in the start's burst took CPU the start needed (issue 14).
     */
    private volatile boolean waitForReady;
    private final Instant activatedAt;
    static final Duration READY_WAIT = Duration.ofSeconds(60);

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.api.platform.PanelReady ready;

    @Activate
    public TaskScheduler(BundleContext context,
                         @Reference(target = "(" + Database.MODULES_PROPERTY + "=" + SchedulePersistence.MODULE + ")") Database database,
                         @Reference PluginCalls calls) {
        this(database, calls, Clock.systemUTC());
        this.waitForReady = true;
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(ApiWhiteboard.RESOURCE, "true");
        // registered here rather than as a component of its own: it is the scheduler's view, not a second service
        resource = context.registerService(TasksResource.class, new TasksResource(this), properties);
    }

    TaskScheduler(Database database, PluginCalls calls, Clock clock) {
        this.database = database;
        this.calls = calls;
        this.clock = clock;
        this.activatedAt = clock.instant();
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "vessel-scheduler"));
        // bounded: a task's caller waits at most its time limit, so these threads come back
        this.dispatchers = new ThreadPoolExecutor(0, 8, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> daemon(r, "vessel-task"));
        ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, unbind = "removeTask")
    void addTask(ScheduledTask task, ServiceReference<ScheduledTask> ref) {
        Map<String, Object> p = new java.util.HashMap<>();
        for (String key : ref.getPropertyKeys()) {
            p.put(key, ref.getProperty(key));
        }
        add(task, p, ref.getBundle().getBundleId(), ref.getBundle().getSymbolicName());
    }

    void removeTask(ScheduledTask task) {
        tasks.values().removeIf(r -> r.task() == task);
    }

    /** Registers a task and makes sure its row matches its schedule (a changed schedule restarts from now). */
    void add(ScheduledTask task, Map<String, Object> p, long bundleId, String bundle) {
        Registered registered = describe(task, p, bundleId, bundle);
        if (registered.name() == null) {
            LOG.error("Scheduled task without a name ignored bundle={}: set the service property {}", bundle, ScheduledTask.NAME);
            return;
        }
        Registered taken = tasks.get(registered.name());
        if (taken != null && taken.task() != task) {
            LOG.error("Scheduled task name taken task={} bundle={} takenBy={}", registered.name(), bundle, taken.bundle());
            return;
        }
        tasks.put(registered.name(), registered);
        if (registered.problem() != null) {
            LOG.error("Scheduled task cannot be scheduled task={} bundle={}: {}", registered.name(), bundle, registered.problem());
            return;
        }
        Instant now = clock.instant();
        try {
            Instant next = database.inTransaction(em -> {
                ScheduledTaskEntity row = em.find(ScheduledTaskEntity.class, registered.name());
                if (row == null) {
                    row = new ScheduledTaskEntity(registered.name(), bundle, registered.cron(), registered.zone(), following(registered, now), now);
                    em.persist(row);
                } else if (!row.cron.equals(registered.cron()) || !row.timeZone.equals(registered.zone())) {
                    row.cron = registered.cron();
                    row.timeZone = registered.zone();
                    row.nextRunAt = following(registered, now);
                    row.updatedAt = now;
                }
                row.bundle = bundle;
                return row.nextRunAt;
            });
            dueCache.put(registered.name(), next);
            LOG.info("Scheduled task registered task={} bundle={} cron=\"{}\" zone={} next={}", registered.name(), bundle, registered.cron(),
                    registered.zone(), next);
        } catch (RuntimeException e) {
            LOG.error("Scheduled task could not be recorded task={}: {}", registered.name(), e.toString());
        }
    }

    static Registered describe(ScheduledTask task, Map<String, Object> p, long bundleId, String bundle) {
        String name = p.get(ScheduledTask.NAME) == null ? null : String.valueOf(p.get(ScheduledTask.NAME)).strip();
        String cron = p.get(ScheduledTask.CRON) == null ? "" : String.valueOf(p.get(ScheduledTask.CRON)).strip();
        String zone = p.get(ScheduledTask.TIME_ZONE) == null ? "UTC" : String.valueOf(p.get(ScheduledTask.TIME_ZONE)).strip();
        boolean catchUp = ScheduledTask.CATCH_UP.equalsIgnoreCase(String.valueOf(p.get(ScheduledTask.MISSED)).strip());
        Duration limit = DEFAULT_TIME_LIMIT;
        String problem = null;
        CronSchedule schedule = null;
        try {
            if (p.get(ScheduledTask.TIME_LIMIT) != null) {
                limit = Duration.ofSeconds(Math.max(1, Long.parseLong(String.valueOf(p.get(ScheduledTask.TIME_LIMIT)).strip())));
            }
            schedule = CronSchedule.parse(cron, zone);
        } catch (NumberFormatException e) {
            problem = ScheduledTask.TIME_LIMIT + " must be a number of seconds";
        } catch (IllegalArgumentException e) {
            problem = e.getMessage();
        }
        return new Registered(task, name == null || name.isEmpty() ? null : name, bundleId, bundle, schedule, cron, zone, catchUp, limit, problem);
    }

    private static Instant following(Registered task, Instant after) {
        // an expression that never matches again (a date in the past) parks the task far away
        return task.schedule().next(after).orElse(Instant.parse("9999-12-31T00:00:00Z"));
    }

    private void tick() {
        try {
            Instant now = clock.instant();
            if (waitForReady && ready == null && Duration.between(activatedAt, now).compareTo(READY_WAIT) < 0) {
                return;
            }
            boolean resync = Duration.between(lastResync, now).compareTo(RESYNC) >= 0;
            if (resync) {
                lastResync = now;
            }
            for (Registered task : tasks.values()) {
                if (task.problem() != null || runningHere.containsKey(task.name())) {
                    continue;
                }
                Instant due = dueCache.get(task.name());
                if (!resync && due != null && now.isBefore(due)) {
                    continue;
                }
                evaluate(task, now);
            }
        } catch (RuntimeException e) {
            LOG.warn("Scheduler tick failed: {}", e.toString());
        }
    }

    /** Runs the task if it is due and this process wins it; skips missed times the task does not catch up. */
    void evaluate(Registered task, Instant now) {
        Optional<ScheduledTaskEntity> row = database.inTransaction(em -> Optional.ofNullable(em.find(ScheduledTaskEntity.class, task.name()))
                .map(r -> {
                    em.detach(r);
                    return r;
                }));
        if (row.isEmpty()) {
            return;
        }
        Instant due = row.get().nextRunAt;
        dueCache.put(task.name(), due);
        if (now.isBefore(due)) {
            return;
        }
        boolean missed = Duration.between(due, now).compareTo(LATE) > 0;
        Instant next = following(task, now);
        if (missed && !task.catchUp()) {
            int moved = database.inTransaction(em -> em.createQuery("update ScheduledTaskEntity t set t.nextRunAt = :next, t.updatedAt = :now"
                            + " where t.name = :name and t.nextRunAt = :due")
                    .setParameter("next", next).setParameter("now", now).setParameter("name", task.name()).setParameter("due", due).executeUpdate());
            if (moved == 1) {
                LOG.info("Scheduled task missed its time, skipped task={} due={} next={}", task.name(), due, next);
                dueCache.put(task.name(), next);
            }
            return;
        }
        Instant leaseUntil = now.plus(task.timeLimit()).plus(Duration.ofMinutes(5));
        int claimed = database.inTransaction(em -> em.createQuery("update ScheduledTaskEntity t set t.nextRunAt = :next, t.leaseOwner = :me,"
                        + " t.leaseUntil = :leaseUntil, t.lastScheduledFor = :due, t.lastStartedAt = :now, t.updatedAt = :now"
                        + " where t.name = :name and t.nextRunAt = :due and (t.leaseUntil is null or t.leaseUntil < :now)")
                .setParameter("next", next).setParameter("me", instance).setParameter("leaseUntil", leaseUntil).setParameter("due", due)
                .setParameter("now", now).setParameter("name", task.name()).executeUpdate());
        if (claimed != 1) {
            return; // another process took it, or the previous run still holds the lease
        }
        dueCache.put(task.name(), next);
        runningHere.put(task.name(), Boolean.TRUE);
        try {
            dispatchers.execute(() -> run(task, new TaskRun(task.name(), due, missed)));
        } catch (RejectedExecutionException e) {
            LOG.warn("Scheduled task not run, every task thread is busy task={}", task.name());
            finish(task.name(), "FAILED", "not run: every task thread was busy");
        }
    }

    private void run(Registered task, TaskRun run) {
        long started = System.nanoTime();
        boolean[] timedOut = new boolean[1];
        try {
            calls.call(task.bundleId(), "task " + task.name(), task.timeLimit(), () -> {
                String outcome = "SUCCEEDED";
                String error = null;
                try {
                    task.task().run(run);
                } catch (Exception | LinkageError e) {
                    outcome = "FAILED";
                    error = e.getMessage() == null ? e.toString() : e.getMessage();
                    throw e;
                } finally {
                    // the work really ended: only now may the task run again
                    synchronized (timedOut) {
                        if (timedOut[0]) {
                            error = "ran past its time limit of " + task.timeLimit().toSeconds() + " s, ended after "
                                    + (System.nanoTime() - started) / 1_000_000_000 + " s" + (error == null ? "" : ": " + error);
                            outcome = "TIMED_OUT";
                        }
                        finish(task.name(), outcome, error);
                    }
                }
                return null;
            });
            LOG.info("Scheduled task ran task={} tookMs={}", task.name(), (System.nanoTime() - started) / 1_000_000);
        } catch (PluginCallException e) {
            switch (e.reason()) {
                case FAILED -> LOG.warn("Scheduled task failed task={}: {}", task.name(), String.valueOf(e.getCause()));
                case TIMED_OUT -> {
                    synchronized (timedOut) {
                        timedOut[0] = true;
                    }
                    LOG.warn("Scheduled task ran past its time limit task={} limitS={}", task.name(), task.timeLimit().toSeconds());
                    recordOutcome(task.name(), "TIMED_OUT", "ran past its time limit of " + task.timeLimit().toSeconds() + " s (still running)");
                }
                case UNAVAILABLE -> {
                    LOG.warn("Scheduled task not run task={}: {}", task.name(), e.getMessage());
                    finish(task.name(), "FAILED", "not run: " + e.getMessage());
                }
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile org.osgi.service.event.EventAdmin events;

    /** Tells open Plugins pages that a task ran (the event stream passes plugin events to the provider). */
    private void announce(String name) {
        org.osgi.service.event.EventAdmin admin = events;
        if (admin != null) {
            admin.postEvent(new org.osgi.service.event.Event(PluginPlatform.TOPIC_PREFIX + "TASK", Map.of("plugin", name)));
        }
    }

    /** Records the outcome and gives the lease back. */
    private void finish(String name, String outcome, String error) {
        Instant now = clock.instant();
        try {
            database.run(em -> em.createQuery("update ScheduledTaskEntity t set t.lastFinishedAt = :now, t.lastOutcome = :outcome,"
                            + " t.lastError = :error, t.runs = t.runs + 1, t.leaseOwner = null, t.leaseUntil = null, t.updatedAt = :now"
                            + " where t.name = :name and t.leaseOwner = :me")
                    .setParameter("now", now).setParameter("outcome", outcome).setParameter("error", clip(error)).setParameter("name", name)
                    .setParameter("me", instance).executeUpdate());
        } catch (RuntimeException e) {
            LOG.error("Scheduled task outcome not recorded task={}: {}", name, e.toString());
        } finally {
            runningHere.remove(name);
            announce(name);
        }
    }

    /** Records an outcome while the run still holds its lease (it overran). */
    private void recordOutcome(String name, String outcome, String error) {
        try {
            database.run(em -> em.createQuery("update ScheduledTaskEntity t set t.lastOutcome = :outcome, t.lastError = :error"
                            + " where t.name = :name and t.leaseOwner = :me")
                    .setParameter("outcome", outcome).setParameter("error", clip(error)).setParameter("name", name).setParameter("me", instance)
                    .executeUpdate());
        } catch (RuntimeException e) {
            LOG.error("Scheduled task outcome not recorded task={}: {}", name, e.toString());
        }
    }

    private static String clip(String text) {
        return text == null || text.length() <= 2000 ? text : text.substring(0, 1999) + "…";
    }

    /** Makes a task due now (it runs within a second, unless it is running: then once that run ends). */
    boolean runNow(String name) {
        Registered task = tasks.get(name);
        if (task == null || task.problem() != null) {
            return false;
        }
        Instant now = clock.instant();
        database.run(em -> em.createQuery("update ScheduledTaskEntity t set t.nextRunAt = :now, t.updatedAt = :now where t.name = :name")
                .setParameter("now", now).setParameter("name", name).executeUpdate());
        dueCache.put(name, now);
        return true;
    }

    /** Every task with a row or a registration, for the API. */
    List<TasksResource.TaskView> list() {
        Instant now = clock.instant();
        List<ScheduledTaskEntity> rows = database.inTransaction(em -> em.createQuery("select t from ScheduledTaskEntity t order by t.name",
                ScheduledTaskEntity.class).getResultList());
        Map<String, TasksResource.TaskView> views = new java.util.TreeMap<>();
        for (ScheduledTaskEntity row : rows) {
            Registered r = tasks.get(row.name);
            boolean running = row.leaseUntil != null && row.leaseUntil.isAfter(now);
            views.put(row.name, new TasksResource.TaskView(row.name, row.bundle, row.cron, row.timeZone,
                    r == null ? null : r.catchUp() ? ScheduledTask.CATCH_UP : ScheduledTask.SKIP, r == null ? null : r.timeLimit().toSeconds(),
                    r != null, r == null ? "not registered: its bundle is stopped or gone" : r.problem(), running ? null : row.nextRunAt, running,
                    row.lastScheduledFor, row.lastStartedAt, row.lastFinishedAt, row.lastOutcome, row.lastError, row.runs));
        }
        for (Registered r : tasks.values()) {
            views.computeIfAbsent(r.name(), n -> new TasksResource.TaskView(n, r.bundle(), r.cron(), r.zone(),
                    r.catchUp() ? ScheduledTask.CATCH_UP : ScheduledTask.SKIP, r.timeLimit().toSeconds(), true, r.problem(), null, false,
                    null, null, null, null, null, 0));
        }
        return List.copyOf(views.values());
    }

    @Deactivate
    void deactivate() {
        if (resource != null) {
            try {
                resource.unregister();
            } catch (IllegalStateException e) {
                // gone with the framework
            }
        }
        ticker.shutdownNow();
        dispatchers.shutdownNow();
    }
}
