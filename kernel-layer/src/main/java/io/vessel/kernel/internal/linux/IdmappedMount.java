package io.vessel.kernel.internal.linux;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A bind mount that shows a VE's files with the VE's own owners: on disk they belong to the host's shifted ids
 * ({@code base + n}), through the mount to {@code n}, and what is written through it lands shifted again. Backups
 * read a VE's snapshot this way (so they store the ids the VE sees, and restore into any VE), restores write a
 * fresh tree this way — restic runs as real root (a user namespace around it would break file capabilities and
 * {@code trusted.*} attributes), only the mount translates.
 *
 * <p>The kernel takes the translation from a user namespace ({@code mount_setattr} with {@code MOUNT_ATTR_IDMAP}):
 * one is made for the call by util-linux's {@code unshare --user} holding a {@code sleep}, its maps written by us
 * ({@code base 0 count}: inside id {@code base + n} is the host's {@code n}, which the mount turns into "on disk
 * {@code base + n} appears as {@code n}"), and ended once the mount holds it. No tool in Debian 12 does this: its
 * util-linux (2.38) ignores {@code X-mount.idmap}, which came in 2.39.
 */
public final class IdmappedMount {

    private static final long MOUNT_ATTR_IDMAP = 0x00100000;

    private IdmappedMount() {
    }

    /** Mounts {@code source} at {@code target} (an empty directory) with ids {@code base…base+count-1} shown as {@code 0…count-1}. */
    public static void mount(Path source, Path target, long base, long count, boolean readOnly) throws IOException {
        Process holder = new ProcessBuilder("unshare", "--user", "sleep", "60").redirectErrorStream(true).start();
        try (Fd userns = userNamespaceOf(holder, base, count)) {
            Fd tree;
            try {
                tree = Fd.wrap(LibC.INSTANCE.syscall(LibC.SYS_OPEN_TREE, LibC.AT_FDCWD, source.toString(), LibC.OPEN_TREE_CLONE | LibC.O_CLOEXEC),
                        source.toString());
            } catch (LastErrorException e) {
                throw Fd.error("open_tree " + source, e);
            }
            try (tree) {
                long[] attributes = {MOUNT_ATTR_IDMAP | LibC.MOUNT_ATTR_NOSUID | LibC.MOUNT_ATTR_NODEV | (readOnly ? LibC.MOUNT_ATTR_RDONLY : 0), 0, 0,
                        userns.value()};
                try {
                    LibC.INSTANCE.syscall(LibC.SYS_MOUNT_SETATTR, tree.value(), "", LibC.AT_EMPTY_PATH, attributes, 32);
                } catch (LastErrorException e) {
                    throw Fd.error("mount_setattr (idmap) " + source, e);
                }
                try {
                    LibC.INSTANCE.syscall(LibC.SYS_MOVE_MOUNT, tree.value(), "", LibC.AT_FDCWD, target.toString(), LibC.MOVE_MOUNT_F_EMPTY_PATH);
                } catch (LastErrorException e) {
                    throw Fd.error("move_mount " + source + " to " + target, e);
                }
            }
        } finally {
            holder.destroyForcibly();
            try {
                holder.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The holder's user namespace once its maps are written (it waits in {@code sleep} meanwhile). */
    private static Fd userNamespaceOf(Process holder, long base, long count) throws IOException {
        Path proc = Path.of("/proc", String.valueOf(holder.pid()));
        long deadline = System.nanoTime() + 5_000_000_000L;
        // unshare execs sleep once the namespace exists: until then /proc shows unshare's own (the host's) namespace
        while (!Files.readString(proc.resolve("comm")).strip().equals("sleep")) {
            if (!holder.isAlive() || System.nanoTime() > deadline) {
                throw new IOException("no user namespace for an idmapped mount: unshare --user did not start ("
                        + new String(holder.getInputStream().readNBytes(500)).strip() + ")");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        String map = base + " 0 " + count + "\n";
        Files.writeString(proc.resolve("uid_map"), map);
        Files.writeString(proc.resolve("gid_map"), map);
        try {
            return Fd.wrap(LibC.INSTANCE.openat(LibC.AT_FDCWD, proc.resolve("ns/user").toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, 0), "userns");
        } catch (LastErrorException e) {
            throw Fd.error("open " + proc.resolve("ns/user"), e);
        }
    }
}
