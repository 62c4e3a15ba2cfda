package io.vessel.kernel.internal;

import io.vessel.kernel.api.VirtualEnvironment;
import io.vessel.persistence.api.Database;
import io.vessel.persistence.api.DatabaseInfo;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * VE records as last read, so that reading a VE (the API's most frequent request) does not cost a transaction.
 * Correct because {@link VeManager} is the only writer of its node's VE records and reaches the database only
 * through {@link #writes(Database)}, which forgets everything after each of its transactions; a copy is kept only
 * when no such transaction finished while it was being read.
 *
 * <p>With other nodes on the database, their VE records change without this process knowing: then copies serve for
 * {@link #SHARED_MAX_AGE} at most ({@link #shared}), so another node's change shows within that.
 */
final class VeReadCache {

    /** How long a copy serves while other nodes write VE records too. */
    static final java.time.Duration SHARED_MAX_AGE = java.time.Duration.ofSeconds(1);

    private final Map<Integer, VirtualEnvironment> byId = new ConcurrentHashMap<>();
    private volatile List<VirtualEnvironment> all;
    private long generation;
    private volatile boolean shared;
    /** When the copies were last all forgotten (System.nanoTime()). */
    private volatile long forgottenAt = System.nanoTime();

    /** Whether other writers (other nodes' agents) share the VE records: copies then expire. */
    void shared(boolean others) {
        shared = others;
    }

    boolean isShared() {
        return shared;
    }

    private void expire() {
        if (shared && System.nanoTime() - forgottenAt > SHARED_MAX_AGE.toNanos()) {
            forget();
        }
    }

    Optional<VirtualEnvironment> find(int id, IntFunction<Optional<VirtualEnvironment>> load) {
        expire();
        VirtualEnvironment hit = byId.get(id);
        if (hit != null) {
            return Optional.of(hit);
        }
        long before = generation();
        Optional<VirtualEnvironment> loaded = load.apply(id);
        // a VE that does not exist is not remembered: made-up ids must not fill the memory
        loaded.ifPresent(ve -> keep(before, () -> byId.put(id, ve)));
        return loaded;
    }

    List<VirtualEnvironment> list(Supplier<List<VirtualEnvironment>> load) {
        expire();
        List<VirtualEnvironment> hit = all;
        if (hit != null) {
            return hit;
        }
        long before = generation();
        List<VirtualEnvironment> loaded = List.copyOf(load.get());
        keep(before, () -> all = loaded);
        return loaded;
    }

    synchronized void forget() {
        forgottenAt = System.nanoTime();
        generation++;
        all = null;
        byId.clear();
    }

    private synchronized long generation() {
        return generation;
    }

    private synchronized void keep(long readAt, Runnable store) {
        if (generation == readAt) {
            store.run();
        }
    }

    /** The database as seen by code that may write VE records: every transaction ends by forgetting the copies. */
    Database writes(Database database) {
        return new Database() {
            @Override
            public <T> T inTransaction(Function<EntityManager, T> work) {
                try {
                    return database.inTransaction(work);
                } finally {
                    forget();
                }
            }

            @Override
            public DatabaseInfo info() {
                return database.info();
            }

            @Override
            public Set<String> modules() {
                return database.modules();
            }

            @Override
            public void notify(EntityManager em, String channel, String payload) {
                database.notify(em, channel, payload);
            }

            @Override
            public AutoCloseable listen(String channel, java.util.function.Consumer<String> listener) {
                return database.listen(channel, listener);
            }
        };
    }
}
