package io.vessel.api.operation;

import java.util.Map;

/**
 * Runs the operations of one or more kinds that were {@link OperationService#dispatch dispatched} to this node,
 * in whichever process of the node claims them. Registered as a service with {@link #KIND} naming the kinds it runs
 * (a string or an array of them). Its work must be safe to repeat: an operation whose runner died may be found half
 * done by the next one.
 *
 * @since 2.3
 */
@FunctionalInterface
public interface OperationHandler {

    /** Service property: the kinds of operations this handler runs, e.g. {@code ve.start}. */
    String KIND = "vessel.operation.kind";

    /**
     * Does the work of {@code operation} with the parameters it was dispatched with; returns the API path of its
     * result (or null). An {@link OperationFailure} fails the operation with its message.
     */
    String run(Operation operation, Map<String, String> parameters, OperationService.Progress progress) throws Exception;
}
