package io.vessel.kernel.internal.channel;

import io.vessel.api.operation.Operation;
import io.vessel.api.operation.OperationService;
import io.vessel.api.operation.OperationState;
import io.vessel.persistence.api.Database;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enrolment: how a server becomes a node of the installation. The provider creates a one-time token (valid an hour,
 * only its SHA-256 kept); {@code bin/vessel node join} on the new server makes the node's key, and spends the token
 * for a certificate of the provider's CA, signed over the node's own request. From then on the node is known on the
 * node channel by that certificate; a certificate is never issued otherwise (the CA's holder signs its own, and
 * renews a node's over the channel, where the node proves itself with the certificate it has).
 *
 * <p>A token that names no node admits a node the installation does not know yet: it can never be spent to pose as a
 * node that exists. Readmitting a node the provider shut out takes a token naming that node.
 */
public final class NodeEnrolments {

    private static final Logger LOG = LoggerFactory.getLogger(NodeEnrolments.class);
    /** How long a token can be spent. */
    public static final Duration VALIDITY = Duration.ofHours(1);
    /** How long after the token was spent the CA's holder still signs for it (it is asked at once). */
    static final Duration SIGN_WINDOW = Duration.ofMinutes(10);
    private static final Duration SIGN_WAIT = Duration.ofSeconds(30);
    private static final String TOKEN_PREFIX = "vessel-join-";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** An enrolment as the provider sees it (never its token). */
    public record Enrolment(UUID id, UUID node, String createdBy, Instant createdAt, Instant expiresAt, Instant withdrawnAt,
                            Instant usedAt, UUID usedByNode, String usedFrom) {

        /** OPEN (can be spent), USED, WITHDRAWN or EXPIRED. */
        public String state() {
            return usedAt != null ? "USED" : withdrawnAt != null ? "WITHDRAWN" : expiresAt.isBefore(Instant.now()) ? "EXPIRED" : "OPEN";
        }
    }

    /** A new enrolment with its token, shown this once. */
    public record Created(Enrolment enrolment, String token) {
    }

    /**
     * What a joining node gets: its certificate and the CA to trust, as PEM, and for a node agent the database role
     * of its own (null for a server that also runs a panel: it uses the panels' role).
     */
    public record Joined(UUID node, String certificate, String ca, String serial, Instant notAfter, NodeDatabaseRoles.Credentials database) {
    }

    /** A refusal with the HTTP status it is answered with. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final Database database;
    private final NodeChannel channel;
    private final Supplier<OperationService> operations;
    private final NodeDatabaseRoles roles;

    public NodeEnrolments(Database database, NodeChannel channel, Supplier<OperationService> operations) {
        this.database = database;
        this.channel = channel;
        this.operations = operations;
        this.roles = new NodeDatabaseRoles(database);
    }

    /**
     * A new one-time token admitting a new node, or, with {@code node}, readmitting that node. The provider's CA is
     * made now if there is none: the node taking this request becomes its holder.
     */
    public Created create(String createdBy, UUID node) throws Refused {
        if (database.info().embedded()) {
            throw new Refused(409, "Several nodes share one PostgreSQL database, and this panel runs on its embedded one: move it to "
                    + "PostgreSQL first (database.url), then enrol other servers.");
        }
        if (node != null && !nodeExists(node)) {
            throw new Refused(400, "There is no node " + node + " to readmit; leave \"node\" out to admit a new server.");
        }
        try {
            channel.ensureCa();
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("the provider's CA could not be made: " + e.getMessage(), e);
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Instant now = Instant.now();
        Enrolment enrolment = new Enrolment(UUID.randomUUID(), node, createdBy, now, now.plus(VALIDITY), null, null, null, null);
        database.run(em -> em.createNativeQuery("insert into node_enrolment (id, token_sha256, node_id, created_by, created_at, expires_at)"
                + " values (?1, ?2, ?3, ?4, ?5, ?6)").setParameter(1, enrolment.id()).setParameter(2, sha256(token)).setParameter(3, node)
                .setParameter(4, createdBy).setParameter(5, now).setParameter(6, enrolment.expiresAt()).executeUpdate());
        LOG.info("Node enrolment created id={} by={} node={} expiresAt={}", enrolment.id(), createdBy, node == null ? "new" : node,
                enrolment.expiresAt());
        return new Created(enrolment, token);
    }

    /** The enrolments of the last 30 days, newest first. */
    public List<Enrolment> list() {
        return database.inTransaction(em -> {
            List<?> rows = em.createNativeQuery("select id, node_id, created_by, created_at, expires_at, withdrawn_at, used_at, used_by_node,"
                    + " used_from from node_enrolment where created_at > ?1 order by created_at desc")
                    .setParameter(1, Instant.now().minus(Duration.ofDays(30))).getResultList();
            return rows.stream().map(r -> enrolment((Object[]) r)).toList();
        });
    }

    public Optional<Enrolment> find(UUID id) {
        return list().stream().filter(e -> e.id().equals(id)).findFirst();
    }

    /** Withdraws an enrolment not spent yet; answers false when there is none by that id. */
    public boolean withdraw(UUID id) throws Refused {
        Enrolment enrolment = find(id).orElse(null);
        if (enrolment == null) {
            return false;
        }
        if (enrolment.usedAt() != null) {
            throw new Refused(409, "Enrolment " + id + " was spent at " + enrolment.usedAt() + " by node " + enrolment.usedByNode()
                    + "; shut that node out instead (DELETE /api/v1/nodes/" + enrolment.usedByNode() + "/certificate).");
        }
        database.run(em -> em.createNativeQuery("update node_enrolment set withdrawn_at = ?1 where id = ?2 and withdrawn_at is null")
                .setParameter(1, Instant.now()).setParameter(2, id).executeUpdate());
        return true;
    }

    /**
     * Spends {@code token} for node {@code node}'s certificate, signed over its {@code request} (PKCS#10 PEM, signed by
     * the node's own key). The token is spent once; if no certificate comes of it (a request that is not one, the
     * CA's holder out of reach) it can be spent again within its hour.
     */
    public Joined join(String token, String node, String request, String from) throws Refused {
        return join(token, node, request, from, false);
    }

    /** As {@link #join(String, String, String, String)}; {@code agent}: the server runs a node agent only and gets a database role of its own. */
    public Joined join(String token, String node, String request, String from, boolean agent) throws Refused {
        if (token == null || token.isBlank() || node == null || request == null || request.isBlank()) {
            throw new Refused(400, "Send {\"token\": \"vessel-join-…\", \"node\": \"<this node's id>\", \"request\": \"<PKCS#10 PEM>\"}.");
        }
        UUID id;
        try {
            id = UUID.fromString(node.strip());
        } catch (IllegalArgumentException e) {
            throw new Refused(400, "node: '" + abbreviate(node) + "' is not a node id (a UUID).");
        }
        Object[] row = database.<Object[]>inTransaction(em -> {
            List<?> rows = em.createNativeQuery("select id, node_id, created_by, created_at, expires_at, withdrawn_at, used_at, used_by_node,"
                    + " used_from from node_enrolment where token_sha256 = ?1").setParameter(1, sha256(token.strip())).getResultList();
            return rows.isEmpty() ? null : (Object[]) rows.get(0);
        });
        if (row == null) {
            LOG.warn("Node join refused: unknown token node={} from={}", id, from);
            throw new Refused(403, "This enrolment token is not valid. Ask the provider for a new one (POST /api/v1/nodes/enrolments).");
        }
        Enrolment enrolment = enrolment(row);
        refuseUnlessOpen(enrolment, id, from);
        boolean spent = database.inTransaction(em -> {
            int taken = em.createNativeQuery("update node_enrolment set used_at = ?1, used_by_node = ?2, used_from = ?3 where id = ?4"
                    + " and used_at is null and withdrawn_at is null and expires_at > ?1").setParameter(1, Instant.now()).setParameter(2, id)
                    .setParameter(3, abbreviate(from)).setParameter(4, enrolment.id()).executeUpdate();
            if (taken == 1 && enrolment.node() != null) {
                // readmission: the node may be shut out; its old certificates stay revoked, the new one will not be
                em.createNativeQuery("update node set channel_revoked_at = null where id = ?1").setParameter(1, id).executeUpdate();
                database.notify(em, NodeChannel.REVOKED, id.toString());
            }
            return taken == 1;
        });
        if (!spent) {
            throw new Refused(403, "This enrolment token was spent a moment ago. Ask the provider for a new one.");
        }
        try {
            NodeDatabaseRoles.Credentials credentials = null;
            if (agent) {
                try {
                    credentials = roles.grant(id);
                } catch (NodeDatabaseRoles.Unavailable e) {
                    throw new Refused(409, "This server cannot join as a node agent: " + e.getMessage()
                            + ". Or join it with --with-panel: it then runs a panel too and uses the panels' database role.");
                }
            }
            X509Certificate certificate = sign(request, id, enrolment.id(), agent);
            LOG.info("Node joined node={} enrolment={} from={} serial={} role={}", id, enrolment.id(), from, ChannelCertificates.serialOf(certificate),
                    agent ? "node-agent" : "all");
            return new Joined(id, ChannelCertificates.pem(certificate), channel.caPem(), ChannelCertificates.serialOf(certificate),
                    certificate.getNotAfter().toInstant(), credentials);
        } catch (Refused | RuntimeException e) {
            // nothing came of it: the token can be spent again (within its hour)
            database.run(em -> em.createNativeQuery("update node_enrolment set used_at = null, used_by_node = null, used_from = null"
                    + " where id = ?1 and serial is null").setParameter(1, enrolment.id()).executeUpdate());
            throw e;
        }
    }

    private void refuseUnlessOpen(Enrolment enrolment, UUID node, String from) throws Refused {
        String why = switch (enrolment.state()) {
            case "USED" -> "was spent at " + enrolment.usedAt() + " (by node " + enrolment.usedByNode() + ")";
            case "WITHDRAWN" -> "was withdrawn at " + enrolment.withdrawnAt();
            case "EXPIRED" -> "expired at " + enrolment.expiresAt();
            default -> null;
        };
        if (why != null) {
            LOG.warn("Node join refused: token {} node={} from={}", why, node, from);
            throw new Refused(403, "This enrolment token " + why + ". Ask the provider for a new one.");
        }
        if (enrolment.node() != null && !enrolment.node().equals(node)) {
            LOG.warn("Node join refused: token for node {} spent by node={} from={}", enrolment.node(), node, from);
            throw new Refused(403, "This enrolment token readmits node " + enrolment.node() + " only, not " + node + ".");
        }
        if (enrolment.node() == null && nodeExists(node)) {
            LOG.warn("Node join refused: token for a new node spent with the id of node={} from={}", node, from);
            throw new Refused(409, "Node " + node + " is a node of this installation already; a token for a new server admits a new node "
                    + "only. To readmit that node, create an enrolment naming it ({\"node\": \"" + node + "\"}).");
        }
    }

    /** Signed here when this node holds the CA's key, else by the holder as an operation dispatched to it. */
    private X509Certificate sign(String request, UUID node, UUID enrolment, boolean agent) throws Refused {
        if (channel.holdsCa()) {
            try {
                return channel.issueForEnrolment(request, node, enrolment, agent);
            } catch (io.vessel.api.operation.OperationFailure e) {
                throw new Refused(422, e.getMessage());
            }
        }
        OperationService ops = operations.get();
        UUID holder = channel.caHolder().orElse(null);
        if (ops == null || holder == null) {
            throw new Refused(503, "The provider's CA cannot sign now; try again in a moment.");
        }
        Operation asked = ops.dispatch(NodeChannel.SIGN, "node/" + node, null, holder.toString(),
                Map.of("node", node.toString(), "request", request, "enrolment", enrolment.toString(), "role", agent ? ChannelCertificates.AGENT_UNIT : "all"),
                Duration.ofMinutes(1));
        Operation done;
        try {
            done = ops.await(asked.id(), SIGN_WAIT).orElse(asked);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused(503, "The panel stopped while the provider's CA was signing; try again.");
        }
        if (done.state() == OperationState.FAILED) {
            throw new Refused(422, done.error());
        }
        if (done.state() != OperationState.SUCCEEDED) {
            throw new Refused(503, "The node holding the provider's CA (" + holder + ") has not signed within " + SIGN_WAIT.toSeconds()
                    + " s; try again once it is in reach.");
        }
        String pem = database.inTransaction(em -> (String) em.createNativeQuery("select c.certificate from node_certificate c"
                + " join node_enrolment e on e.serial = c.serial where e.id = ?1").setParameter(1, enrolment).getResultList().stream()
                .findFirst().orElse(null));
        try {
            return ChannelCertificates.certificate(pem);
        } catch (GeneralSecurityException | NullPointerException e) {
            throw new Refused(503, "The signed certificate cannot be read: " + e.getMessage());
        }
    }

    private boolean nodeExists(UUID node) {
        return database.inTransaction(em -> !em.createNativeQuery("select 1 from node where id = ?1").setParameter(1, node)
                .getResultList().isEmpty());
    }

    private static Enrolment enrolment(Object[] r) {
        return new Enrolment(uuid(r[0]), uuid(r[1]), (String) r[2], instant(r[3]), instant(r[4]), instant(r[5]), instant(r[6]), uuid(r[7]),
                (String) r[8]);
    }

    private static UUID uuid(Object value) {
        return value == null ? null : value instanceof UUID id ? id : UUID.fromString(value.toString());
    }

    private static Instant instant(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Instant i) {
            return i;
        }
        if (value instanceof java.time.OffsetDateTime o) {
            return o.toInstant();
        }
        if (value instanceof java.sql.Timestamp t) {
            return t.toInstant();
        }
        return Instant.parse(value.toString());
    }

    static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String abbreviate(String text) {
        return text == null ? null : text.length() <= 100 ? text : text.substring(0, 100);
    }
}
