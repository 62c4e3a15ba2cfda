package io.vessel.kernel.internal;

import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.kernel.api.HostCapabilities;
import io.vessel.kernel.api.Node;
import io.vessel.kernel.api.NodeService;
import io.vessel.kernel.api.NodeStatus;
import io.vessel.kernel.internal.channel.NodeEnrolments;
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
@Component(service = NodesResource.class, property = ApiWhiteboard.RESOURCE + "=true", configurationPid = KernelConfig.PID)
@Path("nodes")
@Produces(MediaType.APPLICATION_JSON)
public final class NodesResource {

    /**
     * A node with, for the local one, what its host can do, and how it is doing: the local one now (none while VEs
     * are unavailable), another as it last reported with its heartbeat; and where it stands in maintenance,
     * {@code mode}: {@code ACTIVE} (takes new VEs), {@code DRAINING} (takes none, still holds some: closed, or being
     * drained) or {@code MAINTENANCE} (takes none and holds none: the provider may take it down).
     */
    public record NodeView(Node node, boolean local, HostCapabilities capabilities, NodeStatus status,
                           io.vessel.kernel.internal.channel.NodeChannel.State channel, String mode) {
    }

    /** Body of {@code PATCH /api/v1/nodes/{id}}: what placement weighs; absent fields stay. */
    public record ChangeNodeRequest(java.util.Map<String, String> labels, io.vessel.kernel.api.NodeOvercommit overcommit, Boolean acceptsNewVes) {
    }

    /** Body of {@code POST /api/v1/nodes/enrolments}: the node to readmit, or none for a new server. */
    public record EnrolRequest(String node) {
    }

    /**
     * An enrolment; {@code token} and {@code command} (what to run on the new server) only in the answer that created
     * it: the token is not kept.
     */
    public record EnrolmentView(java.util.UUID id, java.util.UUID node, String state, String createdBy, java.time.Instant createdAt,
                                java.time.Instant expiresAt, java.time.Instant withdrawnAt, java.time.Instant usedAt, java.util.UUID usedByNode,
                                String usedFrom, String token, String command) {

        static EnrolmentView of(NodeEnrolments.Enrolment e, String token, String command) {
            return new EnrolmentView(e.id(), e.node(), e.state(), e.createdBy(), e.createdAt(), e.expiresAt(), e.withdrawnAt(), e.usedAt(),
                    e.usedByNode(), e.usedFrom(), token, command);
        }
    }

    /** Body of {@code POST /api/v1/nodes/join}, sent by {@code bin/vessel node join}. */
    /**
     * {@code role}: "node-agent" (the default of bin/vessel node join), "all" (the server runs a panel too) or "panel"
     * (a panel without VEs, not root); absent: "all", as older joins.
     */
    public record JoinRequest(String token, String node, String request, String role) {
    }

    /** Where a joined node's database is, and as whom it connects. */
    public record JoinDatabase(String url, String schema, String user, String password) {
    }

    /**
     * What a joined node gets: its certificate, the CA to trust, and the database the installation shares; a server
     * that runs a panel also gets the installation's keys ({@code keys}: file name to its bytes in base64), which
     * every panel must hold alike to open what another sealed (repository passwords, plugin settings, secrets).
     */
    public record JoinAnswer(java.util.UUID node, String certificate, String ca, String serial, java.time.Instant notAfter, JoinDatabase database,
                             String role, java.util.Map<String, String> keys) {
    }

    private final NodeService nodes;
    private final org.osgi.framework.BundleContext context;
    private final KernelConfig config;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile NodeEnrolments enrolments;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.persistence.api.Database database;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile org.osgi.service.cm.ConfigurationAdmin configurations;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile HostStatus hostStatus;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.kernel.internal.channel.NodeChannel channel;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.api.operation.OperationService operations;

    @Activate
    public NodesResource(@Reference NodeService nodes, org.osgi.framework.BundleContext context, KernelConfig config) {
        this.nodes = nodes;
        this.context = context;
        this.config = config;
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
        UUID wanted = nodeId(id);
        UUID local = nodes.localNode().id();
        return nodes.nodes().stream().filter(n -> n.id().equals(wanted)).findFirst().map(n -> view(n, local))
                .orElseThrow(() -> ProblemException.notFound("There is no node " + id + "."));
    }

