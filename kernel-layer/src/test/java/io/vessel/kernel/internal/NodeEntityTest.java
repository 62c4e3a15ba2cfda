package io.vessel.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vessel.kernel.api.Node;
import io.vessel.kernel.api.NodeHealth;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class NodeEntityTest {

    private final Instant t0 = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void aNodeIsOnlineUntilSilentForThirtySeconds() {
        NodeEntity entity = new NodeEntity(UUID.randomUUID(), "n1", t0);
        entity.recordStart("n1", t0, "0.1.0", 1, Node.ALL);
        assertEquals(NodeHealth.ONLINE, entity.toNode(t0.plusSeconds(30)).health(), "30 s is still within reach");
        Node silent = entity.toNode(t0.plusSeconds(31));
        assertEquals(NodeHealth.UNREACHABLE, silent.health());
        assertEquals(t0.plusSeconds(30), silent.unreachableSince(), "since the silence ran out, before anyone marked it");
        assertEquals(t0, silent.lastHeartbeatAt());
    }

    @Test
    void aHeartbeatBringsItBackAndSaysSinceWhenItWasAway() {
        NodeEntity entity = new NodeEntity(UUID.randomUUID(), "n1", t0);
        entity.recordStart("n1", t0, "0.1.0", 1, Node.ALL);
        assertNull(entity.heartbeat(t0.plusSeconds(5)), "never marked away");
        Node back = entity.toNode(t0.plusSeconds(6));
        assertEquals(NodeHealth.ONLINE, back.health());
        assertNull(back.unreachableSince());
    }

    @Test
    void aNodeSaysWhichVesselItRunsSoARollingUpgradeShowsItsProgress() {
        NodeEntity entity = new NodeEntity(UUID.randomUUID(), "n1", t0);
        entity.recordStart("n1", t0, "0.1.0", 1, Node.ALL);
        entity.recordStart("n1", t0.plusSeconds(60), "0.2.0", 2, Node.ALL);
        Node upgraded = entity.toNode(t0.plusSeconds(61));
        assertEquals("0.2.0", upgraded.version());
        assertEquals(2, upgraded.channelProtocol());
    }

    @Test
    void aPanelWithoutVesIsRecordedAsOneThatHostsNone() {
        NodeEntity entity = new NodeEntity(UUID.randomUUID(), "p1", t0);
        entity.recordStart("p1", t0, "0.1.0", 2, Node.PANEL);
        Node panel = entity.toNode(t0.plusSeconds(1));
        assertEquals(Node.PANEL, panel.role());
        org.junit.jupiter.api.Assertions.assertFalse(panel.hostsVes(), "placement passes a panel by");
        NodeEntity older = new NodeEntity(UUID.randomUUID(), "n0", t0);
        org.junit.jupiter.api.Assertions.assertTrue(older.toNode(t0).hostsVes(), "a record from before roles were recorded hosts VEs");
    }
}
