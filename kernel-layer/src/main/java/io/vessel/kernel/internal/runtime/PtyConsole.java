package io.vessel.kernel.internal.runtime;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.vessel.kernel.api.VeConsole;
import io.vessel.kernel.internal.linux.LibC;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * A command of the OCI runtime ({@code runc exec -t}) run on a pseudo-terminal of the host. The runtime is the
 * session leader of that terminal ({@code setsid --ctty}): it copies between it and the VE's own terminal, and
 * when the host terminal is resized the kernel sends it SIGWINCH and it resizes the VE's terminal to match.
 */
final class PtyConsole implements VeConsole {

    private static final LibC C = LibC.INSTANCE;
    private static final int EIO = 5;

    private final int master;
    private final Process process;
    private final InputStream output;
    private final OutputStream input;
    private volatile boolean closed;

    private PtyConsole(int master, Process process) {
        this.master = master;
        this.process = process;
        this.output = new MasterInput();
        this.input = new MasterOutput();
    }

    static PtyConsole start(List<String> command, int columns, int rows) throws IOException {
        int master;
        String slave;
        try {
            master = C.posix_openpt(LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC);
            C.grantpt(master);
            C.unlockpt(master);
            byte[] name = new byte[128];
            C.ptsname_r(master, name, name.length);
            slave = new String(name, 0, indexOfZero(name), StandardCharsets.US_ASCII);
        } catch (LastErrorException e) {
            throw new IOException("cannot open a pseudo-terminal: " + C.strerror(e.getErrorCode()), e);
        }
        try {
            setSize(master, columns, rows);
            List<String> argv = new ArrayList<>(List.of("setsid", "--ctty"));
            argv.addAll(command);
            File tty = new File(slave);
            Process process = RuncRuntime.withoutServiceManager(new ProcessBuilder(argv)).redirectInput(tty).redirectOutput(ProcessBuilder.Redirect.appendTo(tty))
                    .redirectError(ProcessBuilder.Redirect.appendTo(tty)).start();
            return new PtyConsole(master, process);
        } catch (IOException | RuntimeException e) {
            C.close(master);
            throw e;
        }
    }

    private static int indexOfZero(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return bytes.length;
    }

    private static void setSize(int fd, int columns, int rows) {
        Memory winsize = new Memory(8);
        winsize.setShort(0, (short) rows);
        winsize.setShort(2, (short) columns);
        winsize.setShort(4, (short) 0);
        winsize.setShort(6, (short) 0);
        C.ioctl(fd, LibC.TIOCSWINSZ, winsize);
    }

    @Override
    public InputStream output() {
        return output;
    }

    @Override
    public OutputStream input() {
        return input;
    }

    @Override
    public void resize(int columns, int rows) {
        if (columns < 1 || rows < 1 || columns > 1000 || rows > 1000) {
            throw new IllegalArgumentException("a terminal is 1 to 1000 columns and rows, not " + columns + "x" + rows);
        }
        if (!closed) {
            setSize(master, columns, rows);
        }
    }

    @Override
    public OptionalInt exitCode() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    @Override
    public OptionalInt awaitExit(java.time.Duration timeout) throws InterruptedException {
        process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return exitCode();
    }

    /**
     * Hangs up: the runtime forwards SIGHUP to the shell, which ends; once the runtime has gone the terminal is
     * released. A runtime that does not end in time is killed, which closes the VE's terminal and hangs the shell
     * up all the same.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (process.isAlive()) {
                try {
                    C.kill((int) process.pid(), LibC.SIGHUP);
                } catch (LastErrorException gone) {
                    // ended meanwhile
                }
                if (!process.waitFor(3, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            C.close(master);
        }
    }

    /** Reads what the terminal shows; end of stream once the runtime has released the terminal. */
    private final class MasterInput extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (closed || length == 0) {
                return closed ? -1 : 0;
            }
            byte[] chunk = offset == 0 ? buffer : new byte[length];
            try {
                long n = C.read(master, chunk, Math.min(length, buffer.length - offset));
                if (n <= 0) {
                    return -1;
                }
                if (chunk != buffer) {
                    System.arraycopy(chunk, 0, buffer, offset, (int) n);
                }
                return (int) n;
            } catch (LastErrorException e) {
                if (e.getErrorCode() == EIO) {
                    return -1; // the other side is gone: the shell ended
                }
                throw new IOException("reading the console failed: " + C.strerror(e.getErrorCode()), e);
            }
        }
    }

    /** Types into the terminal. */
    private final class MasterOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] buffer, int offset, int length) throws IOException {
            byte[] rest = offset == 0 && length == buffer.length ? buffer : java.util.Arrays.copyOfRange(buffer, offset, offset + length);
            int done = 0;
            while (done < rest.length) {
                if (closed) {
                    throw new IOException("the console is closed");
                }
                byte[] part = done == 0 ? rest : java.util.Arrays.copyOfRange(rest, done, rest.length);
                try {
                    done += (int) C.write(master, part, part.length);
                } catch (LastErrorException e) {
                    throw new IOException("typing into the console failed: " + C.strerror(e.getErrorCode()), e);
                }
            }
        }
    }
}
