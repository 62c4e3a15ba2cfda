package io.vessel.kernel.internal.network;

import io.vessel.kernel.api.PortForward;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

@Entity
@Table(name = "port_forward")
public class PortForwardEntity {

    @Id
    @Column(length = 64)
    private String id;
    /** The node whose host forwards the port: the VE's. */
    @Column(name = "node_id", nullable = false)
    private java.util.UUID nodeId;
    @Column(nullable = false, length = 3)
    private String protocol;
    @Column(name = "host_port", nullable = false)
    private int hostPort;
    @Column(name = "ve_id", nullable = false)
    private int veId;
    @Column(nullable = false, length = 45)
    private String address;
    @Column(nullable = false)
    private int port;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected PortForwardEntity() {
    }

    PortForwardEntity(java.util.UUID nodeId, String protocol, int hostPort, int veId, String address, int port, Instant now) {
        this.id = key(nodeId, protocol, hostPort);
        this.nodeId = nodeId;
        this.protocol = protocol;
        this.hostPort = hostPort;
        this.veId = veId;
        this.address = address;
        this.port = port;
        this.createdAt = now;
    }

    /** One port per protocol of each node's host: the key makes a second forward of it there impossible. */
    static String key(java.util.UUID nodeId, String protocol, int hostPort) {
        return nodeId + "/" + protocol + "/" + hostPort;
    }

    int veId() {
        return veId;
    }

    PortForward toForward() {
        return new PortForward(protocol, hostPort, veId, address, port);
    }
}
