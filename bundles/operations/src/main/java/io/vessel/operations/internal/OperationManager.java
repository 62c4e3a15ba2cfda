package io.vessel.operations.internal;

import io.vessel.api.operation.Operation;
import io.vessel.api.operation.OperationFailure;
import io.vessel.api.operation.OperationService;
import io.vessel.api.operation.OperationState;
import io.vessel.persistence.api.Database;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs operations on a small thread pool and records every state change, so a client can poll and the history
 * survives restarts. Operations that were running when the panel died are marked failed at the next start: their
 * owners (e.g. the VE lifecycle) reconcile what was half done.
 *
 * <p>Several panel processes may share the database (one per node): each open operation names its runner (the
 * node, framework property {@code vessel.node.id}) and holds a lease the runner renews every {@link #RENEW}. A process starting
 * fails only its own node's open operations and those whose lease ran out, never another live node's; and every
 * process fails the operations whose lease ran out later (their runner died without a restart), with the reason.
 */
@Component(service = OperationService.class)
public final class OperationManager implements OperationService {

    private static final Logger LOG = LoggerFactory.getLogger(OperationManager.class);

    /** Operations running at once; one tenant holds at most half of them while others wait. */
    static final int WORKERS = 4;
    /** How long an open operation's lease holds without renewal: three renewals missed. */
    static final Duration LEASE = Duration.ofSeconds(30);
    /** How often the runner renews its open operations' leases, and looks for lapsed ones. */
    static final Duration RENEW = Duration.ofSeconds(10);

    /** The node this process runs operations for (its node id), as recorded on every operation it runs. */
    private final String runner;

    private final Database database;
    /** New threads when none is idle: a thread stuck past its operation's time limit is never handed new work. */
    private final ExecutorService threads;
    private final FairScheduler scheduler;
    private final java.util.concurrent.ScheduledExecutorService watchdog;
    /** What this start found unfinished and failed; owners may settle them (see {@link #settle}). */
    private final List<Operation> interrupted;

    /** Completed when an operation of this panel finishes, for {@link #await}. */
    private final Map<UUID, CompletableFuture<Void>> unfinished = new ConcurrentHashMap<>();

    @Activate
    public OperationManager(org.osgi.framework.BundleContext context,
                            @Reference(target = "(" + Database.MODULES_PROPERTY + "=" + OperationsPersistence.MODULE + ")") Database database) {
        this.database = database;
        String node = context.getProperty("vessel.node.id");
        // without the launcher (no node id given), this process alone: its operations are its own
        this.runner = node == null || node.isBlank() ? "process-" + UUID.randomUUID() : node;
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "vessel-operation-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.scheduler = new FairScheduler(WORKERS, Math.max(1, WORKERS / 2), threads);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vessel-operation-watchdog");
            t.setDaemon(true);
            return t;
        });
        Instant started = now();
        this.interrupted = database.inTransaction(em -> em.createQuery(
                "select o from OperationEntity o where o.state in :open and (o.runner is null or o.runner = :me or o.leaseUntil < :now)",
                OperationEntity.class)
                .setParameter("open", List.of(OperationState.QUEUED, OperationState.RUNNING)).setParameter("me", runner)
                .setParameter("now", started)
                .getResultList().stream().map(o -> {
                    o.fail("Interrupted: the panel stopped while this operation ran. Check the target's state and retry.", started);
                    return o.toOperation();
                }).toList());
        if (!interrupted.isEmpty()) {
            LOG.warn("Marked interrupted operations as failed count={}", interrupted.size());
        }
        watchdog.scheduleWithFixedDelay(this::renewLeases, RENEW.toMillis(), RENEW.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Keeps this runner's open operations leased, and fails the open operations whose lease ran out: their runner
     * died and did not come back to reconcile them.
     */
    void renewLeases() {
        try {
            Instant now = now();
            database.run(em -> em.createQuery("update OperationEntity o set o.leaseUntil = :until where o.runner = :me and o.state in :open")
                    .setParameter("until", now.plus(LEASE)).setParameter("me", runner)
                    .setParameter("open", List.of(OperationState.QUEUED, OperationState.RUNNING)).executeUpdate());
            List<Operation> lapsed = database.inTransaction(em -> em.createQuery(
                    "select o from OperationEntity o where o.state in :open and o.runner <> :me and o.leaseUntil < :now", OperationEntity.class)
                    .setParameter("open", List.of(OperationState.QUEUED, OperationState.RUNNING)).setParameter("me", runner)
                    .setParameter("now", now).getResultList().stream().map(o -> {
                        o.fail("Interrupted: the node running this operation stopped answering. Check the target's state and retry.", now);
                        return o.toOperation();
                    }).toList());
            for (Operation o : lapsed) {
                LOG.warn("Operation failed, its runner's lease lapsed id={} kind={} target={}", o.id(), o.kind(), o.target());
                post(o);
            }
        } catch (RuntimeException e) {
            LOG.warn("Operation leases not renewed: {}", e.getMessage());
        }
    }

    @Override
    public Operation submit(String kind, String target, String owner, Duration timeLimit, Work work) {
        if (timeLimit == null || timeLimit.isNegative() || timeLimit.isZero()) {
            throw new IllegalArgumentException("an operation's time limit must be positive");
        }
        UUID id = UUID.randomUUID();
        Operation queued = database.inTransaction(em -> {
            Instant now = now();
            OperationEntity entity = new OperationEntity(id, kind, target, owner, runner, now.plus(LEASE), now);
            em.persist(entity);
            return entity.toOperation();
        });
        post(queued);
        unfinished.put(id, new CompletableFuture<>());
        scheduler.submit(owner, slot -> {
            Thread worker = Thread.currentThread();
            var overrun = watchdog.schedule(() -> overran(id, kind, target, timeLimit, slot, worker), timeLimit.toMillis(), TimeUnit.MILLISECONDS);
            try {
                execute(id, kind, target, work);
            } finally {
                overrun.cancel(false);
                finished(id);
            }
        });
        return queued;
    }

    private void finished(UUID id) {
        CompletableFuture<Void> done = unfinished.remove(id);
        if (done != null) {
            done.complete(null);
        }
    }

    /**
     * An operation still running at its time limit is failed and its worker abandoned: its slot goes to the next
     * operation at once, and the thread (perhaps stuck in a system call) is interrupted and never reused. Whatever it
     * does if it ever returns cannot change the recorded outcome.
     */
    private void overran(UUID id, String kind, String target, Duration limit, FairScheduler.Slot slot, Thread worker) {
        LOG.error("Operation overran its time limit, abandoning its worker id={} kind={} target={} limit={} thread={}",
                id, kind, target, limit, worker.getName());
        change(id, e -> {
            if (e.open()) {
                e.fail("The operation did not finish within " + limit.toMinutes() + " minutes and was abandoned. Check the target's state and retry.", now());
            }
        });
        slot.abandon();
        worker.interrupt();
        finished(id);
    }

    private void execute(UUID id, String kind, String target, Work work) {
        long started = System.nanoTime();
        change(id, e -> e.start(now()));
        try {
            String result = work.run((percent, message) -> change(id, e -> {
                if (e.open()) {
                    e.progress(percent, message);
                }
            }));
            change(id, e -> {
                if (e.open()) {
                    e.succeed(result, now());
                }
            });
            LOG.info("Operation succeeded id={} kind={} target={} tookMs={}", id, kind, target, (System.nanoTime() - started) / 1_000_000);
        } catch (OperationFailure e) {
            change(id, entity -> {
                if (entity.open()) {
                    entity.fail(e.getMessage(), now());
                }
            });
            LOG.warn("Operation failed id={} kind={} target={} reason=\"{}\"", id, kind, target, e.getMessage(), e.getCause());
        } catch (Exception | Error e) {
            String reference = id.toString().substring(0, 8);
            change(id, entity -> {
                if (entity.open()) {
                    entity.fail("The operation failed unexpectedly. Quote reference " + reference + " to your provider.", now());
                }
            });
            LOG.error("Operation failed unexpectedly id={} kind={} target={} reference={}", id, kind, target, reference, e);
        }
    }

    private void change(UUID id, Consumer<OperationEntity> update) {
        Operation changed = database.inTransaction(em -> {
            OperationEntity entity = em.find(OperationEntity.class, id);
            if (entity != null) {
                update.accept(entity);
                return entity.toOperation();
            }
            return null;
        });
        if (changed != null) {
            post(changed);
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventAdmin events;

    /** Every change goes out as an event, so the live event stream shows progress without polling. */
    private void post(Operation operation) {
        EventAdmin admin = events;
        if (admin == null) {
            return;
        }
        Map<String, Object> properties = new HashMap<>();
        properties.put("id", operation.id().toString());
        properties.put("kind", operation.kind());
        properties.put("target", operation.target());
        properties.put("state", operation.state().name());
        properties.put("progress", operation.progress());
        putIfSet(properties, "message", operation.message());
        putIfSet(properties, "result", operation.result());
        putIfSet(properties, "error", operation.error());
        putIfSet(properties, OWNER, operation.owner());
        admin.postEvent(new Event(TOPIC_PREFIX + operation.state().name(), properties));
    }

    private static void putIfSet(Map<String, Object> properties, String key, Object value) {
        if (value != null) {
            properties.put(key, value);
        }
    }

    @Override
    public List<Operation> interruptedAtStart() {
        return interrupted;
    }

    @Override
    public void settle(UUID id, String result) {
        if (interrupted.stream().noneMatch(o -> o.id().equals(id))) {
            throw new IllegalArgumentException("operation " + id + " was not interrupted at this start");
        }
        change(id, e -> e.settle(result, "Finished before the panel stopped; confirmed when it started again."));
        LOG.info("Interrupted operation found done id={} result={}", id, result);
    }

    @Override
    public Optional<Operation> find(UUID id) {
        return database.inTransaction(em -> Optional.ofNullable(em.find(OperationEntity.class, id)).map(OperationEntity::toOperation));
    }

    @Override
    public Optional<Operation> await(UUID id, Duration timeout) throws InterruptedException {
        CompletableFuture<Void> done = unfinished.get(id);
        if (done != null) {
            try {
                done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException stillRunning) {
                // answer with the operation as it is now
            }
        }
        return find(id);
    }

    @Override
    public List<Operation> recent(int limit) {
        return database.inTransaction(em -> em.createQuery("select o from OperationEntity o order by o.createdAt desc", OperationEntity.class)
                .setMaxResults(limit).getResultList().stream().map(OperationEntity::toOperation).toList());
    }

    @Override
    public List<Operation> recent(int limit, Set<String> owners) {
        if (owners.isEmpty()) {
            return List.of();
        }
        Set<String> named = owners.stream().filter(java.util.Objects::nonNull).collect(java.util.stream.Collectors.toSet());
        boolean provider = owners.contains(null);
        String where = (named.isEmpty() ? "" : "o.owner in :owners") + (provider ? (named.isEmpty() ? "" : " or ") + "o.owner is null" : "");
        return database.inTransaction(em -> {
            var query = em.createQuery("select o from OperationEntity o where " + where + " order by o.createdAt desc", OperationEntity.class);
            if (!named.isEmpty()) {
                query.setParameter("owners", named);
            }
            return query.setMaxResults(limit).getResultList().stream().map(OperationEntity::toOperation).toList();
        });
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        watchdog.shutdownNow();
        threads.shutdown();
        if (!threads.awaitTermination(30, TimeUnit.SECONDS)) {
            threads.shutdownNow();
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
