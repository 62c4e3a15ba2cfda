package io.vessel.kernel.internal;

import io.vessel.kernel.api.Node;
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
    }

    Node toNode() {
        return new Node(id, hostname, firstSeenAt, lastStartedAt, startCount);
    }
}
