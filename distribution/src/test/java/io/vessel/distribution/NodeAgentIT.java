package io.vessel.distribution;

import static io.vessel.distribution.VeLifecycleIT.awaitOperation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node agent: a server joined with {@code bin/vessel node join} (without {@code --with-panel}) runs the kernel layer
 * and its node channel only — no web tier — and connects to the installation's PostgreSQL with a role of its own that
 * row-level security keeps to its own rows. Everything a customer does with its VEs goes through a panel: create,
 * start, commands, the console, moves in both directions and a drain. What a node agent's credentials reach, tried
 * as an intruder on that server would: the identity and billing tables, other nodes' VEs and operations, the
 * provider's settings for the node, consoles and commands in other nodes' VEs over the channel; and a node shut out
 * loses its database login too. Node b runs on a server of its own ({@link NodeNetwork}): its network, bridge,
 * addresses and firewall are not the host's, where panel a runs.
 */
// its VEs get addresses: their host interfaces (vh<id>) must not meet another class's VE of the same id
@org.junit.jupiter.api.parallel.ResourceLock(PanelProcess.VE_INTERFACES)
class NodeAgentIT {

    /**
     * Joins {@code agent} to {@code panel}'s installation as a node agent (an enrolment taken on the panel, {@code node
     * join} run in the agent's installation) and starts it on {@code server} (null: the host's network); answers its
     * node id once the panel sees it online, the channels of both listening.
     */
    static String joinAgent(PanelProcess panel, PanelProcess agent, NodeNetwork server) throws Exception {
        JsonNode enrolment = panel.post("/api/v1/nodes/enrolments", "{}").json();
        List<String> join = new ArrayList<>(Arrays.asList(enrolment.get("command").asText().substring("bin/vessel ".length()).split(" ")));
        PanelProcess.Ran joined = agent.vessel(join);
        assertEquals(0, joined.exitCode(), joined.output());
        (server == null ? agent : agent.on(server)).startAgent();
        String node = Files.readString(agent.dataDir.resolve("node-id")).strip();
        String panelNode = NodeHealthIT.localNode(panel);
        PanelProcess.poll(Duration.ofSeconds(60), () -> "ONLINE".equals(panel.get("/api/v1/nodes/" + node).json().at("/node/health").asText())
                && panel.get("/api/v1/nodes/" + node).json().at("/channel/url").isTextual()
                && panel.get("/api/v1/nodes/" + panelNode).json().at("/channel/url").isTextual(), "the agent online, both channels listening");
        return node;
    }

    /** The node channel on a port of its own at {@code address}. */
    static String channel(String address) {
        return "kernel.node.channel.port = 0\nkernel.node.channel.address = " + address + "\n";
    }

    /** The process id of the one VE running on {@code node}, as its runc state says. */
    private static String runningInit(PanelProcess node) throws Exception {
        JsonNode containers = new com.fasterxml.jackson.databind.ObjectMapper().readTree(PanelProcess.host("runc", "--root",
                node.dataDir.resolve("run/runc").toString(), "list", "--format", "json"));
        List<String> running = new ArrayList<>();
        containers.forEach(c -> {
            if ("running".equals(c.get("status").asText())) {
                running.add(c.get("pid").asText());
            }
        });
        assertEquals(1, running.size(), containers.toString());
        return running.get(0);
    }

