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
// only what changed is written: a node agent's database role may update its heartbeat and report, never the
// provider's settings for it (labels, overcommit, new VEs), which a full-row update would name
@org.hibernate.annotations.DynamicUpdate
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

    /** What the node last reported of itself (its {@link io.vessel.kernel.api.NodeStatus}), as JSON. */
    @Column(length = 2000)
    private String status;

    @Column(name = "status_at")
    private Instant statusAt;

    /** The provider's labels, as a JSON object of strings. */
    @Column(length = 2000)
    private String labels;

    @Column(name = "overcommit_cpu")
    private Double overcommitCpu;

    @Column(name = "overcommit_memory")
    private Double overcommitMemory;

    @Column(name = "overcommit_disk")
    private Double overcommitDisk;

    /** False while the provider keeps new VEs off the node. */
    @Column(name = "accepts_new_ves", nullable = false)
    private boolean acceptsNewVes = true;

    /** The Vessel version the node last started with. */
    @Column(name = "vessel_version", length = 60)
    private String vesselVersion;

    /** The newest node-channel protocol the node speaks. */
    @Column(name = "channel_protocol")
    private Integer channelProtocol;

    /** What the node's process runs ({@link Node#role()}); null before it was recorded: one that hosts VEs. */
    @Column(name = "server_role", length = 20)
    private String serverRole;

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    protected NodeEntity() {
    }

    NodeEntity(UUID id, String hostname, Instant now) {
        this.id = id;
        this.hostname = hostname;
        this.firstSeenAt = now;
        this.lastStartedAt = now;
    }

    void recordStart(String currentHostname, Instant now, String version, int protocol, String role) {
        hostname = currentHostname;
        serverRole = role;
        vesselVersion = version;
        channelProtocol = protocol;
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

    /** Records how the node is doing, as it reports with its heartbeat. */
    void report(io.vessel.kernel.api.NodeStatus current, Instant now) {
        try {
            status = JSON.writeValueAsString(current);
            statusAt = now;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a node status could not be written", e);
        }
    }

    /** What it last reported; empty before its first report (or if the record cannot be read). */
    java.util.Optional<io.vessel.kernel.api.NodeStatus> reported() {
        if (status == null) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(JSON.readValue(status, io.vessel.kernel.api.NodeStatus.class));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return java.util.Optional.empty();
        }
    }

    void configure(java.util.Map<String, String> newLabels, io.vessel.kernel.api.NodeOvercommit overcommit, Boolean accepts) {
        if (accepts != null) {
            acceptsNewVes = accepts;
        }
        if (newLabels != null) {
            try {
                labels = newLabels.isEmpty() ? null : JSON.writeValueAsString(new java.util.TreeMap<>(newLabels));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("labels could not be written", e);
            }
        }
        if (overcommit != null) {
            overcommitCpu = overcommit.cpu();
            overcommitMemory = overcommit.memory();
            overcommitDisk = overcommit.disk();
        }
    }

    private java.util.Map<String, String> labels() {
        if (labels == null) {
            return java.util.Map.of();
        }
        try {
            return java.util.Collections.unmodifiableMap(JSON.readValue(labels,
                    new com.fasterxml.jackson.core.type.TypeReference<java.util.TreeMap<String, String>>() {
                    }));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return java.util.Map.of();
        }
    }

    /** This node as seen at {@code now}: out of reach when silent for longer than {@link NodeHealth#SILENCE}. */
    Node toNode(Instant now) {
        boolean silent = lastHeartbeatAt != null && lastHeartbeatAt.plus(NodeHealth.SILENCE).isBefore(now);
        return new Node(id, hostname, firstSeenAt, lastStartedAt, startCount, silent ? NodeHealth.UNREACHABLE : NodeHealth.ONLINE,
                lastHeartbeatAt, silent ? unreachableSince == null ? lastHeartbeatAt.plus(NodeHealth.SILENCE) : unreachableSince : null,
                labels(), new io.vessel.kernel.api.NodeOvercommit(overcommitCpu, overcommitMemory, overcommitDisk), acceptsNewVes,
                vesselVersion, channelProtocol, serverRole);
    }
}
