package io.vessel.kernel.internal.linux;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.Path;

/** An open file descriptor that closes itself; errors come back as IOExceptions that name the path and errno. */
public final class Fd implements AutoCloseable {

    private final int fd;
    private final String path;

    private Fd(int fd, String path) {
        this.fd = fd;
        this.path = path;
    }

    public static Fd open(Path path, int flags) throws IOException {
        try {
            return new Fd(LibC.INSTANCE.open(path.toString(), flags | LibC.O_CLOEXEC), path.toString());
        } catch (LastErrorException e) {
            throw error("open " + path, e);
        }
    }

    /** Takes ownership of a descriptor a system call returned. */
    public static Fd wrap(int fd, String path) {
        return new Fd(fd, path);
    }

    /**
     * {@code openat2(2)} of {@code path} relative to {@code dir}, resolved as {@code resolve} ({@code RESOLVE_*})
     * says; written by hand because glibc has no wrapper and no Java library exposes it.
     */
    public static Fd openat2(Fd dir, String path, long flags, long resolve) throws com.sun.jna.LastErrorException {
        try (com.sun.jna.Memory how = new com.sun.jna.Memory(24)) {
            how.setLong(0, flags | LibC.O_CLOEXEC);
            how.setLong(8, 0);
            how.setLong(16, resolve);
            return new Fd(LibC.INSTANCE.syscall(LibC.SYS_OPENAT2, dir.value(), path, how, 24), path);
        }
    }

    public static Fd directory(Path path) throws IOException {
        return open(path, LibC.O_RDONLY | LibC.O_DIRECTORY);
    }

    public int value() {
        return fd;
    }

    public String path() {
        return path;
    }

    public static IOException error(String what, LastErrorException e) {
        return new IOException(what + ": " + LibC.INSTANCE.strerror(e.getErrorCode()) + " (errno " + e.getErrorCode() + ")");
    }

    @Override
    public void close() {
        try {
            LibC.INSTANCE.close(fd);
        } catch (LastErrorException ignored) {
            // nothing useful to do about a failing close of a read-only descriptor
        }
    }
}
