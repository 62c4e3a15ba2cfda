package io.vessel.kernel.api;

import java.util.List;

/** The nodes known to the panel and the one this process runs on. */
public interface NodeService {

    Node localNode();

    List<Node> nodes();

    HostCapabilities capabilities();

    /**
     * How {@code node} was doing when it last reported (with its heartbeat); empty before its first report.
     *
     * @since 2.12
     */
    default java.util.Optional<NodeStatus> reportedStatus(java.util.UUID node) {
        return java.util.Optional.empty();
    }

    /**
     * Sets what placement weighs on {@code node}: its labels (null: unchanged), overcommit ratios (null:
     * unchanged; a null ratio in it: no cap) and whether it takes new VEs (null: unchanged). Throws
     * {@link VeException} (NOT_FOUND, INVALID).
     *
     * @since 2.12
     */
    default Node configure(java.util.UUID node, java.util.Map<String, String> labels, NodeOvercommit overcommit, Boolean acceptsNewVes) {
        throw new UnsupportedOperationException("nodes cannot be configured here");
    }
}
