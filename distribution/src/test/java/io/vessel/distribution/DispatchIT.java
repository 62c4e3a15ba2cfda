package io.vessel.distribution;

import static io.vessel.distribution.VeLifecycleIT.awaitOperation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dispatch: a VE action taken by any panel runs on the VE's node. Two Vessel processes share one PostgreSQL as two
 * nodes (as in {@link NodeHealthIT}; node b on a network of its own, {@link NodeNetwork}); the API answers exactly as on one server, and the operation says which node
 * ran it. The operation is a row, not a closure in the process that took the request: it waits for a node that is
 * restarting, and it finishes when the panel that took it is killed.
 */
// its VEs get addresses: their host interfaces (vh<id>) must not meet another class's VE of the same id
@org.junit.jupiter.api.parallel.ResourceLock(PanelProcess.VE_INTERFACES)
class DispatchIT {

    @Test
    void aVeActionTakenByAnyPanelRunsOnTheVesNodeAndOutlivesThePanel(@TempDir Path work) throws Exception {
        String schema = "it_dispatch_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Map<String, String> env = PanelProcess.env("VESSEL_DB_URL", PanelLifecycleIT.PG_URL, "VESSEL_DB_USER", "postgres", "VESSEL_DB_SCHEMA", schema);
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Path one = Files.createDirectory(work.resolve("one"), NodeHealthIT.passable());
        Path two = Files.createDirectory(work.resolve("two"), NodeHealthIT.passable());
        // node b on a server of its own (joined from this host, then run on its network); each node's channel on a
        // free port at an address the other reaches
        NodeNetwork server = new NodeNetwork("vtest-dispatch", 66);
        Map<String, String> envOne = new java.util.HashMap<>(env);
        envOne.put("VESSEL_CONF", Files.writeString(work.resolve("one.conf"), NodeAgentIT.channel(server.hostAddress)).toString());
        Map<String, String> envTwo = new java.util.HashMap<>(env);
        envTwo.put("VESSEL_CONF", Files.writeString(work.resolve("two.conf"), NodeAgentIT.channel(server.nodeAddress)).toString());
        try (PanelProcess a = new PanelProcess(one, envOne).start();
             PanelProcess b = enrolled(a, new PanelProcess(two, envTwo), schema).on(server).start()) {
            String nodeB = NodeHealthIT.localNode(b);
            // b's pool is mounted on its server only
            java.util.function.Predicate<Path> presentOnB = path -> server.inside("sh", "-c", "test -e \"$0\" && echo present", path.toString())
                    .contains("present");
            String nodeA = NodeHealthIT.localNode(a);
            int onNodeA = NetworkIT.createVe(a, "{\"template\":\"busybox\"}");
            awaitOperation(a, a.post("/api/v1/ves/" + onNodeA + "/start", ""));

            // made on node b through panel a: a's API waits for b's work and answers as on one server
            JsonNode created = awaitOperation(a, a.post("/api/v1/ves", "{\"template\":\"busybox\",\"hostname\":\"placed\",\"node\":\"" + nodeB + "\"}"));
            assertEquals(nodeB, created.get("node").asText(), "run by node b: " + created);
            int placed = Integer.parseInt(created.get("result").asText().substring("/api/v1/ves/".length()));
            assertEquals(nodeB, a.get("/api/v1/ves/" + placed).json().get("node").asText());
            assertTrue(b.output().contains("Operation claimed"), b.output());

            // started through panel a: it runs in node b's runtime, where b's own API reaches it; a's live view follows
            JsonNode started;
            try (EventStream live = EventStream.open(a.admin(), "/api/v1/events")) {
                started = awaitOperation(a, a.post("/api/v1/ves/" + placed + "/start", ""));
                String startId = started.get("id").asText();
                live.await(Duration.ofSeconds(10), e -> e.name().equals("operation") && e.data().get("id").asText().equals(startId)
                        && e.data().get("state").asText().equals("RUNNING"), "panel a's stream: node b running the start");
                live.await(Duration.ofSeconds(10), e -> e.name().equals("ve") && e.data().get("id").asInt() == placed
                        && e.data().get("state").asText().equals("RUNNING"), "panel a's stream: the VE on node b running");
            }
            assertEquals(nodeB, started.get("node").asText(), started.toString());
            PanelProcess.Response hostname = b.post("/api/v1/ves/" + placed + "/exec", "{\"command\":[\"hostname\"]}");
            assertEquals("placed", hostname.json().get("stdout").asText().strip(), hostname.body());
            // changed through panel a, applied by node b where the VE's cgroups and files are; a's answer shows it
            PanelProcess.Response changed = patch(a, "/api/v1/ves/" + placed, "{\"hostname\":\"moved\",\"limits\":{\"memoryBytes\":268435456}}");
            assertEquals(200, changed.status(), changed.toString());
            assertEquals("moved", changed.json().get("hostname").asText(), changed.body());
            assertEquals(268435456L, changed.json().at("/limits/memoryBytes").asLong(), changed.body());
            String meminfo = b.post("/api/v1/ves/" + placed + "/exec", "{\"command\":[\"grep\",\"MemTotal\",\"/proc/meminfo\"]}").json().get("stdout").asText();
            assertTrue(meminfo.contains("262144 kB"), "the new limit in force on node b: " + meminfo);
            PanelLifecycleIT.assertProblem(patch(a, "/api/v1/ves/" + placed, "{\"hostname\":\"not a name\"}"), 400, null);
            String key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@dispatch";
            PanelProcess.Response added = a.post("/api/v1/ves/" + placed + "/ssh-keys", "{\"publicKey\":\"" + key + "\"}");
            assertEquals(201, added.status(), added.toString());
            String authorized = b.post("/api/v1/ves/" + placed + "/exec", "{\"command\":[\"cat\",\"/root/.ssh/authorized_keys\"]}").json().get("stdout").asText();
            assertTrue(authorized.contains("ops@dispatch"), "written into the VE on node b: " + authorized);
            assertEquals(204, a.send(java.net.http.HttpRequest.newBuilder(a.uri("/api/v1/ves/" + placed + "/ssh-keys/" + added.json().get("id").asText()))
                    .DELETE()).status());
            PanelLifecycleIT.assertProblem(a.post("/api/v1/ves/" + placed + "/ssh-keys", "{\"publicKey\":\"ssh-rsa nonsense\"}"), 400, null);
            // root's password: panel a sends node b the hash, never the password; the operation keeps nothing of it once done
            assertEquals(204, a.post("/api/v1/ves/" + placed + "/password", "{\"password\":\"Remote-Root-Pass-1\"}").status());
            String shadow = b.post("/api/v1/ves/" + placed + "/exec", "{\"command\":[\"grep\",\"^root:\",\"/etc/shadow\"]}").json().get("stdout").asText();
            assertTrue(shadow.startsWith("root:$6$"), "the new hash in the VE's /etc/shadow on node b: " + shadow);
            PanelLifecycleIT.assertProblem(a.post("/api/v1/ves/" + placed + "/password", "{\"password\":\"short\"}"), 400, null);
            try (Connection c = DriverManager.getConnection(PanelLifecycleIT.PG_URL, "postgres", ""); Statement s = c.createStatement();
                 java.sql.ResultSet rows = s.executeQuery("SELECT state, parameters FROM " + schema + ".operation WHERE kind = 've.root-password'")) {
                assertTrue(rows.next(), "the change was an operation for node b");
                assertEquals("SUCCEEDED", rows.getString(1));
                assertEquals(null, rows.getString(2), "its parameters (the hash) erased once it ended");
            }

            // an address and a port forward of node b's VE, given through panel a, are in force on node b at once
            assertEquals(201, a.post("/api/v1/ip-pools", "{\"name\":\"remote\",\"cidr\":\"10.231.41.0/24\",\"mode\":\"NAT\"}").status());
            PanelProcess.Response address = a.post("/api/v1/ves/" + placed + "/ips", "{\"pool\":\"remote\"}");
            assertEquals(201, address.status(), address.toString());
            String ip = address.json().get("address").asText();
            String eth0 = b.post("/api/v1/ves/" + placed + "/exec", "{\"command\":[\"ip\",\"-4\",\"addr\",\"show\",\"eth0\"]}").json().get("stdout").asText();
            assertTrue(eth0.contains(ip + "/24"), "the address on the VE's interface on node b: " + eth0);
            PanelProcess.Response forward = a.post("/api/v1/ves/" + placed + "/port-forwards", "{\"hostPort\":18022,\"port\":22}");
            assertEquals(201, forward.status(), forward.toString());
            String natOfB = "vessel-nat-" + b.bridge();
            assertTrue(server.inside("nft", "list", "table", "ip", natOfB).contains("18022"), "node b's host forwards the port");
            PanelLifecycleIT.assertProblem(a.post("/api/v1/ves/" + placed + "/port-forwards", "{\"hostPort\":18022,\"port\":80}"), 409, null);
            // a host port is a host's own: node a forwards the same port to a VE of its own
            assertEquals(201, a.post("/api/v1/ip-pools", "{\"name\":\"local\",\"cidr\":\"10.231.42.0/24\",\"mode\":\"NAT\"}").status());
            assertEquals(201, a.post("/api/v1/ves/" + onNodeA + "/ips", "{\"pool\":\"local\"}").status());
            PanelProcess.Response sameOnA = b.post("/api/v1/ves/" + onNodeA + "/port-forwards", "{\"hostPort\":18022,\"port\":22}");
            assertEquals(201, sameOnA.status(), "the same port on the other node's host: " + sameOnA);
            assertTrue(PanelProcess.host("nft", "list", "table", "ip", "vessel-nat-" + a.bridge()).contains("18022"), "node a's host forwards it too");
            // released through panel a: gone from the VE on node b, and its forward from b's host
            assertEquals(204, a.send(java.net.http.HttpRequest.newBuilder(a.uri("/api/v1/ves/" + placed + "/ips/" + ip)).DELETE()).status());
            eth0 = b.post("/api/v1/ves/" + placed + "/exec", "{\"command\":[\"ip\",\"-4\",\"addr\",\"show\",\"eth0\"]}").json().get("stdout").asText();
            assertTrue(!eth0.contains(ip + "/"), "the address gone on node b: " + eth0);
            assertTrue(!server.inside("nft", "list", "table", "ip", natOfB).contains("18022"), "node b's host forwards it no more");
            assertEquals(1, b.get("/api/v1/ves/" + onNodeA + "/port-forwards").json().size(), "node a's forward stays");

            // the node channel: a command in node b's VE, taken by panel a, runs on b over mutually authenticated TLS
            PanelProcess.poll(Duration.ofSeconds(40), () -> a.get("/api/v1/nodes/" + nodeB).json().at("/channel/url").isTextual()
                    && b.get("/api/v1/nodes/" + nodeA).json().at("/channel/url").isTextual(), "both nodes' channels");
            PanelProcess.Response remoteExec = a.post("/api/v1/ves/" + placed + "/exec", "{\"command\":[\"hostname\"]}");
            assertEquals(200, remoteExec.status(), remoteExec.toString());
            assertEquals("moved", remoteExec.json().get("stdout").asText().strip(), remoteExec.body());
            PanelProcess.Response streamed = a.post("/api/v1/ves/" + placed + "/exec?stream=true", "{\"command\":[\"sh\",\"-c\",\"echo one; echo two >&2; exit 3\"]}");
            assertEquals(200, streamed.status(), streamed.toString());
            assertTrue(streamed.body().contains("\"exitCode\":3") && streamed.body().contains("\"stream\":\"stderr\""), streamed.body());
            PanelLifecycleIT.assertProblem(a.post("/api/v1/ves/" + placed + "/exec", "{\"command\":[]}"), 400, null);
            assertEquals(200, b.post("/api/v1/ves/" + onNodeA + "/exec", "{\"command\":[\"true\"]}").status(), "and the other way");
            // the console of node b's VE, opened through panel a: keystrokes, size and exit status cross the node channel
            String adminCookie = a.login("admin", PanelProcess.ADMIN_PASSWORD).value();
            ConsoleIT.Terminal terminal = new ConsoleIT.Terminal();
            java.net.http.WebSocket console = ConsoleIT.open(a, "/ws/ves/" + placed + "/console?columns=100&rows=30", adminCookie,
                    "http://127.0.0.1:" + a.port, terminal).join();
            console.sendBinary(java.nio.ByteBuffer.wrap("hostname; echo $((6*7))\r".getBytes(java.nio.charset.StandardCharsets.UTF_8)), true).join();
            terminal.await("42", Duration.ofSeconds(10));
            assertTrue(terminal.screen.toString().contains("moved"), "b's VE answered: " + terminal.screen);
            console.sendText("{\"type\":\"resize\",\"columns\":120,\"rows\":40}", true).join();
            console.sendText("{\"type\":\"input\",\"data\":\"stty size\\r\"}", true).join();
            terminal.await("40 120", Duration.ofSeconds(10));
            console.sendBinary(java.nio.ByteBuffer.wrap("exit 3\r".getBytes(java.nio.charset.StandardCharsets.UTF_8)), true).join();
            assertEquals("{\"type\":\"exit\",\"code\":3}", terminal.exit.get(10, java.util.concurrent.TimeUnit.SECONDS));
            // a browser that goes away hangs the shell up on node b, however silent the shell is
            ConsoleIT.Terminal left = new ConsoleIT.Terminal();
            java.net.http.WebSocket leaving = ConsoleIT.open(a, "/ws/ves/" + placed + "/console", adminCookie, "http://127.0.0.1:" + a.port, left).join();
            leaving.sendBinary(java.nio.ByteBuffer.wrap("echo $$ > /tmp/console-shell; echo written\r".getBytes(java.nio.charset.StandardCharsets.UTF_8)), true).join();
            left.await("written", Duration.ofSeconds(10));
            leaving.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "done").join();
            PanelProcess.poll(Duration.ofSeconds(10), () -> b.post("/api/v1/ves/" + placed + "/exec", "{\"command\":[\"sh\",\"-c\",\"kill -0 $(cat /tmp/console-shell)\"]}")
                    .json().get("exitCode").asInt() != 0, "the shell on node b to end once the browser left");
            assertTrue(b.output().contains("Console hung up by another node's panel ve=" + placed), "node b logs the hang-up");
            // a node is trusted as a node, not as every node: with node a's own key and certificate, node b refuses to
            // take the files of b's VE from a, and knows no path but its own; without a certificate nothing gets through
            String caPem;
            try (Connection c = DriverManager.getConnection(PanelLifecycleIT.PG_URL, "postgres", ""); Statement st = c.createStatement();
                 java.sql.ResultSet rows = st.executeQuery("SELECT certificate FROM " + schema + ".node_ca")) {
                assertTrue(rows.next());
                caPem = rows.getString(1);
            }
            // each forged request on a connection of its own, as an attacker's would be: a POST on a kept-alive connection
            // the channel closed meanwhile fails with "header parser received no bytes" (seen once on a loaded CI machine)
            javax.net.ssl.SSLContext nodeATls = nodeTls(one.resolve("data/channel"), caPem);
            java.util.function.Supplier<java.net.http.HttpClient> asNodeA = () -> java.net.http.HttpClient.newBuilder().sslContext(nodeATls).build();
            String channelOfB = a.get("/api/v1/nodes/" + nodeB).json().at("/channel/url").asText();
            java.net.http.HttpResponse<String> pushed = asNodeA.get().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(channelOfB + "/ves/"
                    + placed + "/files?name=forged&last=true")).PUT(java.net.http.HttpRequest.BodyPublishers.ofString("not a stream")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(422, pushed.statusCode(), pushed.body());
            assertTrue(pushed.body().contains("is not node " + nodeA + "'s to send"), pushed.body());
            assertTrue(presentOnB.test(two.resolve("data/storage/pool/ves/" + placed)), "b's VE keeps its files");
            assertEquals(404, asNodeA.get().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(channelOfB + "/templates/..%2F..%2Fetc/files")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
            // a console session is typed into only by the node that opened it, and only by its id
            assertEquals(404, asNodeA.get().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(channelOfB + "/consoles/" + UUID.randomUUID() + "/input"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("reboot\r")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
            // mixed versions: a peer that speaks only a newer node-channel protocol is told, with the node to upgrade
            java.net.http.HttpResponse<String> tooNew = asNodeA.get().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(channelOfB + "/ves/"
                    + placed + "/exec")).header("Vessel-Channel-Protocol", "4").header("Vessel-Channel-Oldest", "3")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"command\":[\"id\"]}")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(426, tooNew.statusCode(), tooNew.body());
            assertTrue(tooNew.body().contains("node " + nodeA + " speaks node-channel protocol 3 and newer") && tooNew.body().endsWith("upgrade this node"),
                    tooNew.body());
            JsonNode versionOfB = a.get("/api/v1/nodes/" + nodeB).json().get("node");
            assertTrue(versionOfB.get("version").asText().matches("\\d+\\.\\d+\\.\\d+.*") && versionOfB.get("channelProtocol").asInt() == 2,
                    "each node records the Vessel it runs: " + versionOfB);
            javax.net.ssl.SSLContext noCertificate = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
            noCertificate.init(null, new javax.net.ssl.TrustManager[] {trustAnyServer()}, null);
            org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> java.net.http.HttpClient.newBuilder().sslContext(noCertificate)
                    .build().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(channelOfB + "/ves/" + placed + "/exec"))
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"command\":[\"id\"]}")).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString()));

            // a tenant's VE cannot even connect to its host's channel port (the host admits DNS and ICMP from VEs only)
            String channelOfA = a.get("/api/v1/nodes/" + nodeA).json().at("/channel/url").asText();
            String port = channelOfA.substring(channelOfA.lastIndexOf(':') + 1);
            JsonNode probe = a.post("/api/v1/ves/" + onNodeA + "/exec", "{\"command\":[\"sh\",\"-c\",\"echo | nc -w 2 10.231.42.1 " + port
                    + "\"]}").json();
            assertTrue(probe.get("exitCode").asInt() != 0, "the channel port is closed to VEs: " + probe);
            JsonNode pinged = a.post("/api/v1/ves/" + onNodeA + "/exec", "{\"command\":[\"sh\",\"-c\",\"command -v nc && ping -c 3 -W 2 10.231.42.1\"]}").json();
            assertEquals(0, pinged.get("exitCode").asInt(), "nc is there and the host answers the VE, so the refusal above is the filter's: " + pinged
                    + "\n" + a.post("/api/v1/ves/" + onNodeA + "/exec", "{\"command\":[\"sh\",\"-c\",\"ip addr; ip route\"]}").body());

            // cold migration: node b's running VE moved to node a with its files, running there, and back again through panel b
            assertEquals(0, b.post("/api/v1/ves/" + placed + "/exec", "{\"command\":[\"sh\",\"-c\",\"echo kept > /root/marker\"]}").json()
                    .get("exitCode").asInt());
            PanelLifecycleIT.assertProblem(a.post("/api/v1/ves/" + placed + "/migrate", "{\"node\":\"" + nodeB + "\"}"), 409, null);
            PanelLifecycleIT.assertProblem(a.post("/api/v1/ves/" + placed + "/migrate", "{\"node\":\"nowhere\"}"), 400, null);
            // a subvolume made inside the VE (a privileged VE may): its files would not travel, so the VE stays and runs
            Path areaOnB = two.resolve("data/storage/pool/ves/" + placed);
            server.inside("btrfs", "subvolume", "create", areaOnB.resolve("volume").toString());
            PanelProcess.Response moveAsked = a.post("/api/v1/ves/" + placed + "/migrate", "{\"node\":\"" + nodeA + "\"}");
            assertEquals(202, moveAsked.status(), moveAsked.toString());
            JsonNode refusedMove = finished(a, moveAsked.json().get("id").asText());
            assertEquals("FAILED", refusedMove.get("state").asText(), refusedMove.toString());
            assertTrue(refusedMove.get("error").asText().contains("holds btrfs subvolumes made inside it (/volume): a move would leave their files"
                    + " behind"), refusedMove.toString());
            assertEquals(nodeB, a.get("/api/v1/ves/" + placed).json().get("node").asText());
            assertEquals("RUNNING", a.get("/api/v1/ves/" + placed).json().get("state").asText());
            server.inside("btrfs", "subvolume", "delete", areaOnB.resolve("volume").toString());
            JsonNode moved = awaitOperation(a, a.post("/api/v1/ves/" + placed + "/migrate", "{\"node\":\"" + nodeA + "\"}"));
            assertEquals(nodeB, moved.get("node").asText(), "run by the VE's node: " + moved);
            JsonNode there = a.get("/api/v1/ves/" + placed).json();
            assertEquals(nodeA, there.get("node").asText(), there.toString());
            assertEquals("RUNNING", there.get("state").asText(), there.toString());
            assertEquals("kept", a.post("/api/v1/ves/" + placed + "/exec", "{\"command\":[\"cat\",\"/root/marker\"]}").json().get("stdout").asText().strip());
            assertEquals("moved", a.post("/api/v1/ves/" + placed + "/exec", "{\"command\":[\"hostname\"]}").json().get("stdout").asText().strip());
            // sent while it ran, then stopped only for what changed since: the operation says for how long
            assertTrue(moved.get("message").asText().matches("moved to node .*; it was stopped for \\d+ ms; [\\d.]+ MiB sent"), moved.toString());
            System.out.println("migration: b to a took " + Duration.between(Instant.parse(moved.get("startedAt").asText()),
                    Instant.parse(moved.get("finishedAt").asText())).toMillis() + " ms in all; " + moved.get("message").asText());
            JsonNode back = awaitOperation(b, b.post("/api/v1/ves/" + placed + "/migrate", "{\"node\":\"" + nodeB + "\"}"));
            assertEquals(nodeA, back.get("node").asText(), back.toString());
            assertEquals(nodeB, b.get("/api/v1/ves/" + placed).json().get("node").asText());
            assertEquals("kept", b.post("/api/v1/ves/" + placed + "/exec", "{\"command\":[\"cat\",\"/root/marker\"]}").json().get("stdout").asText().strip());

            // a template made on node a goes with a VE placed on node b: b copies it from a over the channel
            Path rootfs = TemplatesIT.rootfs(work.resolve("rootfs"), "Copied Linux 2.0");
            Path tarball = work.resolve("copied.tar");
            PanelProcess.host("tar", "--numeric-owner", "-C", rootfs.toString(), "-cf", tarball.toString(), ".");
            awaitOperation(a, a.send(java.net.http.HttpRequest.newBuilder(a.uri("/api/v1/templates/import?name=copied"))
                    .header("Content-Type", "application/octet-stream").POST(java.net.http.HttpRequest.BodyPublishers.ofFile(tarball))));
            JsonNode fromCopy = awaitOperation(a, a.post("/api/v1/ves", "{\"template\":\"copied\",\"hostname\":\"copied\",\"node\":\"" + nodeB + "\"}"));
            int copiedVe = Integer.parseInt(fromCopy.get("result").asText().substring("/api/v1/ves/".length()));
            assertEquals(nodeB, a.get("/api/v1/ves/" + copiedVe).json().get("node").asText());
            awaitOperation(a, a.post("/api/v1/ves/" + copiedVe + "/start", ""));
            String release = b.post("/api/v1/ves/" + copiedVe + "/exec", "{\"command\":[\"cat\",\"/etc/os-release\"]}").json().get("stdout").asText();
            assertTrue(release.contains("Copied Linux 2.0"), "made on node b from its copy of node a's template: " + release);
            assertTrue(b.output().contains("Template copied template=copied@1"), "node b copied the template once");
            awaitOperation(a, a.post("/api/v1/ves/" + copiedVe + "/stop", ""));

            // maintenance: node a drained through panel b; its VE moves to b and runs there; a takes no new VEs meanwhile
            JsonNode drained = awaitOperation(b, b.post("/api/v1/nodes/" + nodeA + "/drain", ""));
            // run by the panel that took it (it sees every node's VEs to place them); each move is an operation of node a
            assertEquals(nodeB, drained.get("node").asText(), "run by panel b's node: " + drained);
            assertEquals("/api/v1/nodes/" + nodeA, drained.get("result").asText(), drained.toString());
            assertTrue(drained.get("message").asText().contains("1 of 1 VEs moved"), drained.toString());
            JsonNode evacuated = a.get("/api/v1/ves/" + onNodeA).json();
            assertEquals(nodeB, evacuated.get("node").asText(), evacuated.toString());
            assertEquals("RUNNING", evacuated.get("state").asText(), evacuated.toString());
            assertTrue(!a.get("/api/v1/nodes/" + nodeA).json().at("/node/acceptsNewVes").asBoolean());
            assertEquals("MAINTENANCE", a.get("/api/v1/nodes/" + nodeA).json().get("mode").asText(), "drained, as node a sees itself");
            PanelProcess.poll(Duration.ofSeconds(15), () -> b.get("/api/v1/nodes/" + nodeA).json().get("mode").asText().equals("MAINTENANCE"),
                    "panel b to show node a in maintenance once its heartbeat says it holds no VE");
            assertEquals("ACTIVE", b.get("/api/v1/nodes/" + nodeB).json().get("mode").asText());
            PanelLifecycleIT.assertProblem(b.post("/api/v1/ves/" + onNodeA + "/migrate", "{\"node\":\"" + nodeA + "\"}"), 409, null);
            PanelProcess.Response reopened = patch(a, "/api/v1/nodes/" + nodeA, "{\"acceptsNewVes\":true}");
            assertEquals(200, reopened.status());
            assertEquals("ACTIVE", reopened.json().get("mode").asText());
            awaitOperation(a, a.post("/api/v1/ves/" + onNodeA + "/migrate", "{\"node\":\"" + nodeA + "\"}"));
            assertEquals(nodeA, a.get("/api/v1/ves/" + onNodeA).json().get("node").asText());

            // one CA, whose key only its holder keeps; each node's own key readable by root alone
            Path keyOfA = one.resolve("data/channel/node-key.pem");
            Path keyOfB = two.resolve("data/channel/node-key.pem");
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(keyOfA)));
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(keyOfB)));
            assertEquals(1, (Files.exists(one.resolve("data/channel/ca-key.pem")) ? 1 : 0) + (Files.exists(two.resolve("data/channel/ca-key.pem")) ? 1 : 0),
                    "the CA's key is on its holder only");

            long dispatchMs = Duration.between(Instant.parse(started.get("createdAt").asText()), Instant.parse(started.get("startedAt").asText())).toMillis();
            System.out.println("dispatch: panel a's start taken up by node b after " + dispatchMs + " ms");

            // placement: by the labels the provider gives nodes, and by room under its overcommit ratios
            PanelProcess.Response labelled = patch(a, "/api/v1/nodes/" + nodeB, "{\"labels\":{\"disk\":\"ssd\"}}");
            assertEquals(200, labelled.status(), labelled.toString());
            assertEquals("ssd", labelled.json().at("/node/labels/disk").asText(), labelled.body());
            JsonNode onSsd = awaitOperation(a, a.post("/api/v1/ves", "{\"template\":\"busybox\",\"labels\":{\"disk\":\"ssd\"}}"));
            assertEquals(nodeB, onSsd.get("node").asText(), "the only node labelled disk=ssd: " + onSsd);
            PanelLifecycleIT.assertProblem(patch(a, "/api/v1/nodes/" + nodeB, "{\"labels\":{\"disk\":\"s s d\"}}"), 400, null);
            // a pool whose network reaches node a only (a LAN only a is cabled to): its VEs go to a and stay there
            PanelProcess.Response lan = a.post("/api/v1/ip-pools", "{\"name\":\"lan-a\",\"cidr\":\"10.231.46.0/24\",\"mode\":\"NAT\",\"nodes\":[\"" + nodeA + "\"]}");
            assertEquals(201, lan.status(), lan.body());
            assertEquals(nodeA, lan.json().get("nodes").get(0).asText(), lan.body());
            PanelLifecycleIT.assertProblem(a.post("/api/v1/ip-pools", "{\"name\":\"lan-x\",\"cidr\":\"10.231.47.0/24\",\"nodes\":[\""
                    + UUID.randomUUID() + "\"]}"), 400, null);
            PanelProcess.Response lanOnB = a.post("/api/v1/ves", "{\"template\":\"busybox\",\"ipPool\":\"lan-a\",\"node\":\"" + nodeB + "\"}");
            PanelLifecycleIT.assertProblem(lanOnB, 409, null);
            assertTrue(lanOnB.json().get("detail").asText().contains("IP pool lan-a does not reach it"), lanOnB.body());
            PanelProcess.Response lanOnSsd = a.post("/api/v1/ves", "{\"template\":\"busybox\",\"ipPool\":\"lan-a\",\"labels\":{\"disk\":\"ssd\"}}");
            PanelLifecycleIT.assertProblem(lanOnSsd, 409, null);
            assertTrue(lanOnSsd.json().get("detail").asText().contains("not labelled disk=ssd") && lanOnSsd.json().get("detail").asText()
                    .contains("IP pool lan-a does not reach it"), "each node's reason: " + lanOnSsd.body());
            JsonNode onLan = awaitOperation(b, b.post("/api/v1/ves", "{\"template\":\"busybox\",\"ipPool\":\"lan-a\"}"));
            assertEquals(nodeA, onLan.get("node").asText(), "placed where its pool reaches, whichever panel took it: " + onLan);
            String lanVe = onLan.get("result").asText().replace("/api/v1/ves/", "");
            assertTrue(a.get("/api/v1/ves/" + lanVe + "/ips").body().contains("10.231.46."), "its address from lan-a");
            PanelProcess.Response lanMoved = a.post("/api/v1/ves/" + lanVe + "/migrate", "{\"node\":\"" + nodeB + "\"}");
            PanelLifecycleIT.assertProblem(lanMoved, 409, null);
            assertTrue(lanMoved.json().get("detail").asText().contains("IP pool lan-a does not reach it"), lanMoved.body());
            PanelProcess.Response lanAddress = a.post("/api/v1/ves/" + onSsd.get("result").asText().replace("/api/v1/ves/", "") + "/ips",
                    "{\"pool\":\"lan-a\"}");
            PanelLifecycleIT.assertProblem(lanAddress, 409, null);
            assertTrue(lanAddress.json().get("detail").asText().contains("does not reach node " + nodeB), lanAddress.body());
            awaitOperation(a, a.send(java.net.http.HttpRequest.newBuilder(a.uri("/api/v1/ves/" + lanVe)).DELETE()));
            PanelLifecycleIT.assertProblem(patch(a, "/api/v1/nodes/" + nodeB, "{\"overcommit\":{\"memory\":0}}"), 400, null);
            JsonNode bSeenFromA = a.get("/api/v1/nodes/" + nodeB).json();
            long memoryB = bSeenFromA.at("/status/memoryTotalBytes").asLong();
            assertTrue(memoryB > 0, "node b's capacity as it reported it, seen from panel a: " + bSeenFromA);
            // node a has the least allotted, but a ratio of 0.1 leaves it no room for a VE of a tenth of its memory and more
            long big = (long) (memoryB * 0.1) / (1 << 20) * (1 << 20) + (256L << 20);
            assertEquals(200, patch(a, "/api/v1/nodes/" + nodeA, "{\"overcommit\":{\"memory\":0.1}}").status());
            String bigVe = "{\"template\":\"busybox\",\"limits\":{\"memoryBytes\":" + big + "}}";
            assertEquals(nodeB, awaitOperation(a, a.post("/api/v1/ves", bigVe)).get("node").asText(), "node a is full under its ratio");
            assertEquals(200, patch(a, "/api/v1/nodes/" + nodeB, "{\"overcommit\":{\"memory\":0.1}}").status());
            PanelProcess.Response full = a.post("/api/v1/ves", bigVe);
            PanelLifecycleIT.assertProblem(full, 409, null);
            String why = full.json().get("detail").asText();
            assertTrue(why.startsWith("No node can take this VE") && why.contains(nodeA) && why.contains(nodeB) && why.contains("memory: "), why);
            assertEquals(200, patch(a, "/api/v1/nodes/" + nodeA, "{\"overcommit\":{}}").status());
            assertEquals(200, patch(a, "/api/v1/nodes/" + nodeB, "{\"overcommit\":{}}").status());
            // node a kept free of new VEs (maintenance ahead): new VEs go to b, and naming a is refused with the reason
            assertEquals(200, patch(a, "/api/v1/nodes/" + nodeA, "{\"acceptsNewVes\":false}").status());
            JsonNode keptOff = awaitOperation(a, a.post("/api/v1/ves", "{\"template\":\"busybox\"}"));
            assertEquals(nodeB, keptOff.get("node").asText(), keptOff.toString());
            PanelProcess.Response onA = a.post("/api/v1/ves", "{\"template\":\"busybox\",\"node\":\"" + nodeA + "\"}");
            PanelLifecycleIT.assertProblem(onA, 409, null);
            assertTrue(onA.json().get("detail").asText().contains("kept free of new VEs"), onA.body());
            // a customer's order taken by panel a: billing makes the VE where placement put it, on node b
            String plan = PanelProcess.createdId(a.post("/api/v1/billing/plans", "{\"code\":\"node-vps\",\"name\":\"Node VPS\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"5.00\",\"quotas\":{\"memoryMiB\":256}}"));
            String shop = BillingApi.customerWithOwner(a, "Remote Shop", "remoteowner");
            PanelProcess.As customer = a.login("remoteowner", "Owner-Password-1");
            awaitOperation(a, customer.post("/api/v1/billing/orders", "{\"plan\":\"" + plan + "\",\"template\":\"busybox\"}"));
            int ordered = customer.get("/api/v1/billing/subscriptions").json().get(0).get("ve").asInt();
            assertEquals(nodeB, a.get("/api/v1/ves/" + ordered).json().get("node").asText());
            PanelProcess.Response onB = b.get("/api/v1/ves/" + ordered);
            assertEquals(200, onB.status(), "panel b knows the customer panel a made: " + onB);
            assertEquals("STOPPED", onB.json().get("state").asText(), "made by node b");
            assertEquals(200, patch(a, "/api/v1/nodes/" + nodeA, "{\"acceptsNewVes\":true}").status());
            // the customer suspended through panel a cannot log in through panel b
            assertEquals(200, patch(a, "/api/v1/tenants/" + shop, "{\"suspended\":true,\"suspendedReason\":\"unpaid\"}").status());
            PanelProcess.poll(Duration.ofSeconds(5), () -> b.anonymous(java.net.http.HttpRequest.newBuilder(b.uri("/api/v1/auth/login"))
                    .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"username\":\"remoteowner\",\"password\":\"Owner-Password-1\"}"))).status() != 200, "panel b to refuse the suspended customer");

            // the provider sees node b's figures and labels on panel a's dashboard, and sets its placement there
            org.openqa.selenium.WebDriver browser = PortalIT.chromium(1280, 900);
            try {
                PortalIT.logIn(browser, "http://127.0.0.1:" + a.port + "/admin/", "admin", PanelProcess.ADMIN_PASSWORD);
                var wait = new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(30));
                By placementOfB = By.cssSelector("[data-node-placement='" + nodeB + "']");
                wait.until(org.openqa.selenium.support.ui.ExpectedConditions.textToBePresentInElementLocated(placementOfB, "disk=ssd"));
                String card = browser.findElement(By.cssSelector("[data-node='" + nodeB + "']")).getText();
                assertTrue(card.contains("Memory") && card.contains("Running VEs"), "node b's figures as it reported them: " + card);
                browser.findElement(placementOfB).findElement(By.tagName("button")).click();
                var memory = wait.until(org.openqa.selenium.support.ui.ExpectedConditions.visibilityOfElementLocated(By.id("dialog-form-memory")));
                memory.sendKeys("1.5");
                browser.findElement(By.cssSelector("#dialog-form button[type=submit]")).click();
                wait.until(org.openqa.selenium.support.ui.ExpectedConditions.textToBePresentInElementLocated(placementOfB, "memory ×1.5"));
                assertEquals(1.5, a.get("/api/v1/nodes/" + nodeB).json().at("/node/overcommit/memory").asDouble());
                assertEquals("ssd", a.get("/api/v1/nodes/" + nodeB).json().at("/node/labels/disk").asText(), "the labels kept");
                // the VE list says which node each VE is on, and moves one to another
                browser.get("http://127.0.0.1:" + a.port + "/admin/#/ves");
                By nodeOfPlaced = By.cssSelector("[data-ve-node='moved']");
                wait.until(org.openqa.selenium.support.ui.ExpectedConditions.textToBePresentInElementLocated(nodeOfPlaced, nodeB.substring(0, 8)));
                browser.findElement(By.cssSelector("[data-move='moved']")).click();
                var to = wait.until(org.openqa.selenium.support.ui.ExpectedConditions.visibilityOfElementLocated(By.id("dialog-form-node")));
                new org.openqa.selenium.support.ui.Select(to).selectByValue(nodeA);
                browser.findElement(By.cssSelector("#dialog-form button[type=submit]")).click();
                new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(60)).until(
                        org.openqa.selenium.support.ui.ExpectedConditions.textToBePresentInElementLocated(nodeOfPlaced, nodeA.substring(0, 8)));
                assertEquals(nodeA, a.get("/api/v1/ves/" + placed).json().get("node").asText());
                // a rolling upgrade under way shows on the dashboard: which node runs which Vessel
                try (Connection c = DriverManager.getConnection(PanelLifecycleIT.PG_URL, "postgres", ""); Statement st = c.createStatement()) {
                    st.executeUpdate("UPDATE " + schema + ".node SET vessel_version = '9.9.9' WHERE id = '" + nodeB + "'");
                }
                PanelProcess.poll(Duration.ofSeconds(10), () -> a.get("/api/v1/nodes/" + nodeB).json().at("/node/version").asText().equals("9.9.9"),
                        "node b's version as the database has it: " + a.get("/api/v1/nodes/" + nodeB).body());
                browser.get("http://127.0.0.1:" + a.port + "/admin/#/");
                String mixed = wait.until(org.openqa.selenium.support.ui.ExpectedConditions.visibilityOfElementLocated(By.id("mixed-versions"))).getText();
                assertTrue(mixed.contains("9.9.9 on "), mixed);
                // a node closed to new VEs shows on its card as draining (still holding VEs) or in maintenance (none left)
                assertEquals(200, patch(a, "/api/v1/nodes/" + nodeB, "{\"acceptsNewVes\":false}").status());
                String expected = a.get("/api/v1/nodes/" + nodeB).json().get("mode").asText().equals("MAINTENANCE") ? "maintenance" : "draining";
                browser.navigate().refresh();
                wait.until(org.openqa.selenium.support.ui.ExpectedConditions.textToBePresentInElementLocated(
                        By.cssSelector("[data-node-mode='" + nodeB + "']"), expected));
                assertEquals(200, patch(a, "/api/v1/nodes/" + nodeB, "{\"acceptsNewVes\":true}").status());
                // a pool for node b's LAN, made from the pools page: the nodes it reaches are ticked there
                browser.get("http://127.0.0.1:" + a.port + "/admin/#/pools");
                wait.until(org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated(By.id("new-pool-name"))).sendKeys("lan-b");
                browser.findElement(By.id("new-pool-cidr")).sendKeys("10.231.49.0/24");
                browser.findElement(By.cssSelector("[data-reach='" + nodeB + "']")).click();
                browser.findElement(By.cssSelector("#new-pool button[type=submit]")).click();
                wait.until(org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-pool-nodes='lan-b']")));
                assertEquals(java.util.List.of(nodeB), java.util.stream.StreamSupport.stream(a.get("/api/v1/ip-pools/lan-b").json().get("nodes").spliterator(), false)
                        .map(JsonNode::asText).toList());
                assertTrue(!browser.findElement(By.cssSelector("[data-pool-nodes='lan-b']")).getText().equals("all"));
                browser.get("http://127.0.0.1:" + a.port + "/admin/#/");
                // another server added from the dashboard: the command to run there, with a fresh token
                wait.until(org.openqa.selenium.support.ui.ExpectedConditions.elementToBeClickable(By.id("add-server"))).click();
                String shown = wait.until(org.openqa.selenium.support.ui.ExpectedConditions.visibilityOfElementLocated(By.id("join-command"))).getText();
                assertTrue(shown.startsWith("bin/vessel node join --panel https://127.0.0.1:" + a.httpsPort + " --token vessel-join-"), shown);
                assertEquals("OPEN", a.get("/api/v1/nodes/enrolments").json().get(0).get("state").asText());
                assertEquals(java.util.List.of(), PortalIT.consoleErrors(browser));
            } finally {
                browser.quit();
            }
            awaitOperation(a, a.post("/api/v1/ves/" + placed + "/migrate", "{\"node\":\"" + nodeB + "\"}"));
            assertEquals(200, patch(a, "/api/v1/nodes/" + nodeB, "{\"overcommit\":{}}").status());

            // node b shut out (its host compromised): refused at once both ways; its VEs run on
            PanelLifecycleIT.assertProblem(a.send(java.net.http.HttpRequest.newBuilder(a.uri("/api/v1/nodes/" + nodeA + "/certificate")).DELETE()), 409, null);
            assertEquals(204, a.send(java.net.http.HttpRequest.newBuilder(a.uri("/api/v1/nodes/" + nodeB + "/certificate")).DELETE()).status());
            assertTrue(a.get("/api/v1/nodes/" + nodeB).json().at("/channel/shutOut").asBoolean());
            PanelProcess.Response shutOut = a.post("/api/v1/ves/" + placed + "/exec", "{\"command\":[\"hostname\"]}");
            PanelLifecycleIT.assertProblem(shutOut, 409, null);
            assertTrue(shutOut.json().get("detail").asText().contains("shut out"), shutOut.body());
            PanelProcess.poll(Duration.ofSeconds(5), () -> b.post("/api/v1/ves/" + onNodeA + "/exec", "{\"command\":[\"true\"]}").status() == 409,
                    "node a to refuse node b");
            assertEquals(200, b.post("/api/v1/ves/" + placed + "/exec", "{\"command\":[\"true\"]}").status(), "b's own VE as before");
            // admitted again only by an enrolment naming it: the token is taken through panel b, which does not hold the CA's key
            // (the holder, node a, signs), and spent by b while it runs; b takes its new certificate up and both trust it again
            JsonNode readmit = b.post("/api/v1/nodes/enrolments", "{\"node\":\"" + nodeB + "\"}").json();
            PanelProcess.Response other = joinRequest(b, readmit.get("token").asText(), UUID.randomUUID().toString(), "x");
            PanelLifecycleIT.assertProblem(other, 403, null);
            assertTrue(other.json().get("detail").asText().contains("readmits node " + nodeB + " only"), other.body());
            String readmitCommand = readmit.get("command").asText();
            assertTrue(readmitCommand.contains("--panel https://127.0.0.1:" + b.httpsPort + " "), readmitCommand);
            PanelProcess.Ran readmitted = b.vessel(java.util.Arrays.asList(readmitCommand.substring("bin/vessel ".length()).split(" ")));
            assertEquals(0, readmitted.exitCode(), readmitted.output());
            assertTrue(!a.get("/api/v1/nodes/" + nodeB).json().at("/channel/shutOut").asBoolean());
            PanelProcess.poll(Duration.ofSeconds(20), () -> a.post("/api/v1/ves/" + placed + "/exec", "{\"command\":[\"true\"]}").status() == 200,
                    "node a to reach node b's VE again");
            PanelProcess.poll(Duration.ofSeconds(20), () -> b.post("/api/v1/ves/" + onNodeA + "/exec", "{\"command\":[\"true\"]}").status() == 200,
                    "node b to reach node a's VE again");

            // a refusal still comes at once, from the panel that took the request
            PanelProcess.Response refused = a.post("/api/v1/ves/" + placed + "/start", "");
            PanelLifecycleIT.assertProblem(refused, 409, null);
            PanelProcess.Response unknownNode = a.post("/api/v1/ves", "{\"template\":\"busybox\",\"node\":\"nowhere\"}");
            PanelLifecycleIT.assertProblem(unknownNode, 400, null);
            assertTrue(unknownNode.body().contains("There is no node nowhere"), unknownNode.body());

            // node b restarts (killed: its VE runs on); a stop taken meanwhile waits for it and is done once it is back
            // what a migration cut short by a crash leaves on a node: the files of a VE that is another node's now,
            // and a receive in its staging area; node b's next start removes both (a VE's own files stay)
            // (the staging area made a plain directory, as an earlier version made it)
            Path poolOfB = two.resolve("data/storage/pool");
            assertTrue(presentOnB.test(poolOfB.resolve("ves/" + placed)), "b's own VE's files where expected: " + poolOfB);
            server.inside("btrfs", "subvolume", "create", poolOfB.resolve("ves/" + onNodeA).toString());
            server.inside("mkdir", "-p", poolOfB.resolve("received/cut-short/etc").toString());
            b.crash();
            PanelProcess.Response stop = a.post("/api/v1/ves/" + placed + "/stop", "");
            assertEquals(202, stop.status(), stop.toString());
            String stopId = stop.json().get("id").asText();
            assertEquals("QUEUED", a.get("/api/v1/operations/" + stopId).json().get("state").asText());
            try (PanelProcess again = new PanelProcess(two, envTwo).on(server).start()) {
                PanelProcess.poll(Duration.ofSeconds(20), () -> !presentOnB.test(poolOfB.resolve("ves/" + onNodeA))
                        && !presentOnB.test(poolOfB.resolve("received/cut-short")), "b's start to remove the files of node a's VE and the receive cut short");
                assertTrue(presentOnB.test(poolOfB.resolve("ves/" + placed)), "b's own VE keeps its files");
                assertEquals("256\n", server.inside("stat", "-c", "%i", poolOfB.resolve("received").toString()),
                        "the staging area made a subvolume, to which receives are confined");
                JsonNode stopped = finished(a, stopId);
                assertEquals("SUCCEEDED", stopped.get("state").asText(), stopped.toString());
                assertEquals("STOPPED", again.get("/api/v1/ves/" + placed).json().get("state").asText());

                // panel a is killed the moment it has taken a create for node b: b makes the VE all the same
                PanelProcess.Response create = a.post("/api/v1/ves", "{\"template\":\"busybox\",\"hostname\":\"orphan\",\"node\":\"" + nodeB + "\"}");
                a.kill9();
                assertEquals(202, create.status(), create.toString());
                String createId = create.json().get("id").asText();
                JsonNode made = finished(again, createId);
                assertEquals("SUCCEEDED", made.get("state").asText(), made.toString());
                int orphan = Integer.parseInt(made.get("result").asText().substring("/api/v1/ves/".length()));
                assertEquals("STOPPED", again.get("/api/v1/ves/" + orphan).json().get("state").asText());
                awaitOperation(again, again.post("/api/v1/ves/" + orphan + "/start", ""));
            }
        } finally {
            server.close();
            try (Connection c = DriverManager.getConnection(PanelLifecycleIT.PG_URL, "postgres", ""); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    /**
     * Node b joins panel a's installation as a provider enrols a new server: a one-time token from a, and the command
     * it prints run on b before b's first start. What a wrong token, a token spent twice, a withdrawn one, a token
     * posing as a node that exists, a crafted request and a panel with another certificate get.
     */
    static PanelProcess enrolled(PanelProcess a, PanelProcess b, String schema) throws Exception {
        PanelProcess.Response created = a.post("/api/v1/nodes/enrolments", "{}");
        assertEquals(201, created.status(), created.toString());
        String command = created.json().get("command").asText();
        String token = created.json().get("token").asText();
        assertTrue(command.startsWith("bin/vessel node join --panel https://127.0.0.1:" + a.httpsPort + " --token vessel-join-")
                && command.matches(".* --fingerprint sha256:[0-9a-f]{64}"), command);
        assertEquals("OPEN", a.get("/api/v1/nodes/enrolments").json().get(0).get("state").asText());
        assertTrue(!a.get("/api/v1/nodes/enrolments").body().contains(token), "the token is shown once, never listed");
        try (Connection c = DriverManager.getConnection(PanelLifecycleIT.PG_URL, "postgres", ""); Statement st = c.createStatement();
             java.sql.ResultSet rows = st.executeQuery("SELECT count(*) FROM " + schema + ".node_enrolment WHERE token_sha256 LIKE '%" + token + "%'")) {
            assertTrue(rows.next());
            assertEquals(0, rows.getInt(1), "only the token's hash is kept");
        }
        // a panel too (its API is what the tests use to look at node b); NodeAgentIT joins a node agent alone
        java.util.List<String> join = new java.util.ArrayList<>(java.util.Arrays.asList(command.substring("bin/vessel ".length()).split(" ")));
        join.add("--with-panel");

        // a panel that is not the one the fingerprint names is not trusted, and the token is still good afterwards
        java.util.List<String> otherPanel = new java.util.ArrayList<>(join);
        otherPanel.set(otherPanel.indexOf("--fingerprint") + 1, "sha256:" + "0".repeat(64));
        PanelProcess.Ran untrusted = b.vessel(otherPanel);
        assertEquals(1, untrusted.exitCode(), untrusted.output());
        assertTrue(untrusted.output().contains("does not have the fingerprint"), untrusted.output());
        // what the join endpoint refuses, without a login: forged, crafted, or posing as a node that exists
        String nodeA = NodeHealthIT.localNode(a);
        PanelProcess.Response forged = joinRequest(a, "vessel-join-forged", UUID.randomUUID().toString(), "x");
        PanelLifecycleIT.assertProblem(forged, 403, null);
        PanelProcess.Response posing = joinRequest(a, token, nodeA, "x");
        PanelLifecycleIT.assertProblem(posing, 409, null);
        assertTrue(posing.json().get("detail").asText().contains("is a node of this installation already"), posing.body());
        PanelLifecycleIT.assertProblem(joinRequest(a, token, UUID.randomUUID().toString(), "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"
                + "-----END CERTIFICATE REQUEST-----\n"), 422, null);
        PanelLifecycleIT.assertProblem(joinRequest(a, token, "../../etc", "x"), 400, null);

        PanelProcess.Ran joined = b.vessel(join);
        assertEquals(0, joined.exitCode(), joined.output());
        String nodeB = Files.readString(b.dataDir.resolve("node-id")).strip();
        assertTrue(joined.output().contains("joined https://127.0.0.1:" + a.httpsPort + " as node " + nodeB), joined.output());
        Path conf = Path.of(joined.output().replaceAll("(?s).*schema " + schema + " \\(in ([^)]+)\\).*", "$1"));
        String written = Files.readString(conf);
        assertTrue(written.contains("database.schema = " + schema) && written.contains("database.url = " + PanelLifecycleIT.PG_URL), written);
        assertTrue(written.contains("kernel.node.channel.port = 0"), "the other options kept: " + written);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(conf)));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(
                b.dataDir.resolve("channel/node-key.pem"))));
        PanelProcess.Ran again = b.vessel(join);
        assertEquals(4, again.exitCode(), "a token works once: " + again.output());
        assertTrue(again.output().contains("was spent at"), again.output());
        JsonNode used = a.get("/api/v1/nodes/enrolments").json().get(0);
        assertEquals("USED", used.get("state").asText(), used.toString());
        assertEquals(nodeB, used.get("usedByNode").asText(), used.toString());

        // a token withdrawn before it is spent admits nobody
        JsonNode spare = a.post("/api/v1/nodes/enrolments", "{}").json();
        assertEquals(204, a.send(java.net.http.HttpRequest.newBuilder(a.uri("/api/v1/nodes/enrolments/" + spare.get("id").asText())).DELETE()).status());
        PanelProcess.Response withdrawn = joinRequest(a, spare.get("token").asText(), UUID.randomUUID().toString(), "x");
        PanelLifecycleIT.assertProblem(withdrawn, 403, null);
        assertTrue(withdrawn.json().get("detail").asText().contains("withdrawn"), withdrawn.body());
        PanelLifecycleIT.assertProblem(a.post("/api/v1/nodes/enrolments", "{\"node\":\"" + UUID.randomUUID() + "\"}"), 400, null);
        return b;
    }

    private static PanelProcess.Response joinRequest(PanelProcess panel, String token, String node, String request) throws Exception {
        return panel.anonymous(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/nodes/join")).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(PanelProcess.JSON.writeValueAsString(
                        Map.of("token", token, "node", node, "request", request)))));
    }

    /** TLS as a node presents itself: its key and certificate from its data directory, chained to the CA. */
    static javax.net.ssl.SSLContext nodeTls(Path channelDir, String caPem) throws Exception {
        java.security.cert.CertificateFactory x509 = java.security.cert.CertificateFactory.getInstance("X.509");
        java.security.cert.Certificate ca = x509.generateCertificate(new java.io.ByteArrayInputStream(caPem.getBytes()));
        java.security.cert.Certificate own = x509.generateCertificate(Files.newInputStream(channelDir.resolve("node-certificate.pem")));
        String key = Files.readString(channelDir.resolve("node-key.pem")).replaceAll("-----[A-Z ]+-----|\\s", "");
        java.security.PrivateKey privateKey = java.security.KeyFactory.getInstance("EC")
                .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(java.util.Base64.getDecoder().decode(key)));
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("node", privateKey, "x".toCharArray(), new java.security.cert.Certificate[] {own, ca});
        javax.net.ssl.KeyManagerFactory keys = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "x".toCharArray());
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
        tls.init(keys.getKeyManagers(), new javax.net.ssl.TrustManager[] {trustAnyServer()}, null);
        return tls;
    }

    /** The test checks what the server refuses, not who the server is: any server certificate, no host name check. */
    static javax.net.ssl.X509ExtendedTrustManager trustAnyServer() {
        return new javax.net.ssl.X509ExtendedTrustManager() {
            @Override public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) { }
            @Override public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) { }
            @Override public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a, java.net.Socket s) { }
            @Override public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a, java.net.Socket s) { }
            @Override public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a, javax.net.ssl.SSLEngine e) { }
            @Override public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a, javax.net.ssl.SSLEngine e) { }
            @Override public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        };
    }

    private static PanelProcess.Response patch(PanelProcess panel, String path, String json) {
        return panel.send(java.net.http.HttpRequest.newBuilder(panel.uri(path)).header("Content-Type", "application/json")
                .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString(json)));
    }

    /** The operation once it has finished (asked with a wait shorter than the client's own 30 s timeout). */
    private static JsonNode finished(PanelProcess panel, String id) {
        JsonNode[] last = new JsonNode[1];
        PanelProcess.poll(Duration.ofSeconds(60), () -> {
            last[0] = panel.get("/api/v1/operations/" + id + "?wait=20").json();
            return last[0].get("state").asText().matches("SUCCEEDED|FAILED");
        }, "operation " + id);
        return last[0];
    }
}
