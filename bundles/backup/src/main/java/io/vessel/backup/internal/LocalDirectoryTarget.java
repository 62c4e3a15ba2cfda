package io.vessel.backup.internal;

import io.vessel.backup.api.BackupTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Repositories in a directory of this machine ({@code <directory>/<tenant>}): the simplest target, and a mount
 * point of another disk or a NAS makes it a real one. On the same file system as the VEs' storage pool it protects
 * against deletion, not against the loss of the disk: {@link #health()} says so.
 */
final class LocalDirectoryTarget implements BackupTarget {

    private final String id;
    private final Path directory;
    private final Path pool;

    /** @param pool the VEs' storage pool, to warn when the backups are on the same file system */
    LocalDirectoryTarget(String id, Path directory, Path pool) {
        this.id = id;
        this.directory = directory;
        this.pool = pool;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String describe() {
        return "local directory " + directory;
    }

    @Override
    public Repository repository(String tenant) {
        if (!tenant.matches("[A-Za-z0-9-]{1,64}")) {
            throw new IllegalArgumentException("a tenant id, not a path: " + tenant);
        }
        return new Repository(directory.resolve(tenant).toString(), Map.of(), List.of());
    }

    /** The sizes of the repository's pack files ({@code data/}), read from the directory: no restic needed. */
    @Override
    public java.util.OptionalLong storedBytes(String tenant) {
        Path packs = Path.of(repository(tenant).location()).resolve("data");
        if (!Files.isDirectory(packs)) {
            return java.util.OptionalLong.empty();
        }
        try (var files = Files.walk(packs)) {
            return java.util.OptionalLong.of(files.filter(f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .mapToLong(f -> f.toFile().length()).sum());
        } catch (IOException | java.io.UncheckedIOException e) {
            return java.util.OptionalLong.empty(); // a prune removing packs meanwhile: restic counts instead
        }
    }

    @Override
    public boolean deleteRepository(String tenant) throws IOException {
        Path repository = Path.of(repository(tenant).location());
        if (Files.isSymbolicLink(repository) || !Files.isDirectory(repository)) {
            Files.deleteIfExists(repository);
            return true;
        }
        // restic's own files (written by the panel as root): walked without following links, children first
        try (var tree = Files.walk(repository)) {
            for (Path path : tree.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
        return true;
    }

    @Override
    public Optional<Long> freeBytes() {
        try {
            return Optional.of(Files.getFileStore(existing(directory)).getUsableSpace());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public Health health() {
        try {
            Files.createDirectories(directory);
            if (!Files.isWritable(directory)) {
                return new Health(false, "the panel cannot write to " + directory);
            }
            if (pool != null && Files.exists(pool) && sameDevice(directory, existing(pool))) {
                return new Health(true, directory + " is on the same disk as the VEs' storage: backups there survive a deleted file, not a lost disk");
            }
            return new Health(true, "writable");
        } catch (IOException e) {
            return new Health(false, directory + " cannot be used: " + e.getMessage());
        }
    }

    /** Whether two paths live on one file system (the pool: its image file, or the directory it is mounted from). */
    private static boolean sameDevice(Path a, Path b) throws IOException {
        Object devA = Files.getAttribute(a, "unix:dev");
        Object devB = Files.getAttribute(b, "unix:dev");
        return devA != null && devA.equals(devB);
    }

    private static Path existing(Path path) {
        Path p = path.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p == null ? Path.of("/") : p;
    }
}
