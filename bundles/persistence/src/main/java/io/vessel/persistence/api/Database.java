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
}
