package io.vessel.kernel.internal.network;

import io.vessel.kernel.api.IpPool;
import io.vessel.kernel.api.IpPoolMode;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

@Entity
@Table(name = "ip_pool")
public class IpPoolEntity {

    @Id
    @Column(length = 64)
    private String name;
    @Column(nullable = false, length = 50)
    private String cidr;
    @Column(nullable = false, length = 45)
    private String gateway;
    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 20)
    private IpPoolMode mode;
    @Column(nullable = false, length = 4000)
    private String excluded;
    @Column(nullable = false, length = 500)
    private String dns;
    @Column(name = "node_id", nullable = false)
    private UUID nodeId;
    @Column(length = 64)
    private String owner;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    /** The nodes the pool's network reaches, comma-separated ids; null: every node. */
    @Column(length = 4000)
    private String nodes;

    protected IpPoolEntity() {
    }

    IpPoolEntity(String name, String cidr, String gateway, IpPoolMode mode, List<String> excluded, List<String> dns, UUID nodeId, Instant now,
                 String owner, List<UUID> nodes) {
        this.owner = owner;
        this.nodes = nodes.isEmpty() ? null : String.join(",", nodes.stream().map(UUID::toString).toList());
        this.name = name;
        this.cidr = cidr;
        this.gateway = gateway;
        this.mode = mode;
        this.excluded = String.join(",", excluded);
        this.dns = String.join(",", dns);
        this.nodeId = nodeId;
        this.createdAt = now;
    }

    String name() {
        return name;
    }

    Cidr cidr() {
        return Cidr.parse(cidr);
    }

    String gateway() {
        return gateway;
    }

    IpPoolMode mode() {
        return mode;
    }

    List<String> excluded() {
        return excluded.isEmpty() ? List.of() : Arrays.asList(excluded.split(","));
    }

    List<String> dns() {
        return dns.isEmpty() ? List.of() : Arrays.asList(dns.split(","));
    }

    /** The nodes the pool reaches; empty: every node. */
    List<UUID> nodes() {
        return nodes == null || nodes.isBlank() ? List.of() : Arrays.stream(nodes.split(",")).map(UUID::fromString).toList();
    }

    /** Whether the pool's network reaches node {@code node}. */
    boolean reaches(UUID node) {
        List<UUID> reached = nodes();
        return reached.isEmpty() || reached.contains(node);
    }

    IpPool toPool(long capacity, long allocated) {
        return new IpPool(name, cidr, gateway, mode, excluded(), dns(), capacity, allocated, createdAt, owner,
                nodes().stream().map(UUID::toString).toList());
    }
}
