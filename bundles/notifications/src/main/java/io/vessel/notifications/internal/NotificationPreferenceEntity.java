package io.vessel.notifications.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.Objects;
import java.util.UUID;

/** An account's choice for one event (or pattern such as {@code ve.*}). */
@Entity(name = "NotificationPreferenceEntity")
@Table(name = "notification_preference")
@IdClass(NotificationPreferenceEntity.Key.class)
public class NotificationPreferenceEntity {

    /** The composite key. */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        UUID accountId;
        String event;

        public Key() {
        }

        Key(UUID accountId, String event) {
            this.accountId = accountId;
            this.event = event;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.accountId.equals(accountId) && k.event.equals(event);
        }

        @Override
        public int hashCode() {
            return Objects.hash(accountId, event);
        }
    }

    @Id
    @Column(name = "account_id")
    UUID accountId;
    @Id
    String event;
    boolean email;

    protected NotificationPreferenceEntity() {
    }

    NotificationPreferenceEntity(UUID accountId, String event, boolean email) {
        this.accountId = accountId;
        this.event = event;
        this.email = email;
    }
}
