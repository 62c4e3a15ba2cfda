package io.vessel.kernel.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.UUID;

/**
 * Asks another node's {@link NodeCall} over the node channel. Registered where the node channel runs (an
 * installation of more than one node).
 *
 * @since 2.16
 */
public interface NodeCalls {

    /**
     * Sends {@code request} to the call {@code name} of {@code node} and answers its answer as it streams (closing it
     * hangs up, which ends the work there). Throws the node's {@link VeException} when its call refused, a
     * {@link VeException} of kind {@code UNAVAILABLE} when the node cannot be reached or runs no such call, and an
     * {@link IOException} when the exchange broke.
     */
    InputStream call(UUID node, String name, byte[] request) throws IOException;
}