    @Test
    void aNodeAgentRunsVesForThePanelsAndItsCredentialsReachOnlyItsOwnRows(@TempDir Path work) throws Exception {
        String schema = "it_agent_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Map<String, String> env = PanelProcess.env("VESSEL_DB_URL", PanelLifecycleIT.PG_URL, "VESSEL_DB_USER", "postgres", "VESSEL_DB_SCHEMA", schema);
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Path one = Files.createDirectory(work.resolve("one"), NodeHealthIT.passable());
        Path two = Files.createDirectory(work.resolve("two"), NodeHealthIT.passable());
        // node b on a server of its own: its network, its /sys; each node's channel at an address the other reaches
        NodeNetwork server = new NodeNetwork("vtest-agent", 62);
        Map<String, String> envOne = new java.util.HashMap<>(env);
        envOne.put("VESSEL_CONF", Files.writeString(work.resolve("one.conf"), channel(server.hostAddress)).toString());
        // the agent gets nothing of the panel's database settings: node join writes its own into its configuration
        // under systemd (Type=notify, WatchdogSec): it says when it is ready and feeds the watchdog while its channel answers
        Path notify = work.resolve("notify.sock");
        Path notified = work.resolve("notified.txt");
        Map<String, String> envTwo = Map.of("VESSEL_CONF", Files.writeString(work.resolve("two.conf"), channel(server.nodeAddress)).toString(),
                "NOTIFY_SOCKET", notify.toString(), "WATCHDOG_USEC", "2000000");
        Process systemd = ServiceManagerIT.notificationSocket(notify, notified);
        String role = null;
        try (PanelProcess a = new PanelProcess(one, envOne).start(); PanelProcess b = new PanelProcess(two, envTwo)) {
            String nodeA = NodeHealthIT.localNode(a);
            JsonNode enrolment = a.post("/api/v1/nodes/enrolments", "{}").json();
            List<String> join = new ArrayList<>(Arrays.asList(enrolment.get("command").asText().substring("bin/vessel ".length()).split(" ")));
            PanelProcess.Ran joined = b.vessel(join);
            assertEquals(0, joined.exitCode(), joined.output());
            String nodeB = Files.readString(b.dataDir.resolve("node-id")).strip();
            role = "vessel_node_" + nodeB.replace("-", "");
            assertTrue(joined.output().contains("role:        node agent (VEs only; database role " + role), joined.output());
            String conf = Files.readString(Path.of(envTwo.get("VESSEL_CONF")));
            assertTrue(conf.contains("server.role = node-agent") && conf.contains("database.user = " + role) && !conf.contains("database.user = postgres"), conf);
            // nor any of the panels' keys (repository passwords, plugin settings and secrets are sealed with them)
            assertFalse(joined.output().contains("keys:"), joined.output());
            assertFalse(Files.exists(b.dataDir.resolve("keys")), "no keys on a node agent's server");

            b.on(server).startAgent();
            assertTrue(b.output().contains("node agent is running: node " + nodeB), b.output());
            PanelProcess.poll(Duration.ofSeconds(10), () -> ServiceManagerIT.lines(notified).stream().filter(l -> l.startsWith("WATCHDOG=1")).count() >= 3,
                    "the agent's watchdog pings every second while its channel answers: " + ServiceManagerIT.lines(notified));
            assertTrue(ServiceManagerIT.lines(notified).get(0).startsWith("READY=1 STATUS=Node agent " + nodeB + " ready"), ServiceManagerIT.lines(notified).toString());
            // no web tier: nothing listens on its HTTP port, and it neither migrated nor may migrate the database
            assertThrows(java.io.IOException.class, () -> java.net.http.HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(b.uri("/api/v1/health")).build(), HttpResponse.BodyHandlers.ofString()));
            PanelProcess.poll(Duration.ofSeconds(30), () -> "ONLINE".equals(a.get("/api/v1/nodes/" + nodeB).json().at("/node/health").asText())
                    && a.get("/api/v1/nodes/" + nodeB).json().at("/channel/url").isTextual()
                    && a.get("/api/v1/nodes/" + nodeA).json().at("/channel/url").isTextual(), "node b online, both channels listening");

            // the provider sees which node is an agent: in the API and on the node's card
            assertTrue(a.get("/api/v1/nodes/" + nodeB).json().at("/channel/agent").asBoolean(), a.get("/api/v1/nodes/" + nodeB).body());
            assertFalse(a.get("/api/v1/nodes/" + nodeA).json().at("/channel/agent").asBoolean());
            org.openqa.selenium.WebDriver browser = PortalIT.chromium(1280, 900);
            try {
                PortalIT.logIn(browser, "http://127.0.0.1:" + a.port + "/admin/", "admin", PanelProcess.ADMIN_PASSWORD);
                new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(15)).until(
                        org.openqa.selenium.support.ui.ExpectedConditions.textToBePresentInElementLocated(
                                org.openqa.selenium.By.cssSelector("[data-node-agent='" + nodeB + "']"), "node agent"));
                assertTrue(browser.findElements(org.openqa.selenium.By.cssSelector("[data-node-agent='" + nodeA + "']")).isEmpty());
                assertEquals(List.of(), PortalIT.consoleErrors(browser));
            } finally {
                browser.quit();
            }

