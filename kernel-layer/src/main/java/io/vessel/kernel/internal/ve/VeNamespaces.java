package io.vessel.kernel.internal.ve;

import com.sun.jna.LastErrorException;
import io.vessel.kernel.internal.linux.Fd;
import io.vessel.kernel.internal.linux.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one way the panel acts inside a VE's namespaces: from the host, with the panel's own code, never by running a
 * program from the VE's file system. A command run with {@code runc exec} is found through the VE's {@code PATH}
 * (the tenant chooses what runs) and any capability added to it becomes the tenant's; the host's own code joining
 * only the one namespace it needs has neither problem.
 *
 * <p>{@code setns} changes the calling thread only, so each action runs on a new thread that ends with it and is
 * never returned to a pool. The VE's init is named by a pidfd, which cannot be recycled into another process.
 */
public final class VeNamespaces {

    private VeNamespaces() {
    }

    /** A process of the host held by a pidfd: it stays that process even after it exits and its pid is reused. */
    public static Fd pidfd(int pid) throws IOException {
        try {
            return Fd.wrap(LibC.INSTANCE.syscall(LibC.SYS_PIDFD_OPEN, pid, 0), "pidfd " + pid);
        } catch (LastErrorException e) {
            throw Fd.error("pidfd_open " + pid, e);
        }
    }

    /** Sets the host name of the UTS namespace of the process behind {@code pidfd} (the VE's init). */
    public static void setHostname(Fd pidfd, String hostname) throws IOException {
        byte[] name = hostname.getBytes(StandardCharsets.US_ASCII);
        if (name.length == 0 || name.length > 64) {
            throw new IllegalArgumentException("a host name is 1 to 64 bytes");
        }
        inNamespace(pidfd, LibC.CLONE_NEWUTS, "set the host name", () -> LibC.INSTANCE.sethostname(name, name.length));
    }

    /** A host file or directory to be mounted at {@code target} inside a VE. */
    public record Bind(java.nio.file.Path source, String target) {
    }

    private static final int ENOTCONN = 107;

    /**
     * Mounts a fresh copy of each {@code source} (read-only, nosuid, nodev, noexec) over {@code target} inside the
     * running VE, where the target's mount has lost its file system ("transport endpoint is not connected": the FUSE
     * daemon behind it died). Targets that still answer are left alone. Returns how many were replaced.
     *
     * <p>The copies are cloned from the host's mount namespace on the calling thread ({@code open_tree}) and moved
     * into the VE's by a thread that joined only its mount namespace ({@code move_mount}): the mount API that lets a
     * mount cross namespaces, so no program of the VE's and no path of the host's is used inside the VE.
     */
    public static int replaceDeadMounts(Fd pidfd, java.util.List<Bind> binds) throws IOException {
        java.util.List<Fd> trees = new java.util.ArrayList<>();
        try {
            for (Bind bind : binds) {
                Fd tree;
                try {
                    tree = Fd.wrap(LibC.INSTANCE.syscall(LibC.SYS_OPEN_TREE, LibC.AT_FDCWD, bind.source().toString(),
                            LibC.OPEN_TREE_CLONE | LibC.O_CLOEXEC | LibC.AT_RECURSIVE), bind.source().toString());
                } catch (LastErrorException e) {
                    throw Fd.error("open_tree " + bind.source(), e);
                }
                trees.add(tree);
                long[] attributes = {LibC.MOUNT_ATTR_RDONLY | LibC.MOUNT_ATTR_NOSUID | LibC.MOUNT_ATTR_NODEV | LibC.MOUNT_ATTR_NOEXEC, 0, 0, 0};
                try {
                    LibC.INSTANCE.syscall(LibC.SYS_MOUNT_SETATTR, tree.value(), "", LibC.AT_EMPTY_PATH | LibC.AT_RECURSIVE, attributes, 32);
                } catch (LastErrorException e) {
                    throw Fd.error("mount_setattr " + bind.source(), e);
                }
            }
            int[] replaced = {0};
            com.sun.jna.Memory stat = new com.sun.jna.Memory(256);
            Runnable warmUp = () -> { // every class and native stub the worker needs, loaded while it can still see the host's files
                dead("/", stat);
                tryUnmount("");
                try {
                    LibC.INSTANCE.syscall(LibC.SYS_MOVE_MOUNT, -1, "", LibC.AT_FDCWD, "", LibC.MOVE_MOUNT_F_EMPTY_PATH);
                } catch (LastErrorException expected) {
                    // EBADF
                }
            };
            inNamespace(pidfd, LibC.CLONE_NEWNS, "replace dead mounts", warmUp, () -> {
                for (int i = 0; i < binds.size(); i++) {
                    String target = binds.get(i).target();
                    if (!dead(target, stat)) {
                        continue;
                    }
                    tryUnmount(target);
                    LibC.INSTANCE.syscall(LibC.SYS_MOVE_MOUNT, trees.get(i).value(), "", LibC.AT_FDCWD, target, LibC.MOVE_MOUNT_F_EMPTY_PATH);
                    replaced[0]++;
                }
            });
            return replaced[0];
        } finally {
            trees.forEach(Fd::close);
        }
    }

    private static final int AT_STATX_FORCE_SYNC = 0x2000;
    private static final int STATX_BASIC_STATS = 0x7ff;

    /** Whether {@code path}'s file system no longer answers (asked, not answered from cached attributes). */
    private static boolean dead(String path, com.sun.jna.Memory stat) {
        try {
            LibC.INSTANCE.statx(LibC.AT_FDCWD, path, LibC.AT_SYMLINK_NOFOLLOW | AT_STATX_FORCE_SYNC, STATX_BASIC_STATS, stat);
            return false;
        } catch (LastErrorException e) {
            return e.getErrorCode() == ENOTCONN;
        }
    }

    private static void tryUnmount(String path) {
        try {
            LibC.INSTANCE.umount2(path, LibC.MNT_DETACH);
        } catch (LastErrorException e) {
            // nothing mounted there, or already gone
        }
    }

    private static void inNamespace(Fd pidfd, int namespace, String what, Runnable action) throws IOException {
        inNamespace(pidfd, namespace, what, () -> { }, action);
    }

    /**
     * Runs {@code action} on a new thread that joined the namespace. Joining a mount namespace needs a thread with its
     * own root and working directory ({@code unshare(CLONE_FS)}); once it has joined, the host's files are out of its
     * sight, so {@code warmUp} runs before.
     */
    private static void inNamespace(Fd pidfd, int namespace, String what, Runnable warmUp, Runnable action) throws IOException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                warmUp.run();
                if (namespace == LibC.CLONE_NEWNS) {
                    LibC.INSTANCE.unshare(LibC.CLONE_FS);
                }
                LibC.INSTANCE.setns(pidfd.value(), namespace);
                action.run();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "vessel-setns");
        worker.setDaemon(true);
        worker.start();
        try {
            worker.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(what + ": interrupted");
        }
        if (worker.isAlive()) {
            throw new IOException(what + ": the kernel did not answer in 10 s");
        }
        Throwable t = failure.get();
        if (t instanceof LastErrorException e) {
            throw Fd.error(what + " inside the VE", e);
        }
        if (t != null) {
            throw new IOException(what + " inside the VE failed: " + t, t);
        }
    }
}
