package io.vessel.distribution;

import static io.vessel.distribution.VeLifecycleIT.awaitOperation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups of a VE that runs on a node agent: the panel keeps the records, the repository's lease and key; the VE's
 * own node runs the pre-backup script in the VE, snapshots it and runs restic on it, and restores it whole or file by
 * file — its files never cross to the panel. A target only the panel's server reaches is refused for it, and another
 * agent's certificate cannot ask a node for backup work (it would bring a password of its choosing, and read a VE).
 */
@org.junit.jupiter.api.parallel.ResourceLock(PanelProcess.VE_INTERFACES)
class NodeBackupsIT {

    private static final String CHANNEL_CONF = "kernel.node.channel.port = 0\nkernel.node.channel.address = 127.0.0.1\n";

    @Test
    void aVeOnANodeAgentIsBackedUpAndRestoredByItsOwnNode(@TempDir Path work) throws Exception {
        String schema = "it_nodebackup_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Map<String, String> env = PanelProcess.env("VESSEL_DB_URL", PanelLifecycleIT.PG_URL, "VESSEL_DB_USER", "postgres", "VESSEL_DB_SCHEMA", schema);
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Path one = Files.createDirectory(work.resolve("one"), NodeHealthIT.passable());
        Path two = Files.createDirectory(work.resolve("two"), NodeHealthIT.passable());
        // node b on a server of its own (its network, its /sys); the SFTP server where both servers reach it
        try (NodeNetwork server = new NodeNetwork("vtest-backup", 63); SftpServer sftp = new SftpServer(work, server.hostAddress)) {
            // the panel and the agent are configured with the same SFTP target, each with its own copy of the settings
            Map<String, String> envOne = new HashMap<>(env);
            envOne.put("VESSEL_CONF", Files.writeString(work.resolve("one.conf"), NodeAgentIT.channel(server.hostAddress) + sftp.conf("host.pub")).toString());
            Map<String, String> envTwo = Map.of("VESSEL_CONF", Files.writeString(work.resolve("two.conf"), NodeAgentIT.channel(server.nodeAddress)
                    + sftp.conf("host.pub")).toString());
            try (PanelProcess panel = new PanelProcess(one, envOne).start(); PanelProcess agent = new PanelProcess(two, envTwo)) {
                String nodeB = NodeAgentIT.joinAgent(panel, agent, server);
                String nodeA = NodeHealthIT.localNode(panel);

                int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"backed-up-on-b\",\"node\":\"" + nodeB + "\"}");
                awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
                exec(panel, ve, "mkdir -p /etc/vessel && printf '#!/bin/sh\\necho flushed > /root/flushed\\n' > /etc/vessel/pre-backup"
                        + " && chmod +x /etc/vessel/pre-backup && echo first > /root/marker");

                // the panel's own directory is out of the agent's reach: refused at once, with what to use instead
                PanelProcess.Response local = panel.post("/api/v1/ves/" + ve + "/backups", "{\"target\":\"local\"}");
                assertEquals(409, local.status(), local.body());
                assertTrue(local.json().get("detail").asText().contains("which cannot reach the backup target local"), local.body());

                JsonNode made = BackupsIT.awaitOperationLong(panel, panel.post("/api/v1/ves/" + ve + "/backups", "{\"note\":\"on b\"}"));
                assertEquals("SUCCEEDED", made.get("state").asText(), made + "\n" + Files.readString(one.resolve("logs/vessel.log")));
                JsonNode backup = panel.get(made.get("result").asText()).json();
                assertEquals("sftp", backup.get("target").asText(), backup.toString());
                assertEquals("DONE", backup.get("state").asText(), backup.toString());
                assertTrue(backup.get("files").asLong() > 10, backup.toString());
                assertEquals("flushed\n", exec(panel, ve, "cat /root/flushed"), "the VE's pre-backup script ran in the VE, on node b");
                assertTrue(Files.readString(agent.logDir.resolve("vessel.log")).contains("Backup work for a panel action=backup ve=" + ve),
                        "node b read its VE's files");
                JsonNode snapshots = PanelProcess.JSON.readTree(BackupsIT.restic(sftp.store.resolve("provider"),
                        one.resolve("data/keys/backup-recovery.key"), "snapshots", "--json"));
                assertEquals(1, snapshots.size(), snapshots.toString());
                assertTrue(snapshots.get(0).get("tags").toString().contains("ve=" + ve), snapshots.toString());
                System.out.println("node backups: VE on a node agent backed up by its node: " + backup.get("files").asLong() + " files, frozen "
                        + backup.path("frozenMs").asText() + " ms, " + backup.path("durationMs").asText() + " ms");

                // restored whole, in place, by node b: the VE runs again with the files of the backup
                exec(panel, ve, "echo second > /root/marker && rm /root/flushed");
                JsonNode restored = BackupsIT.awaitOperationLong(panel, panel.post("/api/v1/ves/" + ve + "/backups/" + backup.get("id").asText() + "/restore", ""));
                assertEquals("SUCCEEDED", restored.get("state").asText(), restored.toString());
                assertEquals("RUNNING", panel.get("/api/v1/ves/" + ve).json().get("state").asText());
                assertEquals("first\n", exec(panel, ve, "cat /root/marker"));
                assertEquals("flushed\n", exec(panel, ve, "cat /root/flushed"), "what the backup held came back");

                // a single file, written into the running VE by node b
                exec(panel, ve, "echo third > /root/marker");
                JsonNode file = BackupsIT.awaitOperationLong(panel, panel.post("/api/v1/ves/" + ve + "/backups/" + backup.get("id").asText() + "/restore",
                        "{\"paths\":[\"/root/marker\"]}"));
                assertEquals("SUCCEEDED", file.get("state").asText(), file.toString());
                assertEquals("first\n", exec(panel, ve, "cat /root/marker"));

                // another node's certificate asks no node for backup work: only panels do
                String caPem;
                try (java.sql.Connection c = java.sql.DriverManager.getConnection(PanelLifecycleIT.PG_URL, "postgres", "");
                     java.sql.Statement st = c.createStatement(); java.sql.ResultSet rows = st.executeQuery("SELECT certificate FROM " + schema + ".node_ca")) {
                    assertTrue(rows.next());
                    caPem = rows.getString(1);
                }
                java.net.http.HttpClient asAgent = java.net.http.HttpClient.newBuilder().sslContext(DispatchIT.nodeTls(two.resolve("data/channel"), caPem)).build();
                java.net.http.HttpResponse<String> asked = asAgent.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        panel.get("/api/v1/nodes/" + nodeA).json().at("/channel/url").asText() + "/calls/backup"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"action\":\"backup\",\"ve\":1,\"target\":\"sftp\",\"tenant\":\"provider\"}"))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(403, asked.statusCode(), asked.body());

