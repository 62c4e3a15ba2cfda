package io.vessel.kernel.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Work a bundle does on the node where a VE lives, asked by a panel over the node channel (mutually authenticated
 * TLS between the nodes of one installation): a backup reads the VE's snapshot on the VE's own node, and restic runs
 * there. Register on the node as a service with {@link #NAME}; a panel asks it with {@link NodeCalls#call}.
 *
 * <p>Only panels may call (a node agent's certificate is refused, so a VE that escaped on one server cannot reach
 * into the VEs of another through its node's certificate), and the panel checked the user's permission and the VE's
 * ownership before it asked. A request may carry a secret (a repository's password): it travels over the channel only,
 * never through the database.
 *
 * @since 2.16
 */
@FunctionalInterface
public interface NodeCall {

    /** Service property: the name panels ask this call by, letters, digits and dashes. */
    String NAME = "vessel.node.call";

    /**
     * Reads the panel's request and writes the answer, as lines while the work goes on if it streams. A
     * {@link VeException} thrown before anything was written refuses the request with its kind and message. An
     * answer that can no longer be written means that the panel hung up (it stopped, or gave up): end the work then.
     */
    void answer(InputStream request, OutputStream answer) throws IOException;
}