    /** Labels (replacing all of them) and overcommit ratios (each null: no cap) for placement. */
    @jakarta.ws.rs.PATCH
    @Path("{id}")
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(Permissions.NODE_MANAGE)
    public NodeView changeNode(@PathParam("id") String id, ChangeNodeRequest body) {
        if (body == null || body.labels() == null && body.overcommit() == null && body.acceptsNewVes() == null) {
            throw ProblemException.badRequest("Send {\"labels\": {\"disk\": \"ssd\"}}, {\"overcommit\": {\"cpu\": 4, \"memory\": 1.0, \"disk\": 1.0}}"
                    + " and/or {\"acceptsNewVes\": false}.");
        }
        UUID wanted = nodeId(id);
        Node changed = VesResource.call(() -> nodes.configure(wanted, body.labels(), body.overcommit(), body.acceptsNewVes()));
        return view(changed, nodes.localNode().id());
    }

    /**
     * Maintenance: the node is kept free of new VEs, and every VE on it is moved to the other nodes (cold, one after
     * the other, each where placement puts it) by an operation the node runs. Answers that operation; a VE that
     * cannot move stays, and the operation names it. The node takes new VEs again once the provider says so
     * ({@code PATCH} with {@code "acceptsNewVes": true}).
     */
    @jakarta.ws.rs.POST
    @Path("{id}/drain")
    @RequiresPermission(Permissions.NODE_MANAGE)
    public jakarta.ws.rs.core.Response drain(@PathParam("id") String id) {
        NodeView node = getNode(id);
        if (!node.node().hostsVes()) {
            throw ProblemException.conflict("Node " + node.node().hostname() + " is a panel (server.role = panel): it runs no VEs to move away.");
        }
        if (node.node().health() == io.vessel.kernel.api.NodeHealth.UNREACHABLE) {
            throw ProblemException.conflict("Node " + node.node().hostname() + " has been out of reach since " + node.node().unreachableSince()
                    + "; its VEs can be moved once it is back.");
        }
        boolean elsewhere = nodes.nodes().stream().anyMatch(n -> !n.id().equals(node.node().id()) && n.acceptsNewVes() && n.hostsVes()
                && n.health() != io.vessel.kernel.api.NodeHealth.UNREACHABLE);
        if (!elsewhere) {
            throw ProblemException.conflict("No other node in reach takes new VEs: the VEs of node " + node.node().hostname()
                    + " have nowhere to go.");
        }
        io.vessel.api.operation.OperationService ops = operations;
        if (ops == null) {
            throw new ProblemException(503, "unavailable", "Operations unavailable", "The panel is still starting; try again.");
        }
        VesResource.call(() -> nodes.configure(node.node().id(), null, null, false));
        // run by this panel's node, which sees every node's VEs to place them; each move is an operation of the drained node
        io.vessel.api.operation.Operation drain = ops.dispatch(VeOperations.DRAIN, "node/" + node.node().id(), null, nodes.localNode().id().toString(),
                java.util.Map.of(VeOperations.NODE, node.node().id().toString()), java.time.Duration.ofHours(12));
        return jakarta.ws.rs.core.Response.accepted(drain).location(java.net.URI.create("/api/v1/operations/" + drain.id())).build();
    }

    /**
     * Shuts a node out of the node channel: every certificate it has is revoked, every node refuses it at once, and
     * it gets no new one (a node whose host was compromised, or that left for good). Its VEs keep running.
     */
    @jakarta.ws.rs.DELETE
    @Path("{id}/certificate")
    @RequiresPermission(Permissions.NODE_MANAGE)
    public jakarta.ws.rs.core.Response shutOut(@PathParam("id") String id) {
        NodeView node = getNode(id);
        if (node.local()) {
            throw ProblemException.conflict("This panel runs on node " + id + "; shut it out from another node's panel, so that the one "
                    + "shut out is not the one deciding.");
        }
        io.vessel.kernel.internal.channel.NodeChannel c = channel;
        if (c == null) {
            throw new ProblemException(503, "unavailable", "Node channel unavailable", "VE support is still starting on this node; try again.");
        }
        c.shutOut(node.node().id());
        return jakarta.ws.rs.core.Response.noContent().build();
    }

    // ---- enrolment -----------------------------------------------------------------------------------------------

