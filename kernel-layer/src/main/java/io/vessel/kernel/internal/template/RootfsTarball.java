package io.vessel.kernel.internal.template;

import io.airlift.compress.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * A root file system tarball, read entry by entry: plain, gzip, xz or zstd (told apart by their magic bytes, not
 * the file name). {@link #scan} checks every entry before anything is written, so a hostile tarball is refused
 * with a list of what is wrong instead of being half extracted.
 *
 * <p>What is refused: names that climb out of the root ({@code ../}), device nodes (a VE gets its devices from
 * the runtime), symbolic links whose target climbs out of the root, hard links to anything outside the archive,
 * and entries that would be written through a symbolic link of the archive (the classic way to make an
 * extractor overwrite host files). Absolute link targets are kept: inside a VE they resolve within its root.
 */
public final class RootfsTarball {

    /** What {@link #scan} found. */
    public record Scan(long entries, long contentBytes, List<String> problems, Map<String, String> symlinks,
                       Set<String> files) {

        public boolean ok() {
            return problems.isEmpty();
        }

        /** Whether {@code path} (absolute, inside the VE) names a file of the archive, following its links. */
        public boolean hasFile(String path) {
            return resolve(path).map(files::contains).orElse(false);
        }

        /** Resolves {@code path} through the archive's own symbolic links, as the kernel would inside the VE. */
        public Optional<String> resolve(String path) {
            Deque<String> pending = new ArrayDeque<>(split(path));
            List<String> done = new ArrayList<>();
            int hops = 0;
            while (!pending.isEmpty()) {
                String part = pending.removeFirst();
                if (part.equals("..")) {
                    if (!done.isEmpty()) {
                        done.remove(done.size() - 1);
                    }
                    continue;
                }
                done.add(part);
                String link = symlinks.get(String.join("/", done));
                if (link != null) {
                    if (++hops > 40) {
                        return Optional.empty();
                    }
                    done.remove(done.size() - 1);
                    if (link.startsWith("/")) {
                        done.clear();
                    }
                    List<String> target = split(link);
                    for (int i = target.size() - 1; i >= 0; i--) {
                        pending.addFirst(target.get(i));
                    }
                }
            }
            return Optional.of(String.join("/", done));
        }
    }

    /** Called for each entry during extraction. */
    @FunctionalInterface
    public interface EntryHandler {
        void entry(TarArchiveEntry entry, String path, InputStream content) throws IOException;
    }

    private static final int MAX_PROBLEMS = 10;

    private RootfsTarball() {
    }

    /** Reads the whole tarball without writing anything. */
    public static Scan scan(Path tarball, long maxContentBytes) throws IOException {
        List<String> problems = new ArrayList<>();
        Map<String, String> symlinks = new HashMap<>();
        Set<String> files = new HashSet<>();
        Set<String> directories = new HashSet<>();
        long[] count = {0};
        long[] bytes = {0};
        read(tarball, new CountingListener() {
        }, (entry, path, content) -> {
            count[0]++;
            bytes[0] += Math.max(0, entry.getSize());
            String problem = problem(entry, path, symlinks, files, directories);
            if (problem != null && problems.size() < MAX_PROBLEMS) {
                problems.add(problem);
            }
            if (path == null || path.isEmpty()) {
                return;
            }
            symlinks.remove(path);
            files.remove(path);
            if (entry.isSymbolicLink()) {
                symlinks.put(path, entry.getLinkName());
            } else if (entry.isDirectory()) {
                directories.add(path);
            } else {
                files.add(path);
            }
        });
        if (count[0] == 0) {
            problems.add("the archive has no entries (is it a tar archive?)");
        }
        if (bytes[0] > maxContentBytes) {
            problems.add(0, "the archive unpacks to " + bytes[0] + " bytes, more than the " + maxContentBytes + " allowed for a template");
        }
        return new Scan(count[0], bytes[0], List.copyOf(problems), Map.copyOf(symlinks), Set.copyOf(files));
    }

    private static String problem(TarArchiveEntry entry, String path, Map<String, String> symlinks, Set<String> files,
                                  Set<String> directories) {
        String name = entry.getName();
        if (path == null) {
            return "'" + name + "' climbs out of the root (path traversal)";
        }
        if (entry.isCharacterDevice() || entry.isBlockDevice()) {
            return "'" + name + "' is a device node; VEs get their devices from Vessel";
        }
        if (entry.getLongUserId() < 0 || entry.getLongUserId() > 65535 || entry.getLongGroupId() < 0 || entry.getLongGroupId() > 65535) {
            return "'" + name + "' is owned by " + entry.getLongUserId() + ":" + entry.getLongGroupId() + "; a VE has the ids 0 to 65535";
        }
        String through = linkOnTheWay(path, symlinks);
        if (through != null) {
            return "'" + name + "' would be written through the symbolic link '" + through + "'";
        }
        if (entry.isSymbolicLink() && escapes(path, entry.getLinkName())) {
            return "the symbolic link '" + name + "' -> '" + entry.getLinkName() + "' points out of the root";
        }
        if (entry.isLink()) {
            String target = normalise(entry.getLinkName());
            if (target == null || target.isEmpty()) {
                return "the hard link '" + name + "' -> '" + entry.getLinkName() + "' points out of the root";
            }
            if (!files.contains(target)) {
                return "the hard link '" + name + "' -> '" + entry.getLinkName() + "' names no earlier file of the archive";
            }
        }
        if (!entry.isDirectory() && directories.contains(path)) {
            return "'" + name + "' would replace a directory";
        }
        if (!entry.isDirectory() && !entry.isSymbolicLink() && !entry.isLink() && !entry.isFile() && !entry.isFIFO()) {
            return "'" + name + "' is of a type a template cannot hold";
        }
        return null;
    }

    /** The first proper prefix of {@code path} that the archive made a symbolic link, or null. */
    private static String linkOnTheWay(String path, Map<String, String> symlinks) {
        int slash = path.indexOf('/');
        while (slash > 0) {
            String prefix = path.substring(0, slash);
            if (symlinks.containsKey(prefix)) {
                return prefix;
            }
            slash = path.indexOf('/', slash + 1);
        }
        return null;
    }

    /** A relative link target that climbs above the root from where the link is ({@code ../../etc/shadow}). */
    static boolean escapes(String linkPath, String target) {
        if (target.startsWith("/")) {
            return false; // resolved inside the VE's root by the kernel, and never followed by the extractor
        }
        int depth = split(linkPath).size() - 1;
        for (String part : split(target)) {
            if (part.equals("..")) {
                if (--depth < 0) {
                    return true;
                }
            } else {
                depth++;
            }
        }
        return false;
    }

    /** Reads every entry of the tarball, giving its normalised path (null when it climbs out of the root). */
    public static void read(Path tarball, CountingListener progress, EntryHandler handler) throws IOException {
        try (InputStream file = Files.newInputStream(tarball);
             CountingStream counted = new CountingStream(file, progress);
             InputStream raw = decompressed(new BufferedInputStream(counted, 1 << 16));
             TarArchiveInputStream tar = new TarArchiveInputStream(raw)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                handler.entry(entry, normalise(entry.getName()), tar);
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IOException("not a readable tar archive: " + e.getMessage(), e);
        }
    }

    /** Reports how many bytes of the (compressed) file have been read. */
    public interface CountingListener {
        default void bytesRead(long total) {
        }
    }

    private static final class CountingStream extends FilterInputStream {
        private final CountingListener listener;
        private long total;

        CountingStream(InputStream in, CountingListener listener) {
            super(in);
            this.listener = listener;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                listener.bytesRead(++total);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                total += n;
                listener.bytesRead(total);
            }
            return n;
        }
    }

    static InputStream decompressed(BufferedInputStream in) throws IOException {
        in.mark(8);
        byte[] magic = in.readNBytes(6);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return new GZIPInputStream(in, 1 << 16);
        }
        if (magic.length >= 6 && (magic[0] & 0xff) == 0xfd && magic[1] == '7' && magic[2] == 'z' && magic[3] == 'X'
                && magic[4] == 'Z' && magic[5] == 0) {
            return new XZInputStream(in);
        }
        if (magic.length >= 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                && (magic[3] & 0xff) == 0xfd) {
            return new ZstdInputStream(in);
        }
        if (magic.length >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h') {
            throw new IOException("bzip2 archives are not supported; use .tar, .tar.gz, .tar.xz or .tar.zst");
        }
        return in;
    }

    /**
     * The entry name relative to the root, without {@code ./} or a leading {@code /}; "" for the root itself;
     * null when a {@code ..} component would climb out of it.
     */
    static String normalise(String name) {
        List<String> parts = new ArrayList<>();
        for (String part : split(name)) {
            if (part.equals("..")) {
                return null; // even a harmless a/../b: no real rootfs tarball has one, and tar tools refuse them
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }

    private static List<String> split(String path) {
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        return parts;
    }
}
