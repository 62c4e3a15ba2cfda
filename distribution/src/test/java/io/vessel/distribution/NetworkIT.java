package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real VE networking on a bridge of the test's own (all traffic stays between the VEs' namespaces and that
 * bridge): two VEs reach each other and the host, get their name servers, cannot impersonate a neighbour's IP or
 * use a foreign MAC, and leave no interface or rule behind.
 */
// Takes turns with the other classes whose VEs have addresses instead of running alone: its uplink is joined to its own
// bridge, and the host's IPv4 forwarding it restores at the end matters only to VEs with addresses (a panel turns it on
// when it sets up a NAT pool). Alone, its half minute of pings and capped transfers left a core idle.
@org.junit.jupiter.api.parallel.ResourceLock(PanelProcess.VE_INTERFACES)
class NetworkIT {

    @TempDir
    Path work;

    @Test
    void vesTalkOnTheBridgeAndCannotSpoof() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        String bridge = "vst" + (System.nanoTime() % 100000);
        // one end of a veth pair stands in for the provider's network, which BRIDGED pools join through the uplink
        String uplink = bridge + "u";
        PanelProcess.host("ip", "link", "add", uplink, "type", "veth", "peer", "name", bridge + "p"); // no dummy driver here
        Path conf = Files.writeString(work.resolve("vessel.conf"), "kernel.network.bridge = " + bridge + "\nkernel.network.uplink = " + uplink
                + "\nkernel.accounting.interval = 1\n");
        String forwardingBefore = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            assertEquals(201, panel.post("/api/v1/ip-pools", "{\"name\":\"lan\",\"cidr\":\"10.231.9.0/24\",\"mode\":\"NAT\",\"dns\":[\"10.231.9.1\"]}").status());
            int a = createVe(panel, "{\"template\":\"busybox\",\"ipPool\":\"lan\"}");
            int b = createVe(panel, "{\"template\":\"busybox\",\"ipPool\":\"lan\"}");
            String ipA = panel.get("/api/v1/ves/" + a + "/ips").json().get(0).get("address").asText();
            String ipB = panel.get("/api/v1/ves/" + b + "/ips").json().get(0).get("address").asText();
            assertNotEquals(ipA, ipB);
            for (int ve : List.of(a, b)) {
                VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            }
            assertTrue(exec(panel, a, "ip", "-4", "addr", "show", "eth0").get("stdout").asText().contains(ipA + "/24"));
            assertTrue(PanelProcess.host("ip", "link", "show", "dev", uplink).contains("master " + bridge), "the uplink is joined to the bridge");
            assertTrue(exec(panel, a, "cat", "/etc/resolv.conf").get("stdout").asText().contains("nameserver 10.231.9.1"));
            assertEquals(0, exec(panel, a, "ping", "-c", "2", "-W", "2", ipB).get("exitCode").asInt(), "VE to VE");
            assertEquals(0, exec(panel, b, "ping", "-c", "2", "-W", "2", "10.231.9.1").get("exitCode").asInt(), "VE to host");

            // billable traffic is external traffic only: what A sends B on the bridge is not counted, what it sends the host is
            long[] quiet = traffic(panel, a);
            assertEquals(0, exec(panel, a, "ping", "-c", "20", "-i", "0.2", "-s", "1000", "-W", "2", ipB).get("exitCode").asInt());
            long[] bridged = traffic(panel, a);
            assertTrue(bridged[0] - quiet[0] >= 20_000, "the interface counted the VE-to-VE pings: " + (bridged[0] - quiet[0]));
            assertTrue(bridged[1] - quiet[1] < 2_000, "external traffic did not: " + (bridged[1] - quiet[1]));
            assertEquals(0, exec(panel, a, "ping", "-c", "20", "-i", "0.2", "-s", "1000", "-W", "2", "10.231.9.1").get("exitCode").asInt());
            long[] external = traffic(panel, a);
            assertTrue(external[1] - bridged[1] >= 20_000 && external[2] - bridged[2] >= 20_000,
                    "the pings to the host counted both ways: " + (external[1] - bridged[1]) + " out, " + (external[2] - bridged[2]) + " in");

