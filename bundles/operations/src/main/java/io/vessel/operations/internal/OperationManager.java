package io.vessel.operations.internal;

import io.vessel.api.operation.Operation;
import io.vessel.api.operation.OperationFailure;
import io.vessel.api.operation.OperationHandler;
import io.vessel.api.operation.OperationService;
import io.vessel.api.operation.OperationState;
import io.vessel.persistence.api.Database;
import jakarta.persistence.LockModeType;
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
 *
 * <p>An operation {@link #dispatch dispatched} to another node is a row with its kind and parameters: a process of
 * that node claims it ({@code FOR UPDATE SKIP LOCKED}, so two processes of one node never both take it) and runs it
 * with the {@link OperationHandler} registered there for its kind. PostgreSQL's {@code NOTIFY} wakes the node at once
 * (ids only) and tells every other process of each change, so their waiters and live views follow an operation run
 * elsewhere; a slow poll stands behind both, since notifications can be lost.
 */
@Component(service = OperationService.class)
public final class OperationManager implements OperationService {

    /**
     * Open operations this node ran, or whose lease lapsed, or that nobody took. In native SQL: nothing on the start
     * path parses HQL (Hibernate's first HQL parse costs ANTLR about half a second of CPU; issue 14).
     */
    @SuppressWarnings("unchecked")
    private List<OperationEntity> leftOpen(jakarta.persistence.EntityManager em, Instant now) {
        return em.createNativeQuery("select * from operation where state in ('QUEUED', 'RUNNING') and (runner = ?1 or lease_until < ?2"
                + " or (runner is null and node is null))", OperationEntity.class).setParameter(1, runner).setParameter(2, now).getResultList();
    }

    private static final Logger LOG = LoggerFactory.getLogger(OperationManager.class);

    /** Operations running at once; one tenant holds at most half of them while others wait. */
    static final int WORKERS = 4;
    /** How long an open operation's lease holds without renewal: three renewals missed. */
    static final Duration LEASE = Duration.ofSeconds(30);
    /** How often the runner renews its open operations' leases, and looks for lapsed ones. */
    static final Duration RENEW = Duration.ofSeconds(10);

    /** Channel announcing an operation dispatched to a node (its id), to that node's processes. */
    static final String DISPATCHED = "vessel_operation_dispatched";
    /** Channel announcing every change of an operation (its id), to the processes not running it. */
    static final String CHANGED = "vessel_operation_changed";
    /** How long a node has to take up an operation dispatched to it before it is failed. */
    static final Duration CLAIM = Duration.ofSeconds(30);
    /** How often a node looks for operations dispatched to it, in case a notification was lost. */
    static final Duration CLAIM_POLL = Duration.ofSeconds(2);
    /** How often a waiter for an operation run elsewhere looks at it, in case a notification was lost. */
    static final Duration WAIT_POLL = Duration.ofSeconds(1);

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

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
    /** Completed when an operation run by another process finishes, for {@link #await} here. */
    private final Map<UUID, CompletableFuture<Void>> elsewhere = new ConcurrentHashMap<>();
    /** What runs each kind dispatched to this node. */
    private final Map<String, OperationHandler> handlers = new ConcurrentHashMap<>();
    /** Whether other processes may share the database (PostgreSQL): then dispatch, claims and notifications. */
    private final boolean shared;
    private final List<AutoCloseable> listening = new java.util.concurrent.CopyOnWriteArrayList<>();

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
        this.shared = !database.info().embedded();
        Instant started = now();
        // an operation dispatched to this node and not yet claimed is left for the claim below: nothing of it ran
        this.interrupted = database.inTransaction(em -> leftOpen(em, started).stream().map(o -> {
                    o.fail(o.runner() == null
                            ? notTakenUp(o.kind())
                            : "Interrupted: the panel stopped while this operation ran. Check the target's state and retry.", started);
                    return o.toOperation();
                }).toList());
        if (!interrupted.isEmpty()) {
            LOG.warn("Marked interrupted operations as failed count={}", interrupted.size());
        }
        watchdog.scheduleWithFixedDelay(this::renewLeases, RENEW.toMillis(), RENEW.toMillis(), TimeUnit.MILLISECONDS);
        if (shared) {
            listening.add(database.listen(DISPATCHED, id -> watchdog.execute(this::claimDispatched)));
            listening.add(database.listen(CHANGED, id -> watchdog.execute(() -> changedElsewhere(id))));
            watchdog.scheduleWithFixedDelay(this::claimDispatched, CLAIM_POLL.toMillis(), CLAIM_POLL.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, unbind = "removeHandler")
    void addHandler(OperationHandler handler, Map<String, Object> properties) {
        for (String kind : kinds(properties)) {
            handlers.put(kind, handler);
        }
        if (shared) {
            watchdog.execute(this::claimDispatched);
        }
    }

    void removeHandler(OperationHandler handler, Map<String, Object> properties) {
        for (String kind : kinds(properties)) {
            handlers.remove(kind, handler);
        }
    }

    private static List<String> kinds(Map<String, Object> properties) {
        Object kinds = properties.get(OperationHandler.KIND);
        if (kinds instanceof String kind) {
            return List.of(kind);
        }
        if (kinds instanceof String[] many) {
            return List.of(many);
        }
        if (kinds instanceof java.util.Collection<?> many) {
            return many.stream().map(String::valueOf).toList();
        }
        return List.of();
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
                    "select o from OperationEntity o where o.state in :open and (o.runner is null or o.runner <> :me) and o.leaseUntil < :now",
                    OperationEntity.class)
                    .setParameter("open", List.of(OperationState.QUEUED, OperationState.RUNNING)).setParameter("me", runner)
                    .setParameter("now", now).getResultList().stream().map(o -> {
                        o.fail(o.runner() == null
                                ? notTakenUp(o.kind())
                                : "Interrupted: the node running this operation stopped answering. Check the target's state and retry.", now);
                        database.notify(em, CHANGED, o.id().toString());
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
        Operation queued = recordHere(kind, target, owner, null, timeLimit);
        run(queued, timeLimit, work);
        return queued;
    }

    /** Records an operation this process runs: queued, with its lease. */
    private Operation recordHere(String kind, String target, String owner, String parameters, Duration timeLimit) {
        UUID id = UUID.randomUUID();
        Operation queued = database.inTransaction(em -> {
            Instant now = now();
            OperationEntity entity = new OperationEntity(id, kind, target, owner, runner, now.plus(LEASE), now);
            if (parameters != null) {
                entity.dispatched(parameters, timeLimit.toSeconds());
            }
            em.persist(entity);
            database.notify(em, CHANGED, id.toString());
            return entity.toOperation();
        });
        post(queued);
        return queued;
    }

    @Override
    public Operation dispatch(String kind, String target, String owner, String node, Map<String, String> parameters, Duration timeLimit) {
        if (timeLimit == null || timeLimit.isNegative() || timeLimit.isZero()) {
            throw new IllegalArgumentException("an operation's time limit must be positive");
        }
        String encoded = encode(parameters);
        if (node == null || node.equals(runner)) {
            OperationHandler handler = handlers.get(kind);
            if (handler == null) {
                throw new IllegalStateException("this node runs no operations of kind " + kind);
            }
            Map<String, String> given = parameters == null ? Map.of() : Map.copyOf(parameters);
            Operation queued = recordHere(kind, target, owner, encoded, timeLimit);
            run(queued, timeLimit, progress -> handler.run(queued, given, progress));
            return queued;
        }
        UUID id = UUID.randomUUID();
        Operation queued = database.inTransaction(em -> {
            Instant now = now();
            OperationEntity entity = new OperationEntity(id, kind, target, owner, node, encoded, timeLimit.toSeconds(), now.plus(CLAIM), now);
            em.persist(entity);
            database.notify(em, DISPATCHED, id.toString());
            database.notify(em, CHANGED, id.toString());
            return entity.toOperation();
        });
        LOG.info("Operation dispatched id={} kind={} target={} node={}", id, kind, target, node);
        post(queued);
        return queued;
    }

    /**
     * Takes up the operations dispatched to this node, one at a time (each claim its own short transaction, so a
     * process of the same node polling at once skips the row this one holds), and runs them here.
     */
    void claimDispatched() {
        try {
            while (!handlers.isEmpty()) {
                Set<String> kinds = Set.copyOf(handlers.keySet());
                OperationEntity claimed = database.inTransaction(em -> {
                    @SuppressWarnings("unchecked")
                    List<OperationEntity> found = em.createNativeQuery("SELECT * FROM operation WHERE node = :me AND runner IS NULL"
                                    + " AND state = 'QUEUED' AND kind IN (:kinds) ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED", OperationEntity.class)
                            .setParameter("me", runner).setParameter("kinds", kinds).getResultList();
                    if (found.isEmpty()) {
                        return null;
                    }
                    OperationEntity entity = found.get(0);
                    entity.claim(runner, now().plus(LEASE));
                    database.notify(em, CHANGED, entity.id().toString());
                    return entity;
                });
                if (claimed == null) {
                    return;
                }
                Operation operation = claimed.toOperation();
                OperationHandler handler = handlers.get(operation.kind());
                Map<String, String> parameters = decode(claimed.parameters());
                LOG.info("Operation claimed id={} kind={} target={}", operation.id(), operation.kind(), operation.target());
                run(operation, claimed.timeLimit(), progress -> {
                    if (handler == null) {
                        throw new OperationFailure("This node can no longer run operations of kind " + operation.kind() + ".");
                    }
                    return handler.run(operation, parameters, progress);
                });
            }
        } catch (RuntimeException e) {
            LOG.warn("Dispatched operations not claimed: {}", e.getMessage());
        }
    }

    /** Another process changed an operation: waiters here learn if it finished, live views here see the change. */
    private void changedElsewhere(String text) {
        try {
            UUID id = UUID.fromString(text);
            if (unfinished.containsKey(id)) {
                return; // run here: its changes were posted as they happened
            }
            find(id).ifPresent(operation -> {
                post(operation);
                if (!open(operation)) {
                    CompletableFuture<Void> done = elsewhere.remove(id);
                    if (done != null) {
                        done.complete(null);
                    }
                }
            });
        } catch (RuntimeException e) {
            LOG.debug("Operation change not followed id={}: {}", text, e.getMessage());
        }
    }

    /** Why a dispatched operation its node never claimed failed. */
    private static String notTakenUp(String kind) {
        return "Its node did not take this operation up within " + CLAIM.toSeconds() + " seconds: it is down or cannot run " + kind
                + ". Nothing was done; retry once the node is back.";
    }

    private static String encode(Map<String, String> parameters) {
        try {
            String json = JSON.writeValueAsString(parameters == null ? Map.of() : parameters);
            if (json.length() > 4000) {
                throw new IllegalArgumentException("an operation's parameters must stay under 4000 characters");
            }
            return json;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("an operation's parameters could not be recorded", e);
        }
    }

    private static Map<String, String> decode(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            return Map.copyOf(JSON.readValue(json, new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {
            }));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("an operation's recorded parameters are not readable", e);
        }
    }

    /** Runs a recorded operation in this process, fairly among its owner's and others'. */
    private void run(Operation queued, Duration timeLimit, Work work) {
        UUID id = queued.id();
        String kind = queued.kind();
        String target = queued.target();
        unfinished.put(id, new CompletableFuture<>());
        scheduler.submit(queued.owner(), slot -> {
            Thread worker = Thread.currentThread();
            var overrun = watchdog.schedule(() -> overran(id, kind, target, timeLimit, slot, worker), timeLimit.toMillis(), TimeUnit.MILLISECONDS);
            try {
                execute(id, kind, target, work);
            } finally {
                overrun.cancel(false);
                finished(id);
            }
        });
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
            // Locked for the transaction: changes come from more than one thread (a late progress report from a
            // worker's helper thread can race the outcome), and Hibernate writes every column, so two unlocked
            // read-modify-writes would let the older state overwrite the newer one — an operation reported as
            // succeeded in the log yet RUNNING forever to its waiters. The lock makes the late one see the outcome.
            OperationEntity entity = em.find(OperationEntity.class, id, LockModeType.PESSIMISTIC_WRITE);
            if (entity != null) {
                update.accept(entity);
                database.notify(em, CHANGED, id.toString());
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
        putIfSet(properties, "node", operation.node());
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
            return find(id);
        }
        // run by another process (or finished): woken by its change notification, or looking each second
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<Void> later = elsewhere.computeIfAbsent(id, k -> new CompletableFuture<>());
        try {
            while (true) {
                Optional<Operation> now = find(id);
                long left = deadline - System.nanoTime();
                if (now.isEmpty() || !open(now.get()) || left <= 0 || !shared) {
                    return now;
                }
                try {
                    later.get(Math.min(left, WAIT_POLL.toNanos()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException | ExecutionException notYet) {
                    // look again
                }
            }
        } finally {
            elsewhere.remove(id, later);
        }
    }

    private static boolean open(Operation operation) {
        return operation.state() == OperationState.QUEUED || operation.state() == OperationState.RUNNING;
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
        for (AutoCloseable handle : listening) {
            try {
                handle.close();
            } catch (Exception e) {
                LOG.debug("Listening not stopped: {}", e.getMessage());
            }
        }
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
