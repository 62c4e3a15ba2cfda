package io.vessel.distribution;

import static io.vessel.distribution.VeLifecycleIT.awaitOperation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Panels without VEs of their own ({@code server.role = panel}), as a provider runs them behind a load balancer: not
 * root (here user {@code nobody}), no storage pool, runtime, cgroups or bridge; they manage the node agents' VEs through
 * the records and the node channel. A first panel starts the installation on PostgreSQL and enrols two node agents
 * (each on a network of its own; a Debian template built by one, a Debian VE moved while it runs to the other, sent
 * relative to the template it copies first, and back by a drain); a second panel joins
 * with {@code node join --panel-only}; both see and act on the agents' VEs.
 */
// the agent's VE gets an address: its host interfaces (vh<id>) must not meet another class's VE of the same id
@org.junit.jupiter.api.parallel.ResourceLock(PanelProcess.VE_INTERFACES)
class PanelRoleIT {

    @Test
    void panelsThatAreNotRootManageTheNodeAgentsVes(@TempDir Path work) throws Exception {
        String schema = "it_panels_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Path one = Files.createDirectory(work.resolve("panel-one"), NodeHealthIT.passable());
        Path two = Files.createDirectory(work.resolve("panel-two"), NodeHealthIT.passable());
        Path node = Files.createDirectory(work.resolve("node"), NodeHealthIT.passable());
        Path otherDir = Files.createDirectory(work.resolve("other-node"), NodeHealthIT.passable());
        // each agent on a server of its own (its network, bridge, /sys); the first reaches the host's Debian mirror
        // through the host, as a server behind a router; the panels' channels where both reach them
        NodeNetwork first = new NodeNetwork("vtest-first", 67, NodeNetwork.aptMirrors());
        NodeNetwork server = new NodeNetwork("vtest-other", 64);
        String channel = NodeAgentIT.channel(server.hostAddress);
        Map<String, String> envOne = new java.util.HashMap<>(PanelProcess.env("VESSEL_DB_URL", PanelLifecycleIT.PG_URL, "VESSEL_DB_USER", "postgres",
                "VESSEL_DB_SCHEMA", schema, "VESSEL_ROLE", "panel"));
        envOne.put("VESSEL_CONF", Files.writeString(work.resolve("one.conf"), channel).toString());
        Map<String, String> envNode = Map.of("VESSEL_CONF", Files.writeString(work.resolve("node.conf"), NodeAgentIT.channel(first.nodeAddress)).toString());
        Map<String, String> envOther = Map.of("VESSEL_CONF", Files.writeString(work.resolve("other.conf"), NodeAgentIT.channel(server.nodeAddress)).toString());
        // in the panel's own directory, where node join (run as that user) may write it
        Map<String, String> envTwo = Map.of("VESSEL_CONF", Files.writeString(two.resolve("vessel.conf"), channel).toString());
        try (PanelProcess panel = new PanelProcess(one, envOne).runAs("nobody", "nogroup").start();
             PanelProcess agent = new PanelProcess(node, envNode);
             PanelProcess other = new PanelProcess(otherDir, envOther);
             PanelProcess second = new PanelProcess(two, envTwo).runAs("nobody", "nogroup")) {
            assertEquals("65534", uid(panel.pid()), "the panel runs as nobody, not root");
            assertTrue(panel.output().contains("Panel without VEs of its own (server.role = panel)"), panel.output());
            String panelNode = NodeHealthIT.localNode(panel);
            JsonNode self = panel.get("/api/v1/nodes/" + panelNode).json();
            assertEquals("panel", self.at("/node/role").asText(), self.toString());
            assertEquals("PANEL", self.get("mode").asText());

            // nothing to place VEs on yet, nothing to drain, no template files to make: each said as such
            PanelProcess.Response none = panel.post("/api/v1/ves", "{\"template\":\"busybox\",\"hostname\":\"early\"}");
            assertEquals(409, none.status(), none.body());
            assertTrue(none.json().get("detail").asText().contains("No node runs VEs yet: this panel has none of its own"), none.body());
            PanelProcess.Response drain = panel.post("/api/v1/nodes/" + panelNode + "/drain", "");
            assertEquals(409, drain.status(), drain.body());
            assertTrue(drain.json().get("detail").asText().contains("is a panel (server.role = panel): it runs no VEs"), drain.body());
            PanelProcess.Response build = panel.post("/api/v1/templates", "{\"name\":\"deb\",\"source\":\"debootstrap\",\"suite\":\"bookworm\"}");
            assertEquals(409, build.status(), build.body());
            assertTrue(build.json().get("detail").asText().contains("No node in reach runs VEs to build the template on"), build.body());

            // a node agent joins through the panel and gets the VEs
            JsonNode enrolment = panel.post("/api/v1/nodes/enrolments", "{}").json();
            PanelProcess.Ran joined = agent.vessel(command(enrolment));
            assertEquals(0, joined.exitCode(), joined.output());
            agent.on(first).startAgent();
            String agentNode = Files.readString(agent.dataDir.resolve("node-id")).strip();
            PanelProcess.poll(Duration.ofSeconds(60), () -> "ONLINE".equals(panel.get("/api/v1/nodes/" + agentNode).json().at("/node/health").asText())
                    && panel.get("/api/v1/templates").body().contains("\"READY\"")
                    && panel.get("/api/v1/nodes/" + agentNode).json().at("/channel/url").isTextual()
                    && panel.get("/api/v1/nodes/" + panelNode).json().at("/channel/url").isTextual(),
                    "the agent online with its built-in template, both channels listening");
            // templates: the panel keeps no files, so the agent builds them (what only debootstrap there knows is checked there)
            JsonNode narnia = finished(panel, panel.post("/api/v1/templates", "{\"name\":\"narnia\",\"source\":\"debootstrap\",\"suite\":\"narnia\"}"));
            assertEquals("FAILED", narnia.get("state").asText(), narnia.toString());
            assertTrue(narnia.get("error").asText().contains("unknown suite 'narnia'"), narnia.toString());
            assertEquals("FAILED", panel.get("/api/v1/templates/narnia/1").json().get("state").asText());
            // a root file system archive: checked by the panel, sent to the agent, checked there again and unpacked
            Path tarball = work.resolve("rootfs.tar.gz");
            PanelProcess.host("tar", "--numeric-owner", "-C", TemplatesIT.rootfs(work.resolve("rootfs"), "Tarball Linux 1.0").toString(), "-czf",
                    tarball.toString(), ".");
            JsonNode imported = finished(panel, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/templates/import?name=tarball"))
                    .header("Content-Type", "application/octet-stream").POST(java.net.http.HttpRequest.BodyPublishers.ofFile(tarball))));
            assertEquals("SUCCEEDED", imported.get("state").asText(), imported.toString());
            int fromTarball = NetworkIT.createVe(panel, "{\"template\":\"tarball\",\"hostname\":\"from-tarball\"}");
            awaitOperation(panel, panel.post("/api/v1/ves/" + fromTarball + "/start", ""));
            assertTrue(panel.post("/api/v1/ves/" + fromTarball + "/exec", "{\"command\":[\"cat\",\"/etc/os-release\"]}").json().get("stdout")
                    .asText().contains("Tarball Linux 1.0"));
            awaitOperation(panel, panel.post("/api/v1/ves/" + fromTarball + "/kill", ""));
            awaitOperation(panel, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + fromTarball)).DELETE()));
            JsonNode debian = finished(panel, panel.post("/api/v1/templates", "{\"name\":\"debian-12\",\"source\":\"debootstrap\",\"suite\":\"bookworm\","
                    + "\"init\":\"vessel\"}"));
            assertEquals("SUCCEEDED", debian.get("state").asText(), debian.toString());
            assertTrue(panel.get("/api/v1/templates/debian-12/1").json().get("osName").asText().startsWith("Debian GNU/Linux 12"));
            int deb = NetworkIT.createVe(panel, "{\"template\":\"debian-12\",\"hostname\":\"deb-on-agent\"}");
            awaitOperation(panel, panel.post("/api/v1/ves/" + deb + "/start", ""));
            assertTrue(panel.post("/api/v1/ves/" + deb + "/exec", "{\"command\":[\"cat\",\"/etc/debian_version\"]}").json().get("stdout")
                    .asText().startsWith("12."), "a Debian VE built and run by the agent");
            // a second node agent; the running Debian VE moves to it (asked live: it moves cold here and says why), with a
            // file written just before the last pass; then a drain of that node, run by this panel, brings it back
            JsonNode otherEnrolment = panel.post("/api/v1/nodes/enrolments", "{}").json();
            PanelProcess.Ran otherJoined = other.vessel(command(otherEnrolment));
            assertEquals(0, otherJoined.exitCode(), otherJoined.output());
            other.on(server).startAgent();
            String otherNode = Files.readString(other.dataDir.resolve("node-id")).strip();
            PanelProcess.poll(Duration.ofSeconds(60), () -> "ONLINE".equals(panel.get("/api/v1/nodes/" + otherNode).json().at("/node/health").asText())
                    && panel.get("/api/v1/nodes/" + otherNode).json().at("/channel/url").isTextual(), "the second agent online, its channel listening");
            // another agent's certificate plants no archive for a node to unpack: only panels send them
            String caPem;
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(PanelLifecycleIT.PG_URL, "postgres", "");
                 java.sql.Statement st = c.createStatement(); java.sql.ResultSet rows = st.executeQuery("SELECT certificate FROM " + schema + ".node_ca")) {
                assertTrue(rows.next());
                caPem = rows.getString(1);
            }
            java.net.http.HttpClient asOther = java.net.http.HttpClient.newBuilder().sslContext(DispatchIT.nodeTls(otherDir.resolve("data/channel"), caPem))
                    .build();
            java.net.http.HttpResponse<String> planted = asOther.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    panel.get("/api/v1/nodes/" + agentNode).json().at("/channel/url").asText() + "/templates/tarball@9/upload"))
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("not a root file system")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(403, planted.statusCode(), planted.body());

            panel.post("/api/v1/ves/" + deb + "/exec", "{\"command\":[\"sh\",\"-c\",\"echo before the move > /root/marker\"]}");
            JsonNode moved = awaitOperation(panel, panel.post("/api/v1/ves/" + deb + "/migrate", "{\"node\":\"" + otherNode + "\",\"live\":true}"));
            // the second agent first copies the Debian template from the first, so only what the VE changed travels
            java.util.regex.Matcher sentMiB = java.util.regex.Pattern.compile("moved to node .*; it was stopped for \\d+ ms; ([\\d.]+) MiB sent"
                    + " \\(what differs from template debian-12@1, which it holds too\\); not live: .+").matcher(moved.get("message").asText());
            assertTrue(sentMiB.matches(), moved.toString());
            assertTrue(Double.parseDouble(sentMiB.group(1)) < 32, "a few MiB, not the whole Debian tree: " + moved);
            System.out.println("panels: Debian VE moved between node agents through a panel run as nobody: " + moved.get("message").asText());
            JsonNode there = panel.get("/api/v1/ves/" + deb).json();
            assertEquals(otherNode, there.get("node").asText());
            assertEquals("RUNNING", there.get("state").asText());
            assertEquals("before the move\n", panel.post("/api/v1/ves/" + deb + "/exec", "{\"command\":[\"cat\",\"/root/marker\"]}").json()
                    .get("stdout").asText());
            assertTrue(panel.post("/api/v1/ves/" + deb + "/exec", "{\"command\":[\"cat\",\"/etc/debian_version\"]}").json().get("stdout")
                    .asText().startsWith("12."));
            JsonNode drained = awaitOperation(panel, panel.post("/api/v1/nodes/" + otherNode + "/drain", ""));
            assertEquals("SUCCEEDED", drained.get("state").asText(), drained.toString());
            assertEquals(agentNode, panel.get("/api/v1/ves/" + deb).json().get("node").asText(), "the drain placed it on the other agent, not a panel");
            assertTrue(other.output().contains("VE sent relative to its template ve=" + deb), "back to the template's own node, relative to it too");
            PanelProcess.poll(Duration.ofSeconds(15), () -> "MAINTENANCE".equals(panel.get("/api/v1/nodes/" + otherNode).json().get("mode").asText()),
                    "the drained agent in maintenance");
            awaitOperation(panel, panel.post("/api/v1/ves/" + deb + "/kill", ""));
            awaitOperation(panel, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + deb)).DELETE()));

            JsonNode health = panel.get("/api/v1/health").json();
            assertEquals("UP", health.at("/checks/kernel/status").asText(), health.toString());
            assertTrue(health.at("/checks/kernel/summary").asText().contains("a panel without VEs of its own (server.role = panel); 2 nodes in reach"
                    + " run VEs"), health.toString());
            JsonNode created = awaitOperation(panel, panel.post("/api/v1/ves", "{\"template\":\"busybox\",\"hostname\":\"on-agent\"}"));
            assertEquals("SUCCEEDED", created.get("state").asText(), created.toString());
            int ve = Integer.parseInt(created.get("result").asText().substring("/api/v1/ves/".length()));
            assertEquals(agentNode, panel.get("/api/v1/ves/" + ve).json().get("node").asText(), "placed on the agent, the only node with VEs");
            awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            PanelProcess.Response hostname = panel.post("/api/v1/ves/" + ve + "/exec", "{\"command\":[\"hostname\"]}");
            assertEquals(200, hostname.status(), hostname.body());
            assertEquals("on-agent", hostname.json().get("stdout").asText().strip());
            assertEquals(201, panel.post("/api/v1/ip-pools", "{\"name\":\"panels\",\"cidr\":\"10.231.52.0/24\",\"mode\":\"NAT\"}").status());
            String ip = panel.post("/api/v1/ves/" + ve + "/ips", "{\"pool\":\"panels\"}").json().get("address").asText();
            PanelProcess.poll(Duration.ofSeconds(10), () -> panel.post("/api/v1/ves/" + ve + "/exec", "{\"command\":[\"ip\",\"-4\",\"addr\",\"show\",\"eth0\"]}")
                    .json().get("stdout").asText().contains(ip + "/24"), "the address on the VE's interface on the agent");
            ConsoleIT.Terminal terminal = new ConsoleIT.Terminal();
            java.net.http.WebSocket console = ConsoleIT.open(panel, "/ws/ves/" + ve + "/console?columns=100&rows=30",
                    panel.login("admin", PanelProcess.ADMIN_PASSWORD).value(), "http://127.0.0.1:" + panel.port, terminal).join();
            console.sendBinary(ByteBuffer.wrap("echo $((6*7))\r".getBytes(StandardCharsets.UTF_8)), true).join();
            terminal.await("42", Duration.ofSeconds(15));
            console.sendBinary(ByteBuffer.wrap("exit 3\r".getBytes(StandardCharsets.UTF_8)), true).join();
            assertEquals("{\"type\":\"exit\",\"code\":3}", terminal.exit.get(15, TimeUnit.SECONDS));

            // a second panel joins as a panel without VEs, also not root, and acts on the same VE
            PanelProcess.Ran secondJoined = second.vessel(withPanelOnly(command(panel.post("/api/v1/nodes/enrolments", "{}").json())));
            assertEquals(0, secondJoined.exitCode(), secondJoined.output());
            assertTrue(secondJoined.output().contains("role:        panel without VEs"), secondJoined.output());
            String conf = Files.readString(Path.of(envTwo.get("VESSEL_CONF")));
            assertTrue(conf.contains("server.role = panel") && conf.contains("database.user = postgres"), conf);
            second.start();
            assertEquals("65534", uid(second.pid()));
            assertEquals("RUNNING", second.get("/api/v1/ves/" + ve).json().get("state").asText());
            awaitOperation(second, second.post("/api/v1/ves/" + ve + "/stop", ""));
            PanelProcess.poll(Duration.ofSeconds(10), () -> "STOPPED".equals(panel.get("/api/v1/ves/" + ve).json().get("state").asText()),
                    "the first panel to see the stop the second one dispatched");
            String secondNode = Files.readString(second.dataDir.resolve("node-id")).strip();
            assertEquals("PANEL", panel.get("/api/v1/nodes/" + secondNode).json().get("mode").asText());

            // the provider tells panels from nodes on the dashboard
            org.openqa.selenium.WebDriver browser = PortalIT.chromium(1280, 900);
            try {
                PortalIT.logIn(browser, "http://127.0.0.1:" + panel.port + "/admin/", "admin", PanelProcess.ADMIN_PASSWORD);
                new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(15)).until(
                        org.openqa.selenium.support.ui.ExpectedConditions.textToBePresentInElementLocated(
                                org.openqa.selenium.By.cssSelector("[data-node-panel='" + secondNode + "']"), "panel without VEs"));
                assertTrue(browser.findElements(org.openqa.selenium.By.cssSelector("[data-node-panel='" + agentNode + "']")).isEmpty());
                assertEquals(List.of(), PortalIT.consoleErrors(browser));
            } finally {
                browser.quit();
            }
            awaitOperation(panel, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + ve)).DELETE()));
        } finally {
            server.close();
            first.close();
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(PanelLifecycleIT.PG_URL, "postgres", "");
                 java.sql.Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                for (Path agentDir : List.of(node, otherDir)) {
                    Path agentId = agentDir.resolve("data/node-id");
                    if (Files.exists(agentId)) {
                        s.execute("DROP ROLE IF EXISTS vessel_node_" + Files.readString(agentId).strip().replace("-", ""));
                    }
                }
            }
        }
    }

    /** An operation once it has finished, whichever way (a Debian build takes longer than a VE's operations). */
    private static JsonNode finished(PanelProcess panel, PanelProcess.Response accepted) {
        assertEquals(202, accepted.status(), accepted.toString());
        String id = accepted.json().get("id").asText();
        JsonNode[] last = new JsonNode[1];
        PanelProcess.poll(Duration.ofMinutes(5), () -> {
            last[0] = panel.get("/api/v1/operations/" + id + "?wait=20").json();
            return last[0].path("state").asText().matches("SUCCEEDED|FAILED");
        }, "operation " + id);
        return last[0];
    }

    /** The join command the panel printed for an enrolment, as arguments of bin/vessel. */
    private static List<String> command(JsonNode enrolment) {
        return new ArrayList<>(Arrays.asList(enrolment.get("command").asText().substring("bin/vessel ".length()).split(" ")));
    }

    private static List<String> withPanelOnly(List<String> join) {
        join.add("--panel-only");
        return join;
    }

    /** The real user id of a process. */
    private static String uid(long pid) throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("Uid:"))
                .map(l -> l.split("\\s+")[1]).findFirst().orElseThrow();
    }
}
