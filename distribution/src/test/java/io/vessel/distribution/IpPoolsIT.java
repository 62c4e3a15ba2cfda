package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IP pools through the REST API: concurrent allocations never hand out an address twice, an exhausted pool and
 * bad addresses are refused with the right status, and a destroyed VE's addresses return to the pool.
 * (Addresses are only recorded here; no traffic is sent.)
 */
@org.junit.jupiter.api.parallel.ResourceLock(PanelProcess.VE_INTERFACES)
class IpPoolsIT {

    @TempDir
    Path work;

    @Test
    void addressesAreHandedOutOnceAndComeBack() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        String bridge;
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            bridge = panel.bridge();
            PanelProcess.Response created = panel.post("/api/v1/ip-pools", "{\"name\":\"lan\",\"cidr\":\"10.231.7.0/24\",\"mode\":\"NAT\",\"dns\":[\"10.231.7.1\"]}");
            assertEquals(201, created.status(), created.toString());
            assertEquals("10.231.7.1", created.json().get("gateway").asText(), "the first address is the default gateway");
            assertEquals(253, created.json().get("capacity").asInt(), "254 host addresses less the gateway");
            assertProblem(panel.post("/api/v1/ip-pools", "{\"name\":\"lan\",\"cidr\":\"10.231.8.0/24\"}"), 409, null);
            assertProblem(panel.post("/api/v1/ip-pools", "{\"name\":\"overlap\",\"cidr\":\"10.231.7.128/25\"}"), 409, null);
            assertProblem(panel.post("/api/v1/ip-pools", "{\"name\":\"bad\",\"cidr\":\"10.231.7.5/24\"}"), 400, null);
            assertProblem(panel.post("/api/v1/ip-pools", "{\"name\":\"bad\",\"cidr\":\"10.231.9.0/24\",\"gateway\":\"10.9.9.9\"}"), 422, null);
            PanelProcess.Response v6 = panel.post("/api/v1/ip-pools", "{\"name\":\"lan6\",\"cidr\":\"fd00:7::/64\"}");
            assertEquals(201, v6.status(), v6.toString());
            assertEquals("fd00:7::1", v6.json().get("gateway").asText());

            int a = createVe(panel);
            int b = createVe(panel);
            ExecutorService clients = Executors.newFixedThreadPool(16);
            List<Future<PanelProcess.Response>> requests = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int ve = i % 2 == 0 ? a : b;
                requests.add(clients.submit(() -> panel.post("/api/v1/ves/" + ve + "/ips", "{\"pool\":\"lan\"}")));
            }
            Set<String> handedOut = new HashSet<>();
            for (Future<PanelProcess.Response> r : requests) {
                PanelProcess.Response response = r.get();
                assertEquals(201, response.status(), response.toString());
                assertTrue(handedOut.add(response.json().get("address").asText()), "handed out twice: " + response.body());
            }
            clients.shutdown();
            assertEquals(100, handedOut.size());
            assertEquals(50, panel.get("/api/v1/ves/" + a + "/ips").json().size());

            // fill the pool up; the next allocation is refused
            for (int i = 100; i < 253; i++) {
                assertEquals(201, panel.post("/api/v1/ves/" + a + "/ips", "{\"pool\":\"lan\"}").status());
            }
            assertProblem(panel.post("/api/v1/ves/" + a + "/ips", "{\"pool\":\"lan\"}"), 409,
                    "IP pool lan is exhausted: all 253 addresses are held.");
            assertEquals(253, panel.get("/api/v1/ip-pools/lan").json().get("allocated").asInt());

            // bad requests
            assertProblem(panel.post("/api/v1/ves/" + a + "/ips", "{\"pool\":\"lan6\",\"address\":\"10.231.7.9\"}"), 422, null);
            assertProblem(panel.post("/api/v1/ves/" + a + "/ips", "{\"pool\":\"lan6\",\"address\":\"fd00:8::5\"}"), 422, null);
            assertProblem(panel.post("/api/v1/ves/" + a + "/ips", "{\"pool\":\"lan6\",\"address\":\"fd00:7::1\"}"), 422, null);
            assertEquals(201, panel.post("/api/v1/ves/" + b + "/ips", "{\"pool\":\"lan6\",\"address\":\"fd00:7:0:0::abc\"}").status());
            assertProblem(panel.post("/api/v1/ves/" + a + "/ips", "{\"pool\":\"lan6\",\"address\":\"fd00:7::abc\"}"), 409, null);
            assertProblem(panel.post("/api/v1/ves/" + a + "/ips", "{\"pool\":\"lan6\",\"address\":\"not-an-ip\"}"), 400, null);
            assertProblem(panel.post("/api/v1/ves/" + a + "/ips", "{\"pool\":\"nowhere\"}"), 404, null);
            assertProblem(panel.post("/api/v1/ves/99999/ips", "{\"pool\":\"lan\"}"), 404, null);
            assertProblem(panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ip-pools/lan")).DELETE()), 409, null);

            // releasing one address and destroying a VE give addresses back
            String one = panel.get("/api/v1/ves/" + b + "/ips").json().get(0).get("address").asText();
            assertEquals(204, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + b + "/ips/" + one)).DELETE()).status());
            assertProblem(panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + b + "/ips/" + one)).DELETE()), 404, null);
            VeLifecycleIT.awaitOperation(panel, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + a)).DELETE()));
            JsonNode lan = panel.get("/api/v1/ip-pools/lan").json();
            assertEquals(253 - 1 - (253 - 50), lan.get("allocated").asInt(), "only b's addresses are left: " + lan);
            VeLifecycleIT.awaitOperation(panel, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + b)).DELETE()));
            assertEquals(204, panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ip-pools/lan")).DELETE()).status());
        }
        assertFalse(PanelProcess.host("nft", "list", "tables").contains(bridge), "recording addresses touches no host rules");
    }

    private static int createVe(PanelProcess panel) {
        JsonNode op = VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves", "{\"template\":\"busybox\"}"));
        return Integer.parseInt(op.get("result").asText().replace("/api/v1/ves/", ""));
    }
}
