package io.vessel.backup.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

class SingleFileTarTest {

    @Test
    void goPermissionTextGivesTheModeWithSetIdAndStickyBits() {
        assertEquals(0644, SingleFileTar.mode("-rw-r--r--"));
        assertEquals(04750, SingleFileTar.mode("urwxr-x---"));
        assertEquals(02755, SingleFileTar.mode("grwxr-xr-x"));
        assertEquals(06711, SingleFileTar.mode("ugrwx--x--x"));
        assertEquals(01777, SingleFileTar.mode("dtrwxrwxrwx"));
    }

    @Test
    void aFileOfABackupBecomesOneTarEntryWithItsOwnersModeAndTime() throws IOException {
        byte[] content = "secret\n".getBytes(StandardCharsets.UTF_8);
        Instant modified = Instant.parse("2026-11-01T10:15:30Z");
        Restic.Entry entry = new Restic.Entry("note", "file", "/srv/a very long directory name " + "x".repeat(120) + "/note", content.length,
                "urwxr-x---", 5, 6, modified);
        try (TarArchiveInputStream tar = new TarArchiveInputStream(SingleFileTar.of(entry.path(), entry, new ByteArrayInputStream(content)))) {
            TarArchiveEntry file = tar.getNextEntry();
            assertEquals(entry.path().substring(1), file.getName(), "long names survive (PAX), stored relative");
            assertEquals(5, file.getLongUserId());
            assertEquals(6, file.getLongGroupId());
            assertEquals(04750, file.getMode() & 07777);
            assertEquals(modified, file.getLastModifiedDate().toInstant());
            assertEquals("secret\n", new String(tar.readAllBytes(), StandardCharsets.UTF_8));
            assertNull(tar.getNextEntry());
        }
    }

    @Test
    void aBackupThatEndsEarlyNeverMakesAWholeLookingArchive() throws IOException {
        Restic.Entry entry = new Restic.Entry("big", "file", "/big", 1000, "-rw-------", 0, 0, null);
        try (InputStream in = SingleFileTar.of("/big", entry, new ByteArrayInputStream(new byte[10]));
             TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            tar.getNextEntry();
            assertThrows(IOException.class, tar::readAllBytes, "the stream ends inside the file: the extractor fails");
        }
    }
}