            // the customer's work, through panel a, done by node b
            JsonNode created = awaitOperation(a, a.post("/api/v1/ves", "{\"template\":\"busybox\",\"hostname\":\"agent-ve\",\"node\":\"" + nodeB + "\"}"));
            assertEquals(nodeB, String.valueOf(created.path("node").asText(null)), created.toString());
            int ve = Integer.parseInt(created.get("result").asText().substring("/api/v1/ves/".length()));
            awaitOperation(a, a.post("/api/v1/ves/" + ve + "/start", ""));
            PanelProcess.Response hostname = a.post("/api/v1/ves/" + ve + "/exec", "{\"command\":[\"hostname\"]}");
            assertEquals(200, hostname.status(), hostname.body());
            assertEquals("agent-ve", hostname.json().get("stdout").asText().strip());
            assertEquals(201, a.post("/api/v1/ip-pools", "{\"name\":\"agent\",\"cidr\":\"10.231.51.0/24\",\"mode\":\"NAT\"}").status());
            String ip = a.post("/api/v1/ves/" + ve + "/ips", "{\"pool\":\"agent\"}").json().get("address").asText();
            assertTrue(a.post("/api/v1/ves/" + ve + "/exec", "{\"command\":[\"ip\",\"-4\",\"addr\",\"show\",\"eth0\"]}").json().get("stdout")
                    .asText().contains(ip + "/24"), "the address on the VE's interface on node b");
            assertEquals(201, a.post("/api/v1/ip-pools", "{\"name\":\"agent6\",\"cidr\":\"fd00:231:51::/64\",\"mode\":\"NAT\"}").status());
            String ip6 = a.post("/api/v1/ves/" + ve + "/ips", "{\"pool\":\"agent6\"}").json().get("address").asText();
            ConsoleIT.Terminal terminal = new ConsoleIT.Terminal();
            java.net.http.WebSocket console = ConsoleIT.open(a, "/ws/ves/" + ve + "/console?columns=100&rows=30",
                    a.login("admin", PanelProcess.ADMIN_PASSWORD).value(), "http://127.0.0.1:" + a.port, terminal).join();
            console.sendBinary(ByteBuffer.wrap("hostname; echo $((6*7))\r".getBytes(StandardCharsets.UTF_8)), true).join();
            terminal.await("42", Duration.ofSeconds(15));
            console.sendBinary(ByteBuffer.wrap("exit 4\r".getBytes(StandardCharsets.UTF_8)), true).join();
            assertEquals("{\"type\":\"exit\",\"code\":4}", terminal.exit.get(15, TimeUnit.SECONDS));
            int onA = NetworkIT.createVe(a, "{\"template\":\"busybox\",\"hostname\":\"panel-ve\",\"node\":\"" + nodeA + "\"}");

