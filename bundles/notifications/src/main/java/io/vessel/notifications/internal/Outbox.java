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

    /** A MIME message (one with attachments) as it would go over SMTP. */
    Path write(jakarta.mail.internet.MimeMessage message) throws IOException, jakarta.mail.MessagingException {
        Path file = begin();
        try (java.io.OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE)) {
            ClassLoader previous = Thread.currentThread().getContextClassLoader();
            // Jakarta Activation finds its content handlers through the context class loader: this bundle's
            Thread.currentThread().setContextClassLoader(Outbox.class.getClassLoader());
            try {
                message.writeTo(out);
            } finally {
                Thread.currentThread().setContextClassLoader(previous);
            }
        }
        return publish(file);
    }

    Path write(String from, String to, String subject, String text) throws IOException {
        String message = "To: " + to + "\r\nFrom: " + from + "\r\nSubject: " + subject + "\r\nDate: "
                + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now()) + "\r\n\r\n" + text.replace("\r\n", "\n").replace("\n", "\r\n");
        Path file = begin();
        Files.writeString(file, message, StandardOpenOption.WRITE);
        return publish(file);
    }

    /** A new message file, root's alone, under a name that marks it unfinished (readers skip dot files). */
    private Path begin() throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(".writing-" + Instant.now().toEpochMilli() + "-" + UUID.randomUUID() + ".eml");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return file;
    }

    /** The finished message under its real name, in one step: nobody reads a message half written. */
    private static Path publish(Path file) throws IOException {
        Path done = file.resolveSibling(file.getFileName().toString().substring(".writing-".length()));
        Files.move(file, done, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return done;
    }
}
