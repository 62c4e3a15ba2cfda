package io.vessel.kernel.internal.network;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

@Entity
@Table(name = "ip_address")
public class IpAddressEntity {

    @Id
    @Column(length = 45)
    private String address;
    @Column(nullable = false, length = 64)
    private String pool;
    @Column(name = "ve_id", nullable = false)
    private int veId;
    @Column(name = "allocated_at", nullable = false)
    private Instant allocatedAt;

    protected IpAddressEntity() {
    }

    IpAddressEntity(String address, String pool, int veId, Instant now) {
        this.address = address;
        this.pool = pool;
        this.veId = veId;
        this.allocatedAt = now;
    }

    String address() {
        return address;
    }

    String pool() {
        return pool;
    }

    int veId() {
        return veId;
    }

    Instant allocatedAt() {
        return allocatedAt;
    }
}
