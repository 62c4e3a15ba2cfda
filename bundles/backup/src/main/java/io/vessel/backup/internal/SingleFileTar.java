package io.vessel.backup.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.Date;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * One file of a backup as a one-entry tar stream, for the extractor that writes it into the VE: restic 0.14's
 * {@code dump} gives a directory as tar but a single file as its bare bytes, without owner, mode or time.
 */
final class SingleFileTar {

    private SingleFileTar() {
    }

    /**
     * A tar stream holding {@code content} ({@code entry.size()} bytes) as file {@code path} (absolute, stored
     * relative) with the entry's owners, mode and time, written by a thread of its own as the reader reads. The
     * caller still owns {@code content} and closes it: closing it here, on the writer's thread, ran the caller's
     * close actions (a last progress report) while the caller had already moved on.
     */
    static InputStream of(String path, Restic.Entry entry, InputStream content) throws IOException {
        PipedInputStream tar = new PipedInputStream(1 << 16);
        PipedOutputStream sink = new PipedOutputStream(tar);
        Thread writer = new Thread(() -> write(path, entry, content, sink), "backup-file-tar");
        writer.setDaemon(true);
        writer.start();
        return tar;
    }

    private static void write(String path, Restic.Entry entry, InputStream content, PipedOutputStream sink) {
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(sink)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            TarArchiveEntry file = new TarArchiveEntry(path.substring(1));
            file.setSize(entry.size());
            file.setMode(0100000 | mode(entry.permissions()));
            file.setUserId(entry.uid());
            file.setGroupId(entry.gid());
            if (entry.modified() != null) {
                file.setModTime(Date.from(entry.modified()));
            }
            out.putArchiveEntry(file);
            long copied = content.transferTo(out);
            if (copied != entry.size()) {
                throw new IOException("the backup gave " + copied + " bytes of " + path + ", not " + entry.size());
            }
            out.closeArchiveEntry();
            out.finish();
        } catch (IOException e) {
            // the pipe's reader sees the write end die and fails the extraction: a short file is never written whole
            try {
                sink.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    /**
     * Permission bits from restic's {@code ls} text, set-id and sticky bits included: Go's notation, where they are
     * letters before the nine ({@code urwxr-x---}: set-uid; {@code g}: set-gid; {@code t}: sticky).
     */
    static int mode(String permissions) {
        if (permissions == null || permissions.length() < 10) {
            return 0644;
        }
        String p = permissions.substring(permissions.length() - 9);
        int mode = 0;
        for (int i = 0; i < 9; i++) {
            char c = p.charAt(i);
            int bit = 1 << (8 - i);
            if (c == 'r' || c == 'w' || c == 'x' || c == 's' || c == 't') {
                mode |= bit;
            }
        }
        String kind = permissions.substring(0, permissions.length() - 9);
        mode |= kind.indexOf('u') >= 0 ? 04000 : 0;
        mode |= kind.indexOf('g') >= 0 ? 02000 : 0;
        mode |= kind.indexOf('t') >= 0 ? 01000 : 0;
        return mode;
    }
}
