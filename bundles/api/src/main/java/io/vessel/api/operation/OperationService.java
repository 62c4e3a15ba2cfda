package io.vessel.api.operation;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Runs and records operations. */
public interface OperationService {

    /** Reports how far an operation has come. */
    interface Progress {
        void update(int percent, String message);
    }

    /** The work of an operation; returns the API path of its result (or null). */
    @FunctionalInterface
    interface Work {
        String run(Progress progress) throws Exception;
    }

    /** Event topic prefix: {@code io/vessel/operations/<STATE>} on every change, with the properties below. */
    String TOPIC_PREFIX = "io/vessel/operations/";

    /** Event properties: the operation's fields by name ({@code id}, {@code kind}, {@code target}, {@code state},
     * {@code progress}, {@code message}, {@code result}, {@code error}) and {@code owner} when it has one. */
    String OWNER = "owner";

    /** How long an operation may run unless its submitter says otherwise. */
    java.time.Duration DEFAULT_TIME_LIMIT = java.time.Duration.ofHours(2);

    /**
     * Records the operation as queued and runs it in the background; it belongs to the tenant {@code owner}.
     * Operations of different tenants are scheduled fairly: one tenant's queue never holds up another's. An
     * operation still running after {@code timeLimit} is failed and its worker abandoned (never reused).
     */
    Operation submit(String kind, String target, String owner, java.time.Duration timeLimit, Work work);

    /** As above, with {@link #DEFAULT_TIME_LIMIT}. */
    default Operation submit(String kind, String target, String owner, Work work) {
        return submit(kind, target, owner, DEFAULT_TIME_LIMIT, work);
    }

    /** An operation of the provider's own. */
    default Operation submit(String kind, String target, Work work) {
        return submit(kind, target, null, work);
    }

    /**
     * Records the operation for {@code node} to run (its node id; null or this node's: here), with the
     * {@link OperationHandler} registered there for {@code kind}. The operation is a row with its parameters, not a
     * closure: whichever process of that node claims it runs it, and it outlives the process that dispatched it.
     * A node that does not take the operation up within a short while (it is down, or runs no handler for the kind)
     * has it failed with that reason.
     *
     * @param parameters what the handler needs, as short strings (ids, names); together under 4000 characters
     * @since 2.3
     */
    default Operation dispatch(String kind, String target, String owner, String node, Map<String, String> parameters,
                               java.time.Duration timeLimit) {
        throw new UnsupportedOperationException("this operation service runs operations in its own process only");
    }

    Optional<Operation> find(UUID id);

    /**
     * The operations this panel's start found unfinished (the panel stopped or crashed while they ran) and recorded
     * as failed. Their owners may know better: see {@link #settle}.
     */
    default List<Operation> interruptedAtStart() {
        return List.of();
    }

    /**
     * Records an interrupted operation as succeeded after all, because its owner found the work done (e.g. the VE a
     * create was making exists and works): {@code result} is its result path. Only for {@link #interruptedAtStart}.
     */
    default void settle(UUID id, String result) {
    }

    /**
     * The operation once it has finished, or as it is after {@code timeout}: lets clients wait for a result
     * without polling.
     */
    Optional<Operation> await(UUID id, java.time.Duration timeout) throws InterruptedException;

    /** Most recent first. */
    List<Operation> recent(int limit);

    /**
     * Most recent first, of the given owners only ({@code null} in the set stands for the provider's own
     * operations).
     */
    List<Operation> recent(int limit, java.util.Set<String> owners);
}
