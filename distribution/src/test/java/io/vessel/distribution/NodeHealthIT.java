package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static io.vessel.distribution.VeLifecycleIT.awaitOperation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes on one PostgreSQL, as a provider's first cluster: two Vessel processes on this machine, each with its own
 * data directory, storage pool, bridge, cgroups and runtime root (each is a node; the web tier runs in both; the
 * second on a network of its own), one database. Each runs its own VEs and leaves the other's alone; each shows both nodes and every VE with its node.
 * When one node is killed ({@code kill -9}: its VEs keep running), the other shows it out of reach within 35 s,
 * its VEs as UNKNOWN rather than a made-up state, and tells the provider once; when it is started again it
 * reconciles, and the truth is back.
 */
class NodeHealthIT {

    @Test
    void aKilledNodeIsUnreachableItsVesUnknownAndTheProviderToldUntilItIsBack(@TempDir Path work) throws Exception {
        String schema = "it_nodes_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Map<String, String> env = PanelProcess.env("VESSEL_DB_URL", PanelLifecycleIT.PG_URL, "VESSEL_DB_USER", "postgres", "VESSEL_DB_SCHEMA", schema);
        java.nio.file.Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Path one = java.nio.file.Files.createDirectory(work.resolve("one"), passable());
        Path two = java.nio.file.Files.createDirectory(work.resolve("two"), passable());
        // node b on a server of its own (its network, bridge and /sys; its API reached as through a proxy on it), each
        // node's channel at an address the other reaches
        NodeNetwork server = new NodeNetwork("vtest-health", 65);
        Map<String, String> envA = new java.util.HashMap<>(env);
        envA.put("VESSEL_CONF", java.nio.file.Files.writeString(work.resolve("a.conf"), NodeAgentIT.channel(server.hostAddress)).toString());
        Map<String, String> envB = new java.util.HashMap<>(env);
        envB.put("VESSEL_CONF", java.nio.file.Files.writeString(work.resolve("b.conf"), NodeAgentIT.channel(server.nodeAddress)).toString());
        // the second node starts while the first may still build the built-in template: it waits for that build and
        // makes its own copy, leaving the shared record as it is
        try (PanelProcess a = new PanelProcess(one, envA).start(); PanelProcess b = new PanelProcess(two, envB).on(server).start()) {
            String provider = a.get("/api/v1/me").json().at("/tenant/id").asText();
            String ops = a.createAccount(provider, "ops", "provider-admin", "Ops-Password-123");
            assertEquals(200, a.send(java.net.http.HttpRequest.newBuilder(a.uri("/api/v1/accounts/" + ops)).header("Content-Type", "application/json")
                    .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString("{\"email\":\"ops@provider.test\"}"))).status());
            // one session, two panels: a logout on one is honoured by the other within a second or so
            PanelProcess.Response login = a.anonymous(java.net.http.HttpRequest.newBuilder(a.uri("/api/v1/auth/login"))
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"username\":\"ops\",\"password\":\"Ops-Password-123\"}")));
            assertEquals(200, login.status(), login.toString());
            String cookie = login.header("Set-Cookie").substring(0, login.header("Set-Cookie").indexOf(';'));
            assertEquals(200, me(b, cookie), "the session made on one panel works on the other");
            assertEquals(204, a.anonymous(java.net.http.HttpRequest.newBuilder(a.uri("/api/v1/auth/logout")).header("Cookie", cookie)
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody())).status());
            long loggedOut = System.nanoTime();
            PanelProcess.poll(Duration.ofSeconds(5), () -> me(b, cookie) == 401, "the other panel to refuse the ended session");
            assertTrue(System.nanoTime() - loggedOut < Duration.ofSeconds(3).toNanos(), "well before its cache's 10 s");

            String nodeA = localNode(a);
            String nodeB = localNode(b);
            assertTrue(!nodeA.equals(nodeB), "two nodes");
            int near = NetworkIT.createVe(a, "{\"template\":\"busybox\",\"hostname\":\"near\"}");
            awaitOperation(a, a.post("/api/v1/ves/" + near + "/start", ""));
            int far = NetworkIT.createVe(b, "{\"template\":\"busybox\",\"hostname\":\"far\"}");
            assertTrue(b.output().contains("copy=this node"), "node b made its own copy of the built-in template: " + b.output());
            assertEquals(1, a.get("/api/v1/templates").json().size(), "one built-in template, recorded once");
            awaitOperation(b, b.post("/api/v1/ves/" + far + "/start", ""));

            // each node sees both, and every VE with its node; it acts on its own only
            JsonNode nodes = a.get("/api/v1/nodes").json();
            assertEquals(2, nodes.size(), nodes.toString());
            assertEquals("ONLINE", node(nodes, nodeB).at("/node/health").asText(), nodes.toString());
            assertFalse(node(nodes, nodeB).get("local").asBoolean());
            JsonNode farSeen = a.get("/api/v1/ves/" + far).json();
            assertEquals(nodeB, farSeen.get("node").asText(), farSeen.toString());
            PanelProcess.poll(Duration.ofSeconds(5), () -> "RUNNING".equals(a.get("/api/v1/ves/" + far).json().get("state").asText()),
                    "node b's VE as b records it");
            // commands run where the VE is: not proxied between nodes yet (power actions are dispatched: DispatchIT)
            PanelProcess.Response refused = a.post("/api/v1/ves/" + far + "/exec", "{\"command\":[\"true\"]}");
            assertProblem(refused, 409, null);
            assertTrue(refused.json().get("detail").asText().contains(nodeB), refused.body());
            assertEquals(nodeA, b.get("/api/v1/ves/" + near).json().get("node").asText());

            // node b dies; its VE runs on, unseen
            b.crash();
            long killedAt = System.nanoTime();
            // an action dispatched to it before it is known to be gone waits for it, then fails with the reason
            PanelProcess.Response unclaimed = a.post("/api/v1/ves/" + far + "/stop", "");
            assertEquals(202, unclaimed.status(), unclaimed.toString());
            String unclaimedId = unclaimed.json().get("id").asText();
            PanelProcess.poll(Duration.ofSeconds(45), () -> "UNREACHABLE".equals(node(a.get("/api/v1/nodes").json(), nodeB).at("/node/health").asText()),
                    "node b to be out of reach");
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killedAt);
            assertTrue(seconds <= 35, "out of reach within 35 s of its last heartbeat: " + seconds + " s");
            PanelProcess.poll(Duration.ofSeconds(20), () -> "FAILED".equals(a.get("/api/v1/operations/" + unclaimedId).json().get("state").asText()),
                    "the stop its node never took up to fail");
            assertTrue(a.get("/api/v1/operations/" + unclaimedId).json().get("error").asText().contains("did not take this operation up"),
                    a.get("/api/v1/operations/" + unclaimedId).body());
            PanelProcess.Response whileAway = a.post("/api/v1/ves/" + far + "/stop", "");
            assertProblem(whileAway, 409, null);
            assertTrue(whileAway.json().get("detail").asText().contains("out of reach since"), whileAway.body());
            JsonNode unknown = a.get("/api/v1/ves/" + far).json();
            assertEquals("UNKNOWN", unknown.get("state").asText(), unknown.toString());
            assertTrue(unknown.get("stateReason").asText().contains("has not been heard from"), unknown.toString());
            assertEquals("RUNNING", a.get("/api/v1/ves/" + near).json().get("state").asText(), "node a's own VE is as it is");
            for (JsonNode ve : a.get("/api/v1/ves").json()) {
                assertEquals(ve.get("id").asInt() == far ? "UNKNOWN" : "RUNNING", ve.get("state").asText(), ve.toString());
            }
            Path outbox = one.resolve("data/outbox");
            PanelProcess.poll(Duration.ofSeconds(20), () -> NotificationsIT.mails(outbox).stream()
                    .anyMatch(m -> m.contains("To: ops@provider.test") && m.contains("is out of reach")), "the provider told");
            Thread.sleep(6_000); // the watcher looks again: still told once
            assertEquals(1, NotificationsIT.mails(outbox).stream().filter(m -> m.contains("is out of reach") && m.contains("To: ops@provider.test"))
                    .count(), "told once");

            // the provider's dashboard says so too
            org.openqa.selenium.WebDriver browser = PortalIT.chromium(1280, 800);
            try {
                PortalIT.logIn(browser, "http://127.0.0.1:" + a.port + "/admin/", "admin", PanelProcess.ADMIN_PASSWORD);
                var wait = new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(30));
                wait.until(org.openqa.selenium.support.ui.ExpectedConditions.textToBePresentInElementLocated(
                        org.openqa.selenium.By.cssSelector("[data-node-health='" + nodeB + "']"), "unreachable"));
                String card = browser.findElement(org.openqa.selenium.By.cssSelector("[data-node='" + nodeB + "']")).getText();
                assertTrue(card.contains("Not heard from since") && card.contains("UNKNOWN"), card);
                assertTrue(browser.findElement(org.openqa.selenium.By.id("ve-counts")).getText().contains("1 unknown"),
                        browser.findElement(org.openqa.selenium.By.id("ve-counts")).getText());
                assertEquals(List.of(), PortalIT.consoleErrors(browser));
            } finally {
                browser.quit();
            }

            // node b is started again: it reconciles, its VE ran through it, and the truth is back
            try (PanelProcess again = new PanelProcess(two, envB).on(server).start()) {
                PanelProcess.poll(Duration.ofSeconds(15), () -> "RUNNING".equals(a.get("/api/v1/ves/" + far).json().get("state").asText()),
                        "node b's VE as it is");
                assertEquals("ONLINE", node(a.get("/api/v1/nodes").json(), nodeB).at("/node/health").asText());
                assertEquals("RUNNING", again.get("/api/v1/ves/" + far).json().get("state").asText(), "its VE survived the kill");
                assertEquals(200, again.post("/api/v1/ves/" + far + "/exec", "{\"command\":[\"true\"]}").status(), "and is its own again");
            }
        } finally {
            server.close();
            try (Connection c = DriverManager.getConnection(PanelLifecycleIT.PG_URL, "postgres", ""); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    static java.nio.file.attribute.FileAttribute<?> passable() {
        return java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    }

    private static int me(PanelProcess panel, String cookie) {
        return panel.anonymous(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/me")).header("Cookie", cookie).GET()).status();
    }

    static String localNode(PanelProcess panel) {
        for (JsonNode n : panel.get("/api/v1/nodes").json()) {
            if (n.get("local").asBoolean()) {
                return n.at("/node/id").asText();
            }
        }
        throw new AssertionError("no local node");
    }

    private static JsonNode node(JsonNode nodes, String id) {
        for (JsonNode n : nodes) {
            if (n.at("/node/id").asText().equals(id)) {
                return n;
            }
        }
        throw new AssertionError("no node " + id + " in " + nodes);
    }
}
