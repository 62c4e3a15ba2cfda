package io.vessel.kernel.internal;

import io.vessel.kernel.internal.ve.Lxcfs;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every VE's own view of memory, CPUs and uptime working: the host's LXCFS is adopted or started at panel
 * start, and watched; should it die, a new one is started and its files are mounted into each running VE again.
 * A VE that could not be given them is named in the kernel health check (a restart of that VE fixes it).
 */
final class ResourceViews implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ResourceViews.class);

    /** Puts fresh view mounts into the running VEs; returns the ids of those it could not. */
    @FunctionalInterface
    interface Restorer {
        List<Integer> restore(Lxcfs lxcfs);
    }

    private final Optional<Lxcfs> lxcfs;
    private final Restorer restorer;
    /** Starts new statfs helpers for running VEs whose helper died (looked after on the same watch). */
    private final Runnable reviveHelpers;
    /** Running VEs whose statfs helper died since they started: their own processes' statfs fails until a restart. */
    private final java.util.function.Supplier<java.util.Set<Integer>> lostHelpers;
    private final ScheduledExecutorService watch;

    private volatile String problem;
    /** Whether VEs have been looked at since the panel started (an LXCFS may have died while it was down). */
    private boolean restoredOnce;
    /** The LXCFS instance this panel's VEs were last given mounts of. */
    private String restoredFor = "";

    ResourceViews(Optional<Lxcfs> lxcfs, Restorer restorer, Runnable reviveHelpers,
                  java.util.function.Supplier<java.util.Set<Integer>> lostHelpers) {
        this.lxcfs = lxcfs;
        this.restorer = restorer;
        this.reviveHelpers = reviveHelpers;
        this.lostHelpers = lostHelpers;
        if (lxcfs.isEmpty()) {
            problem = "LXCFS is not installed: VEs see the host's memory, CPUs and uptime (apt-get install lxcfs)";
            LOG.warn("Resource views unavailable: {}", problem);
        }
        watch = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vessel-views-watch");
            t.setDaemon(true);
            return t;
        });
    }

    /** Adopts or starts LXCFS, and restores VEs whose views died with an earlier one; then watches every {@code period}. */
    void start(Duration period) {
        // in the background: the panel's start does not wait for LXCFS; a VE starting meanwhile does (ensureRunning)
        watch.scheduleWithFixedDelay(this::check, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The OCI mounts a VE starting now gets: none while LXCFS cannot be brought up (the VE starts with the host's view). */
    List<Map<String, Object>> mountsForStart() {
        if (lxcfs.isEmpty()) {
            return List.of();
        }
        try {
            lxcfs.get().ensureRunning();
            return lxcfs.get().ociMounts();
        } catch (IOException e) {
            LOG.error("VE starts without its own resource view: {}", e.getMessage());
            return List.of();
        }
    }

    /** Why some or all VEs lack their own view, if they do. */
    Optional<String> problem() {
        java.util.Set<Integer> lost = lostHelpers.get();
        String helperProblem = lost.isEmpty() ? null : "the statfs helper of VEs " + new java.util.TreeSet<>(lost)
                + " died: their df and other statfs calls fail until they are restarted";
        return Optional.ofNullable(problem == null ? helperProblem : helperProblem == null ? problem : problem + "; " + helperProblem);
    }

    synchronized void check() {
        try {
            reviveHelpers.run();
        } catch (RuntimeException e) {
            LOG.warn("Could not look after the statfs helpers: {}", e.getMessage());
        }
        if (lxcfs.isEmpty()) {
            return;
        }
        Lxcfs fs = lxcfs.get();
        try {
            if (fs.state() == Lxcfs.State.LIVE && problem == null && restoredOnce && fs.instance().equals(restoredFor)) {
                return;
            }
            boolean restarted = fs.ensureRunning();
            String serving = fs.instance();
            // a new LXCFS, whoever started it (another panel of the host may have been quicker): this panel's VEs need it
            boolean replaced = restarted || !serving.equals(restoredFor);
            List<Integer> failed = replaced || problem != null || !restoredOnce ? restorer.restore(fs) : List.of();
            restoredOnce = true;
            restoredFor = serving;
            problem = failed.isEmpty() ? null
                    : "VEs " + failed + " lost their own view of memory, CPUs and uptime when LXCFS died and could not be given it again; restart them";
        } catch (IOException | RuntimeException e) {
            problem = "LXCFS is down and could not be started: " + e.getMessage();
            LOG.error("{}", problem);
        }
    }

    @Override
    public void close() {
        watch.shutdownNow();
    }
}
