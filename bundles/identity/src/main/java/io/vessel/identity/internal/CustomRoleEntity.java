package io.vessel.identity.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

@Entity
@Table(name = "custom_role")
public class CustomRoleEntity {

    @Id
    private UUID id;
    @Column(name = "tenant_id", nullable = false)
    private UUID tenantId;
    @Column(nullable = false, length = 64)
    private String name;
    @Column(nullable = false, length = 4000)
    private String permissions;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected CustomRoleEntity() {
    }

    CustomRoleEntity(UUID tenantId, String name, Set<String> permissions, Instant now) {
        this.id = UUID.randomUUID();
        this.tenantId = tenantId;
        this.name = name;
        setPermissions(permissions);
        this.createdAt = now;
    }

    UUID id() {
        return id;
    }

    UUID tenantId() {
        return tenantId;
    }

    String name() {
        return name;
    }

    Set<String> permissions() {
        return split(permissions);
    }

    void setPermissions(Set<String> permissions) {
        this.permissions = String.join(",", new TreeSet<>(permissions));
    }

    static Set<String> split(String list) {
        Set<String> out = new TreeSet<>();
        if (list != null) {
            Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(out::add);
        }
        return out;
    }
}
