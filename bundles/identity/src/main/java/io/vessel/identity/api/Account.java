package io.vessel.identity.api;

import java.time.Instant;
import java.util.UUID;

/** A person or script using the panel. Never carries the password or its hash. */
public record Account(UUID id, String username, String email, Role role, Instant createdAt, Instant lastLoginAt) {
}
