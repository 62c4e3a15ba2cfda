package io.vessel.kernel.internal.ve;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.vessel.kernel.internal.linux.Fd;
import io.vessel.kernel.internal.linux.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The one way the panel reads and writes files inside a VE's root file system from the host, running or stopped.
 *
 * <p>The tenant owns everything below the root and may change it at any moment (it has root in its VE), so every
 * path is resolved by the kernel with {@code openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)}
 * against a descriptor of the root: symbolic links are followed as they would be inside the VE and can never lead
 * out of it, {@code ..} stops at the root, and {@code /proc}-style magic links are refused. That is race-free,
 * unlike checking each component first. Nothing is opened that could block or act: a file is first opened as
 * {@code O_PATH} (no open of the object itself) and checked with {@code statx} to be a regular file before it is
 * read; a file is written by creating a fresh temporary file ({@code O_CREAT | O_EXCL | O_NOFOLLOW}) beside it
 * and renaming it over the old name, so a FIFO, socket, device, directory or link planted at the name is never
 * opened or written through, only replaced (or, for a directory, refused).
 *
 * <p>Written by hand because no Java library exposes {@code openat2}; the JDK's file API resolves paths itself
 * and opens FIFOs to change their mode.
 */
public final class VeRootFiles implements AutoCloseable {

    /** Owner and mode of what the panel creates: ids as the VE sees them, mapped into its range on the host. */
    public record Attributes(int uid, int gid, int mode, boolean keepExisting) {
        /** Root's file, keeping the owner and mode of a regular file it replaces. */
        public static Attributes rootsKeeping(int mode) {
            return new Attributes(0, 0, mode, true);
        }

        /** Root's file with exactly this mode (e.g. {@code authorized_keys}, which sshd checks). */
        public static Attributes roots(int mode) {
            return new Attributes(0, 0, mode, false);
        }
    }

