package io.vessel.backup.api;

import java.util.Map;
import java.util.Optional;

/**
 * Where backups are stored: a place restic can keep repositories in. Each tenant gets a repository of its own in
 * every target (tenants never share a repository or a key). Register an implementation as an OSGi service.
 */
public interface BackupTarget {

    /** A name unique on the panel, letters, digits and dashes (part of paths and of the API). */
    String id();

    /** The target in a few words for administrators, without secrets, e.g. {@code "SFTP backup@store1:/srv/vessel"}. */
    String describe();

    /**
     * The restic repository of {@code tenant} in this target: its location as restic takes it after {@code -r}, and
     * the environment or options restic needs to reach it (never the repository password: Vessel adds that).
     */
    Repository repository(String tenant);

    /** Bytes free where the repositories are, when the target can tell. */
    Optional<Long> freeBytes();

    /** Whether the target can be reached now, and if not why, in a sentence an administrator can act on. */
    Health health();

    /**
     * Deletes {@code tenant}'s repository with everything in it (an erasure the customer asked for, or the end of a
     * terminated customer's retention), when the target can delete files; false when it cannot — Vessel has then
     * forgotten every snapshot and pruned, so no data is left, only the repository's empty structure. @since 0.3
     */
    default boolean deleteRepository(String tenant) throws java.io.IOException {
        return false;
    }

    /**
     * Bytes {@code tenant}'s repository takes (its pack files), when the target can count them cheaply; empty: Vessel
     * asks restic ({@code stats}, which reads the whole index). @since 0.3
     */
    default java.util.OptionalLong storedBytes(String tenant) {
        return java.util.OptionalLong.empty();
    }

    /** A repository location and what restic needs besides its password. */
    record Repository(String location, Map<String, String> environment, java.util.List<String> options) {
    }

    /** A target's state. */
    record Health(boolean reachable, String detail) {
    }
}
