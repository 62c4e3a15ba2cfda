/**
 * Backups: where they go ({@link io.vessel.backup.api.BackupTarget}, an extension point: the local directory and
 * SFTP targets are built in, S3 or a restic REST server come as plugins) and what a backup is.
 */
@org.osgi.annotation.versioning.Version("0.3.0")
package io.vessel.backup.api;
