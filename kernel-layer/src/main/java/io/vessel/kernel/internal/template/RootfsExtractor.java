package io.vessel.kernel.internal.template;

import io.vessel.kernel.api.Progress;
import io.vessel.kernel.internal.linux.LibC;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Unpacks a tarball that {@link RootfsTarball#scan} accepted into an empty template area, as root, keeping
 * owners, modes (set-uid included) and times. Never follows a symbolic link: every directory on the way is
 * checked with lstat and files are created with O_EXCL, so even an archive that slipped past the scan cannot
 * write outside the area.
 */
public final class RootfsExtractor {

    private static final int S_IFIFO = 0010000;

    private RootfsExtractor() {
    }

    public static void extract(Path tarball, Path root, Progress progress) throws IOException {
        long size = Math.max(1, Files.size(tarball));
        int[] lastPercent = {-1};
        List<Object[]> directoryTimes = new ArrayList<>();
        RootfsTarball.read(tarball, new RootfsTarball.CountingListener() {
            @Override
            public void bytesRead(long total) {
                int percent = (int) (total * 100 / size);
                if (percent != lastPercent[0] && percent % 5 == 0) {
                    lastPercent[0] = percent;
                    progress.update(percent, "unpacking: " + (total >> 20) + " of " + (size >> 20) + " MiB read");
                }
            }
        }, (entry, path, content) -> {
            if (path == null) {
                throw new IOException("'" + entry.getName() + "' climbs out of the root");
            }
            if (path.isEmpty()) {
                applyAttributes(root, entry);
                directoryTimes.add(new Object[] {root, entry.getLastModifiedTime()});
                return;
            }
            Path target = place(root, path);
            write(root, target, entry, content);
            if (entry.isDirectory()) {
                directoryTimes.add(new Object[] {target, entry.getLastModifiedTime()});
            }
        });
        // directory times last: creating their children changed them
        for (int i = directoryTimes.size() - 1; i >= 0; i--) {
            Object[] dir = directoryTimes.get(i);
            if (dir[1] != null) {
                setTimes((Path) dir[0], (FileTime) dir[1]);
            }
        }
    }

    /** The entry's path in the area, with every parent a real directory (created when missing). */
    private static Path place(Path root, String path) throws IOException {
        Path current = root;
        String[] parts = path.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            current = current.resolve(parts[i]);
            if (Files.isSymbolicLink(current)) {
                throw new IOException("'" + path + "' would be written through the symbolic link '" + root.relativize(current) + "'");
            }
            if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(current);
            } else if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("'" + path + "' lies under '" + root.relativize(current) + "', which is not a directory");
            }
        }
        return current.resolve(parts[parts.length - 1]);
    }

    private static void write(Path root, Path target, TarArchiveEntry entry, InputStream content) throws IOException {
        boolean exists = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        if (entry.isDirectory()) {
            if (exists && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(target);
                exists = false;
            }
            if (!exists) {
                Files.createDirectory(target);
            }
        } else {
            if (exists) {
                try {
                    Files.delete(target); // a later entry replaces an earlier one, as tar does; a link is removed, not followed
                } catch (DirectoryNotEmptyException e) {
                    throw new IOException("'" + entry.getName() + "' would replace a directory");
                }
            }
            if (entry.isSymbolicLink()) {
                Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
            } else if (entry.isLink()) {
                String source = RootfsTarball.normalise(entry.getLinkName());
                if (source == null || source.isEmpty()) {
                    throw new IOException("the hard link '" + entry.getName() + "' points out of the root");
                }
                Path from = place(root, source);
                if (!Files.isRegularFile(from, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException("the hard link '" + entry.getName() + "' names no earlier file of the archive");
                }
                Files.createLink(target, from);
                return; // shares the inode, and so the owner and mode, of its source
            } else if (entry.isFIFO()) {
                LibC.INSTANCE.mknod(target.toString(), S_IFIFO | (entry.getMode() & 0777), 0);
            } else if (entry.isFile()) {
                try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS)) {
                    content.transferTo(out);
                }
            } else {
                throw new IOException("'" + entry.getName() + "' is of a type a template cannot hold");
            }
        }
        applyAttributes(target, entry);
    }

    private static void applyAttributes(Path target, TarArchiveEntry entry) throws IOException {
        Files.setAttribute(target, "unix:uid", (int) entry.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(target, "unix:gid", (int) entry.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
        if (entry.isSymbolicLink()) {
            return; // links have no mode of their own, and setting a time would follow them
        }
        if (entry.isFIFO()) {
            // chmod by path (the JDK opens a file to change its mode without following links, which blocks on a
            // FIFO until a writer comes); the FIFO was just made by mknod and is not a link
            Files.setAttribute(target, "unix:mode", entry.getMode() & 07777);
        } else {
            Files.setAttribute(target, "unix:mode", entry.getMode() & 07777, LinkOption.NOFOLLOW_LINKS); // after chown: it clears set-uid
        }
        if (!entry.isDirectory() && entry.getLastModifiedTime() != null) {
            setTimes(target, entry.getLastModifiedTime());
        }
    }

    /**
     * Sets access and modification time by path with utimensat(AT_SYMLINK_NOFOLLOW). The JDK opens the file to set
     * its times, and opening a FIFO blocks until a writer comes: an archive with a FIFO would hang the import.
     */
    private static void setTimes(Path target, FileTime time) throws IOException {
        long nanos = time.to(java.util.concurrent.TimeUnit.NANOSECONDS);
        long seconds = Math.floorDiv(nanos, 1_000_000_000L);
        long rest = Math.floorMod(nanos, 1_000_000_000L);
        try {
            LibC.INSTANCE.utimensat(LibC.AT_FDCWD, target.toString(), new long[] {seconds, rest, seconds, rest}, LibC.AT_SYMLINK_NOFOLLOW);
        } catch (com.sun.jna.LastErrorException e) {
            throw io.vessel.kernel.internal.linux.Fd.error("set the times of " + target, e);
        }
    }
}
