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
    int O_DIRECTORY = 0x10000;
    int O_CLOEXEC = 0x80000;

    int MNT_DETACH = 2;

    int open(String path, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

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

    long write(int fd, byte[] buffer, long count) throws LastErrorException;

    int kill(int pid, int signal) throws LastErrorException;

    String strerror(int errno);
}
