package io.vessel.notifications.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/**
 * Where mail goes while no SMTP server is configured: {@code data/outbox}, one RFC 5322 file per message, readable
 * by root only (password reset links are secrets), so a fresh panel's admin can still reset a password.
 */
final class Outbox {

    private final Path dir;

    Outbox(Path dir) {
        this.dir = dir;
    }

    Path write(String from, String to, String subject, String text) throws IOException {
        Files.createDirectories(dir);
        String message = "To: " + to + "\r\nFrom: " + from + "\r\nSubject: " + subject + "\r\nDate: "
                + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now()) + "\r\n\r\n" + text.replace("\r\n", "\n").replace("\n", "\r\n");
        Path file = dir.resolve(Instant.now().toEpochMilli() + "-" + UUID.randomUUID() + ".eml");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, message, StandardOpenOption.WRITE);
        return file;
    }
}
