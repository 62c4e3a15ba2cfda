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

    /**
     * When VE {@code ve} is backed up as its plan says, unless the VE has a schedule of its own: a cron expression
     * (five fields, or six with seconds first) in {@code timeZone}, spread by up to {@code spreadMinutes}, and
     * restic's keep rules (0: not used). @since 0.3
     */
    record PlanSchedule(String cron, String timeZone, int spreadMinutes, int keepLast, int keepHourly, int keepDaily, int keepWeekly,
                        int keepMonthly, int keepYearly) {
    }

    /** VE {@code ve}'s schedule as its plan says; empty when its plan has none. @since 0.3 */
    default java.util.Optional<PlanSchedule> planSchedule(String tenant, int ve) {
        return java.util.Optional.empty();
    }

    /** Whether VE {@code ve}'s scheduled backups go on while it is suspended; true unless its plan says no. @since 0.3 */
    default boolean backsUpWhileSuspended(String tenant, int ve) {
        return true;
    }
}
