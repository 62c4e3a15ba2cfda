package io.vessel.kernel.api;

import java.util.List;

/** The nodes known to the panel and the one this process runs on. */
public interface NodeService {

    Node localNode();

    List<Node> nodes();

    HostCapabilities capabilities();
}
