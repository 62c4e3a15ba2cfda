package io.vessel.kernel.internal.channel;

import io.vessel.persistence.api.Database;
import jakarta.persistence.EntityManager;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each node agent's own PostgreSQL role, which row-level security keeps to that node's rows: a VE that escapes on one
 * server reaches that server's VEs, usage and operations in the database, not every tenant's. The role
 * {@code vessel_node_<node id without dashes>} is a member of {@value #GROUP}; the grants go to the group, the policies
 * name the node through {@code current_user}, so nothing a node sends in a session (a setting, a parameter) widens
 * what it sees. The panels connect as the tables' owner, which row-level security does not limit; a panel role that is
 * not the owner is let through by a policy of its own. Identity, billing, backups and plugins get no grant at all.
 *
 * <p>PostgreSQL only, and the panel's role must be allowed to create roles ({@code CREATEROLE}); roles and policies are
 * made in the transaction that uses them, so a refused join leaves none behind. Written by hand: no library maps
 * Hibernate entities to row-level-security policies.
 */
public final class NodeDatabaseRoles {

    /** The group every node agent's role belongs to; cluster-wide, like every role. */
    public static final String GROUP = "vessel_node_agents";
    /** Bumped when the policies change, so every panel's start brings them up to date once. */
    private static final String VERSION = "v2";
    private static final String PREFIX = "vessel_node_";
    /** Advisory lock key: panels starting together do not rewrite the policies at once. */
    private static final long POLICY_LOCK_KEY = 0x7e55e2L;

    private static final Logger LOG = LoggerFactory.getLogger(NodeDatabaseRoles.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A node's credentials, handed over once at its join (the password is not kept). */
    public record Credentials(String user, String password) {
    }

    /** The database refused what a node's role needs (no CREATEROLE, not PostgreSQL). */
    public static final class Unavailable extends Exception {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Database database;

    public NodeDatabaseRoles(Database database) {
        this.database = database;
    }

    public static String roleOf(UUID node) {
        return PREFIX + node.toString().replace("-", "");
    }

    /** Whether the database can give nodes roles of their own at all. */
    public boolean supported() {
        io.vessel.persistence.api.DatabaseInfo info = database.info();
        return info != null && !info.embedded() && info.product() != null && info.product().toLowerCase(java.util.Locale.ROOT).contains("postgres");
    }

    /**
     * Makes (or, for a readmitted node, renews the password of) the node's role and brings the group's grants and
     * policies up to date; returns the credentials to hand to the node.
     */
    public Credentials grant(UUID node) throws Unavailable {
        if (!supported()) {
            throw new Unavailable("node agents work on the installation's PostgreSQL database, and this panel runs on an embedded one", null);
        }
        String role = roleOf(node);
        String password = password();
        try {
            database.run(em -> {
                lockPolicies(em);
                ensureGroup(em);
                boolean exists = roleExists(em, role);
                // a role statement takes no parameters; the name is ours and the password is base64url, neither can quote out
                execute(em, (exists ? "ALTER ROLE " + role + " WITH LOGIN" : "CREATE ROLE " + role + " WITH LOGIN") + " PASSWORD '" + password + "'");
                if (!exists) {
                    execute(em, "GRANT " + GROUP + " TO " + role);
                }
                applyPolicies(em);
            });
        } catch (RuntimeException e) {
            throw new Unavailable("the database refused a role for node " + node + " (" + firstLine(e) + "); the panel's database role needs "
                    + "CREATEROLE to give each node agent a role of its own (ALTER ROLE <panel role> CREATEROLE)", e);
        }
        LOG.info("Database role ready for node={} role={}", node, role);
        return new Credentials(role, password);
    }

    /**
     * Shuts a node's role out of the database at once (its certificate was revoked): no new login, and its open
     * sessions ended where the panel's role may end them.
     */
    public void revoke(UUID node) {
        if (!supported()) {
            return;
        }
        String role = roleOf(node);
        try {
            database.run(em -> {
                if (roleExists(em, role)) {
                    execute(em, "ALTER ROLE " + role + " WITH NOLOGIN");
                }
            });
            database.run(em -> em.createNativeQuery("select pg_terminate_backend(pid) from pg_stat_activity where usename = ?1")
                    .setParameter(1, role).getResultList());
            LOG.warn("Database role of a revoked node shut out node={} role={}", node, role);
        } catch (RuntimeException e) {
            LOG.error("The database role of revoked node={} could not be shut out ({}); revoke its login by hand: ALTER ROLE {} NOLOGIN",
                    node, firstLine(e), role);
        }
    }

    /** At a panel's start: policies made by an older version are brought up to date, once the installation has node agents. */
    public void refreshPolicies() {
        if (!supported()) {
            return;
        }
        try {
            database.run(em -> {
                if (!roleExists(em, GROUP)) {
                    return; // no node agent ever joined this cluster
                }
                if (policiesCurrent(em)) {
                    return;
                }
                lockPolicies(em);
                applyPolicies(em);
            });
        } catch (RuntimeException e) {
            LOG.warn("Node agents' database policies not brought up to date: {}", firstLine(e));
        }
    }

    private static void lockPolicies(EntityManager em) {
        em.createNativeQuery("select pg_advisory_xact_lock(" + POLICY_LOCK_KEY + ")").getResultList();
    }

    private static void ensureGroup(EntityManager em) {
        if (!roleExists(em, GROUP)) {
            execute(em, "CREATE ROLE " + GROUP + " NOLOGIN");
        }
    }

    /** The table, what the nodes may do with it, and the policies (none: every row, as for the CA's certificate). */
    private record Rule(String table, String grants, List<String> policies) {
    }

    /** Row of the node whose role this session runs as. */
    private static String own(String column) {
        return "current_user = '" + PREFIX + "' || replace(CAST(" + column + " AS varchar), '-', '')";
    }

    private static final String OWN_VE = "ve_id IN (SELECT v.id FROM ve v WHERE " + own("v.node_id") + ")";

    /**
     * What a node agent does in the database, and no more: reads the cluster's shape (nodes, pools, templates, the CA),
     * and reads and writes its own VEs, their usage, keys, addresses and forwards, its templates and its operations.
     * A VE on its way to it (a migration) it may read, and take over: the update naming it is the move's commit point,
     * made by the target. An address it takes must not be anyone's already, so it sees every address but changes only
     * its VEs'. It may not change
     * what the provider sets for it (labels, overcommit, whether it takes new VEs) nor its revocation.
     */
    private static List<Rule> rules() {
        String ownOperation = "(" + own("node") + " OR " + own("runner") + ")";
        String ownOrIncoming = own("node_id") + " OR " + own("moving_to");
        return List.of(
                new Rule("vessel_schema_history", "SELECT", List.of()),
                new Rule("node_ca", "SELECT", List.of()),
                new Rule("node_certificate", "SELECT", List.of()),
                new Rule("ip_pool", "SELECT", List.of()),
                new Rule("node", "SELECT, INSERT, UPDATE (hostname, last_started_at, start_count, last_heartbeat_at, unreachable_since, status,"
                        + " status_at, vessel_version, channel_protocol, channel_url, server_role)", List.of(
                        "FOR SELECT USING (true)",
                        "FOR INSERT WITH CHECK (" + own("id") + ")",
                        "FOR UPDATE USING (" + own("id") + ") WITH CHECK (" + own("id") + ")")),
                new Rule("ve", "SELECT, INSERT, UPDATE, DELETE", List.of(
                        "FOR SELECT USING (" + ownOrIncoming + ")",
                        "FOR INSERT WITH CHECK (" + own("node_id") + ")",
                        "FOR UPDATE USING (" + ownOrIncoming + ") WITH CHECK (" + own("node_id") + ")",
                        "FOR DELETE USING (" + own("node_id") + ")")),
                new Rule("port_forward", "SELECT, INSERT, UPDATE, DELETE", List.of(
                        "FOR SELECT USING (" + own("node_id") + ")",
                        "FOR INSERT WITH CHECK (" + own("node_id") + ")",
                        "FOR UPDATE USING (" + own("node_id") + " OR " + OWN_VE + ") WITH CHECK (" + own("node_id") + ")",
                        "FOR DELETE USING (" + own("node_id") + ")")),
                new Rule("ve_usage", "SELECT, INSERT, UPDATE, DELETE", List.of("FOR ALL USING (" + OWN_VE + ") WITH CHECK (" + OWN_VE + ")")),
                new Rule("ve_counter", "SELECT, INSERT, UPDATE, DELETE", List.of("FOR ALL USING (" + OWN_VE + ") WITH CHECK (" + OWN_VE + ")")),
                new Rule("ve_ssh_key", "SELECT, INSERT, UPDATE, DELETE", List.of("FOR ALL USING (" + OWN_VE + ") WITH CHECK (" + OWN_VE + ")")),
                new Rule("ip_address", "SELECT, INSERT, UPDATE, DELETE", List.of(
                        "FOR SELECT USING (true)",
                        "FOR INSERT WITH CHECK (" + OWN_VE + ")",
                        "FOR UPDATE USING (" + OWN_VE + ") WITH CHECK (" + OWN_VE + ")",
                        "FOR DELETE USING (" + OWN_VE + ")")),
                new Rule("template", "SELECT, INSERT, UPDATE, DELETE", List.of(
                        "FOR SELECT USING (true)",
                        "FOR INSERT WITH CHECK (" + own("node_id") + ")",
                        "FOR UPDATE USING (" + own("node_id") + ") WITH CHECK (" + own("node_id") + ")",
                        "FOR DELETE USING (" + own("node_id") + ")")),
                new Rule("template_copy", "SELECT, INSERT, UPDATE, DELETE", List.of(
                        "FOR SELECT USING (true)",
                        "FOR INSERT WITH CHECK (" + own("node_id") + ")",
                        "FOR UPDATE USING (" + own("node_id") + ") WITH CHECK (" + own("node_id") + ")",
                        "FOR DELETE USING (" + own("node_id") + ")")),
                new Rule("operation", "SELECT, INSERT, UPDATE, DELETE", List.of("FOR ALL USING " + ownOperation + " WITH CHECK " + ownOperation)));
    }

    private static String policyName(int index) {
        return "vessel_node_" + VERSION + "_" + index;
    }

    private static final String PANELS_POLICY = "vessel_panels_" + VERSION;

    private static boolean policiesCurrent(EntityManager em) {
        long expected = rules().stream().filter(r -> !r.policies().isEmpty()).mapToLong(r -> r.policies().size() + 1).sum();
        Number found = (Number) em.createNativeQuery("select count(*) from pg_policies where schemaname = current_schema()"
                + " and (policyname like 'vessel_node_" + VERSION + "_%' or policyname = '" + PANELS_POLICY + "')").getSingleResult();
        return found.longValue() == expected;
    }

    private static void applyPolicies(EntityManager em) {
        if (policiesCurrent(em)) {
            return;
        }
        String schema = (String) em.createNativeQuery("select current_schema()").getSingleResult();
        execute(em, "GRANT USAGE ON SCHEMA " + quote(schema) + " TO " + GROUP);
        @SuppressWarnings("unchecked")
        List<Object[]> old = em.createNativeQuery("select tablename, policyname from pg_policies where schemaname = current_schema()"
                + " and (policyname like 'vessel_node_%' or policyname like 'vessel_panels_%')").getResultList();
        for (Object[] policy : old) {
            execute(em, "DROP POLICY " + quote((String) policy[1]) + " ON " + quote((String) policy[0]));
        }
        for (Rule rule : rules()) {
            execute(em, "REVOKE ALL ON " + rule.table() + " FROM " + GROUP);
            execute(em, "GRANT " + rule.grants() + " ON " + rule.table() + " TO " + GROUP);
            if (rule.policies().isEmpty()) {
                continue;
            }
            execute(em, "ALTER TABLE " + rule.table() + " ENABLE ROW LEVEL SECURITY");
            // a panel whose role is not the tables' owner (the owner is not limited at all) sees every row
            execute(em, "CREATE POLICY " + PANELS_POLICY + " ON " + rule.table() + " USING (NOT pg_has_role('" + GROUP + "', 'MEMBER'))"
                    + " WITH CHECK (NOT pg_has_role('" + GROUP + "', 'MEMBER'))");
            for (int i = 0; i < rule.policies().size(); i++) {
                execute(em, "CREATE POLICY " + policyName(i) + " ON " + rule.table() + " " + rule.policies().get(i).replaceFirst("^(FOR \\w+)",
                        "$1 TO " + GROUP));
            }
        }
        LOG.info("Node agents' database grants and row-level security policies written version={} schema={}", VERSION, schema);
    }

    private static boolean roleExists(EntityManager em, String role) {
        return !em.createNativeQuery("select 1 from pg_roles where rolname = ?1").setParameter(1, role).getResultList().isEmpty();
    }

    private static void execute(EntityManager em, String sql) {
        em.createNativeQuery(sql).executeUpdate();
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private static String password() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String firstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.toString() : root.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
