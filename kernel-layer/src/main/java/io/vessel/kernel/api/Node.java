package io.vessel.kernel.api;

import java.time.Instant;
import java.util.UUID;

/**
 * A server running VEs. The single-machine panel has one; multi-node setups register one per node agent.
 *
 * @param id            stable identity, kept in the node's data directory
 * @param hostname      host name at the last start
 * @param firstSeenAt   when this node first registered
 * @param lastStartedAt when its kernel layer last started
 * @param startCount    how many times it has started
 */
public record Node(UUID id, String hostname, Instant firstSeenAt, Instant lastStartedAt, long startCount) {
}
