package io.vessel.kernel.internal.template;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Paths inside a template or stopped VE, resolved as the kernel would inside the VE: the file system's own
 * symbolic links are followed, absolute targets start at its root and {@code ..} stops there. The result has no
 * link in any component, so the panel (root on the host) cannot be led out of {@code root} by a planted link.
 * For trees nobody else writes to meanwhile (templates being built, stopped VEs).
 */
public final class InRoot {

    private InRoot() {
    }

    /** Resolves {@code relative}; with {@code createDirectories}, missing directories on the way are created. */
    public static Path resolve(Path root, String relative, boolean createDirectories) throws IOException {
        Deque<String> pending = new ArrayDeque<>(List.of(relative.split("/")));
        List<String> done = new ArrayList<>();
        int hops = 0;
        while (!pending.isEmpty()) {
            String part = pending.removeFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!done.isEmpty()) {
                    done.remove(done.size() - 1);
                }
                continue;
            }
            Path here = root.resolve(String.join("/", done)).resolve(part);
            if (Files.isSymbolicLink(here)) {
                if (++hops > 40) {
                    throw new IOException("/" + relative + " leads through too many links");
                }
                String target = Files.readSymbolicLink(here).toString();
                if (target.startsWith("/")) {
                    done.clear();
                }
                String[] parts = target.split("/");
                for (int i = parts.length - 1; i >= 0; i--) {
                    pending.addFirst(parts[i]);
                }
                continue;
            }
            if (!pending.isEmpty()) {
                if (!Files.exists(here, LinkOption.NOFOLLOW_LINKS) && createDirectories) {
                    Files.createDirectory(here);
                } else if (Files.exists(here, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(here, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException("/" + relative + ": " + String.join("/", done) + "/" + part + " is not a directory");
                }
            }
            done.add(part);
        }
        return root.resolve(String.join("/", done));
    }

    /** A directory inside the tree, created when missing. */
    public static Path directory(Path root, String relative) throws IOException {
        Path dir = resolve(root, relative + "/.", true);
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(dir);
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("/" + relative + " is not a directory");
        }
        return dir;
    }

    /** The text of a regular file inside the tree, if there is one (at most 64 KiB are read). */
    public static Optional<String> read(Path root, String relative) {
        try {
            Path file = resolve(root, relative, false);
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            try (var in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.of(new String(in.readNBytes(65536), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Replaces a file inside the tree with a regular file (a link in its place is removed, not followed). */
    public static void write(Path root, String relative, String content, String mode) throws IOException {
        int slash = relative.lastIndexOf('/');
        Path dir = slash < 0 ? root : directory(root, relative.substring(0, slash));
        Path file = dir.resolve(relative.substring(slash + 1));
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("/" + relative + " is a directory");
        }
        Files.deleteIfExists(file);
        Files.writeString(file, content, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString(mode));
    }
}
