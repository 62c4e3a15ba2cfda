package io.vessel.persistence.api;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A consistent copy of the whole panel database, for the panel's own backup: the embedded database's online backup
 * ({@code BACKUP TO}, a zip of its file taken while it serves), or for PostgreSQL {@code pg_dump} in its custom
 * format. How each is restored is in docs/backups.md. @since 1.3
 */
public interface DatabaseDump {

    /** Writes the copy to {@code file} (made or replaced); answers the name of its format: {@code h2-backup-zip} or {@code pg-dump-custom}. */
    String dumpTo(Path file) throws IOException;
}
