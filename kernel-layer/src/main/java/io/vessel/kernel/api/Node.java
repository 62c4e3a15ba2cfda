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
 * @param labels           the provider's labels for placement, e.g. {@code disk=ssd} (2.12)
 * @param overcommit       how far placement may allot its resources (2.12)
 * @param acceptsNewVes    whether placement may give it new VEs: false while the provider keeps it out (maintenance,
 *                         before it leaves); its VEs run on (2.12)
 * @param role             what the process of this record runs ({@code server.role}): {@value #ALL} (a panel and VEs),
 *                         {@value #NODE_AGENT} (VEs only) or {@value #PANEL} (a panel without VEs of its own, not root);
 *                         null for a record from before 2.15, which hosts VEs
 */
public record Node(UUID id, String hostname, Instant firstSeenAt, Instant lastStartedAt, long startCount, NodeHealth health,
                   Instant lastHeartbeatAt, Instant unreachableSince, java.util.Map<String, String> labels, NodeOvercommit overcommit,
                   boolean acceptsNewVes, String version, Integer channelProtocol, String role) {

    /** A panel and VEs in one process: the single-server default. */
    public static final String ALL = "all";
    /** The kernel layer and the node channel only: VEs, no web tier. */
    public static final String NODE_AGENT = "node-agent";
    /** A panel without VE support of its own: it runs as an ordinary user and manages the node agents' VEs. */
    public static final String PANEL = "panel";

    /** Whether VEs can be placed on, moved to or run on this node: every role but {@link #PANEL}. */
    public boolean hostsVes() {
        return !PANEL.equals(role);
    }

    /** A node whose role is not recorded (as before 2.15): one that hosts VEs. */
    public Node(UUID id, String hostname, Instant firstSeenAt, Instant lastStartedAt, long startCount, NodeHealth health,
                Instant lastHeartbeatAt, Instant unreachableSince, java.util.Map<String, String> labels, NodeOvercommit overcommit,
                boolean acceptsNewVes, String version, Integer channelProtocol) {
        this(id, hostname, firstSeenAt, lastStartedAt, startCount, health, lastHeartbeatAt, unreachableSince, labels, overcommit,
                acceptsNewVes, version, channelProtocol, null);
    }

    /** A node whose Vessel version is not recorded (as before 2.13). */
    public Node(UUID id, String hostname, Instant firstSeenAt, Instant lastStartedAt, long startCount, NodeHealth health,
                Instant lastHeartbeatAt, Instant unreachableSince, java.util.Map<String, String> labels, NodeOvercommit overcommit,
                boolean acceptsNewVes) {
        this(id, hostname, firstSeenAt, lastStartedAt, startCount, health, lastHeartbeatAt, unreachableSince, labels, overcommit,
                acceptsNewVes, null, null);
    }

    /** A node without labels or overcommit ratios (as before 2.12). */
    public Node(UUID id, String hostname, Instant firstSeenAt, Instant lastStartedAt, long startCount, NodeHealth health,
                Instant lastHeartbeatAt, Instant unreachableSince) {
        this(id, hostname, firstSeenAt, lastStartedAt, startCount, health, lastHeartbeatAt, unreachableSince, java.util.Map.of(),
                NodeOvercommit.NONE, true);
    }

    /** A node whose health is not known (as before 2.11): taken as online. */
    public Node(UUID id, String hostname, Instant firstSeenAt, Instant lastStartedAt, long startCount) {
        this(id, hostname, firstSeenAt, lastStartedAt, startCount, NodeHealth.ONLINE, null, null);
    }
}
