package io.vessel.kernel.internal;

import io.vessel.kernel.api.Node;
import io.vessel.kernel.api.NodeHealth;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "node")
public class NodeEntity {

    @Id
    private UUID id;

    @Column(nullable = false, length = 253)
    private String hostname;

    @Column(name = "first_seen_at", nullable = false)
    private Instant firstSeenAt;

    @Column(name = "last_started_at", nullable = false)
    private Instant lastStartedAt;

    @Column(name = "start_count", nullable = false)
    private long startCount;

    @Column(name = "last_heartbeat_at")
    private Instant lastHeartbeatAt;

    @Column(name = "unreachable_since")
    private Instant unreachableSince;

    protected NodeEntity() {
    }

    NodeEntity(UUID id, String hostname, Instant now) {
        this.id = id;
        this.hostname = hostname;
        this.firstSeenAt = now;
        this.lastStartedAt = now;
    }

    void recordStart(String currentHostname, Instant now) {
        hostname = currentHostname;
        lastStartedAt = now;
        startCount++;
        lastHeartbeatAt = now;
    }

    /** Records a heartbeat at {@code now}; answers since when the node had been marked out of reach (null: it was not). */
    Instant heartbeat(Instant now) {
        Instant was = unreachableSince;
        lastHeartbeatAt = now;
        unreachableSince = null;
        return was;
    }

    /** This node as seen at {@code now}: out of reach when silent for longer than {@link NodeHealth#SILENCE}. */
    Node toNode(Instant now) {
        boolean silent = lastHeartbeatAt != null && lastHeartbeatAt.plus(NodeHealth.SILENCE).isBefore(now);
        return new Node(id, hostname, firstSeenAt, lastStartedAt, startCount, silent ? NodeHealth.UNREACHABLE : NodeHealth.ONLINE,
                lastHeartbeatAt, silent ? unreachableSince == null ? lastHeartbeatAt.plus(NodeHealth.SILENCE) : unreachableSince : null);
    }
}
