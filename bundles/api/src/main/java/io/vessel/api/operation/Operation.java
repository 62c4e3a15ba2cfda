package io.vessel.api.operation;

import java.time.Instant;
import java.util.UUID;

/**
 * A tracked long-running action.
 *
 * @param kind     what it does, e.g. {@code ve.create}
 * @param target   what it acts on, e.g. {@code ve/101}
 * @param progress 0 to 100
 * @param message  the current step, in words
 * @param result   where the outcome can be fetched (an API path), once succeeded
 * @param error    why it failed, in a sentence a user can act on
 * @param owner    the tenant the operation belongs to (that of its target); null for the provider's own
 * @param node     the node it runs on (its id), or is dispatched to; null when not recorded (before 2.3)
 */
public record Operation(UUID id, String kind, String target, OperationState state, int progress, String message,
                        String result, String error, Instant createdAt, Instant startedAt, Instant finishedAt, String owner,
                        String node) {

    /** An operation whose node is not recorded (as before 2.3). */
    public Operation(UUID id, String kind, String target, OperationState state, int progress, String message,
                     String result, String error, Instant createdAt, Instant startedAt, Instant finishedAt, String owner) {
        this(id, kind, target, state, progress, message, result, error, createdAt, startedAt, finishedAt, owner, null);
    }
}