            // an address given to a running VE works at once; released, it is gone at once
            PanelProcess.Response second = panel.post("/api/v1/ves/" + a + "/ips", "{\"pool\":\"lan\"}");
            assertEquals(201, second.status(), second.toString());
            String ipA2 = second.json().get("address").asText();
            assertTrue(exec(panel, a, "ip", "-4", "addr", "show", "eth0").get("stdout").asText().contains(ipA2 + "/24"));
            assertEquals(0, exec(panel, a, "ping", "-c", "1", "-W", "2", "-I", ipA2, ipB).get("exitCode").asInt(), "the new address may send");
            assertEquals(204, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + a + "/ips/" + ipA2)).DELETE()).status());
            assertFalse(exec(panel, a, "ip", "-4", "addr", "show", "eth0").get("stdout").asText().contains(ipA2 + "/"));

            // IPv6 (a bridged pool: no address on the host, no forwarding) between two running VEs
            assertEquals(201, panel.post("/api/v1/ip-pools", "{\"name\":\"lan6\",\"cidr\":\"fd00:231:9::/64\",\"mode\":\"BRIDGED\"}").status());
            String v6A = panel.post("/api/v1/ves/" + a + "/ips", "{\"pool\":\"lan6\"}").json().get("address").asText();
            String v6B = panel.post("/api/v1/ves/" + b + "/ips", "{\"pool\":\"lan6\"}").json().get("address").asText();
            assertTrue(exec(panel, b, "ip", "-6", "addr", "show", "eth0").get("stdout").asText().contains(v6B + "/64"));
            assertEquals(0, exec(panel, a, "ping6", "-c", "2", "-W", "2", v6B).get("exitCode").asInt(), "VE to VE over IPv6");
            exec(panel, a, "sh", "-c", "ip -6 addr del " + v6A + "/64 dev eth0; ip -6 addr add fd00:231:9::beef/64 dev eth0 nodad");
            assertNotEquals(0, exec(panel, a, "ping6", "-c", "2", "-W", "1", v6B).get("exitCode").asInt(), "a made-up IPv6 address is dropped");

            // a port of the host forwarded to a VE (connecting from the host to its gateway address on the bridge)
            exec(panel, b, "sh", "-c", "(sleep 60 | nc -l -p 2222 > /tmp/forwarded) </dev/null >/dev/null 2>&1 &");
            PanelProcess.Response forward = panel.post("/api/v1/ves/" + b + "/port-forwards", "{\"protocol\":\"tcp\",\"hostPort\":18022,\"port\":2222}");
            assertEquals(201, forward.status(), forward.toString());
            assertEquals(ipB, forward.json().get("address").asText());
            PanelLifecycleIT.assertProblem(panel.post("/api/v1/ves/" + a + "/port-forwards", "{\"hostPort\":18022,\"port\":22}"), 409, null);
            PanelLifecycleIT.assertProblem(panel.post("/api/v1/ves/" + a + "/port-forwards", "{\"protocol\":\"icmp\",\"hostPort\":18023,\"port\":22}"), 400, null);
            Thread.sleep(300);
            try (java.net.Socket socket = new java.net.Socket("10.231.9.1", 18022)) {
                socket.getOutputStream().write("through the forward\n".getBytes());
            }
            PanelProcess.poll(java.time.Duration.ofSeconds(10), () -> {
                try {
                    return exec(panel, b, "cat", "/tmp/forwarded").get("stdout").asText().contains("through the forward");
                } catch (Exception e) {
                    return false;
                }
            }, "the forwarded connection to reach the VE");
            assertEquals(204, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + b + "/port-forwards/tcp/18022")).DELETE()).status());
            assertEquals(0, panel.get("/api/v1/ves/" + b + "/port-forwards").json().size());
            assertFalse(PanelProcess.host("nft", "list", "table", "ip", "vessel-nat-" + bridge).contains("18022"), "its rule is gone");

            // counters grow by at least what was sent, and a rate limit holds on a bounded transfer
            JsonNode before = usage(panel, b, u -> u.has("netRxBytesTotal"));
            JsonNode limited = change(panel, b, "{\"limits\":{\"netInBitsPerSecond\":10000000}}");
            assertEquals(10_000_000L, limited.at("/limits/netInBitsPerSecond").asLong());
            long bytes = 6_000_000;
            exec(panel, b, "sh", "-c", "(sleep 120 | nc -l -p 5001 > /tmp/got) </dev/null >/dev/null 2>&1 &"); // busybox nc ends at the end of its input
            Thread.sleep(300);
            long started = System.nanoTime();
            exec(panel, a, "sh", "-c", "(dd if=/dev/zero bs=1000 count=" + bytes / 1000 + " 2>/dev/null | nc " + ipB + " 5001) </dev/null >/dev/null 2>&1 &");
            PanelProcess.poll(java.time.Duration.ofSeconds(30), () -> {
                try {
                    return exec(panel, b, "sh", "-c", "wc -c < /tmp/got").get("stdout").asText().strip().equals(String.valueOf(bytes));
                } catch (Exception e) {
                    return false;
                }
            }, "the transfer to finish");
            double seconds = (System.nanoTime() - started) / 1e9;
            double mbits = bytes * 8 / seconds / 1e6;
            assertTrue(mbits > 8 && mbits < 12, "10 Mbit/s within 20 %: " + mbits + " Mbit/s over " + seconds + " s");
            JsonNode after = usage(panel, b, u -> u.get("netRxBytesTotal").asLong() - before.get("netRxBytesTotal").asLong() >= bytes);
            assertTrue(after.get("netRxPacketsTotal").asLong() > before.get("netRxPacketsTotal").asLong());
            change(panel, b, "{\"limits\":{\"netInBitsPerSecond\":0}}");
            assertFalse(PanelProcess.host("tc", "qdisc", "show", "dev", "vh" + b).contains("tbf"), "the cap is lifted live");

            // a cap on what a VE sends
            change(panel, a, "{\"limits\":{\"netOutBitsPerSecond\":10000000}}");
            long outBytes = 5_000_000;
            exec(panel, b, "sh", "-c", "(sleep 60 | nc -l -p 5002 > /tmp/out) </dev/null >/dev/null 2>&1 &");
            Thread.sleep(300);
            long outStarted = System.nanoTime();
            exec(panel, a, "sh", "-c", "(dd if=/dev/zero bs=1000 count=" + outBytes / 1000 + " 2>/dev/null | nc " + ipB + " 5002) </dev/null >/dev/null 2>&1 &");
            PanelProcess.poll(java.time.Duration.ofSeconds(30), () -> {
                try {
                    return exec(panel, b, "sh", "-c", "wc -c < /tmp/out").get("stdout").asText().strip().equals(String.valueOf(outBytes));
                } catch (Exception e) {
                    return false;
                }
            }, "the capped upload to finish");
            double outMbits = outBytes * 8 / ((System.nanoTime() - outStarted) / 1e9) / 1e6;
            assertTrue(outMbits > 8 && outMbits < 12, "sending: 10 Mbit/s within 20 %: " + outMbits);
            change(panel, a, "{\"limits\":{\"netOutBitsPerSecond\":0}}");
            assertFalse(PanelProcess.host("tc", "qdisc", "show", "dev", "vh" + a).contains("ingress"), "the cap is lifted live");
            assertFalse(Files.exists(Path.of("/sys/class/net/vi" + a)), "with its shaping device");

            // lifetime network counters survive a VE restart
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + b + "/restart", ""));
            JsonNode restarted = usage(panel, b, u -> java.time.Instant.parse(u.get("at").asText()).isAfter(java.time.Instant.now().minusMillis(500)));
            assertTrue(restarted.get("netRxBytesTotal").asLong() >= after.get("netRxBytesTotal").asLong(), "never backwards: " + restarted);

            // a VE that takes its neighbour's address reaches nobody
            exec(panel, a, "sh", "-c", "ip addr del " + ipA + "/24 dev eth0; ip addr add " + ipB + "/24 dev eth0");
            assertNotEquals(0, exec(panel, a, "ping", "-c", "2", "-W", "1", "10.231.9.1").get("exitCode").asInt(), "spoofed IP is dropped");
            exec(panel, a, "sh", "-c", "ip addr del " + ipB + "/24 dev eth0; ip addr add " + ipA + "/24 dev eth0; ip route add default via 10.231.9.1");
            assertEquals(0, exec(panel, a, "ping", "-c", "2", "-W", "2", "10.231.9.1").get("exitCode").asInt(), "its own address works again");
            // ... and so does one with a foreign MAC
            exec(panel, a, "ip", "link", "set", "eth0", "address", "02:00:00:00:00:99");
            assertNotEquals(0, exec(panel, a, "ping", "-c", "2", "-W", "1", ipB).get("exitCode").asInt(), "foreign MAC is dropped");

            for (int ve : List.of(a, b)) {
                VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/kill", ""));
                assertFalse(Files.exists(Path.of("/sys/class/net/vh" + ve)), "the veth is gone");
                assertFalse(Files.exists(Path.of("/sys/class/net/vi" + ve)), "no shaping device is left");
                assertFalse(PanelProcess.host("nft", "list", "table", "bridge", "vessel-" + bridge).contains("chain ve" + ve), "its rules are gone");
            }
            for (int ve : List.of(a, b)) {
                VeLifecycleIT.awaitOperation(panel, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + ve)).DELETE()));
            }
        } finally {
            PanelProcess.host("ip", "link", "del", uplink);
            PanelProcess.host("ip", "link", "del", bridge);
            PanelProcess.host("nft", "delete", "table", "bridge", "vessel-" + bridge);
            PanelProcess.host("nft", "delete", "table", "ip", "vessel-nat-" + bridge);
            Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), forwardingBefore);
        }
        assertFalse(Files.exists(Path.of("/sys/class/net/" + bridge)));
        assertFalse(Files.exists(Path.of("/sys/class/net/" + uplink)));
    }

    private static JsonNode usage(PanelProcess panel, int ve, java.util.function.Predicate<JsonNode> condition) {
        JsonNode[] last = new JsonNode[1];
        PanelProcess.poll(java.time.Duration.ofSeconds(30), () -> {
            last[0] = panel.get("/api/v1/ves/" + ve).json().path("usage");
            return !last[0].isMissingNode() && !last[0].isNull() && condition.test(last[0]);
        }, "usage of VE " + ve);
        return last[0];
    }

    static JsonNode change(PanelProcess panel, int ve, String body) {
        PanelProcess.Response r = panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + ve)).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(200, r.status(), r.toString());
        return r.json();
    }

    /** A VE's {interface bytes sent, external bytes sent, external bytes received}, once a sample after now is stored. */
    private static long[] traffic(PanelProcess panel, int ve) throws InterruptedException {
        Thread.sleep(2_500); // the accounting interval here is 1 s
        JsonNode usage = panel.get("/api/v1/ves/" + ve).json().get("usage");
        return new long[] {usage.get("netTxBytesTotal").asLong(), usage.get("netExternalTxBytesTotal").asLong(),
                usage.get("netExternalRxBytesTotal").asLong()};
    }

    static int createVe(PanelProcess panel, String body) {
        JsonNode op = VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves", body));
        return Integer.parseInt(op.get("result").asText().replace("/api/v1/ves/", ""));
    }

    private static JsonNode exec(PanelProcess panel, int ve, String... argv) throws Exception {
        PanelProcess.Response r = panel.post("/api/v1/ves/" + ve + "/exec",
                PanelProcess.JSON.writeValueAsString(Map.of("command", List.of(argv), "timeoutSeconds", 20)));
        assertEquals(200, r.status(), r.toString());
        return r.json();
    }
}
