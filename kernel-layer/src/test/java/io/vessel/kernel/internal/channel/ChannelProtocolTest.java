package io.vessel.kernel.internal.channel;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Nodes of neighbouring versions agree on a node-channel protocol, and one too old for its peer is told which to upgrade. */
class ChannelProtocolTest {

    private final UUID peer = UUID.fromString("00000000-0000-0000-0000-0000000000b2");

    @Test
    void peersWithAProtocolInCommonTalk() {
        assertNull(NodeChannel.protocolMismatch(peer, String.valueOf(NodeChannel.PROTOCOL), String.valueOf(NodeChannel.OLDEST_PROTOCOL)));
        assertNull(NodeChannel.protocolMismatch(peer, String.valueOf(NodeChannel.PROTOCOL + 1), String.valueOf(NodeChannel.PROTOCOL)),
                "a newer peer that still speaks this node's protocol");
        assertNull(NodeChannel.protocolMismatch(peer, null, null), "a peer from before the headers speaks protocol 1");
    }

    @Test
    void aPeerThatMovedOnTellsThisNodeToUpgrade() {
        String why = NodeChannel.protocolMismatch(peer, String.valueOf(NodeChannel.PROTOCOL + 2), String.valueOf(NodeChannel.PROTOCOL + 1));
        assertTrue(why.endsWith("upgrade this node"), why);
    }

    @Test
    void garbageHeadersReadAsTheFirstProtocol() {
        assertNull(NodeChannel.protocolMismatch(peer, "two", "-5"));
    }
}
