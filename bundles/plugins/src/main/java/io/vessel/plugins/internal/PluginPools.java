package io.vessel.plugins.internal;

import io.vessel.api.plugin.PluginCallException;
import io.vessel.api.plugin.PluginCallException.Reason;
import io.vessel.api.plugin.PluginCalls;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One small bounded pool per plugin bundle. A call waits at most its time limit; a call that overruns keeps its
 * thread (Java cannot stop it) and is counted as stuck until it returns. A pool whose every thread is stuck, or
 * whose queue is full, is exhausted: it refuses further calls at once (so nobody else waits on it), and if it stays
 * exhausted for the grace period the plugin is disabled through {@code disable}.
 */
final class PluginPools implements PluginCalls, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PluginPools.class);

    /** Limits of each plugin's pool. */
    record Settings(int threads, int queue, Duration exhaustedGrace) {
        static final Settings DEFAULT = new Settings(4, 16, Duration.ofSeconds(30));
    }

    private final Settings settings;
    private final LongFunction<String> names;
    private final BiConsumer<Long, String> disable;
    private final Map<Long, Pool> pools = new ConcurrentHashMap<>();
    private final ScheduledExecutorService watchdog;

    /**
     * @param names   the plugin's name for a bundle id (thread names and logs)
     * @param disable called, once, with a bundle id and the reason, when its pool stays exhausted
     */
    PluginPools(Settings settings, LongFunction<String> names, BiConsumer<Long, String> disable) {
        this.settings = settings;
        this.names = names;
        this.disable = disable;
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vessel-plugin-watchdog");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(200, Math.min(5000, settings.exhaustedGrace().toMillis() / 4));
        watchdog.scheduleWithFixedDelay(this::checkExhausted, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public <T> T call(long bundleId, String what, Duration timeLimit, Callable<T> work) throws PluginCallException {
        Pool pool = pool(bundleId);
        if (pool.exhausted()) {
            throw new PluginCallException(Reason.UNAVAILABLE, pool.name + " is not answering (all " + settings.threads()
                    + " of its threads are stuck)", null);
        }
        Tracked<T> task = new Tracked<>(work, pool);
        Future<T> future;
        try {
            future = pool.executor.submit(task);
        } catch (RejectedExecutionException e) {
            pool.exhausted();
            throw new PluginCallException(Reason.UNAVAILABLE, pool.name + " has too many calls waiting", e);
        }
        try {
            return future.get(timeLimit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            if (task.overran()) {
                LOG.warn("Plugin call overran plugin={} call=\"{}\" limitMs={}", pool.name, what, timeLimit.toMillis());
            }
            future.cancel(true); // an interrupt, which well-behaved code obeys; a thread that ignores it stays counted
            throw new PluginCallException(Reason.TIMED_OUT, pool.name + " did not answer within " + timeLimit.toMillis() + " ms", null);
        } catch (ExecutionException e) {
            throw new PluginCallException(Reason.FAILED, pool.name + " failed: " + PluginDirectory.describe(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new PluginCallException(Reason.UNAVAILABLE, "interrupted while waiting for " + pool.name, e);
        }
    }

    @Override
    public void tell(long bundleId, String what, Runnable work) {
        Pool pool = pool(bundleId);
        if (pool.exhausted()) {
            LOG.warn("Plugin not told, it is not answering plugin={} call=\"{}\"", pool.name, what);
            return;
        }
        try {
            pool.executor.execute(() -> {
                try {
                    work.run();
                } catch (RuntimeException | LinkageError e) {
                    LOG.warn("Plugin call failed plugin={} call=\"{}\": {}", pool.name, what, e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            pool.exhausted();
            LOG.warn("Plugin not told, too many calls waiting plugin={} call=\"{}\"", pool.name, what);
        }
    }

    /** Forgets a plugin's pool (it was stopped or removed); its stuck threads are left to finish or die with it. */
    void forget(long bundleId) {
        Pool pool = pools.remove(bundleId);
        if (pool != null) {
            pool.executor.shutdownNow();
        }
    }

    /** Calls of the plugin that overran their limit and still run (for the plugin list). */
    int stuck(long bundleId) {
        Pool pool = pools.get(bundleId);
        return pool == null ? 0 : pool.stuck.get();
    }

    private Pool pool(long bundleId) {
        return pools.computeIfAbsent(bundleId, id -> new Pool(names.apply(id), settings));
    }

    private void checkExhausted() {
        long now = System.nanoTime();
        for (Map.Entry<Long, Pool> entry : pools.entrySet()) {
            Pool pool = entry.getValue();
            if (!pool.exhausted()) {
                continue;
            }
            long since = pool.exhaustedSince;
            if (since != 0 && now - since >= settings.exhaustedGrace().toNanos() && !pool.disabling) {
                pool.disabling = true;
                String reason = "disabled automatically: its hooks stopped answering (" + pool.stuck.get() + " of its "
                        + settings.threads() + " threads stuck past their time limit for "
                        + settings.exhaustedGrace().toSeconds() + " s)";
                LOG.error("Plugin disabled plugin={} reason=\"{}\"", pool.name, reason);
                try {
                    disable.accept(entry.getKey(), reason);
                } catch (RuntimeException e) {
                    LOG.error("Plugin could not be disabled plugin={}: {}", pool.name, e.toString());
                }
            }
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        pools.values().forEach(p -> p.executor.shutdownNow());
        pools.clear();
    }

    /** A plugin's pool and its count of stuck calls. */
    private static final class Pool {
        final String name;
        final ThreadPoolExecutor executor;
        final AtomicInteger stuck = new AtomicInteger();
        final int threads;
        /** System.nanoTime() since when the pool is exhausted; 0 when it is not. */
        volatile long exhaustedSince;
        volatile boolean disabling;

        Pool(String name, Settings settings) {
            this.name = name;
            this.threads = settings.threads();
            AtomicInteger n = new AtomicInteger();
            this.executor = new ThreadPoolExecutor(settings.threads(), settings.threads(), 30, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(settings.queue()), r -> {
                        Thread t = new Thread(r, "plugin-" + name + "-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            executor.allowCoreThreadTimeOut(true);
        }

        /** Every thread stuck past its limit, or every thread busy and the queue full; notes since when. */
        boolean exhausted() {
            boolean now = stuck.get() >= threads
                    || executor.getQueue().remainingCapacity() == 0 && executor.getActiveCount() >= threads;
            if (now && exhaustedSince == 0) {
                exhaustedSince = System.nanoTime();
            } else if (!now) {
                exhaustedSince = 0;
            }
            return now;
        }
    }

    /** Work that counts itself as stuck from the moment its caller gave up until it returns. */
    private static final class Tracked<T> implements Callable<T> {
        private final Callable<T> work;
        private final Pool pool;
        private boolean running;
        private boolean finished;
        private boolean overran;

        Tracked(Callable<T> work, Pool pool) {
            this.work = work;
            this.pool = pool;
        }

        @Override
        public T call() throws Exception {
            synchronized (this) {
                running = true;
            }
            try {
                return work.call();
            } finally {
                synchronized (this) {
                    finished = true;
                    if (overran) {
                        pool.stuck.decrementAndGet();
                    }
                }
            }
        }

        /** The caller gave up: counts the work as stuck if it is running still. True when it is. */
        synchronized boolean overran() {
            if (running && !finished && !overran) {
                overran = true;
                pool.stuck.incrementAndGet();
            }
            return overran;
        }
    }
}
