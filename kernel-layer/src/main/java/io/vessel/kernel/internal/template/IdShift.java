package io.vessel.kernel.internal.template;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Shifts file ownership into a VE's user-namespace range: a file owned by uid u in the template becomes
 * {@code base + u} on the host, which the VE sees as u again. Links are changed, not followed.
 */
public final class IdShift {

    private IdShift() {
    }

    public static void shift(Path root, int base) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                shiftOne(dir, base);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                shiftOne(file, base);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void shiftOne(Path path, int base) throws IOException {
        int uid = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int gid = (Integer) Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        boolean link = Files.isSymbolicLink(path);
        Integer mode = link ? null : (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:uid", base + (uid % 65536), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", base + (gid % 65536), LinkOption.NOFOLLOW_LINKS);
        if (mode != null && (mode & 06000) != 0) {
            Files.setAttribute(path, "unix:mode", mode & 07777); // chown clears set-uid/set-gid; put them back
        }
    }
}