    /**
     * A one-time token (valid an hour) for a new server to join with {@code bin/vessel node join}, or, naming a node,
     * to readmit that node after it was shut out. The answer carries the token and the command to run there; neither
     * is shown again.
     */
    @jakarta.ws.rs.POST
    @Path("enrolments")
    @RequiresPermission(Permissions.NODE_MANAGE)
    public jakarta.ws.rs.core.Response enrol(EnrolRequest body, @jakarta.ws.rs.core.Context jakarta.ws.rs.core.SecurityContext security,
                                             @jakarta.ws.rs.core.Context jakarta.ws.rs.core.UriInfo uri) {
        java.util.UUID node = null;
        if (body != null && body.node() != null && !body.node().isBlank()) {
            try {
                node = java.util.UUID.fromString(body.node().strip());
            } catch (IllegalArgumentException e) {
                throw ProblemException.invalid("node: name the node to readmit by its id, or leave it out for a new server.",
                        List.of(new io.vessel.web.api.Problem.FieldError("node", "not a node id")));
            }
        }
        java.util.UUID readmit = node;
        NodeEnrolments.Created created = refusing(() -> enrolments().create(io.vessel.api.security.Caller.of(security).getName(), readmit));
        String command = JoinCommand.of(uri.getBaseUri(), context, created.token());
        return jakarta.ws.rs.core.Response.created(java.net.URI.create("/api/v1/nodes/enrolments/" + created.enrolment().id()))
                .entity(EnrolmentView.of(created.enrolment(), created.token(), command)).build();
    }

    @GET
    @Path("enrolments")
    @RequiresPermission(Permissions.NODE_MANAGE)
    public List<EnrolmentView> listEnrolments() {
        return enrolments().list().stream().map(e -> EnrolmentView.of(e, null, null)).toList();
    }

    /** Withdraws a token not spent yet. */
    @jakarta.ws.rs.DELETE
    @Path("enrolments/{id}")
    @RequiresPermission(Permissions.NODE_MANAGE)
    public jakarta.ws.rs.core.Response withdraw(@PathParam("id") String id) {
        java.util.UUID enrolment;
        try {
            enrolment = java.util.UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("There is no enrolment " + id + ".");
        }
        if (!refusing(() -> enrolments().withdraw(enrolment))) {
            throw ProblemException.notFound("There is no enrolment " + id + ".");
        }
        return jakarta.ws.rs.core.Response.noContent().build();
    }

    /**
     * Spent by {@code bin/vessel node join} on a new server: the token (no login) and the node's signing request,
     * for the node's certificate, the CA to trust and the database to use. Refused with the reason for a token that
     * is unknown, spent, withdrawn or expired, or that does not admit this node.
     */
    @jakarta.ws.rs.POST
    @Path("join")
    @io.vessel.api.security.PublicEndpoint
    public JoinAnswer join(JoinRequest body, @jakarta.ws.rs.core.Context jakarta.ws.rs.container.ContainerRequestContext request) {
        if (body == null) {
            throw ProblemException.badRequest("Send {\"token\": \"vessel-join-…\", \"node\": \"<node id>\", \"request\": \"<PKCS#10 PEM>\"}.");
        }
        String role = body.role() == null || body.role().isBlank() ? "all" : body.role().strip();
        if (!role.equals(Node.ALL) && !role.equals(Node.NODE_AGENT) && !role.equals(Node.PANEL)) {
            throw ProblemException.badRequest("role: '" + role + "' is not a server role; \"node-agent\" (VEs only), \"all\" (a panel too)"
                    + " or \"panel\" (a panel without VEs).");
        }
        boolean agent = role.equals("node-agent");
        Object from = request.getProperty(ApiWhiteboard.CLIENT_ADDRESS);
        NodeEnrolments.Joined joined = refusing(() -> enrolments().join(body.token(), body.node(), body.request(), from == null ? null : from.toString(),
                agent));
        return new JoinAnswer(joined.node(), joined.certificate(), joined.ca(), joined.serial(), joined.notAfter(), joinDatabase(joined.database()), role,
                agent ? null : installationKeys());
    }

