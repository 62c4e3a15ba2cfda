package io.vessel.kernel.internal;

import io.vessel.kernel.api.Template;
import io.vessel.kernel.api.TemplateSource;
import io.vessel.kernel.api.TemplateState;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "template")
public class TemplateEntity {

    @Id
    @Column(length = 80)
    private String id;
    @Column(nullable = false, length = 64)
    private String name;
    @Column(nullable = false)
    private int version;
    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 20)
    private TemplateSource source;
    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 20)
    private TemplateState state;
    @Column(length = 500)
    private String description;
    @Column(length = 1000)
    private String origin;
    @Column(name = "os_name", length = 200)
    private String osName;
    @Column(nullable = false, length = 200)
    private String init;
    @Column(name = "size_bytes")
    private Long sizeBytes;
    @Column(nullable = false)
    private boolean retired;
    @Column(length = 2000)
    private String error;
    @Column(name = "node_id", nullable = false)
    private UUID nodeId;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;
    @Column(length = 64)
    private String owner;
    @Column(name = "init_system", length = 20)
    private String initSystem;
    @Column(name = "systemd_version")
    private Integer systemdVersion;

    protected TemplateEntity() {
    }

    TemplateEntity(String name, int version, TemplateSource source, String description, String origin, String init,
                   UUID nodeId, Instant now, String owner) {
        this.owner = owner;
        this.id = storageId(name, version);
        this.name = name;
        this.version = version;
        this.source = source;
        this.state = TemplateState.BUILDING;
        this.description = description;
        this.origin = origin;
        this.init = init;
        this.nodeId = nodeId;
        this.createdAt = now;
        this.updatedAt = now;
    }

    /** The subvolume name in the pool and the primary key. */
    static String storageId(String name, int version) {
        return name + "@" + version;
    }

    String id() {
        return id;
    }

    String name() {
        return name;
    }

    int version() {
        return version;
    }

    TemplateSource source() {
        return source;
    }

    TemplateState state() {
        return state;
    }

    String origin() {
        return origin;
    }

    String init() {
        return init;
    }

    boolean retired() {
        return retired;
    }

    /** What the template boots; templates recorded before this was kept count as another init. */
    io.vessel.kernel.internal.template.InitSystem initSystem() {
        io.vessel.kernel.internal.template.InitSystem known = io.vessel.kernel.internal.template.InitSystem.parse(initSystem, systemdVersion);
        return known != null ? known : io.vessel.kernel.internal.template.InitSystem.OTHER;
    }

    void ready(String osName, long sizeBytes, io.vessel.kernel.internal.template.InitSystem boots, Instant now) {
        this.initSystem = boots.label();
        this.systemdVersion = boots.systemdVersion();
        this.state = TemplateState.READY;
        this.osName = osName;
        this.sizeBytes = sizeBytes;
        this.error = null;
        this.updatedAt = now;
    }

    void failed(String error, Instant now) {
        this.state = TemplateState.FAILED;
        this.error = error == null ? "failed" : error.length() > 2000 ? error.substring(0, 2000) : error;
        this.updatedAt = now;
    }

    void setRetired(boolean retired, Instant now) {
        this.retired = retired;
        this.updatedAt = now;
    }

    String owner() {
        return owner;
    }

    Template toTemplate(long vesUsing) {
        return new Template(name, version, source, state, description, origin, osName, init, sizeBytes, retired,
                vesUsing, error, createdAt, updatedAt, owner, initSystem, systemdVersion);
    }

    /** The node that built it (its record's node; other nodes keep copies of their own, see TemplateCatalog). */
    UUID nodeId() {
        return nodeId;
    }
}
