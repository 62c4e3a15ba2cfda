package io.vessel.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.kernel.api.Node;
import io.vessel.kernel.api.NodeHealth;
import io.vessel.kernel.api.NodeOvercommit;
import io.vessel.kernel.api.NodeStatus;
import io.vessel.kernel.api.VeException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PlacementTest {

    private static final long GIB = 1L << 30;

    private static Node node(String name, Map<String, String> labels, NodeOvercommit ratios, NodeHealth health) {
        return node(name, labels, ratios, health, true);
    }

    private static Node node(String name, Map<String, String> labels, NodeOvercommit ratios, NodeHealth health, boolean accepts) {
        Instant now = Instant.parse("2026-12-01T10:00:00Z");
        return new Node(UUID.nameUUIDFromBytes(name.getBytes()), name, now, now, 1, health, now,
                health == NodeHealth.UNREACHABLE ? now : null, labels, ratios, accepts);
    }

    @Test
    void aNodeKeptFreeOfNewVesGetsNoneHoweverEmpty() {
        Node kept = node("kept", Map.of(), NodeOvercommit.NONE, NodeHealth.ONLINE, false);
        Node busy = node("busy", Map.of(), NodeOvercommit.NONE, NodeHealth.ONLINE);
        assertEquals(busy, Placement.choose(List.of(candidate(kept, 0, true), candidate(busy, 7 * GIB, false)), ONE_GIB));
        VeException none = assertThrows(VeException.class, () -> Placement.choose(List.of(candidate(kept, 0, true)), ONE_GIB));
        assertTrue(none.getMessage().contains("kept free of new VEs by the provider"), none.getMessage());
    }

    @Test
    void aPanelWithoutVesIsNamedAsSuchWhenAskedForByName() {
        Instant now = Instant.parse("2026-12-01T10:00:00Z");
        Node panel = new Node(UUID.nameUUIDFromBytes("p".getBytes()), "p", now, now, 1, NodeHealth.ONLINE, now, null, Map.of(),
                NodeOvercommit.NONE, true, "0.1.0", 2, Node.PANEL);
        VeException refused = assertThrows(VeException.class, () -> Placement.choose(List.of(candidate(panel, 0, true)), ONE_GIB));
        assertTrue(refused.getMessage().contains("a panel without VEs of its own"), refused.getMessage());
    }

    private static Placement.Candidate candidate(Node node, long memoryAllotted, boolean local) {
        NodeStatus status = new NodeStatus(4, 0.5, 0.5, 0.5, 8 * GIB, 6 * GIB, 100 * GIB, 80 * GIB, 3, 2, 1000);
        return new Placement.Candidate(node, Optional.of(status), new Placement.Allotted(2, memoryAllotted, 10 * GIB), true, local);
    }

    private static final Placement.Ask ONE_GIB = new Placement.Ask(Placement.Allotted.of(null, GIB, 2 * GIB), Map.of(), "busybox");

    @Test
    void aNewVeGoesWhereMemoryIsLeastAllottedAndTheLocalNodeWinsATie() {
        Node a = node("a", Map.of(), NodeOvercommit.NONE, NodeHealth.ONLINE);
        Node b = node("b", Map.of(), NodeOvercommit.NONE, NodeHealth.ONLINE);
        assertEquals(b, Placement.choose(List.of(candidate(a, 6 * GIB, true), candidate(b, 2 * GIB, false)), ONE_GIB));
        assertEquals(a, Placement.choose(List.of(candidate(b, 2 * GIB, false), candidate(a, 2 * GIB, true)), ONE_GIB));
    }

    @Test
    void aVeGoesOnlyWhereItsIpPoolReachesEvenWhenAnotherNodeIsEmptier() {
        Node cabled = node("cabled", Map.of(), NodeOvercommit.NONE, NodeHealth.ONLINE);
        Node elsewhere = node("elsewhere", Map.of(), NodeOvercommit.NONE, NodeHealth.ONLINE);
        Placement.Ask onLan = new Placement.Ask(Placement.Allotted.of(null, GIB, 2 * GIB), Map.of(), "busybox",
                id -> id.equals(cabled.id()) ? Optional.empty() : Optional.of("IP pool lan does not reach it"));
        assertEquals(cabled, Placement.choose(List.of(candidate(cabled, 6 * GIB, false), candidate(elsewhere, 0, true)), onLan));
        VeException none = assertThrows(VeException.class, () -> Placement.choose(List.of(candidate(elsewhere, 0, true)), onLan));
        assertTrue(none.getMessage().contains("IP pool lan does not reach it"), none.getMessage());
    }

    @Test
    void labelsAskedForAreRequired() {
        Node plain = node("plain", Map.of(), NodeOvercommit.NONE, NodeHealth.ONLINE);
        Node ssd = node("ssd", Map.of("disk", "ssd", "zone", "eu"), NodeOvercommit.NONE, NodeHealth.ONLINE);
        Placement.Ask wantsSsd = new Placement.Ask(ONE_GIB.share(), Map.of("disk", "ssd"), "busybox");
        assertEquals(ssd, Placement.choose(List.of(candidate(plain, 0, true), candidate(ssd, 7 * GIB, false)), wantsSsd));
        VeException none = assertThrows(VeException.class, () -> Placement.choose(List.of(candidate(plain, 0, true)), wantsSsd));
        assertTrue(none.getMessage().contains("not labelled disk=ssd"), none.getMessage());
    }

    @Test
    void overcommitRatiosCapWhatIsAllottedAndTheRefusalSaysWhy() {
        Node tight = node("tight", Map.of(), new NodeOvercommit(null, 1.0, null), NodeHealth.ONLINE);
        Node roomy = node("roomy", Map.of(), new NodeOvercommit(null, 1.5, null), NodeHealth.ONLINE);
        // 7.5 GiB + 1 GiB > 8 GiB × 1.0, but < 8 GiB × 1.5
        assertEquals(roomy, Placement.choose(List.of(candidate(tight, 7 * GIB + GIB / 2, true), candidate(roomy, 7 * GIB + GIB / 2, false)), ONE_GIB));
        VeException full = assertThrows(VeException.class, () -> Placement.choose(List.of(candidate(tight, 7 * GIB + GIB / 2, true)), ONE_GIB));
        assertEquals(VeException.Kind.CONFLICT, full.kind());
        assertTrue(full.getMessage().contains("memory: 7.5 GiB allotted + 1.0 GiB asked exceed 8.0 GiB × 1"), full.getMessage());

        Node cpuBound = node("cpu", Map.of(), new NodeOvercommit(1.0, null, null), NodeHealth.ONLINE);
        Placement.Ask threeCores = new Placement.Ask(Placement.Allotted.of(new BigDecimal("3"), GIB, GIB), Map.of(), "busybox");
        VeException cpu = assertThrows(VeException.class, () -> Placement.choose(List.of(candidate(cpuBound, 0, true)), threeCores));
        assertTrue(cpu.getMessage().contains("CPU: 2.00 cores allotted + 3.00 asked exceed 4 cores × 1"), cpu.getMessage());
    }

    @Test
    void aNodeOutOfReachWithoutItsTemplateOrWithoutAReportIsPassedOverWithTheReason() {
        Node gone = node("gone", Map.of(), NodeOvercommit.NONE, NodeHealth.UNREACHABLE);
        Node bare = node("bare", Map.of(), NodeOvercommit.NONE, NodeHealth.ONLINE);
        Node silent = node("silent", Map.of(), new NodeOvercommit(null, 1.0, null), NodeHealth.ONLINE);
        VeException none = assertThrows(VeException.class, () -> Placement.choose(List.of(candidate(gone, 0, false),
                new Placement.Candidate(bare, Optional.empty(), Placement.Allotted.NONE, false, true),
                new Placement.Candidate(silent, Optional.empty(), Placement.Allotted.NONE, true, false)), ONE_GIB));
        assertTrue(none.getMessage().startsWith("no node can take this VE: "), none.getMessage());
        assertTrue(none.getMessage().contains("gone (" + gone.id() + "): out of reach since"), none.getMessage());
        assertTrue(none.getMessage().contains("bare (" + bare.id() + "): has no copy of template busybox"), none.getMessage());
        assertTrue(none.getMessage().contains("silent (" + silent.id() + "): has not reported its capacity yet"), none.getMessage());
    }

    @Test
    void aVeWithoutACpuCapCountsAsOneCore() {
        assertEquals(1.0, Placement.Allotted.of(null, 0, 0).cpus());
        assertEquals(1.0, Placement.Allotted.of(BigDecimal.ZERO, 0, 0).cpus());
        assertEquals(1.5, Placement.Allotted.of(new BigDecimal("1.5"), 0, 0).cpus());
    }
}
