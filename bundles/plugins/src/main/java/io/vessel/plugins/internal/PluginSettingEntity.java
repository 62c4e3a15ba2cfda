package io.vessel.plugins.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

/** One setting of one PID; {@code value} is encrypted when {@code secret}. */
@Entity(name = "PluginSettingEntity")
@Table(name = "plugin_setting")
@IdClass(PluginSettingEntity.Key.class)
public class PluginSettingEntity {

    /** The composite key. */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        String pid;
        String name;

        public Key() {
        }

        Key(String pid, String name) {
            this.pid = pid;
            this.name = name;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.pid.equals(pid) && k.name.equals(name);
        }

        @Override
        public int hashCode() {
            return Objects.hash(pid, name);
        }
    }

    @Id
    String pid;
    @Id
    String name;
    /** "value" is a reserved word in H2. */
    @Column(name = "setting_value")
    String value;
    boolean secret;
    @Column(name = "updated_at")
    Instant updatedAt;

    protected PluginSettingEntity() {
    }

    PluginSettingEntity(String pid, String name, String value, boolean secret, Instant updatedAt) {
        this.pid = pid;
        this.name = name;
        this.value = value;
        this.secret = secret;
        this.updatedAt = updatedAt;
    }
}
