package io.vessel.kernel.internal.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The few libc calls Java lacks. Every call throws {@link LastErrorException} (carrying errno) on failure.
 */
public interface LibC extends Library {

    LibC INSTANCE = Native.load("c", LibC.class);

    int O_RDONLY = 0;
    int O_RDWR = 2;
    /** arm64 numbers O_DIRECTORY (and O_NOFOLLOW) differently from x86-64. */
    int O_DIRECTORY = System.getProperty("os.arch").equals("aarch64") ? 0x4000 : 0x10000;
    int O_CLOEXEC = 0x80000;

    int MNT_DETACH = 2;

    int open(String path, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int ioctl(int fd, long request, Pointer argument) throws LastErrorException;

    int ioctl(int fd, long request, long argument) throws LastErrorException;

    int mount(String source, String target, String filesystemType, long flags, String data) throws LastErrorException;

    int umount2(String target, int flags) throws LastErrorException;

    int mkfifo(String path, int mode) throws LastErrorException;

    int O_NOCTTY = 0x100;
    long TIOCSWINSZ = 0x5414;
    int SIGHUP = 1;

    int posix_openpt(int flags) throws LastErrorException;

    int grantpt(int fd) throws LastErrorException;

    int unlockpt(int fd) throws LastErrorException;

    int ptsname_r(int fd, byte[] buffer, long length) throws LastErrorException;

    long read(int fd, byte[] buffer, long count) throws LastErrorException;

    /** Into native memory: a large {@code byte[]} would be copied in and out whole on every call. */
    long read(int fd, Pointer buffer, long count) throws LastErrorException;

    long write(int fd, byte[] buffer, long count) throws LastErrorException;

    int kill(int pid, int signal) throws LastErrorException;

    String strerror(int errno);

    // ---- acting on files inside a VE's root from the host (see io.vessel.kernel.internal.ve.VeRootFiles) ----

    int O_WRONLY = 1;
    int O_CREAT = 0x40;
    int O_EXCL = 0x80;
    int O_NONBLOCK = 0x800;
    int O_PATH = 0x200000;
    /** O_NOFOLLOW differs between architectures (arm64 moved it). */
    int O_NOFOLLOW = System.getProperty("os.arch").equals("aarch64") ? 0x8000 : 0x20000;

    int AT_SYMLINK_NOFOLLOW = 0x100;
    int AT_REMOVEDIR = 0x200;
    int AT_EMPTY_PATH = 0x1000;

    /** openat2(2) and pidfd_open(2) have no glibc wrapper in Debian 12; same numbers on x86-64 and arm64. */
    long SYS_PIDFD_OPEN = 434;
    long SYS_OPENAT2 = 437;

    long RESOLVE_NO_XDEV = 0x01;
    long RESOLVE_NO_MAGICLINKS = 0x02;
    long RESOLVE_NO_SYMLINKS = 0x04;
    long RESOLVE_BENEATH = 0x08;
    long RESOLVE_IN_ROOT = 0x10;

    int CLONE_NEWUTS = 0x04000000;

    int syscall(long number, int dirfd, String path, Pointer how, long size) throws LastErrorException;

    int syscall(long number, int pid, int flags) throws LastErrorException;

    int openat(int dirfd, String path, int flags, int mode) throws LastErrorException;

    int statx(int dirfd, String path, int flags, int mask, Pointer buffer) throws LastErrorException;

    int fchown(int fd, int uid, int gid) throws LastErrorException;

    int fchownat(int dirfd, String path, int uid, int gid, int flags) throws LastErrorException;

    int fchmod(int fd, int mode) throws LastErrorException;

    int fsync(int fd) throws LastErrorException;

    int mkdirat(int dirfd, String path, int mode) throws LastErrorException;

    int renameat(int olddirfd, String oldpath, int newdirfd, String newpath) throws LastErrorException;

    int unlinkat(int dirfd, String path, int flags) throws LastErrorException;

    int setns(int fd, int nstype) throws LastErrorException;

    int sethostname(byte[] name, long length) throws LastErrorException;

    int mknod(String path, int mode, long dev) throws LastErrorException;

    int AT_FDCWD = -100;

    /** {@code times}: access seconds, nanoseconds, modification seconds, nanoseconds (two struct timespec). */
    int utimensat(int dirfd, String path, long[] times, int flags) throws LastErrorException;

    int CLONE_NEWNS = 0x00020000;
    int CLONE_FS = 0x00000200;

    /** Gives the calling thread its own root and working directory, so it alone may join another mount namespace. */
    int unshare(int flags) throws LastErrorException;

    // the new mount API; the same numbers on every architecture (system calls from 424 on are shared)
    long SYS_OPEN_TREE = 428;
    long SYS_MOVE_MOUNT = 429;
    long SYS_MOUNT_SETATTR = 442;
    int OPEN_TREE_CLONE = 1;
    int AT_RECURSIVE = 0x8000;
    int MOVE_MOUNT_F_EMPTY_PATH = 0x04;
    long MOUNT_ATTR_RDONLY = 0x01;
    long MOUNT_ATTR_NOSUID = 0x02;
    long MOUNT_ATTR_NODEV = 0x04;
    long MOUNT_ATTR_NOEXEC = 0x08;

    /** open_tree(2): {@code syscall(SYS_OPEN_TREE, dirfd, path, flags)}. */
    int syscall(long number, int dirfd, String path, int flags) throws LastErrorException;

    /** move_mount(2): {@code syscall(SYS_MOVE_MOUNT, fromDirfd, fromPath, toDirfd, toPath, flags)}. */
    int syscall(long number, int fromDirfd, String fromPath, int toDirfd, String toPath, int flags) throws LastErrorException;

    /** mount_setattr(2): {@code syscall(SYS_MOUNT_SETATTR, dirfd, path, flags, attr, size)}. */
    int syscall(long number, int dirfd, String path, int flags, long[] attr, long size) throws LastErrorException;
}
