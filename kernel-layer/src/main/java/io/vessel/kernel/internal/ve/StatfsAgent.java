package io.vessel.kernel.internal.ve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Starts {@code vessel-statfs} (kernel-layer/src/main/c), the small native helper that makes {@code df} inside a VE
 * show its disk quota: btrfs answers {@code statfs} with the whole pool. One helper per running VE, in a session of
 * its own and no child of the panel, so it serves the VE across panel restarts and crashes; it ends with the VE.
 *
 * <p>The helper answers seccomp user notifications of {@code statfs}/{@code fstatfs}; runc hands it the filter's
 * listener through the socket named in the VE's OCI config ({@code linux.seccomp.listenerPath}). The JVM does not
 * answer them itself: after a panel restart every call would fail with {@code ENOSYS}, and a garbage collection
 * would stall every VE's {@code statfs}.
 */
public final class StatfsAgent {

    private static final String NAME = "vessel-statfs";

    private final Path binary;

    StatfsAgent(Path binary) {
        this.binary = binary;
    }

    /** The helper this bundle carries, unpacked into {@code binDir}; empty when none is built for this architecture. */
    public static Optional<StatfsAgent> unpack(Path binDir) throws IOException {
        return io.vessel.kernel.internal.linux.NativeHelper.unpack(binDir, NAME).map(StatfsAgent::new);
    }

    /**
     * Starts the helper for one VE, listening at {@code socket} and reading the VE's quota and usage from the
     * quota group's directory in sysfs. Returns its pid once it listens.
     */
    public long start(Path socket, Path quotaGroup, Path pidFile, Path log) throws IOException {
        Files.deleteIfExists(socket);
        Files.deleteIfExists(pidFile);
        Detached.start("statfs", "Vessel: statfs helper (" + socket + ")", List.of(binary.toString(), socket.toString(),
                quotaGroup.toString(), pidFile.toString()), log);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        try {
            while (!Files.exists(socket)) {
                if (System.nanoTime() > deadline) {
                    pid(pidFile).ifPresent(StatfsAgent::stop);
                    throw new IOException(NAME + " did not start listening at " + socket + ": " + Detached.lastLines(log));
                }
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pid(pidFile).ifPresent(StatfsAgent::stop);
            throw new IOException("interrupted while starting " + NAME);
        }
        return pid(pidFile).orElseThrow(() -> new IOException(NAME + " wrote no pid file at " + pidFile));
    }

    /** The pid a helper recorded, if it is still that helper running. */
    public static Optional<Long> pid(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            return ProcessHandle.of(pid).filter(p -> p.info().command().map(c -> c.contains(NAME)).orElse(false)).map(ProcessHandle::pid);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Ends a helper whose VE did not come up (one whose VE ran ends by itself). */
    public static void stop(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
}