    /**
     * This panel's keys ({@code data/keys/*.key}), for a server that joins as a panel too: a node agent never gets
     * them (it keeps nothing sealed, and a VE that escaped on its server must not find them there).
     */
    private java.util.Map<String, String> installationKeys() {
        String data = context.getProperty("vessel.data.dir");
        java.nio.file.Path dir = java.nio.file.Path.of(data == null || data.isBlank() ? "data" : data).toAbsolutePath().resolve("keys");
        java.util.Map<String, String> keys = new java.util.TreeMap<>();
        if (!java.nio.file.Files.isDirectory(dir)) {
            return keys;
        }
        try (java.nio.file.DirectoryStream<java.nio.file.Path> files = java.nio.file.Files.newDirectoryStream(dir, "*.key")) {
            for (java.nio.file.Path file : files) {
                String name = file.getFileName().toString();
                if (name.matches("[a-z0-9-]{1,64}\\.key") && java.nio.file.Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    keys.put(name, java.util.Base64.getEncoder().encodeToString(java.nio.file.Files.readAllBytes(file)));
                }
            }
        } catch (java.io.IOException e) {
            throw new ProblemException(500, "keys-unreadable", "Keys unreadable", "This panel cannot read its keys for the joining panel: "
                    + e.getMessage() + ".");
        }
        return keys;
    }

    /**
     * The database a joined node is to use: this panel's, as its own role for a node agent, else (a server that runs a
     * panel too) as the provider configured it for such servers.
     */
    private JoinDatabase joinDatabase(io.vessel.kernel.internal.channel.NodeDatabaseRoles.Credentials agentRole) {
        io.vessel.persistence.api.Database db = database;
        io.vessel.persistence.api.DatabaseInfo info = db == null ? null : db.info();
        if (agentRole != null) {
            return new JoinDatabase(info == null ? null : info.url(), info == null ? null : info.schema(), agentRole.user(), agentRole.password());
        }
        String user = config.node_join_database_user();
        String password = config.node_join_database_password();
        if (user.isBlank()) {
            java.util.Dictionary<String, Object> own = persistenceSettings();
            user = own == null || own.get("user") == null ? "" : own.get("user").toString();
            password = own == null || own.get("password") == null ? "" : own.get("password").toString();
        }
        return new JoinDatabase(info == null ? null : info.url(), info == null ? null : info.schema(), user, password);
    }

    private java.util.Dictionary<String, Object> persistenceSettings() {
        org.osgi.service.cm.ConfigurationAdmin admin = configurations;
        if (admin == null) {
            return null;
        }
        try {
            org.osgi.service.cm.Configuration[] found = admin.listConfigurations("(service.pid=io.vessel.persistence)");
            return found == null || found.length == 0 ? null : found[0].getProperties();
        } catch (java.io.IOException | org.osgi.framework.InvalidSyntaxException e) {
            return null;
        }
    }

    private NodeEnrolments enrolments() {
        NodeEnrolments e = enrolments;
        if (e == null) {
            throw ProblemException.starting("VE support is still starting on this node; try again in a moment.");
        }
        return e;
    }

    private interface Refusable<T> {
        T get() throws NodeEnrolments.Refused;
    }

    private static <T> T refusing(Refusable<T> work) {
        try {
            return work.get();
        } catch (NodeEnrolments.Refused e) {
            String kind = switch (e.status()) {
                case 400 -> "validation";
                case 403 -> "forbidden";
                case 409 -> "conflict";
                case 422 -> "unprocessable";
                default -> "unavailable";
            };
            String title = switch (e.status()) {
                case 400 -> "Invalid input";
                case 403 -> "Enrolment refused";
                case 409 -> "Conflict";
                case 422 -> "Unprocessable request";
                default -> "Unavailable";
            };
            throw new ProblemException(e.status(), kind, title, e.getMessage());
        }
    }

    /** The node id in a path; an unreadable one is answered like an unknown node. */
    private static UUID nodeId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("There is no node " + id + ".");
        }
    }

    private NodeView view(Node node, UUID local) {
        boolean isLocal = node.id().equals(local);
        HostStatus host = hostStatus;
        NodeStatus status = isLocal ? host == null ? null : host.now() : nodes.reportedStatus(node.id()).orElse(null);
        io.vessel.kernel.internal.channel.NodeChannel c = channel;
        return new NodeView(node, isLocal, isLocal ? nodes.capabilities() : null, status, c == null ? null : c.state(node.id()),
                mode(node, status));
    }

    /** Where the node stands in maintenance, from whether it takes new VEs and how many it holds (as it last said). */
    static String mode(Node node, NodeStatus status) {
        if (!node.hostsVes()) {
            return "PANEL";
        }
        if (node.acceptsNewVes()) {
            return "ACTIVE";
        }
        return status != null && status.ves() == 0 ? "MAINTENANCE" : "DRAINING";
    }
}