            // what node b's database credentials reach, as someone who took over node b's server would try
            try (Connection asB = DriverManager.getConnection(PanelLifecycleIT.PG_URL + "?currentSchema=" + schema, role, "");
                 Statement st = asB.createStatement()) {
                for (String table : List.of("account", "login_session", "api_token", "node_enrolment", "billing_invoice",
                        "billing_gateway_credentials", "backup_repository")) {
                    SQLException refused = assertThrows(SQLException.class, () -> st.executeQuery("SELECT count(*) FROM " + table).close(), table);
                    assertTrue(refused.getMessage().contains("permission denied for table " + table), table + ": " + refused.getMessage());
                }
                assertEquals(List.of(String.valueOf(ve)), column(st, "SELECT id FROM ve ORDER BY id"), "only its own VE, not panel a's " + onA);
                assertEquals(0, st.executeUpdate("UPDATE ve SET hostname = 'taken' WHERE id = " + onA), "another node's VE is out of reach");
                assertEquals(0, st.executeUpdate("DELETE FROM ve_usage WHERE ve_id = " + onA));
                assertTrue(column(st, "SELECT DISTINCT node FROM operation").stream().allMatch(n -> n == null || n.equals(nodeB)),
                        "only its own operations");
                SQLException settings = assertThrows(SQLException.class, () -> st.executeUpdate("UPDATE node SET accepts_new_ves = true, labels = '{}'"));
                assertTrue(settings.getMessage().contains("permission denied"), settings.getMessage());
                SQLException unrevoke = assertThrows(SQLException.class, () -> st.executeUpdate("UPDATE node_certificate SET revoked_at = NULL"));
                assertTrue(unrevoke.getMessage().contains("permission denied"), unrevoke.getMessage());
                assertEquals(0, st.executeUpdate("UPDATE node SET last_heartbeat_at = now() WHERE id = '" + nodeA + "'"), "not another node's heartbeat");
                SQLException planted = assertThrows(SQLException.class, () -> st.executeUpdate("INSERT INTO operation (id, kind, target, state, progress,"
                        + " created_at, node) VALUES ('" + UUID.randomUUID() + "', 've.destroy', 've/" + onA + "', 'QUEUED', 0, now(), '" + nodeA + "')"));
                assertTrue(planted.getMessage().contains("row-level security"), "no work queued for another node: " + planted.getMessage());
                SQLException ddl = assertThrows(SQLException.class, () -> st.execute("ALTER TABLE ve DISABLE ROW LEVEL SECURITY"));
                assertTrue(ddl.getMessage().contains("must be owner"), ddl.getMessage());
            }
            // over the node channel, node b's certificate opens no console and runs no command in another node's VEs
            String caPem;
            try (Connection c = DriverManager.getConnection(PanelLifecycleIT.PG_URL, "postgres", ""); Statement st = c.createStatement();
                 ResultSet rows = st.executeQuery("SELECT certificate FROM " + schema + ".node_ca")) {
                assertTrue(rows.next());
                caPem = rows.getString(1);
            }
            java.net.http.HttpClient asNodeB = java.net.http.HttpClient.newBuilder().sslContext(DispatchIT.nodeTls(two.resolve("data/channel"), caPem)).build();
            String channelOfA = a.get("/api/v1/nodes/" + nodeA).json().at("/channel/url").asText();
            awaitOperation(a, a.post("/api/v1/ves/" + onA + "/start", ""));
            HttpResponse<String> exec = asNodeB.send(HttpRequest.newBuilder(java.net.URI.create(channelOfA + "/ves/" + onA + "/exec"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"command\":[\"id\"]}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, exec.statusCode(), exec.body());
            HttpResponse<String> shell = asNodeB.send(HttpRequest.newBuilder(java.net.URI.create(channelOfA + "/ves/" + onA + "/console?columns=80&rows=24"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, shell.statusCode(), shell.body());
            assertTrue(a.output().contains("Refused a node agent's request for what only panels ask caller=" + nodeB), "panel a logs the attempt");
            // nor does it take over, or push files into, a VE that is not on its way from it
            HttpResponse<String> takeOver = asNodeB.send(HttpRequest.newBuilder(java.net.URI.create(channelOfA + "/ves/" + onA + "/take-over?start=true"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            // (a VE already on the node: answered as for a sender that lost the answer, and nothing done)
            assertTrue(takeOver.statusCode() == 200 && takeOver.body().contains("\"startProblem\":null"), takeOver.body());
            HttpResponse<String> takeOverB = asNodeB.send(HttpRequest.newBuilder(java.net.URI.create(channelOfA + "/ves/" + ve + "/take-over?start=true"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(422, takeOverB.statusCode(), takeOverB.body());
            assertTrue(takeOverB.body().contains("is not on its way from node " + nodeB + " to this node"), takeOverB.body());
            HttpResponse<String> pushed = asNodeB.send(HttpRequest.newBuilder(java.net.URI.create(channelOfA + "/ves/" + onA
                    + "/files?name=forged&last=true")).PUT(HttpRequest.BodyPublishers.ofString("not a stream")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(422, pushed.statusCode(), pushed.body());
            assertEquals("RUNNING", a.get("/api/v1/ves/" + onA).json().get("state").asText(), "panel a's VE as it was");
            assertEquals(nodeB, a.get("/api/v1/ves/" + ve).json().get("node").asText(), "node b's VE where it was");

            // moves: a file written just before the last pass is there after each; node b takes a VE over with its role
            a.post("/api/v1/ves/" + ve + "/exec", "{\"command\":[\"sh\",\"-c\",\"echo first > /marker\"]}");
            // asked live: CRIU cannot checkpoint the VE here (Debian's 3.17 does not start on this kernel), so it moves
            // cold and the outcome says why
            JsonNode toA = awaitOperation(a, a.post("/api/v1/ves/" + ve + "/migrate", "{\"node\":\"" + nodeA + "\",\"live\":true}"));
            assertEquals("SUCCEEDED", toA.get("state").asText(), toA.toString());
            assertTrue(toA.get("message").asText().matches("moved to node .*; it was stopped for \\d+ ms; [\\d.]+ MiB sent; not live: .*(criu|CRIU|checkpoint).*"),
                    toA.toString());
            JsonNode moved = a.get("/api/v1/ves/" + ve).json();
            assertEquals(nodeA, moved.get("node").asText());
            assertEquals("RUNNING", moved.get("state").asText());
            a.post("/api/v1/ves/" + ve + "/exec", "{\"command\":[\"sh\",\"-c\",\"echo second >> /marker\"]}");
            // node b's network still holds the address at a MAC of old (as a switch or router would): the VE tells it
            server.inside("ip", "neigh", "replace", ip, "lladdr", "02:00:00:00:00:01", "dev", b.bridge(), "nud", "stale");
            server.inside("ip", "-6", "neigh", "replace", ip6, "lladdr", "02:00:00:00:00:01", "dev", b.bridge(), "nud", "stale");
            JsonNode toB = awaitOperation(a, a.post("/api/v1/ves/" + ve + "/migrate", "{\"node\":\"" + nodeB + "\"}"));
            assertEquals("SUCCEEDED", toB.get("state").asText(), toB.toString());
            String mac = a.post("/api/v1/ves/" + ve + "/exec", "{\"command\":[\"cat\",\"/sys/class/net/eth0/address\"]}").json().get("stdout").asText().strip();
            PanelProcess.poll(Duration.ofSeconds(10), () -> server.inside("ip", "neigh", "show", ip, "dev", b.bridge()).contains(mac),
                    "node b's neighbour entry for " + ip + " to name the VE's MAC " + mac + " (unsolicited ARP): "
                    + server.inside("ip", "neigh", "show", ip, "dev", b.bridge()));
            PanelProcess.poll(Duration.ofSeconds(10), () -> server.inside("ip", "-6", "neigh", "show", ip6, "dev", b.bridge()).contains(mac),
                    "node b's neighbour entry for " + ip6 + " to name the VE's MAC " + mac + " (unsolicited neighbour advertisement): "
                    + server.inside("ip", "-6", "neigh", "show", ip6, "dev", b.bridge()));
            assertEquals(nodeB, a.get("/api/v1/ves/" + ve).json().get("node").asText());
            assertEquals("first\nsecond\n", a.post("/api/v1/ves/" + ve + "/exec", "{\"command\":[\"cat\",\"/marker\"]}").json().get("stdout").asText());
            assertTrue(a.post("/api/v1/ves/" + ve + "/exec", "{\"command\":[\"ip\",\"-4\",\"addr\",\"show\",\"eth0\"]}").json().get("stdout")
                    .asText().contains(ip + "/24"), "its address went with it");
            // node b's agent dies (kill -9): its VE runs on, unseen; panel a says so within 35 s, and the truth once b is back
            String initBefore = runningInit(b);
            b.crash();
            long killedAt = System.nanoTime();
            PanelProcess.poll(Duration.ofSeconds(45), () -> "UNREACHABLE".equals(a.get("/api/v1/nodes/" + nodeB).json().at("/node/health").asText()),
                    "node b out of reach");
            long silent = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killedAt);
            assertTrue(silent <= 35, "out of reach within 35 s: " + silent + " s");
            JsonNode unknown = a.get("/api/v1/ves/" + ve).json();
            assertEquals("UNKNOWN", unknown.get("state").asText(), unknown.toString());
            assertEquals("RUNNING", a.get("/api/v1/ves/" + onA).json().get("state").asText(), "panel a's own VE as it is");
            assertEquals(initBefore, runningInit(b), "the VE runs on without its agent");
            b.restartAgent();
            PanelProcess.poll(Duration.ofSeconds(30), () -> "ONLINE".equals(a.get("/api/v1/nodes/" + nodeB).json().at("/node/health").asText())
                    && "RUNNING".equals(a.get("/api/v1/ves/" + ve).json().get("state").asText()), "node b back, its VE as it is");
            assertEquals("first\nsecond\n", a.post("/api/v1/ves/" + ve + "/exec", "{\"command\":[\"cat\",\"/marker\"]}").json().get("stdout").asText(),
                    "the VE ran through its agent's crash");
            assertEquals(initBefore, runningInit(b), "the same init as before the crash: adopted, not started again");
            // a drain of node b, run by panel a (which sees every node's VEs to place them): b's VE runs on a
            JsonNode drained = awaitOperation(a, a.post("/api/v1/nodes/" + nodeB + "/drain", ""));
            assertEquals("SUCCEEDED", drained.get("state").asText(), drained.toString());
            assertEquals(nodeA, a.get("/api/v1/ves/" + ve).json().get("node").asText());
            PanelProcess.poll(Duration.ofSeconds(15), () -> a.get("/api/v1/nodes/" + nodeB).json().get("mode").asText().equals("MAINTENANCE"),
                    "node b in maintenance once its heartbeat says it holds no VE");

            // shut out: no channel and no database login any more
            assertEquals(204, a.send(HttpRequest.newBuilder(a.uri("/api/v1/nodes/" + nodeB + "/certificate")).DELETE()).status());
            try (Connection c = DriverManager.getConnection(PanelLifecycleIT.PG_URL, "postgres", ""); Statement st = c.createStatement();
                 ResultSet rows = st.executeQuery("SELECT rolcanlogin FROM pg_roles WHERE rolname = '" + role + "'")) {
                assertTrue(rows.next());
                assertFalse(rows.getBoolean(1), "the role of a node shut out may not log in");
            }
            String shutOut = role;
            assertThrows(SQLException.class, () -> DriverManager.getConnection(PanelLifecycleIT.PG_URL, shutOut, "").close());
        } finally {
            systemd.destroyForcibly();
            server.close();
            try (Connection c = DriverManager.getConnection(PanelLifecycleIT.PG_URL, "postgres", ""); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                if (role != null) {
                    s.execute("DROP ROLE IF EXISTS " + role);
                }
            }
        }
    }

    private static List<String> column(Statement st, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (ResultSet rows = st.executeQuery(sql)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }
}
