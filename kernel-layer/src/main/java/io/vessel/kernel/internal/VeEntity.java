package io.vessel.kernel.internal;

import io.vessel.kernel.api.VeLimits;
import io.vessel.kernel.api.VeState;
import io.vessel.kernel.api.VirtualEnvironment;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "ve")
public class VeEntity {

    @Id
    private int id;
    @Column(nullable = false, length = 100)
    private String name;
    @Column(nullable = false, length = 253)
    private String hostname;
    @Column(nullable = false, length = 100)
    private String template;
    @Column(name = "template_version", nullable = false)
    private int templateVersion;
    @Column(length = 100)
    private String owner;
    @Column(name = "node_id", nullable = false)
    private UUID nodeId;
    /** The node the VE is being moved to while its files travel; that node takes it over (null: not moving). */
    @Column(name = "moving_to")
    private UUID movingTo;
    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 20)
    private VeState state;
    @Column(name = "state_reason", length = 500)
    private String stateReason;
    @Column(nullable = false)
    private boolean privileged;
    @Column(nullable = false)
    private boolean nesting;
    @Column(name = "cpu_weight", nullable = false)
    private int cpuWeight;
    @Column(precision = 6, scale = 2)
    private BigDecimal cpus;
    @Column(name = "memory_bytes", nullable = false)
    private long memoryBytes;
    @Column(name = "swap_bytes", nullable = false)
    private long swapBytes;
    @Column(nullable = false)
    private int processes;
    @Column(name = "disk_bytes", nullable = false)
    private long diskBytes;
    @Column(nullable = false, length = 200)
    private String cpuset;
    @Column(name = "io_weight", nullable = false)
    private int ioWeight;
    @Column(name = "read_bps", nullable = false)
    private long readBps;
    @Column(name = "write_bps", nullable = false)
    private long writeBps;
    @Column(name = "read_iops", nullable = false)
    private long readIops;
    @Column(name = "write_iops", nullable = false)
    private long writeIops;
    @Column(name = "net_in_bps", nullable = false)
    private long netInBps;
    @Column(name = "net_out_bps", nullable = false)
    private long netOutBps;
    @Column(nullable = false)
    private boolean smtp;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    protected VeEntity() {
    }

    VeEntity(int id, String name, String hostname, String template, int templateVersion, String owner, UUID nodeId, boolean privileged,
             VeLimits limits, Instant now) {
        this.id = id;
        this.name = name;
        this.hostname = hostname;
        this.template = template;
        this.templateVersion = templateVersion;
        this.owner = owner;
        this.nodeId = nodeId;
        this.privileged = privileged;
        this.state = VeState.CREATING;
        this.createdAt = now;
        this.updatedAt = now;
        setLimits(limits, now);
    }

    int id() {
        return id;
    }

    String hostname() {
        return hostname;
    }

    String template() {
        return template;
    }

    int templateVersion() {
        return templateVersion;
    }

    boolean privileged() {
        return privileged;
    }

    VeState state() {
        return state;
    }

    VeLimits limits() {
        return new VeLimits(cpuWeight, cpus, cpuset, memoryBytes, swapBytes, processes, diskBytes, ioWeight, readBps, writeBps,
                readIops, writeIops, netInBps, netOutBps, smtp);
    }

    void setLimits(VeLimits limits, Instant now) {
        cpuWeight = limits.cpuWeight();
        cpus = limits.cpus();
        memoryBytes = limits.memoryBytes();
        swapBytes = limits.swapBytes();
        processes = limits.processes();
        diskBytes = limits.diskBytes();
        cpuset = limits.cpuset();
        ioWeight = limits.ioWeight();
        readBps = limits.readBytesPerSecond();
        writeBps = limits.writeBytesPerSecond();
        readIops = limits.readIops();
        writeIops = limits.writeIops();
        netInBps = limits.netInBitsPerSecond();
        netOutBps = limits.netOutBitsPerSecond();
        smtp = Boolean.TRUE.equals(limits.smtp());
        updatedAt = now;
    }

    void setTemplate(String template, int version) {
        this.template = template;
        this.templateVersion = version;
    }

    void setHostname(String hostname) {
        this.hostname = hostname;
    }

    void setState(VeState next, String reason, Instant now) {
        state = next;
        stateReason = reason;
        updatedAt = now;
    }

    VirtualEnvironment toVe() {
        return new VirtualEnvironment(id, name, hostname, template, templateVersion, owner, state, stateReason, privileged, limits(),
                createdAt, updatedAt, null, features(), nodeId);
    }

    java.util.UUID nodeId() {
        return nodeId;
    }

    /** The VE now runs on {@code node} (migrated there). */
    void moveTo(java.util.UUID node, Instant now) {
        this.nodeId = node;
        this.movingTo = null;
        this.updatedAt = now;
    }

    /** Its files are on their way to {@code node}, which may read this record and will take it over. */
    void headFor(java.util.UUID node) {
        this.movingTo = node;
    }

    /** The move was given up: the VE stays where it is. */
    void stay() {
        this.movingTo = null;
    }

    java.util.UUID movingTo() {
        return movingTo;
    }

    io.vessel.kernel.api.VeFeatures features() {
        return new io.vessel.kernel.api.VeFeatures(nesting);
    }

    void setFeatures(io.vessel.kernel.api.VeFeatures features, Instant now) {
        this.nesting = features.nestingGranted();
        this.updatedAt = now;
    }
}
