package io.vessel.kernel.internal.usage;

import io.vessel.kernel.api.UsageSample;
import io.vessel.kernel.api.UsageSeries;
import io.vessel.kernel.api.UsageService;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.internal.cgroup.CgroupDriver;
import io.vessel.kernel.internal.cgroup.CgroupStats;
import io.vessel.kernel.internal.storage.StorageDriver;
import io.vessel.persistence.api.Database;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples every running VE on an interval: cgroup counters (CPU, memory, swap, processes, disk I/O) and the
 * storage driver's disk use. Counters become lifetime totals ({@link LifetimeCounters}); each sweep is stored in
 * one batch, posted as events, and rolled up into 1-minute and 1-hour rows, which are kept for their retention.
 */
public final class UsageMeter implements UsageService, AutoCloseable {

    /** The VEs to sample and where their cgroups are. */
    public interface Source {
        List<Integer> activeVes();

        String cgroup(int veId);

        /** How many IP addresses each VE holds (VEs without any may be missing). */
        default Map<Integer, Integer> addressCounts() {
            return Map.of();
        }

        /** Each VE's external traffic since its port came up: {bytes sent, bytes received} (VEs without any may be missing). */
        default Map<Integer, long[]> externalTraffic() {
            return Map.of();
        }

        /** No VE to sample: a panel without VEs of its own reads what the nodes stored and samples nothing. */
        Source NONE = new Source() {
            @Override
            public List<Integer> activeVes() {
                return List.of();
            }

            @Override
            public String cgroup(int veId) {
                throw new IllegalStateException("no VE is sampled here");
            }
        };
    }

    /** How long each resolution is kept. */
    public record Retention(Duration raw, Duration minute, Duration hour) {
        public static final Retention DEFAULT = new Retention(Duration.ofHours(48), Duration.ofDays(30), Duration.ofDays(730));
    }

    private static final Logger LOG = LoggerFactory.getLogger(UsageMeter.class);

    private final Source source;
    private final CgroupDriver cgroups;
    private final StorageDriver storage;
    private final UsageStore store;
    private final Consumer<UsageSample> events;
    private final Retention retention;
    private final Map<Integer, LifetimeCounters> counters = new ConcurrentHashMap<>();
    private final Set<Integer> storedCounters = ConcurrentHashMap.newKeySet();
    private final Map<Integer, UsageSample> latest = new ConcurrentHashMap<>();
    /** The VEs' interface statistics, kept open from sweep to sweep (the cgroup driver keeps its own counters so). */
    private final io.vessel.kernel.internal.linux.KernelFiles interfaceCounters = new io.vessel.kernel.internal.linux.KernelFiles();
    private final ScheduledExecutorService scheduler;
    private Instant nextMinute;
    private Instant nextHour;
    private Instant nextCleanup = Instant.EPOCH;
    /** Inode counts cost more than the other figures, so they are refreshed every {@value #INODE_EVERY}th sweep. */
    private static final int INODE_EVERY = 6;
    private final Map<Integer, Long> inodes = new ConcurrentHashMap<>();
    private long sweeps;
    private volatile long lastSweepNanos;
    private volatile int lastSweepVes;
    /** How much of a longer time between two samples counts as running (the gap rule of {@link HeldIntegrals}). */
    private volatile Duration maxGap = Duration.ofSeconds(20);

