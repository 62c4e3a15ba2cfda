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
        entity.recordStart("n1", t0, "0.1.0", 1);
        assertEquals(NodeHealth.ONLINE, entity.toNode(t0.plusSeconds(30)).health(), "30 s is still within reach");
        Node silent = entity.toNode(t0.plusSeconds(31));
        assertEquals(NodeHealth.UNREACHABLE, silent.health());
        assertEquals(t0.plusSeconds(30), silent.unreachableSince(), "since the silence ran out, before anyone marked it");
        assertEquals(t0, silent.lastHeartbeatAt());
    }

    @Test
    void aHeartbeatBringsItBackAndSaysSinceWhenItWasAway() {
        NodeEntity entity = new NodeEntity(UUID.randomUUID(), "n1", t0);
        entity.recordStart("n1", t0, "0.1.0", 1);
        assertNull(entity.heartbeat(t0.plusSeconds(5)), "never marked away");
        Node back = entity.toNode(t0.plusSeconds(6));
        assertEquals(NodeHealth.ONLINE, back.health());
        assertNull(back.unreachableSince());
    }

    @Test
    void aNodeSaysWhichVesselItRunsSoARollingUpgradeShowsItsProgress() {
        NodeEntity entity = new NodeEntity(UUID.randomUUID(), "n1", t0);
        entity.recordStart("n1", t0, "0.1.0", 1);
        entity.recordStart("n1", t0.plusSeconds(60), "0.2.0", 2);
        Node upgraded = entity.toNode(t0.plusSeconds(61));
        assertEquals("0.2.0", upgraded.version());
        assertEquals(2, upgraded.channelProtocol());
    }
}
