package io.vessel.backup.api;

import java.util.OptionalLong;

/**
 * How many backups a tenant may keep, as its plans say. Registered by billing (or a plugin that sells backups its
 * own way); with none registered, or one answering empty, there is no limit. A backup beyond the limit is refused
 * naming it, and a schedule that would keep more is refused when it is set. @since 0.2
 */
public interface BackupQuota {

    /** The most backups the tenant (its id) may keep over all its VEs; empty for no limit. */
    OptionalLong slots(String tenant);

    /**
     * The most bytes the tenant's backups may take in its repositories (as stored: deduplicated and compressed);
     * empty for no limit. A backup starts only while the tenant stores less. @since 0.3
     */
    default OptionalLong storedBytes(String tenant) {
        return OptionalLong.empty();
    }

    /** Whether VE {@code ve}'s scheduled backups go on while it is suspended; true unless its plan says no. @since 0.3 */
    default boolean backsUpWhileSuspended(String tenant, int ve) {
        return true;
    }
}
