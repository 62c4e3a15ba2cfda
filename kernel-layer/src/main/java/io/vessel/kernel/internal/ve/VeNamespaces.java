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

    private static void inNamespace(Fd pidfd, int namespace, String what, Runnable action) throws IOException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
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
