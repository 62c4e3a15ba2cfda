package io.vessel.backup.api;

/**
 * What the backup bundle announces through the OSGi Event Admin, for billing and plugins to follow without reaching
 * into it. @since 0.2
 */
public final class BackupEvents {

    /**
     * A tenant's backups now take {@link #BYTES} bytes in all its repositories (after a backup, a deletion, a
     * retention): with {@link #TENANT} (its id) and {@link #AT} (epoch milliseconds).
     */
    public static final String STORED = "io/vessel/backup/STORED";
    public static final String TENANT = "tenant";
    public static final String BYTES = "bytes";
    public static final String AT = "at";

    private BackupEvents() {
    }
}
