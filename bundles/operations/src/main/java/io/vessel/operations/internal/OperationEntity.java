package io.vessel.operations.internal;

import io.vessel.api.operation.Operation;
import io.vessel.api.operation.OperationState;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "operation")
public class OperationEntity {

    @Id
    private UUID id;
    @Column(nullable = false, length = 100)
    private String kind;
    @Column(nullable = false, length = 200)
    private String target;
    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 20)
    private OperationState state;
    @Column(nullable = false)
    private int progress;
    @Column(length = 500)
    private String message;
    @Column(length = 500)
    private String result;
    @Column(length = 2000)
    private String error;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    @Column(name = "started_at")
    private Instant startedAt;
    @Column(name = "finished_at")
    private Instant finishedAt;
    @Column(length = 64)
    private String owner;
    /** The node running it while it is open. */
    @Column(length = 64)
    private String runner;
    @Column(name = "lease_until")
    private Instant leaseUntil;
    /** The node that runs it: its runner's, or the one it is dispatched to. */
    @Column(length = 64)
    private String node;
    /**
     * A dispatched operation's parameters for its handler, as a JSON object of strings; erased once it has ended
     * (they are needed only to run it, and may hold what the database should not keep: a key, a password's hash).
     */
    @Column(length = 4000)
    private String parameters;
    /** A dispatched operation's time limit, for the node that claims it. */
    @Column(name = "time_limit_seconds")
    private Long timeLimitSeconds;

    protected OperationEntity() {
    }

    OperationEntity(UUID id, String kind, String target, String owner, String runner, Instant leaseUntil, Instant now) {
        this.id = id;
        this.owner = owner;
        this.runner = runner;
        this.leaseUntil = leaseUntil;
        this.node = runner;
        this.kind = kind;
        this.target = target;
        this.state = OperationState.QUEUED;
        this.createdAt = now;
    }

    /** Dispatched to {@code node}, which has until {@code claimBy} to claim it. */
    OperationEntity(UUID id, String kind, String target, String owner, String node, String parameters, long timeLimitSeconds,
                    Instant claimBy, Instant now) {
        this(id, kind, target, owner, null, claimBy, now);
        this.node = node;
        this.parameters = parameters;
        this.timeLimitSeconds = timeLimitSeconds;
    }

    /** Run here with a handler: its parameters and time limit recorded, as a dispatched operation's are. */
    void dispatched(String parameters, long timeLimitSeconds) {
        this.parameters = parameters;
        this.timeLimitSeconds = timeLimitSeconds;
    }

    /** Taken up by a process of its node, which now holds its lease. */
    void claim(String runner, Instant leaseUntil) {
        this.runner = runner;
        this.leaseUntil = leaseUntil;
    }

    UUID id() {
        return id;
    }

    String kind() {
        return kind;
    }

    String runner() {
        return runner;
    }

    String parameters() {
        return parameters;
    }

    java.time.Duration timeLimit() {
        return timeLimitSeconds == null ? io.vessel.api.operation.OperationService.DEFAULT_TIME_LIMIT
                : java.time.Duration.ofSeconds(timeLimitSeconds);
    }

    void start(Instant now) {
        state = OperationState.RUNNING;
        startedAt = now;
    }

    void progress(int percent, String text) {
        progress = Math.max(progress, Math.min(100, Math.max(0, percent)));
        message = abbreviate(text, 500);
    }

    void succeed(String resultPath, Instant now) {
        state = OperationState.SUCCEEDED;
        progress = 100;
        result = abbreviate(resultPath, 500);
        finishedAt = now;
        parameters = null;
    }

    void fail(String reason, Instant now) {
        state = OperationState.FAILED;
        error = abbreviate(reason, 2000);
        finishedAt = now;
        parameters = null;
    }

    /** An interrupted operation whose work turned out done: succeeded, with a message saying how that was found. */
    void settle(String result, String note) {
        state = OperationState.SUCCEEDED;
        this.result = result;
        this.error = null;
        this.progress = 100;
        this.message = abbreviate(note, 500);
        this.parameters = null;
    }

    /** Queued or running: not yet decided. */
    boolean open() {
        return state == OperationState.QUEUED || state == OperationState.RUNNING;
    }

    OperationState state() {
        return state;
    }

    Operation toOperation() {
        return new Operation(id, kind, target, state, progress, message, result, error, createdAt, startedAt, finishedAt, owner, node);
    }

    private static String abbreviate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
