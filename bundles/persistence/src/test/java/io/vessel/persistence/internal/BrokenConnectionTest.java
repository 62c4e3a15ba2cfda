package io.vessel.persistence.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.persistence.PersistenceException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * Which failures run a transaction's work again on another connection: only those of a connection that no longer
 * works, never a refusal by the database (a duplicate key, a constraint), which would only be refused again.
 */
class BrokenConnectionTest {

    @Test
    void aDroppedOrClosedConnectionIsBrokenARefusalIsNot() {
        assertTrue(PersistenceEngine.brokenConnection(new PersistenceException(new SQLException("connection lost", "08006"))));
        assertTrue(PersistenceEngine.brokenConnection(new RuntimeException(new SQLException("Database is already closed", "90098", 90098))));
        assertTrue(PersistenceEngine.brokenConnection(new org.hibernate.TransactionException("Unable to rollback against JDBC Connection")));
        assertTrue(PersistenceEngine.brokenConnection(new org.hibernate.exception.JDBCConnectionException("gone", new SQLException("gone"))));
        assertFalse(PersistenceEngine.brokenConnection(new PersistenceException(new SQLException("duplicate key", "23505"))));
        assertFalse(PersistenceEngine.brokenConnection(new IllegalStateException("the database is not ready yet")));
        assertFalse(PersistenceEngine.brokenConnection(new org.hibernate.TransactionException("Unable to commit against JDBC Connection")),
                "a commit that failed may have happened: never run again");
    }
}
