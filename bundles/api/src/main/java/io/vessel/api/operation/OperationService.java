package io.vessel.api.operation;

import java.util.List;
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

    /** Records the operation as queued and runs it in the background. */
    Operation submit(String kind, String target, Work work);

    Optional<Operation> find(UUID id);

    /**
     * The operation once it has finished, or as it is after {@code timeout}: lets clients wait for a result
     * without polling.
     */
    Optional<Operation> await(UUID id, java.time.Duration timeout) throws InterruptedException;

    /** Most recent first. */
    List<Operation> recent(int limit);
}
