package io.vessel.persistence.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL's {@code LISTEN}: one connection of its own (outside the pool, which would hand a listening connection
 * to transactions and lose what it listens to), one thread that waits for notifications and calls the listeners of
 * each channel. A dropped connection is made again after a second and listens again; whatever was notified in
 * between is lost, which {@link io.vessel.persistence.api.Database#listen} tells every listener to expect.
 * The thread starts with the first listener, so a process that never listens holds no extra connection.
 */
final class NotificationListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NotificationListener.class);

    /** How long one wait for notifications lasts before new channels are listened to. */
    private static final int WAIT_MILLIS = 250;

    private final Supplier<Connection> connections;
    private final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private Thread thread;

    NotificationListener(Supplier<Connection> connections) {
        this.connections = connections;
    }

    synchronized AutoCloseable add(String channel, Consumer<String> listener) {
        if (closed) {
            throw new IllegalStateException("the database is closed");
        }
        listeners.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>()).add(listener);
        if (thread == null) {
            thread = new Thread(this::serve, "vessel-db-notifications");
            thread.setDaemon(true);
            thread.start();
        }
        return () -> listeners.getOrDefault(channel, List.of()).remove(listener);
    }

    private void serve() {
        while (!closed) {
            try (Connection connection = connections.get()) {
                listenAndDeliver(connection);
            } catch (SQLException | RuntimeException e) {
                if (!closed) {
                    LOG.warn("Database notifications interrupted, listening again in a second: {}", ConnectionPool.firstLine(e.getMessage()));
                    sleep();
                }
            }
        }
    }

    private void listenAndDeliver(Connection connection) throws SQLException {
        connection.setAutoCommit(true);
        PGConnection pg = connection.unwrap(PGConnection.class);
        Set<String> listening = new java.util.HashSet<>();
        while (!closed) {
            for (String channel : listeners.keySet()) {
                if (listening.add(channel)) {
                    try (Statement s = connection.createStatement()) {
                        s.execute("LISTEN \"" + channel.replace("\"", "") + "\"");
                    }
                }
            }
            PGNotification[] arrived = pg.getNotifications(WAIT_MILLIS);
            if (arrived == null) {
                continue;
            }
            for (PGNotification n : arrived) {
                for (Consumer<String> listener : listeners.getOrDefault(n.getName(), List.of())) {
                    try {
                        listener.accept(n.getParameter());
                    } catch (RuntimeException e) {
                        LOG.warn("A database notification listener failed channel={} payload={}", n.getName(), n.getParameter(), e);
                    }
                }
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
