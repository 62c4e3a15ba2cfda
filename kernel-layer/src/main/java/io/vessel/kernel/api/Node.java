package io.vessel.kernel.api;

import java.time.Instant;
import java.util.UUID;

/**
 * A server running VEs. The single-machine panel has one; multi-node setups register one per node agent.
 *
 * @param id               stable identity, kept in the node's data directory
 * @param hostname         host name at the last start
 * @param firstSeenAt      when this node first registered
 * @param lastStartedAt    when its kernel layer last started
 * @param startCount       how many times it has started
 * @param health           whether it is heard from (see {@link NodeHealth})
 * @param lastHeartbeatAt  when it was last heard from (null: never, as before 2.11)
 * @param unreachableSince since when it has been out of reach (null while it is heard from)
 */
public record Node(UUID id, String hostname, Instant firstSeenAt, Instant lastStartedAt, long startCount, NodeHealth health,
                   Instant lastHeartbeatAt, Instant unreachableSince) {

    /** A node whose health is not known (as before 2.11): taken as online. */
    public Node(UUID id, String hostname, Instant firstSeenAt, Instant lastStartedAt, long startCount) {
        this(id, hostname, firstSeenAt, lastStartedAt, startCount, NodeHealth.ONLINE, null, null);
    }
}
