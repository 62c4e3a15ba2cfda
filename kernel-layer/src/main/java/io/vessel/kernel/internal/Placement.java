package io.vessel.kernel.internal;

import io.vessel.kernel.api.Node;
import io.vessel.kernel.api.NodeHealth;
import io.vessel.kernel.api.NodeOvercommit;
import io.vessel.kernel.api.NodeStatus;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.api.VeException.Kind;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a new VE goes: among the nodes it may go to (one if the request names it), those in reach, taking new VEs, labelled as
 * asked, holding its template and with room for its limits under the provider's overcommit ratios; of those, the
 * one whose memory would be the least allotted (a spread, so one node does not fill while another idles), this node
 * on a tie. When none fits, the refusal names each node's reason, so the provider knows what to change.
 *
 * <p>Room is counted from the limits given to VEs, not from what they use now: a VE may use all of its limits at
 * any time, and the overcommit ratio is where the provider decides how much it bets that they will not. Two panels
 * placing at the same instant may both see the same room (each counts under its own lock); a node then holds one
 * VE more than its ratio allows, which the next placement sees.
 */
final class Placement {

    private static final BigDecimal ONE_CORE = BigDecimal.ONE;

    private Placement() {
    }

    /** What a node has allotted to its VEs so far. */
    record Allotted(double cpus, long memoryBytes, long diskBytes) {

        static final Allotted NONE = new Allotted(0, 0, 0);

        /** A VE's share: its CPU cap (one core when it has none), memory limit, disk quota. */
        static Allotted of(BigDecimal cpus, long memoryBytes, long diskBytes) {
            BigDecimal cores = cpus == null || cpus.signum() == 0 ? ONE_CORE : cpus;
            return new Allotted(cores.doubleValue(), memoryBytes, diskBytes);
        }

        Allotted plus(Allotted other) {
            return new Allotted(cpus + other.cpus, memoryBytes + other.memoryBytes, diskBytes + other.diskBytes);
        }
    }

    /** A node placement may choose, with what it needs to judge it. */
    record Candidate(Node node, Optional<NodeStatus> status, Allotted allotted, boolean hasTemplate, boolean local) {
    }

    /**
     * The new VE: its share, the labels its node must have, and why a node cannot reach its IP pools (empty: it
     * can).
     */
    record Ask(Allotted share, Map<String, String> labels, String template, java.util.function.Function<java.util.UUID, Optional<String>> pools) {

        /** A VE without addresses to keep reachable. */
        Ask(Allotted share, Map<String, String> labels, String template) {
            this(share, labels, template, node -> Optional.empty());
        }
    }

    /** The node for the VE, or a CONFLICT naming why each candidate cannot take it. */
    static Node choose(List<Candidate> candidates, Ask ask) {
        List<String> reasons = new ArrayList<>();
        List<Candidate> fitting = new ArrayList<>();
        for (Candidate c : candidates) {
            Optional<String> refusal = refusal(c, ask);
            if (refusal.isPresent()) {
                reasons.add(c.node().hostname() + " (" + c.node().id() + "): " + refusal.get());
            } else {
                fitting.add(c);
            }
        }
        return fitting.stream().min(Comparator.comparingDouble((Candidate c) -> memoryFilled(c, ask))
                        .thenComparing(c -> !c.local()).thenComparing(c -> c.node().hostname()).thenComparing(c -> c.node().id()))
                .map(Candidate::node)
                .orElseThrow(() -> new VeException(Kind.CONFLICT, null, (candidates.size() == 1 ? "the node cannot take this VE: "
                        : "no node can take this VE: ") + String.join("; ", reasons), null));
    }

    /** Why {@code c} cannot take the VE, if it cannot. */
    static Optional<String> refusal(Candidate c, Ask ask) {
        Node node = c.node();
        if (!node.hostsVes()) {
            return Optional.of("a panel without VEs of its own (server.role = panel)");
        }
        if (node.health() == NodeHealth.UNREACHABLE) {
            return Optional.of("out of reach since " + node.unreachableSince());
        }
        if (!node.acceptsNewVes()) {
            return Optional.of("kept free of new VEs by the provider");
        }
        List<String> missing = ask.labels() == null ? List.of() : ask.labels().entrySet().stream()
                .filter(l -> !l.getValue().equals(node.labels().get(l.getKey()))).map(l -> l.getKey() + "=" + l.getValue()).sorted().toList();
        if (!missing.isEmpty()) {
            return Optional.of("not labelled " + String.join(", ", missing));
        }
        Optional<String> unreachable = ask.pools().apply(node.id());
        if (unreachable.isPresent()) {
            return unreachable;
        }
        if (!c.hasTemplate()) {
            return Optional.of("has no copy of template " + ask.template() + " (it was made on another node)");
        }
        NodeOvercommit ratios = node.overcommit() == null ? NodeOvercommit.NONE : node.overcommit();
        if (ratios.cpu() == null && ratios.memory() == null && ratios.disk() == null) {
            return Optional.empty();
        }
        if (c.status().isEmpty()) {
            return Optional.of("has not reported its capacity yet");
        }
        NodeStatus status = c.status().get();
        Allotted after = c.allotted().plus(ask.share());
        if (ratios.cpu() != null && after.cpus() > status.cpus() * ratios.cpu() + 1e-9) {
            return Optional.of(String.format(java.util.Locale.ROOT, "CPU: %.2f cores allotted + %.2f asked exceed %d cores × %s",
                    c.allotted().cpus(), ask.share().cpus(), status.cpus(), ratio(ratios.cpu())));
        }
        if (ratios.memory() != null && after.memoryBytes() > status.memoryTotalBytes() * ratios.memory()) {
            return Optional.of("memory: " + size(c.allotted().memoryBytes()) + " allotted + " + size(ask.share().memoryBytes())
                    + " asked exceed " + size(status.memoryTotalBytes()) + " × " + ratio(ratios.memory()));
        }
        if (ratios.disk() != null && after.diskBytes() > status.storageTotalBytes() * ratios.disk()) {
            return Optional.of("disk: " + size(c.allotted().diskBytes()) + " allotted + " + size(ask.share().diskBytes())
                    + " asked exceed " + size(status.storageTotalBytes()) + " × " + ratio(ratios.disk()));
        }
        return Optional.empty();
    }

    /** How full the node's memory would be with the VE (against its ratio when it has one); unknown counts as full. */
    private static double memoryFilled(Candidate c, Ask ask) {
        if (c.status().isEmpty() || c.status().get().memoryTotalBytes() <= 0) {
            return Double.MAX_VALUE;
        }
        Double ratio = c.node().overcommit() == null ? null : c.node().overcommit().memory();
        double capacity = c.status().get().memoryTotalBytes() * (ratio == null ? 1.0 : ratio);
        return (c.allotted().memoryBytes() + ask.share().memoryBytes()) / capacity;
    }

    private static String ratio(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    /** Bytes as a person reads them: GiB or MiB with one decimal. */
    static String size(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(java.util.Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
}
