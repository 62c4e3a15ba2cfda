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
}
