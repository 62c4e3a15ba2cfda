package io.vessel.kernel.internal;

import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.kernel.api.HostCapabilities;
import io.vessel.kernel.api.Node;
import io.vessel.kernel.api.NodeService;
import io.vessel.kernel.api.NodeStatus;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** {@code /api/v1/nodes}: the servers running VEs, with the local one's capabilities and current load (admins). */
@Component(service = NodesResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("nodes")
@Produces(MediaType.APPLICATION_JSON)
public final class NodesResource {

    /** A node with, for the local one, what its host can do and how it is doing (none while VEs are unavailable). */
    public record NodeView(Node node, boolean local, HostCapabilities capabilities, NodeStatus status) {
    }

    private final NodeService nodes;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile HostStatus hostStatus;

    @Activate
    public NodesResource(@Reference NodeService nodes) {
        this.nodes = nodes;
    }

    @GET
    @RequiresPermission(Permissions.NODE_READ)
    public List<NodeView> listNodes() {
        UUID local = nodes.localNode().id();
        return nodes.nodes().stream().map(n -> view(n, local)).toList();
    }

    @GET
    @Path("{id}")
    @RequiresPermission(Permissions.NODE_READ)
    public NodeView getNode(@PathParam("id") String id) {
        UUID wanted;
        try {
            wanted = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("There is no node " + id + ".");
        }
        UUID local = nodes.localNode().id();
        return nodes.nodes().stream().filter(n -> n.id().equals(wanted)).findFirst().map(n -> view(n, local))
                .orElseThrow(() -> ProblemException.notFound("There is no node " + id + "."));
    }

    private NodeView view(Node node, UUID local) {
        boolean isLocal = node.id().equals(local);
        HostStatus host = hostStatus;
        return new NodeView(node, isLocal, isLocal ? nodes.capabilities() : null, isLocal && host != null ? host.now() : null);
    }
}
