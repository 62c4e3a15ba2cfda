package io.vessel.persistence.api;

import jakarta.persistence.EntityManager;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Transactions over the panel's database (embedded H2 by default, PostgreSQL in production).
 *
 * <p>Each call runs in its own transaction with its own {@link EntityManager}: commit on normal return,
 * rollback on any exception (which is rethrown). Entities must not escape the call unless detached on purpose;
 * map them to records for callers.
 */
public interface Database {

    /** Service property listing the modules (see {@link PersistenceContribution#module()}) whose entities are usable. */
    String MODULES_PROPERTY = "vessel.persistence.modules";

    <T> T inTransaction(Function<EntityManager, T> work);

    default void run(Consumer<EntityManager> work) {
        inTransaction(em -> {
            work.accept(em);
            return null;
        });
    }

    /** What the panel is connected to; never contains a password. */
    DatabaseInfo info();

    /** Modules whose migrations are applied and whose entities are mapped. */
    Set<String> modules();

    /**
     * Wakes the {@link #listen listeners} of {@code channel} in every process on this database once the
     * transaction of {@code em} commits (never if it rolls back). The payload is an id, not data: the database caps
     * it (8000 bytes in PostgreSQL), and a listener reads what changed. Nothing on the embedded database, which one
     * process uses alone. Channels are per schema: processes on other schemas of the same server do not hear it.
     *
     * @since 1.4
     */
    default void notify(EntityManager em, String channel, String payload) {
    }

    /**
     * Calls {@code listener} with each payload {@link #notify notified} on {@code channel} by any process (this one
     * included), on a thread of the database's own; until the returned handle is closed. Notifications can be lost
     * (a connection dropped and made again): a listener also looks for itself now and then. On the embedded
     * database nothing is ever heard.
     *
     * @since 1.4
     */
    default AutoCloseable listen(String channel, Consumer<String> listener) {
        return () -> {
        };
    }
}
