package io.vessel.kernel.internal;

import io.vessel.persistence.api.Database;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VE state changes for the other processes on the database: each node tells the others (PostgreSQL {@code NOTIFY},
 * one short line) whenever one of its VEs changes state, and posts what the others tell it as its own VE events,
 * marked {@link #REMOTE}, so a panel's live views follow VEs that run on another node. What acts on an event once
 * (a tenant's notification) leaves the remote ones alone: the VE's own node acted on it.
 */
final class VeChangeBroadcast implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VeChangeBroadcast.class);

    /** Channel: {@code <ve id> <state> <node id> <owner or ->}. */
    static final String CHANNEL = "vessel_ve_changed";
    /** Event property: true on events about a change another node made. */
    static final String REMOTE = io.vessel.kernel.api.UsageService.REMOTE;

    /** Posts a VE event here: id, state, owner (null: the provider's own). */
    interface Poster {
        void post(int id, String state, String owner);
    }

    private final Database database;
    private final UUID node;
    private final boolean shared;
    private final AutoCloseable listening;

    VeChangeBroadcast(Database database, UUID node, Poster poster) {
        this.database = database;
        this.node = node;
        this.shared = !database.info().embedded();
        this.listening = shared ? database.listen(CHANNEL, line -> heard(line, poster)) : () -> {
        };
    }

    /** Tells the other processes that VE {@code id} of this node is now {@code state}. */
    void announce(int id, String state, String owner) {
        if (!shared) {
            return;
        }
        try {
            database.run(em -> database.notify(em, CHANNEL, id + " " + state + " " + node + " " + (owner == null ? "-" : owner)));
        } catch (RuntimeException e) {
            LOG.warn("VE change not announced to other nodes ve={} state={}: {}", id, state, e.getMessage());
        }
    }

    private void heard(String line, Poster poster) {
        String[] parts = line.split(" ");
        if (parts.length != 4 || parts[2].equals(node.toString())) {
            return; // this node's own change, posted as it happened
        }
        try {
            poster.post(Integer.parseInt(parts[0]), parts[1], parts[3].equals("-") ? null : parts[3]);
        } catch (NumberFormatException e) {
            LOG.debug("Unreadable VE change notification: {}", line);
        }
    }

    @Override
    public void close() {
        try {
            listening.close();
        } catch (Exception e) {
            LOG.debug("VE change notifications not closed: {}", e.getMessage());
        }
    }
}