                // the panel dies while node b reads the VE: node b ends the work at once (restic killed, snapshot
                // released), so nothing goes on writing to the repository that the panel unlocks when it starts again
                exec(panel, ve, "dd if=/dev/urandom of=/root/big bs=1M count=300 2>/dev/null");
                PanelProcess.Response second = panel.post("/api/v1/ves/" + ve + "/backups", "{}");
                assertEquals(202, second.status(), second.body());
                String op = second.json().get("id").asText();
                PanelProcess.poll(Duration.ofSeconds(60), () -> panel.get("/api/v1/operations/" + op).json().path("message").asText()
                        .startsWith("backed up "), "node b reading the VE");
                panel.kill9();
                Path agentData = two.resolve("data");
                PanelProcess.poll(Duration.ofSeconds(20), () -> PanelProcess.host("sh", "-c", "pgrep -af restic || true").lines()
                        .noneMatch(l -> l.contains(agentData.resolve("cache").toString())), "node b's restic killed");
                assertTrue(server.inside("findmnt", "-n", agentData.resolve("storage/pool").toString()).contains("btrfs"), "node b's pool, seen on node b");
                PanelProcess.poll(Duration.ofSeconds(20), () -> server.inside("sh", "-c", "ls " + agentData.resolve("storage/pool/snapshots")
                        + " 2>/dev/null").isBlank(), "node b's snapshot released");
                // logged when the work's thread leaves the backup, just after the snapshot is released: looked for until it is
                agent.awaitOutput("The panel hung up; backup work ended action=backup ve=" + ve, Duration.ofSeconds(10));
            }
        }
    }

    /**
     * Two panels on one database: one starting again leaves the repository lease another panel holds (renewed: its
     * work under way) alone — no unlock under that panel's restic —, and takes back at once a lease it held itself
     * before it stopped, and one whose panel stopped renewing it.
     */
    @Test
    void aPanelStartingAgainLeavesTheBackupAnotherPanelIsMakingAlone(@TempDir Path work) throws Exception {
        String schema = "it_twopanels_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Map<String, String> env = PanelProcess.env("VESSEL_DB_URL", PanelLifecycleIT.PG_URL, "VESSEL_DB_USER", "postgres", "VESSEL_DB_SCHEMA", schema);
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Path one = Files.createDirectory(work.resolve("one"), NodeHealthIT.passable());
        Path two = Files.createDirectory(work.resolve("two"), NodeHealthIT.passable());
        Map<String, String> envOne = new HashMap<>(env);
        envOne.put("VESSEL_CONF", Files.writeString(work.resolve("one.conf"), CHANNEL_CONF).toString());
        Map<String, String> envTwo = Map.of("VESSEL_CONF", Files.writeString(work.resolve("two.conf"), CHANNEL_CONF).toString());
        try (PanelProcess a = new PanelProcess(one, envOne).start(); PanelProcess b = new PanelProcess(two, envTwo)) {
            JsonNode enrolment = a.post("/api/v1/nodes/enrolments", "{}").json();
            List<String> join = new ArrayList<>(Arrays.asList(enrolment.get("command").asText().substring("bin/vessel ".length()).split(" ")));
            join.add("--with-panel");
            PanelProcess.Ran joined = b.vessel(join);
            assertEquals(0, joined.exitCode(), joined.output());
            // a panel too: it gets the installation's keys, so it opens what panel a sealed (repository passwords)
            assertTrue(joined.output().contains("keys:        the installation's backup-master.key, backup-recovery.key"), joined.output());
            for (String key : List.of("backup-master.key", "backup-recovery.key", "secrets.key", "plugin-settings.key")) {
                assertTrue(Arrays.equals(Files.readAllBytes(one.resolve("data/keys").resolve(key)), Files.readAllBytes(two.resolve("data/keys").resolve(key))),
                        key + " is the installation's on panel b too");
                assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(two.resolve("data/keys").resolve(key))));
            }
            b.start();
            String nodeA = NodeHealthIT.localNode(a);
            String nodeB = Files.readString(b.dataDir.resolve("node-id")).strip();
            int ve = NetworkIT.createVe(a, "{\"template\":\"busybox\",\"hostname\":\"kept\",\"node\":\"" + nodeA + "\"}");
            JsonNode made = BackupsIT.awaitOperationLong(a, a.post("/api/v1/ves/" + ve + "/backups", "{}"));
            assertEquals("SUCCEEDED", made.get("state").asText(), made.toString());

            // panel a at work on the repository (its lease, renewed): panel b's start leaves it to a
            UUID heldByA = holder(nodeA);
            lease(schema, heldByA, "now() + interval '2 minutes'");
            restart(b);
            assertEquals(1, count(b, "Backup repository busy with another panel's work, left to it"), "panel b left panel a's lease alone");
            assertEquals(0, count(b, "lease a stop left was given back"), "and unlocked nothing");
            assertEquals(heldByA.toString(), leaseHolder(schema));

            // a lease panel b held itself when it stopped: taken back at its start
            lease(schema, holder(nodeB), "now() + interval '2 minutes'");
            restart(b);
            assertEquals(1, count(b, "lease a stop left was given back"), "panel b took its own lease back: "
                    + Files.readString(b.logDir.resolve("vessel.log")).lines().filter(l -> l.contains("WARN") || l.contains("ERROR")).toList());
            assertEquals(null, leaseHolder(schema));

            // a lease whose panel stopped renewing it: taken back too
            lease(schema, heldByA, "now() - interval '1 minute'");
            restart(b);
            assertEquals(2, count(b, "lease a stop left was given back"), "a lease run out is taken back");
            assertEquals(null, leaseHolder(schema));
            assertEquals("DONE", a.get(made.get("result").asText()).json().get("state").asText(), "panel a's backup as it was");
        }
    }

    /** A lease holder id of node {@code node}'s panel: its node id's high half (see RepositoryLeases). */
    private static UUID holder(String node) {
        return new UUID(UUID.fromString(node).getMostSignificantBits(), new java.security.SecureRandom().nextLong());
    }

    private static void lease(String schema, UUID holder, String until) throws Exception {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(PanelLifecycleIT.PG_URL, "postgres", "");
             java.sql.Statement st = c.createStatement()) {
            assertEquals(1, st.executeUpdate("UPDATE " + schema + ".backup_repository SET busy_by = '" + holder + "', busy_what = 'a backup',"
                    + " busy_until = " + until));
        }
    }

    private static String leaseHolder(String schema) throws Exception {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(PanelLifecycleIT.PG_URL, "postgres", "");
             java.sql.Statement st = c.createStatement(); java.sql.ResultSet rows = st.executeQuery("SELECT busy_by FROM " + schema + ".backup_repository")) {
            assertTrue(rows.next());
            return rows.getString(1);
        }
    }

    private static void restart(PanelProcess panel) throws Exception {
        assertEquals(0, panel.stop());
        panel.start();
    }

    private static long count(PanelProcess panel, String text) throws Exception {
        return Files.readString(panel.logDir.resolve("vessel.log")).lines().filter(l -> l.contains(text)).count();
    }

    private static String exec(PanelProcess panel, int ve, String script) {
        PanelProcess.Response ran = panel.post("/api/v1/ves/" + ve + "/exec", PanelProcess.JSON.createObjectNode()
                .set("command", PanelProcess.JSON.createArrayNode().add("sh").add("-c").add(script)).toString());
        assertEquals(200, ran.status(), ran.body());
        assertEquals(0, ran.json().get("exitCode").asInt(), ran.body());
        return ran.json().get("stdout").asText();
    }
}
