package io.vessel.backup.api;

import java.time.Instant;
import java.util.List;

/**
 * One backup as restic keeps it.
 *
 * @param id    restic's snapshot id (64 hex digits)
 * @param paths what was backed up, as restic saw the paths
 * @param tags  Vessel's labels: {@code ve=<id>}, {@code by=<username>}, {@code note=<...>}
 */
public record Snapshot(String id, Instant time, String hostname, List<String> paths, List<String> tags) {
}
