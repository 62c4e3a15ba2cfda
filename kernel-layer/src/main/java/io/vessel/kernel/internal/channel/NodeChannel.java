package io.vessel.kernel.internal.channel;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.vessel.api.operation.OperationFailure;
import io.vessel.api.operation.OperationHandler;
import io.vessel.persistence.api.Database;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node channel: mutually authenticated TLS between the nodes of one installation, for what is not a database
 * row — a command run in a VE on another node, later the console, file downloads, template and VE copies.
 *
 * <p>Trust comes from the provider's own CA, made when the provider first enrols a server (the node that took that
 * request holds its key, mode 0600 in its data directory, and only the holder signs). A node gets its certificate by
 * enrolment ({@link NodeEnrolments}: a one-time token spent by {@code bin/vessel node join}, which makes the node's
 * key there and never sends it); the holder signs its own, and renews a node's certificate over the channel, where
 * the node proves itself with the one it still has. Revoking a node ({@link #shutOut}) reaches every node at once (a
 * notification, and a look every few seconds) and is checked at each connection and each request; only an
 * enrolment naming that node admits it again. A single server never needs the channel: it starts once another node
 * shares the database.
 */
public final class NodeChannel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeChannel.class);
    /** The kind of the operation that asks the CA's holder to sign a node's request. */
    public static final String SIGN = "node.certificate.sign";
    /** Notified when a node is shut out, so every node refuses it at once. */
    static final String REVOKED = "node_channel_revoked";
    /**
     * The newest node-channel protocol this node speaks, and the oldest: every request and answer carries both, so
     * that during a rolling upgrade nodes of neighbouring versions speak the older one, and a node too old for its
     * peer is told so (426) instead of being misunderstood. Raise {@link #PROTOCOL} when a request changes meaning;
     * raise {@link #OLDEST_PROTOCOL} only a release after every node speaks the new one.
     */
    public static final int PROTOCOL = 2;
    public static final int OLDEST_PROTOCOL = 1;
    static final String PROTOCOL_HEADER = "Vessel-Channel-Protocol";
    static final String OLDEST_HEADER = "Vessel-Channel-Oldest";

    /** Where the CA's holder renews a node's certificate, asked over the channel with the one the node still has. */
    private static final String RENEW = "/channel/certificate";
    private static final Duration LOOK_EVERY = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(10);

    /** What a node serves its peers. */
    public interface Endpoint {
        /**
         * Answers {@code method path?query} of node {@code caller}, whose certificate was checked; {@code agent}: the
         * certificate says the caller is a node agent (no panel), which may not ask what only panels ask.
         */
        void handle(UUID caller, boolean agent, String method, String path, String query, InputStream body, Reply reply) throws IOException;
    }

    /** The answer of an {@link Endpoint}: status and type first, then the body. */
    public interface Reply {
        OutputStream send(int status, String contentType) throws IOException;

        /**
         * As {@link #send}, for an answer that outlives {@link Endpoint#handle} (a console's output, written by a
         * thread of its own rather than one of the channel's few serving threads): the endpoint closes the stream.
         */
        default OutputStream sendKeptOpen(int status, String contentType) throws IOException {
            return send(status, contentType);
        }
    }

    /** The channel cannot reach a node (no certificate yet, the node has no channel, or it is not the node asked for). */
    public static final class Unavailable extends IOException {
        private static final long serialVersionUID = 1L;

        public Unavailable(String message) {
            super(message);
        }
    }

    private final Database database;
    private final UUID node;
    private final Path dir;
    private final String address;
    private final int port;
    private final BooleanSupplier needed;
    private volatile Endpoint endpoint = (caller, agent, method, path, query, body, reply) -> reply.send(404, "text/plain").close();
    private volatile ChannelTrust.Revocations revocations = ChannelTrust.Revocations.NONE;
    private volatile Identity identity;
    private volatile HttpClient client;
    private volatile HttpsServer server;
    private volatile String url;
    private volatile AutoCloseable listening;
    private final ScheduledExecutorService looker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vessel-node-channel");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService serving = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "vessel-node-channel-request");
        t.setDaemon(true);
        return t;
    });

    private record Identity(java.security.PrivateKey key, X509Certificate certificate, X509Certificate ca, SSLContext tls) {
    }

    /**
     * @param dir     where this node keeps its key and certificate (and, as the holder, the CA's key)
     * @param address the host name or address other nodes reach this one at
     * @param port    the channel's port (0: any free one)
     * @param needed  whether the channel is needed now (other nodes share the database)
     */
    public NodeChannel(Database database, UUID node, Path dir, String address, int port, BooleanSupplier needed) {
        this.database = database;
        this.node = node;
        this.dir = dir;
        this.address = address;
        this.port = port;
        this.needed = needed;
    }

    /** Looks now and then whether the channel is needed and its certificate in order, and serves once it is. */
    public void start() {
        listening = database.listen(REVOKED, payload -> refreshRevocations());
        looker.scheduleWithFixedDelay(this::look, 0, LOOK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void serve(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    /**
     * Signs, on the CA's holder, the request of a node that spent an enrolment token on another node's panel: the
     * operation dispatched by {@link #SIGN}. Nothing else is signed this way.
     */
    public OperationHandler signer() {
        return (operation, parameters, progress) -> {
            UUID asking;
            UUID enrolment;
            try {
                asking = UUID.fromString(parameters.get("node"));
                enrolment = UUID.fromString(parameters.get("enrolment"));
            } catch (RuntimeException e) {
                throw new OperationFailure("A certificate is issued for an enrolment only (bin/vessel node join); this request names none.");
            }
            boolean agent = ChannelCertificates.AGENT_UNIT.equals(parameters.get("role"));
            return "/api/v1/nodes/" + asking + "/certificates/" + ChannelCertificates.serialOf(issueForEnrolment(parameters.get("request"), asking,
                    enrolment, agent));
        };
    }

    /** Whether this node can reach others now (it has its certificate). */
    public boolean ready() {
        return identity != null;
    }

    private void look() {
        try {
            if (!needed.getAsBoolean()) {
                return; // a single server: nothing to read, nothing to serve
            }
            refreshRevocations();
            Identity current = identity;
            if (current == null || !stillGood(current)) {
                Identity fresh = obtainIdentity(current);
                if (fresh == null) {
                    return;
                }
                identity = fresh;
                client = HttpClient.newBuilder().sslContext(fresh.tls()).connectTimeout(Duration.ofSeconds(5)).build();
                restartServer(fresh);
            }
        } catch (Exception e) {
            LOG.warn("Node channel not ready: {}", e.getMessage());
        }
    }

    private boolean stillGood(Identity current) {
        return current.certificate().getNotAfter().toInstant().isAfter(Instant.now().plus(ChannelCertificates.RENEW_BEFORE))
                && !revocations.refuses(current.certificate()) && current.ca().equals(caRecord().map(this::parse).orElse(null));
    }

    private X509Certificate parse(String pem) {
        try {
            return ChannelCertificates.certificate(pem);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the recorded CA certificate cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * This node's key and certificate from its files if they are in order; else, on the CA's holder, new ones it signs
     * itself; else, for a node whose certificate nears its end, new ones the holder signs over the channel, where the
     * node proves itself with the certificate it still has. Any other node waits for its enrolment
     * ({@code bin/vessel node join} writes its files).
     */
    private Identity obtainIdentity(Identity current) throws Exception {
        X509Certificate ca = caRecord().map(this::parse).orElse(null);
        if (ca == null) {
            sayOnce("no CA yet: the channel starts with the provider's first enrolment (POST /api/v1/nodes/enrolments)");
            return null;
        }
        Path keyFile = dir.resolve("node-key.pem");
        Path certificateFile = dir.resolve("node-certificate.pem");
        if (Files.exists(keyFile) && Files.exists(certificateFile)) {
            java.security.PrivateKey key = ChannelCertificates.privateKey(Files.readString(keyFile));
            X509Certificate certificate = ChannelCertificates.certificate(Files.readString(certificateFile));
            if (issuedBy(certificate, ca) && node.equals(ChannelCertificates.nodeOf(certificate)) && !revocations.refuses(certificate)
                    && certificate.getNotAfter().toInstant().isAfter(Instant.now().plus(ChannelCertificates.RENEW_BEFORE))) {
                return new Identity(key, certificate, ca, ChannelTrust.context(key, certificate, ca, () -> revocations));
            }
        }
        if (revocations.nodes().contains(node)) {
            sayOnce("this node is shut out by the provider; it is admitted again only by an enrolment naming it");
            return null;
        }
        boolean renewing = current != null && current.ca().equals(ca) && !revocations.refuses(current.certificate())
                && current.certificate().getNotAfter().toInstant().isAfter(Instant.now());
        if (!isHolder() && !renewing) {
            sayOnce("this node has no channel certificate: enrol it with bin/vessel node join --panel … --token …");
            return null;
        }
        KeyPair keys = ChannelCertificates.newKeyPair();
        String request = ChannelCertificates.request(keys, node);
        X509Certificate certificate = isHolder() ? issue(request, node, false) : renewOverChannel(request); // the holder runs a panel
        if (certificate == null) {
            return null;
        }
        writePrivate(keyFile, ChannelCertificates.pem(keys.getPrivate()));
        writePrivate(certificateFile, ChannelCertificates.pem(certificate));
        LOG.info("Node channel certificate obtained node={} serial={} notAfter={}", node, ChannelCertificates.serialOf(certificate),
                certificate.getNotAfter().toInstant());
        said = null;
        return new Identity(keys.getPrivate(), certificate, ca, ChannelTrust.context(keys.getPrivate(), certificate, ca, () -> revocations));
    }

    /** What the channel waits for, logged when it changes rather than at every look. */
    private volatile String said;

    private void sayOnce(String what) {
        if (!what.equals(said)) {
            said = what;
            LOG.warn("Node channel waits: {}", what);
        }
    }

    /** A new certificate from the CA's holder, asked for over the channel with the certificate this node still has. */
    private X509Certificate renewOverChannel(String request) throws Exception {
        UUID holder = holder().orElseThrow();
        HttpResponse<InputStream> response = send(holder, "POST", RENEW, "application/pkcs10", request.getBytes(StandardCharsets.UTF_8));
        String body = text(response);
        if (response.statusCode() != 200) {
            LOG.warn("Node channel: the CA's holder {} did not renew this node's certificate: {} {}", holder, response.statusCode(), body);
            return null;
        }
        return ChannelCertificates.certificate(body);
    }

    private static boolean issuedBy(X509Certificate certificate, X509Certificate ca) {
        try {
            certificate.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** On the holder: the certificate for {@code asking}'s request (itself, or a node renewing), recorded. */
    private X509Certificate issue(String request, UUID asking, boolean agent) throws OperationFailure {
        if (!isHolder()) {
            throw new OperationFailure("This node does not hold the CA's key.");
        }
        if (revocations.nodes().contains(asking)) {
            throw new OperationFailure("Node " + asking + " is shut out of the channel by the provider.");
        }
        boolean known = database.inTransaction(em -> !em.createNativeQuery("select 1 from node where id = ?1").setParameter(1, asking)
                .getResultList().isEmpty());
        if (!known) {
            throw new OperationFailure("There is no node " + asking + ".");
        }
        return sign(request, asking, agent);
    }

    /** Signs and records a certificate for {@code asking}'s request; the callers decided that it may have one. */
    private X509Certificate sign(String request, UUID asking, boolean agent) throws OperationFailure {
        if (!isHolder()) {
            throw new OperationFailure("This node does not hold the CA's key.");
        }
        refreshRevocations();
        if (revocations.nodes().contains(asking)) {
            throw new OperationFailure("Node " + asking + " is shut out of the channel by the provider.");
        }
        try {
            X509Certificate ca = parse(caRecord().orElseThrow());
            java.security.PrivateKey caKey = ChannelCertificates.privateKey(Files.readString(dir.resolve("ca-key.pem")));
            X509Certificate certificate = ChannelCertificates.sign(request, asking, ca, caKey, agent);
            database.run(em -> em.createNativeQuery("insert into node_certificate (serial, node_id, certificate, issued_at, not_after)"
                    + " values (?1, ?2, ?3, ?4, ?5)").setParameter(1, ChannelCertificates.serialOf(certificate)).setParameter(2, asking)
                    .setParameter(3, ChannelCertificates.pem(certificate)).setParameter(4, Instant.now())
                    .setParameter(5, certificate.getNotAfter().toInstant()).executeUpdate());
            LOG.info("Node channel certificate issued node={} serial={} agent={}", asking, ChannelCertificates.serialOf(certificate), agent);
            return certificate;
        } catch (GeneralSecurityException | IOException e) {
            throw new OperationFailure("The request of node " + asking + " was not signed: " + e.getMessage(), e);
        }
    }

    /**
     * On the holder: the certificate for the request of a node that has just spent enrolment {@code enrolment} — the
     * token spent by that very node, a moment ago, and no certificate issued for it yet. The node need not have
     * started yet, so it may not be recorded.
     */
    public X509Certificate issueForEnrolment(String request, UUID asking, UUID enrolment, boolean agent) throws OperationFailure {
        boolean spentByIt = database.inTransaction(em -> !em.createNativeQuery("select 1 from node_enrolment where id = ?1 and used_by_node = ?2"
                + " and serial is null and used_at > ?3").setParameter(1, enrolment).setParameter(2, asking)
                .setParameter(3, Instant.now().minus(NodeEnrolments.SIGN_WINDOW)).getResultList().isEmpty());
        if (!spentByIt) {
            throw new OperationFailure("Enrolment " + enrolment + " was not just spent by node " + asking + ", or its certificate was issued already.");
        }
        X509Certificate certificate = sign(request, asking, agent);
        String serial = ChannelCertificates.serialOf(certificate);
        database.run(em -> em.createNativeQuery("update node_enrolment set serial = ?1 where id = ?2").setParameter(1, serial)
                .setParameter(2, enrolment).executeUpdate());
        return certificate;
    }

    /** The provider's CA, made here if there is none yet (this node then holds its key and alone signs). */
    public X509Certificate ensureCa() throws GeneralSecurityException, IOException {
        X509Certificate ca = caRecord().map(this::parse).orElse(null);
        return ca != null ? ca : makeCa();
    }

    /** The CA's certificate as PEM, for the nodes to trust. */
    public String caPem() {
        return caRecord().orElseThrow(() -> new IllegalStateException("there is no CA yet"));
    }

    /** Whether this node holds the CA's key (and so signs). */
    public boolean holdsCa() {
        return isHolder();
    }

    /** The node that holds the CA's key, once there is a CA. */
    public java.util.Optional<UUID> caHolder() {
        return holder();
    }

    /** The CA, made here (this node becomes its holder) unless another node made one at the same time. */
    private X509Certificate makeCa() throws GeneralSecurityException, IOException {
        KeyPair keys = ChannelCertificates.newKeyPair();
        X509Certificate ca = ChannelCertificates.newCa(keys, node);
        writePrivate(dir.resolve("ca-key.pem"), ChannelCertificates.pem(keys.getPrivate()));
        int made = database.inTransaction(em -> em.createNativeQuery("insert into node_ca (id, certificate, holder, created_at)"
                + " select 1, ?1, ?2, ?3 where not exists (select 1 from node_ca)").setParameter(1, ChannelCertificates.pem(ca))
                .setParameter(2, node).setParameter(3, Instant.now()).executeUpdate());
        if (made == 0) {
            Files.deleteIfExists(dir.resolve("ca-key.pem"));
            return parse(caRecord().orElseThrow());
        }
        LOG.info("Node channel CA made; this node holds its key holder={} key={}", node, dir.resolve("ca-key.pem"));
        return ca;
    }

    private java.util.Optional<String> caRecord() {
        return database.inTransaction(em -> em.createNativeQuery("select certificate from node_ca where id = 1").getResultStream()
                .findFirst().map(String.class::cast));
    }

    private java.util.Optional<UUID> holder() {
        return database.inTransaction(em -> em.createNativeQuery("select holder from node_ca where id = 1").getResultStream()
                .findFirst().map(NodeChannel::uuid));
    }

    private boolean isHolder() {
        return holder().map(node::equals).orElse(false) && Files.exists(dir.resolve("ca-key.pem"));
    }

    private static UUID uuid(Object value) {
        return value instanceof UUID id ? id : UUID.fromString(value.toString());
    }

    /** Writes a file only root can read, replacing what was there in one step. */
    private void writePrivate(Path file, String text) throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path temporary = Files.createTempFile(dir, ".write-", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(temporary, text);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    // ---- revocation ----------------------------------------------------------------------------------------------

    /**
     * Shuts node {@code id} out: its certificates are revoked, every node refuses it at once, and no new one is issued
     * to it. Answers whether it was in (false: it was shut out already).
     */
    public boolean shutOut(UUID id) {
        boolean changed = database.inTransaction(em -> {
            int nodes = em.createNativeQuery("update node set channel_revoked_at = ?1 where id = ?2 and channel_revoked_at is null")
                    .setParameter(1, Instant.now()).setParameter(2, id).executeUpdate();
            em.createNativeQuery("update node_certificate set revoked_at = ?1 where node_id = ?2 and revoked_at is null")
                    .setParameter(1, Instant.now()).setParameter(2, id).executeUpdate();
            database.notify(em, REVOKED, id.toString());
            return nodes > 0;
        });
        refreshRevocations();
        new NodeDatabaseRoles(database).revoke(id); // and out of the database, if it is a node agent with a role of its own
        LOG.warn("Node shut out of the node channel node={}", id);
        return changed;
    }

    /**
     * A node's channel as the API shows it: where it listens (null: not yet), whether the provider shut it out, and
     * whether its newest certificate is a node agent's (no panel there).
     */
    public record State(String url, boolean shutOut, boolean agent) {
    }

    public State state(UUID id) {
        String listening = database.inTransaction(em -> (String) em.createNativeQuery("select channel_url from node where id = ?1")
                .setParameter(1, id).getResultList().stream().filter(java.util.Objects::nonNull).findFirst().orElse(null));
        String newest = database.inTransaction(em -> (String) em.createNativeQuery("select certificate from node_certificate where node_id = ?1"
                + " order by issued_at desc").setParameter(1, id).setMaxResults(1).getResultList().stream().findFirst().orElse(null));
        boolean agent;
        try {
            agent = newest != null && ChannelCertificates.isAgent(ChannelCertificates.certificate(newest));
        } catch (GeneralSecurityException e) {
            agent = false;
        }
        return new State(listening, revocations.nodes().contains(id), agent);
    }

    /** Whether node {@code id} is shut out. */
    public boolean isShutOut(UUID id) {
        return revocations.nodes().contains(id);
    }

    private void refreshRevocations() {
        try {
            revocations = database.inTransaction(em -> {
                Set<String> serials = new HashSet<>();
                for (Object serial : em.createNativeQuery("select serial from node_certificate where revoked_at is not null").getResultList()) {
                    serials.add(serial.toString());
                }
                Set<UUID> nodes = new HashSet<>();
                for (Object id : em.createNativeQuery("select id from node where channel_revoked_at is not null").getResultList()) {
                    nodes.add(uuid(id));
                }
                return new ChannelTrust.Revocations(Set.copyOf(serials), Set.copyOf(nodes));
            });
        } catch (RuntimeException e) {
            LOG.warn("Node channel revocations not read: {}", e.getMessage());
        }
    }

    // ---- serving -------------------------------------------------------------------------------------------------

    private synchronized void restartServer(Identity fresh) throws IOException {
        HttpsServer old = server;
        if (old != null) {
            old.stop(0);
        }
        int listenOn = old != null ? old.getAddress().getPort() : port;
        HttpsServer started = HttpsServer.create(new InetSocketAddress(listenOn), 64);
        started.setHttpsConfigurator(new HttpsConfigurator(fresh.tls()) {
            @Override
            public void configure(HttpsParameters parameters) {
                javax.net.ssl.SSLParameters tls = fresh.tls().getDefaultSSLParameters();
                tls.setNeedClientAuth(true);
                parameters.setSSLParameters(tls);
            }
        });
        started.createContext("/", this::answer);
        started.setExecutor(serving);
        started.start();
        server = started;
        url = "https://" + (address.contains(":") ? "[" + address + "]" : address) + ":" + started.getAddress().getPort();
        database.run(em -> em.createNativeQuery("update node set channel_url = ?1 where id = ?2").setParameter(1, url).setParameter(2, node)
                .executeUpdate());
        LOG.info("Node channel serving url={}", url);
    }

    private void answer(HttpExchange exchange) throws IOException {
        boolean[] keptOpen = {false};
        try {
            UUID caller = null;
            boolean agent = false;
            try {
                Certificate[] peer = ((HttpsExchange) exchange).getSSLSession().getPeerCertificates();
                if (peer.length > 0 && peer[0] instanceof X509Certificate certificate && !revocations.refuses(certificate)) {
                    caller = ChannelCertificates.nodeOf(certificate);
                    agent = ChannelCertificates.isAgent(certificate);
                }
            } catch (SSLPeerUnverifiedException e) {
                caller = null;
            }
            if (caller == null) {
                // checked again per request: a node shut out after it connected is refused on the same connection
                exchange.sendResponseHeaders(403, -1);
                return;
            }
            UUID from = caller;
            exchange.getResponseHeaders().set(PROTOCOL_HEADER, String.valueOf(PROTOCOL));
            exchange.getResponseHeaders().set(OLDEST_HEADER, String.valueOf(OLDEST_PROTOCOL));
            String mismatch = protocolMismatch(from, exchange.getRequestHeaders().getFirst(PROTOCOL_HEADER),
                    exchange.getRequestHeaders().getFirst(OLDEST_HEADER));
            if (mismatch != null) {
                byte[] text = mismatch.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                exchange.sendResponseHeaders(426, text.length);
                exchange.getResponseBody().write(text);
                return;
            }
            if (RENEW.equals(exchange.getRequestURI().getPath()) && "POST".equals(exchange.getRequestMethod())) {
                renew(from, agent, exchange);
                return;
            }
            endpoint.handle(from, agent, exchange.getRequestMethod(), exchange.getRequestURI().getPath(), exchange.getRequestURI().getQuery(),
                    exchange.getRequestBody(), new Reply() {
                        @Override
                        public OutputStream send(int status, String contentType) throws IOException {
                            exchange.getResponseHeaders().set("Content-Type", contentType);
                            exchange.sendResponseHeaders(status, 0); // chunked: answers may stream
                            return exchange.getResponseBody();
                        }

                        @Override
                        public OutputStream sendKeptOpen(int status, String contentType) throws IOException {
                            OutputStream body = send(status, contentType);
                            keptOpen[0] = true;
                            return body;
                        }
                    });
        } catch (RuntimeException e) {
            LOG.warn("Node channel request failed path={}: {}", exchange.getRequestURI().getPath(), e.toString());
        } finally {
            if (!keptOpen[0]) {
                exchange.close();
            }
        }
    }

    /**
     * Why a peer that speaks protocols {@code oldest}..{@code newest} and this node have none in common (null: they
     * have). A peer that names none speaks protocol 1 (as before the headers).
     */
    static String protocolMismatch(UUID peer, String newest, String oldest) {
        int peerNewest = protocolOf(newest);
        int peerOldest = Math.min(protocolOf(oldest), peerNewest);
        if (peerOldest > PROTOCOL) {
            return "node " + peer + " speaks node-channel protocol " + peerOldest + " and newer; this node speaks up to " + PROTOCOL
                    + ": upgrade this node";
        }
        if (peerNewest < OLDEST_PROTOCOL) {
            return "node " + peer + " speaks node-channel protocol up to " + peerNewest + "; this node needs " + OLDEST_PROTOCOL
                    + " or newer: upgrade node " + peer;
        }
        return null;
    }

    private static int protocolOf(String header) {
        try {
            return header == null ? 1 : Math.max(1, Integer.parseInt(header.strip()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** On the holder: a node's new certificate for its request, the node known by the certificate it connected with. */
    private void renew(UUID caller, boolean agent, HttpExchange exchange) throws IOException {
        String request = new String(exchange.getRequestBody().readNBytes(64 << 10), StandardCharsets.UTF_8);
        byte[] answer;
        int status;
        try {
            answer = ChannelCertificates.pem(issue(request, caller, agent)).getBytes(StandardCharsets.UTF_8); // a renewal keeps what the node is
            status = 200;
        } catch (OperationFailure e) {
            answer = e.getMessage().getBytes(StandardCharsets.UTF_8);
            status = 422;
        }
        exchange.getResponseHeaders().set("Content-Type", status == 200 ? "application/x-pem-file" : "text/plain");
        exchange.sendResponseHeaders(status, answer.length);
        exchange.getResponseBody().write(answer);
    }

    // ---- calling -------------------------------------------------------------------------------------------------

    /**
     * Sends {@code method path} to node {@code target} and answers its response, streamed; {@link Unavailable} when
     * the channel cannot reach it, or the peer that answered is not that node.
     */
    public HttpResponse<InputStream> send(UUID target, String method, String path, String contentType, byte[] body)
            throws IOException, InterruptedException {
        return send(target, method, path, contentType, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    }

    /** As above, with a body of any size sent as it is produced (a VE's files). */
    public HttpResponse<InputStream> send(UUID target, String method, String path, String contentType, HttpRequest.BodyPublisher body)
            throws IOException, InterruptedException {
        HttpClient http = client;
        if (http == null || identity == null) {
            throw new Unavailable("this node has no channel certificate yet");
        }
        if (revocations.nodes().contains(target)) {
            throw new Unavailable("node " + target + " is shut out of the node channel");
        }
        String base = database.inTransaction(em -> (String) em.createNativeQuery("select channel_url from node where id = ?1")
                .setParameter(1, target).getResultList().stream().filter(java.util.Objects::nonNull).findFirst().orElse(null));
        if (base == null) {
            throw new Unavailable("node " + target + " has no channel yet");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT)
                .header(PROTOCOL_HEADER, String.valueOf(PROTOCOL)).header(OLDEST_HEADER, String.valueOf(OLDEST_PROTOCOL))
                .method(method, body);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (javax.net.ssl.SSLException e) {
            throw new Unavailable("node " + target + " refused this node's certificate or offered an untrusted one (" + e.getMessage() + ")");
        }
        Certificate[] peer = response.sslSession().map(s -> {
            try {
                return s.getPeerCertificates();
            } catch (SSLPeerUnverifiedException e) {
                return new Certificate[0];
            }
        }).orElse(new Certificate[0]);
        if (peer.length == 0 || !(peer[0] instanceof X509Certificate certificate) || !target.equals(ChannelCertificates.nodeOf(certificate))) {
            response.body().close();
            throw new Unavailable("the peer at " + base + " is not node " + target);
        }
        if (response.statusCode() == 403) {
            response.body().close();
            throw new Unavailable("node " + target + " refuses this node");
        }
        if (response.statusCode() == 426) {
            throw new Unavailable("node " + target + " cannot talk with this node: " + text(response));
        }
        String mismatch = protocolMismatch(target, response.headers().firstValue(PROTOCOL_HEADER).orElse(null),
                response.headers().firstValue(OLDEST_HEADER).orElse(null));
        if (mismatch != null) {
            response.body().close();
            throw new Unavailable(mismatch);
        }
        return response;
    }

    /** Reads a small answer whole. */
    public static String text(HttpResponse<InputStream> response) throws IOException {
        try (InputStream in = response.body()) {
            return new String(in.readNBytes(16 << 20), StandardCharsets.UTF_8);
        }
    }

    /** Where this node's channel listens, once it does. */
    public String url() {
        return url;
    }

    List<String> files() throws IOException {
        try (var list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Override
    public void close() {
        looker.shutdownNow();
        HttpsServer s = server;
        if (s != null) {
            s.stop(0);
        }
        serving.shutdownNow();
        try {
            if (listening != null) {
                listening.close();
            }
        } catch (Exception e) {
            LOG.debug("Node channel listener not closed: {}", e.getMessage());
        }
    }
}
