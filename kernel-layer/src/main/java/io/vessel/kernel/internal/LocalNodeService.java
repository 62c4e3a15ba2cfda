package io.vessel.kernel.internal;

import io.vessel.kernel.api.HostCapabilities;
import io.vessel.kernel.api.Node;
import io.vessel.kernel.api.NodeHealth;
import io.vessel.kernel.api.NodeService;
import io.vessel.persistence.api.Database;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node: its identity (kept in {@code data/node-id} so it survives a database move), its record in the
 * database (updated at every start), and what its kernel can do.
 *
 * <p>It also keeps the nodes' health: every {@link NodeHealth#HEARTBEAT} it writes this node's heartbeat and looks
 * for other nodes silent for {@link NodeHealth#SILENCE}. The first process to see one marks it out of reach in a
 * conditional update, so the provider is told once however many panels watch; the node's own next heartbeat clears
 * the mark. Times are the writers' clocks: nodes of one cluster keep them synchronised (NTP), as TLS needs anyway.
 */
@Component(service = NodeService.class)
public final class LocalNodeService implements NodeService {

    private static final Logger LOG = LoggerFactory.getLogger(LocalNodeService.class);
    /** How long a read of every node's record serves (VE lists consult it on every read). */
    private static final java.time.Duration NODES_FRESH = java.time.Duration.ofSeconds(1);

    private final Database database;
    private final HostCapabilities capabilities;
    private final UUID nodeId;
    private final java.util.concurrent.ScheduledExecutorService heartbeat;
    private volatile Snapshot snapshot;

    @Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile io.vessel.api.notify.Notifier notifier;

    /** This host's load and capacity, reported with each heartbeat once VE support is up. */
    private volatile HostStatus hostStatus;

    /** Reported at once, so placement can weigh this node from the moment its VEs can run. */
    @Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC, unbind = "forgetHostStatus")
    void useHostStatus(HostStatus status) {
        hostStatus = status;
        try {
            heartbeat.execute(() -> {
                beat();
                snapshot = null;
            });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the node is stopping: nothing to report
        }
    }

    void forgetHostStatus(HostStatus status) {
        if (hostStatus == status) {
            hostStatus = null;
        }
    }

    private record Snapshot(long readAt, List<Node> nodes, java.util.Map<UUID, io.vessel.kernel.api.NodeStatus> reported) {
    }

    @Activate
    public LocalNodeService(BundleContext context, @Reference HostCapabilitiesProbe probe,
                            @Reference(target = "(" + Database.MODULES_PROPERTY + "=" + KernelPersistence.MODULE + ")") Database database) {
        this.database = database;
        this.capabilities = probe.capabilities();
        String given = context.getProperty("vessel.node.id"); // the launcher made data/node-id already (NodeIdentity)
        this.nodeId = given != null && !given.isBlank() ? UUID.fromString(given)
                : readOrCreateNodeId(Path.of(valueOr(context.getProperty("vessel.data.dir"), "data")));
        this.version = valueOr(context.getProperty("vessel.version"), "unknown");
        this.role = valueOr(context.getProperty("vessel.role"), Node.ALL);
        Node node = recordStart();
        this.heartbeat = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vessel-node-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long period = NodeHealth.HEARTBEAT.toMillis();
        heartbeat.scheduleWithFixedDelay(this::beat, period, period, java.util.concurrent.TimeUnit.MILLISECONDS);
        LOG.info("Node started id={} hostname={} startCount={} kernel={} cgroups={} runtimes={} filesystems={} root={}",
                node.id(), node.hostname(), node.startCount(), capabilities.kernelRelease(), capabilities.cgroupLayout(),
                capabilities.runtimes().stream().map(HostCapabilities.OciRuntime::name).toList(),
                capabilities.filesystems(), capabilities.root());
    }

    /** The Vessel version this node runs. */
    private final String version;

    /** What this process runs ({@code server.role}). */
    private final String role;

    private Node recordStart() {
        String hostname = hostname();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return database.inTransaction(em -> {
            NodeEntity entity = em.find(NodeEntity.class, nodeId);
            if (entity == null) {
                entity = new NodeEntity(nodeId, hostname, now);
                em.persist(entity);
            }
            entity.recordStart(hostname, now, version, io.vessel.kernel.internal.channel.NodeChannel.PROTOCOL, role);
            return entity.toNode(now);
        });
    }

    @org.osgi.service.component.annotations.Deactivate
    void stop() {
        heartbeat.shutdownNow();
    }

    /** This node's heartbeat, then a look for nodes gone silent. A failure (the database away) is logged and retried. */
    void beat() {
        try {
            Instant now = now();
            HostStatus host = hostStatus;
            io.vessel.kernel.api.NodeStatus current = host == null ? null : host.now();
            Instant wasUnreachable = database.inTransaction(em -> {
                NodeEntity self = em.find(NodeEntity.class, nodeId);
                if (current != null) {
                    self.report(current, now);
                }
                return self.heartbeat(now);
            });
            if (wasUnreachable != null) {
                LOG.warn("This node is heard from again node={} unreachableSince={}", nodeId, wasUnreachable);
                tell(new io.vessel.api.notify.Notification("node.reachable", "Node " + hostname() + " is back",
                        "Node " + hostname() + " (" + nodeId + ") is heard from again after being out of reach since " + wasUnreachable
                                + ". Its VEs show their real state again.", java.util.Map.of("node", nodeId.toString(), "hostname", hostname())));
            }
            markSilentNodes(now);
        } catch (RuntimeException e) {
            LOG.warn("Node heartbeat not written node={}: {}", nodeId, e.getMessage());
        }
    }

    private void markSilentNodes(Instant now) {
        Instant cutoff = now.minus(NodeHealth.SILENCE);
        // native SQL: nothing on the start path parses HQL (ANTLR's first parse costs about half a second of CPU; issue 14)
        @SuppressWarnings("unchecked")
        List<NodeEntity> silent = database.inTransaction(em -> em.createNativeQuery("select * from node where id <> ?1"
                + " and last_heartbeat_at < ?2 and unreachable_since is null", NodeEntity.class)
                .setParameter(1, nodeId).setParameter(2, cutoff).getResultList());
        for (NodeEntity candidate : silent) {
            Node node = candidate.toNode(now);
            int marked = database.inTransaction(em -> em.createNativeQuery("update node set unreachable_since = ?1"
                    + " where id = ?2 and unreachable_since is null and last_heartbeat_at < ?3")
                    .setParameter(1, node.unreachableSince()).setParameter(2, node.id()).setParameter(3, cutoff).executeUpdate());
            if (marked == 1) { // this process saw it first: it alone tells the provider
                snapshot = null;
                LOG.error("Node out of reach node={} hostname={} lastHeartbeatAt={}: its VEs show as UNKNOWN until it is heard from again",
                        node.id(), node.hostname(), node.lastHeartbeatAt());
                tell(new io.vessel.api.notify.Notification("node.unreachable", "Node " + node.hostname() + " is out of reach",
                        "Node " + node.hostname() + " (" + node.id() + ") has not been heard from since " + node.lastHeartbeatAt()
                                + ". Its VEs show as UNKNOWN until it is back; check the server, its network and its Vessel service.",
                        java.util.Map.of("node", node.id().toString(), "hostname", node.hostname(), "lastHeartbeatAt", node.lastHeartbeatAt().toString())));
            }
        }
    }

    private void tell(io.vessel.api.notify.Notification notification) {
        io.vessel.api.notify.Notifier n = notifier;
        if (n != null) {
            n.notifyProvider(notification);
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    static UUID readOrCreateNodeId(Path dataDir) {
        Path file = dataDir.resolve("node-id");
        try {
            if (Files.exists(file)) {
                return UUID.fromString(Files.readString(file).strip());
            }
            Files.createDirectories(dataDir);
            UUID id = UUID.randomUUID();
            Path tmp = dataDir.resolve("node-id.tmp");
            Files.writeString(tmp, id + "\n");
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the node identity in " + file, e);
        }
    }

    @Override
    public Node localNode() {
        return database.inTransaction(em -> em.find(NodeEntity.class, nodeId).toNode(now()));
    }

    /** Every node with its health, read at most a second ago. */
    @Override
    public List<Node> nodes() {
        return read().nodes();
    }

    @Override
    public java.util.Optional<io.vessel.kernel.api.NodeStatus> reportedStatus(UUID node) {
        return java.util.Optional.ofNullable(read().reported().get(node));
    }

    /** Reads every node's record again at the next look (a decision that must not act on a second-old copy). */
    void forgetCopies() {
        snapshot = null;
    }

    private Snapshot read() {
        Snapshot last = snapshot;
        long at = System.nanoTime();
        if (last != null && at - last.readAt() < NODES_FRESH.toNanos()) {
            return last;
        }
        Instant now = now();
        Snapshot read = database.inTransaction(em -> {
            @SuppressWarnings("unchecked") // native SQL: read every second, and on the start path, where nothing parses HQL (issue 14)
            List<NodeEntity> all = em.createNativeQuery("select * from node order by hostname, id", NodeEntity.class).getResultList();
            java.util.Map<UUID, io.vessel.kernel.api.NodeStatus> reported = new java.util.HashMap<>();
            for (NodeEntity n : all) {
                n.reported().ifPresent(status -> reported.put(n.toNode(now).id(), status));
            }
            return new Snapshot(at, all.stream().map(n -> n.toNode(now)).toList(), java.util.Map.copyOf(reported));
        });
        snapshot = read;
        return read;
    }

    /** Label keys and values: short words, as in Kubernetes' labels. */
    private static final java.util.regex.Pattern LABEL = java.util.regex.Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?");

    @Override
    public Node configure(UUID node, java.util.Map<String, String> labels, io.vessel.kernel.api.NodeOvercommit overcommit, Boolean acceptsNewVes) {
        if (labels != null) {
            if (labels.size() > 20) {
                throw new io.vessel.kernel.api.VeException(io.vessel.kernel.api.VeException.Kind.INVALID, "labels", "a node has at most 20 labels", null);
            }
            labels.forEach((key, value) -> {
                if (key == null || value == null || !LABEL.matcher(key).matches() || !LABEL.matcher(value).matches()) {
                    throw new io.vessel.kernel.api.VeException(io.vessel.kernel.api.VeException.Kind.INVALID, "labels",
                            "label " + key + "=" + value + " is not valid: keys and values are 1 to 63 letters, digits, dots, dashes"
                                    + " and underscores, starting and ending with a letter or digit", null);
                }
            });
        }
        if (overcommit != null) {
            ratio("overcommit.cpu", overcommit.cpu());
            ratio("overcommit.memory", overcommit.memory());
            ratio("overcommit.disk", overcommit.disk());
        }
        Instant now = now();
        Node changed = database.inTransaction(em -> {
            NodeEntity entity = em.find(NodeEntity.class, node);
            if (entity == null) {
                throw new io.vessel.kernel.api.VeException(io.vessel.kernel.api.VeException.Kind.NOT_FOUND, "there is no node " + node);
            }
            entity.configure(labels, overcommit, acceptsNewVes);
            return entity.toNode(now);
        });
        snapshot = null;
        LOG.info("Node configured node={} labels={} overcommit={} acceptsNewVes={}", node, changed.labels(), changed.overcommit(), changed.acceptsNewVes());
        return changed;
    }

    private static void ratio(String field, Double value) {
        if (value != null && (value.isNaN() || value < 0.1 || value > 100)) {
            throw new io.vessel.kernel.api.VeException(io.vessel.kernel.api.VeException.Kind.INVALID, field,
                    field + " must be between 0.1 and 100 (1.0: allot no more than the node has), or null for no cap", null);
        }
    }

    @Override
    public HostCapabilities capabilities() {
        return capabilities;
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static String valueOr(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }
}
