package io.vessel.identity.internal;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** One failed login under one throttle key (see {@link LoginThrottle}); kept for the lockout window only. */
@Entity
@Table(name = "login_failure")
public class LoginFailureEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "throttle_key", nullable = false, length = 400)
    private String throttleKey;

    @Column(name = "failed_at", nullable = false)
    private Instant failedAt;

    protected LoginFailureEntity() {
    }

    LoginFailureEntity(String key, Instant failedAt) {
        this.throttleKey = key;
        this.failedAt = failedAt;
    }

    String key() {
        return throttleKey;
    }

    Instant failedAt() {
        return failedAt;
    }
}
