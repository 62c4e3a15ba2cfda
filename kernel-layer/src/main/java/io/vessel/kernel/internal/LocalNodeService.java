package io.vessel.kernel.internal;

import io.vessel.kernel.api.HostCapabilities;
import io.vessel.kernel.api.Node;
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
 */
@Component(service = NodeService.class)
public final class LocalNodeService implements NodeService {

    private static final Logger LOG = LoggerFactory.getLogger(LocalNodeService.class);

    private final Database database;
    private final HostCapabilities capabilities;
    private final UUID nodeId;

    @Activate
    public LocalNodeService(BundleContext context, @Reference HostCapabilitiesProbe probe,
                            @Reference(target = "(" + Database.MODULES_PROPERTY + "=" + KernelPersistence.MODULE + ")") Database database) {
        this.database = database;
        this.capabilities = probe.capabilities();
        this.nodeId = readOrCreateNodeId(Path.of(valueOr(context.getProperty("vessel.data.dir"), "data")));
        Node node = recordStart();
        LOG.info("Node started id={} hostname={} startCount={} kernel={} cgroups={} runtimes={} filesystems={} root={}",
                node.id(), node.hostname(), node.startCount(), capabilities.kernelRelease(), capabilities.cgroupLayout(),
                capabilities.runtimes().stream().map(HostCapabilities.OciRuntime::name).toList(),
                capabilities.filesystems(), capabilities.root());
    }

    private Node recordStart() {
        String hostname = hostname();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return database.inTransaction(em -> {
            NodeEntity entity = em.find(NodeEntity.class, nodeId);
            if (entity == null) {
                entity = new NodeEntity(nodeId, hostname, now);
                em.persist(entity);
            }
            entity.recordStart(hostname, now);
            return entity.toNode();
        });
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
        return database.inTransaction(em -> em.find(NodeEntity.class, nodeId).toNode());
    }

    @Override
    public List<Node> nodes() {
        return database.inTransaction(em -> em.createQuery("select n from NodeEntity n order by n.hostname, n.id", NodeEntity.class)
                .getResultList().stream().map(NodeEntity::toNode).toList());
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
