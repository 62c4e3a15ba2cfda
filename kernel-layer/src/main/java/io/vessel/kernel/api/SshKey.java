package io.vessel.kernel.api;

import java.time.Instant;

/**
 * An SSH public key a VE's root accepts.
 *
 * @param id          what the API names it by (hex SHA-256 of the key; safe in URLs)
 * @param type        e.g. {@code ssh-ed25519}
 * @param fingerprint as {@code ssh-keygen -l} shows it: {@code SHA256:…}
 * @param comment     the key's comment, often {@code user@host}
 */
public record SshKey(String id, String type, String fingerprint, String comment, Instant addedAt) {
}
