package io.vessel.localsocket.internal;

import io.vessel.api.platform.LocalPeer;
import io.vessel.kernel.api.NodeService;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Hashtable;
import java.util.Optional;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.apache.felix.http.jetty.ConnectorFactory;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The panel's API on a Unix domain socket, {@code /run/vessel/<node>/panel.sock} (one per panel instance, as each has
 * its own node), for {@code vesselctl} on the host. Every request carries the connecting process's user as the
 * kernel reports it for the connection ({@code SO_PEERCRED}, read per request from the accepted channel) in the
 * {@link LocalPeer} attribute: root needs no token, anyone else authenticates as over the network.
 *
 * <p>Who may connect at all is the file's business: mode 0660 with group {@code local.socket.group} ({@code vessel},
 * which the Debian package makes) when the host has that group, 0600 otherwise; the directories above are root's, 0711. The socket is bound before
 * its mode is set, so for that instant it has the process's default mode — 0755 under root's usual umask, which
 * lets nobody else connect (connecting needs write permission).
 *
 * <p>Jetty's own {@code UnixDomainServerConnector} does the serving: its one class is built into this bundle from
 * Jetty 12.0.31, as Maven Central has no build of it for the 12.0.30 inside the Felix Jetty bundle and it only uses
 * Jetty's stable connector API.
 */
@Component(immediate = true, service = {}, configurationPid = LocalSocketConfig.PID)
@org.osgi.service.metatype.annotations.Designate(ocd = LocalSocketConfig.class)
public final class LocalSocketConnector implements ConnectorFactory {

    private static final Logger LOG = LoggerFactory.getLogger(LocalSocketConnector.class);
    static final Path RUNTIME_ROOT = Path.of("/run/vessel");

    /** uid 0 as a principal, looked up once rather than per request. */
    private static final UserPrincipal ROOT = rootPrincipal();

    private final Path socket;
    private final String group;
    private final ServiceRegistration<ConnectorFactory> registration;

    @Activate
    public LocalSocketConnector(BundleContext context, @Reference NodeService nodes, LocalSocketConfig config) throws IOException {
        this.socket = config.socket_path().isBlank() ? RUNTIME_ROOT.resolve(nodes.localNode().id().toString()).resolve("panel.sock")
                : Path.of(config.socket_path());
        this.group = config.socket_group();
        try {
            prepareDirectory(socket.getParent());
        } catch (java.nio.file.AccessDeniedException e) {
            // a panel that is not root (server.role = panel, user vessel) may not write the runtime root unless it was
            // given its own (systemd's RuntimeDirectory=vessel): the API is served over TCP alone then, and that is said
            LOG.warn("No local API socket: {} is not writable by this user (run as root, give it a RuntimeDirectory, or set"
                    + " local.socket.path); the API is served over TCP only", e.getFile());
            registration = null;
            return;
        }
        removeStale(socket);
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("vessel.local.socket", socket.toString());
        registration = context.registerService(ConnectorFactory.class, this, properties);
    }

    @Override
    public Connector createConnector(Server server) {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.addCustomizer(LocalSocketConnector::identifyPeer);
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server, new HttpConnectionFactory(http));
        connector.setUnixDomainPath(socket);
        connector.setName("vessel-local");
        connector.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStarted(LifeCycle started) {
                restrict(socket, group);
            }
        });
        LOG.info("Local API socket path={}", socket);
        return connector;
    }

    /** Marks the request with the peer of its connection; a request whose peer cannot be read gets no mark at all. */
    static Request identifyPeer(Request request, org.eclipse.jetty.http.HttpFields.Mutable responseHeaders) {
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        if (endPoint instanceof SocketChannelEndPoint channelEndPoint) {
            peerOf(channelEndPoint.getChannel()).ifPresent(peer -> request.setAttribute(LocalPeer.ATTRIBUTE, peer));
        }
        return request;
    }

    static Optional<LocalPeer> peerOf(SocketChannel channel) {
        try {
            UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
            // principals compare by user id, so this is "uid 0", whatever the name says
            return Optional.of(new LocalPeer(peer.user().getName(), peer.user().equals(ROOT)));
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("Local API peer not identified: {}", e.getMessage());
            return Optional.empty();
        }
    }

    private static UserPrincipal rootPrincipal() {
        try {
            return java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("root");
        } catch (IOException e) {
            throw new IllegalStateException("no user root on this host: " + e.getMessage(), e);
        }
    }

    private static void prepareDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        if (dir.startsWith(RUNTIME_ROOT)) {
            for (Path d = dir; d.startsWith(RUNTIME_ROOT); d = d.getParent()) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx--x--x"));
            }
        }
    }

    /** A socket left by a panel that was killed: nothing listens on it (this node is ours alone), so it goes. */
    private static void removeStale(Path socket) throws IOException {
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            if (!isSocket(socket)) {
                throw new IOException(socket + " exists and is not a socket: not replaced");
            }
            Files.delete(socket);
        }
    }

    private static boolean isSocket(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == 0140000; // S_IFSOCK
    }

    static void restrict(Path socket, String groupName) {
        try {
            Optional<GroupPrincipal> group = group(groupName);
            if (group.isPresent()) {
                Files.getFileAttributeView(socket, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(group.get());
                Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
            } else {
                Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException e) {
            LOG.error("Local API socket {} could not be restricted: {}", socket, e.getMessage());
        }
    }

    private static Optional<GroupPrincipal> group(String name) throws IOException {
        if (name.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(name));
        } catch (UserPrincipalNotFoundException none) {
            return Optional.empty();
        }
    }

    @Deactivate
    void deactivate() {
        try {
            if (registration != null) {
                registration.unregister();
            }
        } catch (IllegalStateException alreadyGone) {
            // the framework is stopping
        }
    }
}