    public UsageMeter(Database database, Source source, CgroupDriver cgroups, StorageDriver storage, Consumer<UsageSample> events,
                      Retention retention) {
        this.source = source;
        this.cgroups = cgroups;
        this.storage = storage;
        this.store = new UsageStore(database);
        this.events = events;
        this.retention = retention;
        Map<Integer, LifetimeCounters> stored = store.loadCounters();
        counters.putAll(stored);
        storedCounters.addAll(stored.keySet());
        Instant now = Instant.now();
        nextMinute = resume(store.newest(UsageStore.MINUTE), ChronoUnit.MINUTES, now.minus(retention.raw()));
        nextHour = resume(store.newest(UsageStore.HOUR), ChronoUnit.HOURS, now.minus(retention.raw()));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vessel-usage");
            t.setDaemon(true);
            return t;
        });
    }

    /** The first window not yet rolled up: after the newest rollup, or as far back as raw rows are kept. */
    private static Instant resume(Instant newest, ChronoUnit unit, Instant oldestRaw) {
        Instant from = newest != null ? newest.plus(1, unit) : oldestRaw.truncatedTo(unit);
        return from.isBefore(oldestRaw.truncatedTo(unit)) ? oldestRaw.truncatedTo(unit) : from;
    }

    /**
     * Samples a second after start (not at once: the first sweep's cold code would compete with the rest of the
     * start-up for the CPU) and then every {@code interval}: with the last sample a stopping panel takes
     * ({@link #close}), a panel restart leaves a gap in a VE's figures no longer than the restart and that second.
     */
    public void start(Duration interval) {
        start(interval, () -> true);
    }

    /**
     * Sweeps every {@code interval}, the first time once {@code startOver} says the process has finished starting
     * (or after {@link #FIRST_SWEEP_MAX_WAIT_MS}): the first sweep's cold code cost a quarter of a second of CPU,
     * which the start's last moments need (issue 14), and a sample a moment later loses nothing (the counters are
     * the kernel's lifetime ones).
     */
    public void start(Duration interval, java.util.function.BooleanSupplier startOver) {
        maxGap = interval.multipliedBy(2);
        long since = System.nanoTime();
        scheduler.schedule(() -> firstSweep(interval, startOver, since), Math.min(FIRST_SWEEP_MS, interval.toMillis()), TimeUnit.MILLISECONDS);
        LOG.info("Accounting started intervalMs={}", interval.toMillis());
    }

    private void firstSweep(Duration interval, java.util.function.BooleanSupplier startOver, long since) {
        if (!startOver.getAsBoolean() && System.nanoTime() - since < TimeUnit.MILLISECONDS.toNanos(FIRST_SWEEP_MAX_WAIT_MS)) {
            try {
                scheduler.schedule(() -> firstSweep(interval, startOver, since), START_LOOK_MS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                // the meter stopped before the process finished starting
            }
            return;
        }
        try {
            scheduler.scheduleWithFixedDelay(this::sweepSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // the meter stopped meanwhile
        }
    }

    private void sweepSafely() {
        try {
            sweep();
        } catch (RuntimeException e) {
            LOG.error("Accounting sweep failed: {}", e.getMessage(), e);
        }
    }

    /** One pass over every running VE; returns how many were sampled. */
    public synchronized int sweep() {
        long started = System.nanoTime();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<UsageSample> samples = new ArrayList<>();
        Set<Integer> active = new HashSet<>(source.activeVes());
        boolean countInodes = sweeps++ % INODE_EVERY == 0;
        Map<Integer, Integer> addresses = active.isEmpty() ? Map.of() : source.addressCounts();
        Map<Integer, long[]> external = active.isEmpty() ? Map.of() : source.externalTraffic();
        for (int id : active) {
            if (countInodes || !inodes.containsKey(id)) {
                try {
                    storage.inodes(id).ifPresent(n -> inodes.put(id, n));
                } catch (IOException e) {
                    LOG.debug("No inode count for ve={}: {}", id, e.getMessage());
                }
            }
            sample(id, now, addresses.getOrDefault(id, 0), external.getOrDefault(id, new long[2])).ifPresent(samples::add);
        }
        latest.keySet().retainAll(active);
        inodes.keySet().retainAll(active);
        releaseCountersOfStopped(active);
        if (!samples.isEmpty()) {
            store.save(samples, counters, storedCounters);
            samples.forEach(s -> storedCounters.add(s.veId()));
            for (UsageSample s : samples) {
                latest.put(s.veId(), s);
                events.accept(s);
            }
        }
        maintain(now);
        lastSweepNanos = System.nanoTime() - started;
        lastSweepVes = samples.size();
        LOG.debug("Accounting sweep ves={} tookMs={}", samples.size(), lastSweepNanos / 1_000_000);
        return samples.size();
    }

    private Optional<UsageSample> sample(int id, Instant now, int addresses, long[] external) {
        String group = source.cgroup(id);
        try {
            CgroupStats stats = cgroups.read(group);
            long cgroupId = cgroups.identity(group);
            Optional<long[]> network = io.vessel.kernel.internal.network.VeNetwork.counters(id, interfaceCounters);
            Long disk = null;
            try {
                disk = storage.diskUsage(id, false).referencedBytes();
            } catch (IOException e) {
                LOG.debug("No disk usage for ve={}: {}", id, e.getMessage());
            }
            LifetimeCounters before = counters.getOrDefault(id, LifetimeCounters.none());
            LifetimeCounters c = before.advance(cgroupId, stats, network.orElse(new long[4]), external)
                    .with(before.held().advance(now, stats.memoryBytes(), disk, addresses, maxGap));
            counters.put(id, c);
            return Optional.of(sampleOf(id, now, c, stats.memoryBytes(), stats.swapBytes(), stats.processes(), disk, network.isPresent()));
        } catch (IOException e) {
            LOG.debug("VE not sampled ve={}: {}", id, e.getMessage()); // stopped between the list and the read
            return Optional.empty();
        }
    }

    private UsageSample sampleOf(int id, Instant now, LifetimeCounters c, long memory, long swap, long processes, Long disk, boolean network) {
        long[] t = c.total();
        HeldIntegrals h = c.held();
        return new UsageSample(id, now, t[LifetimeCounters.CPU], memory, c.memoryPeak(), swap,
                processes, disk, inodes.get(id), t[LifetimeCounters.READ_BYTES], t[LifetimeCounters.WRITE_BYTES],
                t[LifetimeCounters.READ_OPS], t[LifetimeCounters.WRITE_OPS],
                network || t[LifetimeCounters.NET_RX_BYTES] > 0 ? t[LifetimeCounters.NET_RX_BYTES] : null,
                network || t[LifetimeCounters.NET_TX_BYTES] > 0 ? t[LifetimeCounters.NET_TX_BYTES] : null,
                network || t[LifetimeCounters.NET_RX_PACKETS] > 0 ? t[LifetimeCounters.NET_RX_PACKETS] : null,
                network || t[LifetimeCounters.NET_TX_PACKETS] > 0 ? t[LifetimeCounters.NET_TX_PACKETS] : null,
                h.memoryKibSeconds(), h.diskKibSeconds(), h.runningMillis(), h.addressMillis(), t[LifetimeCounters.NET_EXTERNAL_TX_BYTES],
                t[LifetimeCounters.NET_EXTERNAL_RX_BYTES]);
    }

    /** Closes what was kept open for VEs that no longer run: their cgroups may be gone and linger while it is open. */
    private void releaseCountersOfStopped(Set<Integer> active) {
        Set<String> groups = new HashSet<>();
        Set<java.nio.file.Path> interfaces = new HashSet<>();
        for (int id : active) {
            groups.add(source.cgroup(id));
            interfaces.add(io.vessel.kernel.internal.network.VeNetwork.statistics(id));
        }
        cgroups.retainCounters(groups);
        interfaceCounters.retain(file -> interfaces.contains(file.getParent()));
    }

    /** Rollups of completed minutes and hours; retention once an hour. */
    private void maintain(Instant now) {
        Instant minute = now.truncatedTo(ChronoUnit.MINUTES);
        while (nextMinute.isBefore(minute)) {
            store.rollUp(UsageStore.RAW, UsageStore.MINUTE, nextMinute, nextMinute.plus(1, ChronoUnit.MINUTES));
            nextMinute = nextMinute.plus(1, ChronoUnit.MINUTES);
        }
        Instant hour = now.truncatedTo(ChronoUnit.HOURS);
        while (nextHour.isBefore(hour)) {
            store.rollUp(UsageStore.MINUTE, UsageStore.HOUR, nextHour, nextHour.plus(1, ChronoUnit.HOURS));
            nextHour = nextHour.plus(1, ChronoUnit.HOURS);
        }
        if (!now.isBefore(nextCleanup)) {
            int deleted = store.deleteOlderThan(UsageStore.RAW, now.minus(retention.raw()))
                    + store.deleteOlderThan(UsageStore.MINUTE, now.minus(retention.minute()))
                    + store.deleteOlderThan(UsageStore.HOUR, now.minus(retention.hour()));
            if (deleted > 0) {
                LOG.info("Usage retention removed rows={}", deleted);
            }
            nextCleanup = now.plus(1, ChronoUnit.HOURS);
        }
    }

    /** How long the last sweep took, and how many VEs it sampled. */
    public long lastSweepNanos() {
        return lastSweepNanos;
    }

    public int lastSweepVes() {
        return lastSweepVes;
    }

    /**
     * A destroyed VE's counters go, after a last sample counting the disk space and addresses it held up to now (it
     * may have been stopped, unsampled, for a long time); its samples age out.
     */
    public synchronized void forget(int veId) {
        LifetimeCounters last = counters.remove(veId);
        latest.remove(veId);
        if (last != null && last.held().lastAt() != null) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            LifetimeCounters finished = last.with(last.held().finish(now));
            try {
                store.save(List.of(sampleOf(veId, now, finished, 0, 0, 0, finished.held().lastDiskBytes(), false)), Map.of(veId, finished),
                        storedCounters);
                storedCounters.add(veId);
            } catch (IllegalStateException e) {
                LOG.warn("Last usage sample of destroyed ve={} not stored: {}", veId, e.getMessage());
            }
        }
        if (storedCounters.remove(veId)) {
            store.forget(veId);
        }
    }

    @Override
    public Optional<UsageSample> current(int veId) {
        return Optional.ofNullable(latest.get(veId));
    }

    @Override
    public List<UsageSample> currentAll() {
        return latest.values().stream().sorted(java.util.Comparator.comparingInt(UsageSample::veId)).toList();
    }

    @Override
    public Optional<UsageSample> storedAtOrBefore(int veId, Instant at) {
        return store.latestAtOrBefore(veId, at);
    }

    @Override
    public Map<Integer, UsageSample> storedAtOrBefore(java.util.Collection<Integer> veIds, Instant at) {
        return veIds.isEmpty() ? Map.of() : store.latestAtOrBefore(veIds, at);
    }

    @Override
    public UsageSeries series(int veId, Instant from, Instant to, Duration step) {
        if (from == null || to == null || !from.isBefore(to)) {
            throw new VeException(VeException.Kind.INVALID, "from", "from must be before to", null);
        }
        if (step == null || step.getSeconds() < 1 || Duration.between(from, to).getSeconds() / step.getSeconds() > 10_000) {
            throw new VeException(VeException.Kind.INVALID, "step", "step must be at least 1 second and give at most 10000 points", null);
        }
        int resolution = step.getSeconds() < 60 ? UsageStore.RAW : step.getSeconds() < 3600 ? UsageStore.MINUTE : UsageStore.HOUR;
        List<UsageSample> rows = store.rows(veId, resolution, from, to);
        Map<Long, List<UsageSample>> buckets = new LinkedHashMap<>();
        for (UsageSample row : rows) {
            long bucket = (row.at().getEpochSecond() - from.getEpochSecond()) / step.getSeconds();
            buckets.computeIfAbsent(bucket, b -> new ArrayList<>()).add(row);
        }
        Map<String, List<UsageSeries.Point>> series = new LinkedHashMap<>();
        for (String metric : METRICS) {
            series.put(metric, new ArrayList<>());
        }
        for (Map.Entry<Long, List<UsageSample>> bucket : buckets.entrySet()) {
            Instant at = from.plusSeconds(bucket.getKey() * step.getSeconds());
            List<UsageSample> b = bucket.getValue();
            UsageSample last = b.get(b.size() - 1);
            add(series, "cpuNanosTotal", at, last.cpuNanosTotal());
            add(series, "memoryBytes", at, b.stream().mapToLong(UsageSample::memoryBytes).average().orElse(0));
            add(series, "memoryPeakBytes", at, b.stream().mapToLong(UsageSample::memoryPeakBytes).max().orElse(0));
            add(series, "swapBytes", at, b.stream().mapToLong(UsageSample::swapBytes).average().orElse(0));
            add(series, "processes", at, b.stream().mapToLong(UsageSample::processes).average().orElse(0));
            if (last.diskInodes() != null) {
                add(series, "diskInodes", at, last.diskInodes());
            }
            if (last.diskBytes() != null) {
                add(series, "diskBytes", at, b.stream().filter(s -> s.diskBytes() != null).mapToLong(UsageSample::diskBytes).average().orElse(0));
            }
            add(series, "readBytesTotal", at, last.readBytesTotal());
            add(series, "writeBytesTotal", at, last.writeBytesTotal());
            add(series, "readOpsTotal", at, last.readOpsTotal());
            add(series, "writeOpsTotal", at, last.writeOpsTotal());
            if (last.netRxBytesTotal() != null) {
                add(series, "netRxBytesTotal", at, last.netRxBytesTotal());
                add(series, "netTxBytesTotal", at, last.netTxBytesTotal());
                add(series, "netRxPacketsTotal", at, last.netRxPacketsTotal());
                add(series, "netTxPacketsTotal", at, last.netTxPacketsTotal());
            }
        }
        String name = resolution == UsageStore.RAW ? "raw" : resolution == UsageStore.MINUTE ? "1m" : "1h";
        return new UsageSeries(veId, from, to, step.getSeconds(), name, series);
    }

    static final List<String> METRICS = List.of("cpuNanosTotal", "memoryBytes", "memoryPeakBytes", "swapBytes", "processes", "diskBytes", "diskInodes",
            "readBytesTotal", "writeBytesTotal", "readOpsTotal", "writeOpsTotal", "netRxBytesTotal", "netTxBytesTotal", "netRxPacketsTotal",
            "netTxPacketsTotal");

    private static final long FIRST_SWEEP_MS = 1000;
    private static final long FIRST_SWEEP_MAX_WAIT_MS = 30_000;
    private static final long START_LOOK_MS = 100;

    private static void add(Map<String, List<UsageSeries.Point>> series, String metric, Instant at, double value) {
        series.get(metric).add(new UsageSeries.Point(at, value));
    }

    /** Takes a last sample (the panel is stopping: its successor samples again as it starts), then stops. */
    @Override
    public void close() {
        scheduler.shutdown();
        try {
            if (scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
                sweepSafely();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scheduler.shutdownNow();
        cgroups.retainCounters(Set.of());
        interfaceCounters.close();
    }
}
