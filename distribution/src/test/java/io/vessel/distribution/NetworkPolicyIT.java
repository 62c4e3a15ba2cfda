package io.vessel.distribution;

import static io.vessel.distribution.VeLifecycleIT.awaitOperation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a VE reaches through the host (issue 11, findings 5 to 8), tried from inside VEs: the host's own services,
 * a cloud metadata address and the Internet's mail servers in a network namespace standing in for the world beyond
 * the host, rogue router advertisements and made-up link-local addresses, and DNS.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.parallel.Isolated("adds an outside world to the host's networks, which every panel denies its VEs as local networks")
class NetworkPolicyIT {

    @TempDir
    static Path work;
    private PanelProcess panel;
    private String bridge;
    /**
     * A network namespace beyond the host, on a network of the host's own (198.51.100.0/30, standing in for the
     * provider's LAN): 169.254.169.254 (metadata) and 203.0.113.250 (a mail and web server on the Internet).
     */
    private String world;
    private int a;
    private int b;
    private AttackTool attack;
    private Path conf;

    @BeforeAll
    void panelWithTwoVesAndAWorld() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        attack = AttackTool.build(work);
        bridge = "vsp" + (System.nanoTime() % 100000);
        world = "vw" + (System.nanoTime() % 100000);
        String hostEnd = world + "h";
        PanelProcess.host("ip", "netns", "add", world);
        PanelProcess.host("ip", "link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", world);
        PanelProcess.host("ip", "addr", "add", "198.51.100.1/30", "dev", hostEnd);
        PanelProcess.host("ip", "link", "set", hostEnd, "up");
        for (String[] command : List.of(new String[] {"ip", "addr", "add", "198.51.100.2/30", "dev", "eth0"},
                new String[] {"ip", "addr", "add", "169.254.169.254/32", "dev", "eth0"}, new String[] {"ip", "addr", "add", "203.0.113.250/32", "dev", "eth0"},
                new String[] {"ip", "link", "set", "eth0", "up"}, new String[] {"ip", "link", "set", "lo", "up"},
                new String[] {"ip", "route", "add", "default", "via", "198.51.100.1"})) {
            inWorld(command);
        }
        PanelProcess.host("ip", "route", "add", "169.254.169.254/32", "via", "198.51.100.2");
        PanelProcess.host("ip", "route", "add", "203.0.113.250/32", "via", "198.51.100.2");
        for (String[] server : List.of(new String[] {"80", "web-ok"}, new String[] {"25", "220 smtp-ok"})) {
            new ProcessBuilder("ip", "netns", "exec", world, "busybox", "nc", "-ll", "-p", server[0], "-e", "/bin/echo", server[1])
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        }
        conf = Files.writeString(work.resolve("vessel.conf"), "kernel.network.bridge = " + bridge + "\n");
        panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start();
        assertEquals(201, panel.post("/api/v1/ip-pools", "{\"name\":\"nat\",\"cidr\":\"10.232.7.0/24\",\"mode\":\"NAT\",\"dns\":[\"10.232.7.1\"]}").status());
        a = createAndStart();
        b = createAndStart();
        attack.install(panel.dataDir, a);
        PanelProcess.poll(java.time.Duration.ofSeconds(5), () -> PanelProcess.host("busybox", "nc", "-w", "2", "203.0.113.250", "80").contains("web-ok"),
                "the world's servers to answer the host");
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (panel != null) {
            panel.close();
        }
        PanelProcess.host("ip", "route", "del", "169.254.169.254/32");
        PanelProcess.host("ip", "route", "del", "203.0.113.250/32");
        PanelProcess.host("ip", "netns", "pids", world).lines().forEach(pid -> PanelProcess.host("kill", pid.strip()));
        PanelProcess.host("ip", "netns", "del", world);
        PanelProcess.host("ip", "link", "del", world + "h");
        PanelProcess.host("ip", "link", "del", bridge);
    }

    @Test
    void aVeReachesTheInternetButNotTheHostsServicesNorMetadataNorMailServers() throws Exception {
        assertEquals("web-ok", sh(a, "nc -w 3 203.0.113.250 80").strip(), "through the NAT to the world");
        assertEquals("", sh(a, "nc -w 3 169.254.169.254 80").strip(), "never to the cloud metadata service");
        assertEquals("", sh(a, "nc -w 3 198.51.100.2 80").strip(), "nor into the host's own networks (local-networks)");
        assertTrue(PanelProcess.host("busybox", "nc", "-w", "2", "198.51.100.2", "80").contains("web-ok"), "which the host reaches");
        assertEquals("", sh(a, "nc -w 3 203.0.113.250 25").strip(), "no direct mail by default");
        assertEquals("web-ok", PanelProcess.host("busybox", "nc", "-w", "2", "169.254.169.254", "80").strip(), "the host itself still reaches it");

        try (ServerSocket hostService = new ServerSocket()) {
            hostService.bind(new InetSocketAddress("0.0.0.0", 0));
            int port = hostService.getLocalPort();
            Thread acceptor = new Thread(() -> {
                while (true) {
                    try (var socket = hostService.accept()) {
                        socket.getOutputStream().write("host-service\n".getBytes());
                    } catch (java.io.IOException closed) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            assertEquals("", sh(a, "nc -w 3 10.232.7.1 " + port).strip(), "a service the host binds on every address, on the gateway");
            assertEquals("", sh(a, "nc -w 3 198.51.100.1 " + port).strip(), "and on another address of the host");
            assertEquals("", sh(a, "nc -w 3 10.232.7.1 " + panel.port), "nor the panel");
            assertTrue(PanelProcess.host("busybox", "nc", "-w", "2", "127.0.0.1", String.valueOf(port)).contains("host-service"), "the host's own clients still do");
        }
        assertEquals(0, exec(a, "ping", "-c", "1", "-W", "2", "10.232.7.1").get("exitCode").asInt(), "the gateway answers pings");

        // the provider opens mail for this VE (a limit, so a plan can carry it)
        change(a, "{\"limits\":{\"smtp\":true}}");
        assertTrue(sh(a, "nc -w 3 203.0.113.250 25").contains("smtp-ok"), "mail flows once the provider opened it");
        assertEquals("", sh(b, "nc -w 3 203.0.113.250 25").strip(), "for that VE only");
        change(a, "{\"limits\":{\"smtp\":false}}");
        assertEquals("", sh(a, "nc -w 3 203.0.113.250 25").strip(), "and closed again");
    }

    /** A table listing without the external traffic sets' elements, which count on while the VEs talk. */
    private static String withoutTrafficCounts(String listing) {
        return listing.replaceAll("(?s)(set traffic_(?:out|in) \\{[^}]*?counter)\\s*elements = \\{[^}]*\\}", "$1");
    }

    @Test
    void aPanelRestartRewritesNoRuleThatIsAlreadyRight() throws Exception {
        String host = rules("inet", "vessel-host-" + bridge);
        String ports = withoutTrafficCounts(PanelProcess.host("nft", "-a", "list", "table", "bridge", "vessel-" + bridge));
        String resolver = Files.readString(Path.of("/run/vessel/dnsmasq-" + bridge + ".pid")).strip();
        panel.crash(); // kill -9: the VEs, their network and the resolver stay
        panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start();
        assertEquals(host, rules("inet", "vessel-host-" + bridge),
                "the host filter is the very same (rule handles included): never rewritten, never a moment unfiltered");
        assertEquals(ports, withoutTrafficCounts(PanelProcess.host("nft", "-a", "list", "table", "bridge", "vessel-" + bridge)),
                "so are the VEs' port rules (and the traffic accounting's, whose counters go on counting)");
        assertEquals(resolver, Files.readString(Path.of("/run/vessel/dnsmasq-" + bridge + ".pid")).strip(), "the resolver was adopted");
        assertTrue(ProcessHandle.of(Long.parseLong(resolver)).map(ProcessHandle::isAlive).orElse(false));
        assertEquals("web-ok", sh(a, "nc -w 3 203.0.113.250 80").strip(), "and the VEs are still online");
    }

    @Test
    void rogueRouterAdvertisementsReachNobody() throws Exception {
        JsonNode sent = exec(a, "/usr/local/bin/vessel-attack", "ra", "eth0");
        assertEquals("ok", sent.get("stdout").asText().strip(), sent.toString());
        Thread.sleep(500); // the advertisements were sent; give a receiver the moment it would need
        String routes = sh(b, "ip -6 route; ip -6 addr");
        assertFalse(routes.contains("default via") || routes.contains("2001:db8:bad"), "the other VE took nothing from it:\n" + routes);
        String host = PanelProcess.host("ip", "-6", "route", "show", "dev", bridge) + PanelProcess.host("ip", "-6", "addr", "show", "dev", bridge);
        assertFalse(host.contains("default via") || host.contains("2001:db8:bad"), "nor the host's bridge:\n" + host);
    }

    @Test
    void aVeSendsFromItsOwnLinkLocalAddressOnly() throws Exception {
        int c = createAndStart(); // a VE of its own: this test breaks its addresses
        try {
            String ownB = sh(b, "ip -6 -o addr show dev eth0 scope link").trim().split("\\s+")[3].replace("/64", "");
            assertEquals(0, exec(c, "ping6", "-c", "1", "-W", "2", ownB + "%eth0").get("exitCode").asInt(), "its own link-local address works");
            String ownC = sh(c, "ip -6 -o addr show dev eth0 scope link").trim().split("\\s+")[3];
            sh(c, "ip -6 addr del " + ownC + " dev eth0; ip -6 addr add fe80::bad:1/64 dev eth0 nodad");
            assertNotEquals(0, exec(c, "ping6", "-c", "2", "-W", "1", ownB + "%eth0").get("exitCode").asInt(), "a made-up one reaches nobody");
        } finally {
            awaitOperation(panel, panel.post("/api/v1/ves/" + c + "/kill", ""));
            awaitOperation(panel, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + c)).DELETE()));
        }
    }

    @Test
    void veResolveNamesThroughTheHost() throws Exception {
        String expected = PanelProcess.host("getent", "hosts", "deb.debian.org").trim().split("\\s+")[0];
        String answer = sh(a, "nslookup deb.debian.org");
        assertTrue(answer.contains(expected), "a name the host resolves: " + answer);
        assertTrue(sh(a, "nslookup gateway.vessel.internal").contains("10.232.7.1"), "the local zone");
        assertTrue(sh(a, "cat /etc/resolv.conf").contains("nameserver 10.232.7.1"));
    }

    /** A table with its rule handles, without the timers of the per-address DNS rate meters (they count down). */
    private static String rules(String family, String table) {
        return PanelProcess.host("nft", "-a", "list", "table", family, table).replaceAll(" expires \\S+", "");
    }

    private void inWorld(String... command) {
        List<String> full = new java.util.ArrayList<>(List.of("ip", "netns", "exec", world));
        full.addAll(List.of(command));
        PanelProcess.host(full.toArray(String[]::new));
    }

    private int createAndStart() {
        JsonNode operation = awaitOperation(panel, panel.post("/api/v1/ves", "{\"template\":\"busybox\",\"ipPool\":\"nat\"}"));
        int id = Integer.parseInt(operation.get("result").asText().replace("/api/v1/ves/", ""));
        awaitOperation(panel, panel.post("/api/v1/ves/" + id + "/start", ""));
        return id;
    }

    private void change(int ve, String body) {
        PanelProcess.Response r = panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + ve))
                .header("Content-Type", "application/json").method("PATCH", HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(200, r.status(), r.toString());
    }

    private String sh(int ve, String command) throws Exception {
        return exec(ve, "sh", "-c", command).get("stdout").asText();
    }

    private JsonNode exec(int ve, String... argv) throws Exception {
        String body = PanelProcess.JSON.writeValueAsString(Map.of("command", List.of(argv), "timeoutSeconds", 30));
        PanelProcess.Response r = panel.post("/api/v1/ves/" + ve + "/exec", body);
        assertEquals(200, r.status(), r.toString());
        return r.json();
    }
}