    /** Something in the VE's file system (the tenant's doing) stops the action; the API answers 422, not 500. */
    public static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        public Refused(String message) {
            super(message);
        }
    }

    private static final long RESOLVE = LibC.RESOLVE_IN_ROOT | LibC.RESOLVE_NO_MAGICLINKS | LibC.RESOLVE_NO_XDEV;
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int STATX_BASIC = 0x7ff;
    private static final int ENOENT = 2;
    private static final int ENOTDIR = 20;
    private static final int EEXIST = 17;
    private static final int ELOOP = 40;
    private static final int EXDEV = 18;
    private static final int ENOSPC = 28;
    private static final int EDQUOT = 122;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Fd root;
    private final int idBase;

    private VeRootFiles(Fd root, int idBase) {
        this.root = root;
        this.idBase = idBase;
    }

    /**
     * Opens the root of a VE whose ids start at {@code idBase} on the host (0 for a privileged VE). The root itself
     * is the panel's (the storage pool's directory of the VE), not the tenant's.
     */
    public static VeRootFiles open(Path root, int idBase) throws IOException {
        return new VeRootFiles(Fd.open(root, LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_NOFOLLOW), idBase);
    }

    /** A regular file's content, at most {@code maxBytes}; empty when it does not exist. */
    public Optional<byte[]> read(String path, int maxBytes) throws IOException {
        Optional<Fd> found = resolveOptional(path, LibC.O_PATH);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        try (Fd handle = found.get()) {
            Stat stat = stat(handle, path);
            if (stat.type() != S_IFREG) {
                throw new Refused(path + " in the VE is " + describe(stat.type()) + ", not a regular file");
            }
            if (stat.size() > maxBytes) {
                throw new Refused(path + " in the VE is larger than " + maxBytes + " bytes");
            }
            // reopened through the checked O_PATH descriptor: the same inode, known to be a regular file
            try (Fd file = Fd.open(Path.of("/proc/self/fd/" + handle.value()), LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_NOCTTY)) {
                java.io.ByteArrayOutputStream content = new java.io.ByteArrayOutputStream((int) Math.min(stat.size(), maxBytes));
                byte[] chunk = new byte[8192];
                long n;
                while ((n = LibC.INSTANCE.read(file.value(), chunk, chunk.length)) > 0) {
                    content.write(chunk, 0, (int) n);
                    if (content.size() > maxBytes) {
                        throw new Refused(path + " in the VE is larger than " + maxBytes + " bytes");
                    }
                }
                return Optional.of(content.toByteArray());
            } catch (LastErrorException e) {
                throw Fd.error("read " + path + " in the VE", e);
            }
        }
    }

    /** Whether {@code path} is a regular file with an execute bit (links followed inside the VE's root). */
    public boolean isExecutable(String path) throws IOException {
        Optional<Fd> found = resolveOptional(path, LibC.O_PATH);
        if (found.isEmpty()) {
            return false;
        }
        try (Fd handle = found.get()) {
            Stat stat = stat(handle, path);
            return stat.type() == S_IFREG && (stat.mode() & 0111) != 0;
        }
    }

    /** Text of a regular file, as UTF-8. */
    public Optional<String> readText(String path, int maxBytes) throws IOException {
        return read(path, maxBytes).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    /**
     * Replaces {@code path} with a regular file holding {@code content}, atomically (readers see the old or the new
     * file). The directory must exist; whatever is at the name (a link, FIFO, socket or device) is replaced, never
     * followed or opened; a directory there is refused.
     */
    public void write(String path, byte[] content, Attributes attributes) throws IOException {
        String name = fileName(path);
        try (Fd dir = resolve(parent(path), LibC.O_PATH | LibC.O_DIRECTORY, path)) {
            int uid = idBase + attributes.uid();
            int gid = idBase + attributes.gid();
            int mode = attributes.mode();
            Optional<Stat> existing = statAt(dir, name);
            if (existing.isPresent() && existing.get().type() == S_IFDIR) {
                throw new Refused(path + " in the VE is a directory; remove it first");
            }
            if (attributes.keepExisting() && existing.isPresent() && existing.get().type() == S_IFREG) {
                uid = existing.get().uid();
                gid = existing.get().gid();
                mode = existing.get().mode() & 07777;
            }
            String temporary = "." + name + ".vessel-" + HexFormat.of().formatHex(randomBytes());
            int fd;
            try {
                fd = LibC.INSTANCE.openat(dir.value(), temporary, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW
                        | LibC.O_CLOEXEC | LibC.O_NOCTTY, 0600);
            } catch (LastErrorException e) {
                throw failure("create a file beside " + path, e);
            }
            boolean renamed = false;
            try {
                int written = 0;
                while (written < content.length) {
                    byte[] rest = written == 0 ? content : java.util.Arrays.copyOfRange(content, written, content.length);
                    written += (int) LibC.INSTANCE.write(fd, rest, rest.length);
                }
                LibC.INSTANCE.fchown(fd, uid, gid);
                LibC.INSTANCE.fchmod(fd, mode); // after chown, which clears set-id bits
                LibC.INSTANCE.fsync(fd);
                LibC.INSTANCE.renameat(dir.value(), temporary, dir.value(), name);
                renamed = true;
            } catch (LastErrorException e) {
                throw failure("write " + path, e);
            } finally {
                LibC.INSTANCE.close(fd);
                if (!renamed) {
                    try {
                        LibC.INSTANCE.unlinkat(dir.value(), temporary, 0);
                    } catch (LastErrorException ignored) {
                        // the tenant removed it already
                    }
                }
            }
        }
    }

    public void writeText(String path, String content, Attributes attributes) throws IOException {
        write(path, content.getBytes(StandardCharsets.UTF_8), attributes);
    }

    /**
     * Makes the directory {@code path} and any missing parents, owned by the VE's {@code uid:gid} with {@code mode};
     * directories that exist are left as they are. A non-directory on the way is refused.
     */
    public void mkdirs(String path, int uid, int gid, int mode) throws IOException {
        String done = "";
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new IllegalArgumentException("no .. in paths the panel makes: " + path);
            }
            String next = done + "/" + part;
            Optional<Fd> exists = resolveOptional(next, LibC.O_PATH | LibC.O_DIRECTORY);
            if (exists.isPresent()) {
                exists.get().close();
            } else {
                try (Fd parent = resolve(done.isEmpty() ? "/" : done, LibC.O_PATH | LibC.O_DIRECTORY, path)) {
                    try {
                        LibC.INSTANCE.mkdirat(parent.value(), part, mode);
                        // a link the tenant put in its place meanwhile is changed itself, not followed
                        LibC.INSTANCE.fchownat(parent.value(), part, idBase + uid, idBase + gid, LibC.AT_SYMLINK_NOFOLLOW);
                    } catch (LastErrorException e) {
                        if (e.getErrorCode() != EEXIST) {
                            throw failure("make directory " + next, e);
                        }
                    }
                }
            }
            done = next;
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private Optional<Fd> resolveOptional(String path, int flags) throws IOException {
        try {
            return Optional.of(openInRoot(path, flags));
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOENT) {
                return Optional.empty();
            }
            throw failure("open " + path, e);
        }
    }

    private Fd resolve(String path, int flags, String forPath) throws IOException {
        try {
            return openInRoot(path, flags);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOENT) {
                throw new Refused(forPath + ": the directory " + path + " does not exist in the VE");
            }
            throw failure("open " + path, e);
        }
    }

    private Fd openInRoot(String path, int flags) {
        return Fd.openat2(root, relative(path), flags, RESOLVE);
    }

    /** Paths are given as the VE sees them; relative to the root descriptor they need no leading slash. */
    private static String relative(String path) {
        String stripped = path.replaceFirst("^/+", "");
        return stripped.isEmpty() ? "." : stripped;
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    private static String fileName(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a file path: " + path);
        }
        return name;
    }

    private record Stat(int type, int mode, int uid, int gid, long size) {
    }

    private static Stat stat(Fd fd, String path) throws IOException {
        try (Memory buffer = new Memory(256)) {
            LibC.INSTANCE.statx(fd.value(), "", LibC.AT_EMPTY_PATH | LibC.AT_SYMLINK_NOFOLLOW, STATX_BASIC, buffer);
            return stat(buffer);
        } catch (LastErrorException e) {
            throw Fd.error("stat " + path + " in the VE", e);
        }
    }

    private static Optional<Stat> statAt(Fd dir, String name) throws IOException {
        try (Memory buffer = new Memory(256)) {
            LibC.INSTANCE.statx(dir.value(), name, LibC.AT_SYMLINK_NOFOLLOW, STATX_BASIC, buffer);
            return Optional.of(stat(buffer));
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOENT) {
                return Optional.empty();
            }
            throw Fd.error("stat " + name + " in the VE", e);
        }
    }

    /** struct statx: stx_uid at 20, stx_gid at 24, stx_mode (16 bits) at 28, stx_size at 40. */
    private static Stat stat(Memory buffer) {
        int mode = buffer.getShort(28) & 0xffff;
        return new Stat(mode & S_IFMT, mode, buffer.getInt(20), buffer.getInt(24), buffer.getLong(40));
    }

    private static String describe(int type) {
        return switch (type) {
            case S_IFDIR -> "a directory";
            case 0010000 -> "a FIFO";
            case 0140000 -> "a socket";
            case 0020000, 0060000 -> "a device";
            case 0120000 -> "a symbolic link";
            default -> "not a regular file";
        };
    }

    private static IOException failure(String what, LastErrorException e) {
        return switch (e.getErrorCode()) {
            case ENOTDIR -> new Refused(what + ": a part of the path in the VE is not a directory");
            case ELOOP -> new Refused(what + ": the path in the VE leads through too many links");
            case EXDEV -> new Refused(what + ": the path in the VE leaves its file system");
            case EDQUOT, ENOSPC -> new Refused(what + ": the VE's disk is full (quota reached)");
            default -> Fd.error(what + " in the VE", e);
        };
    }

    @Override
    public void close() {
        root.close();
    }
}
