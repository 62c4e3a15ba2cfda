package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A plan's monthly traffic allowance with its overuse policy, on real VEs: once a VE has sent more external traffic
 * than its plan includes this month, THROTTLE caps its bandwidth at the plan's rate and SUSPEND suspends it; when the
 * month is over, exactly that is undone.
 */
@org.junit.jupiter.api.parallel.ResourceLock(PanelProcess.VE_INTERFACES)
class BillingTrafficIT {

    @Test
    void aVeOverItsTrafficAllowanceIsThrottledOrSuspendedUntilTheMonthIsOver() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-traffic");
        String bridge = "vbt" + (System.nanoTime() % 100000);
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\nkernel.network.bridge = " + bridge
                + "\nkernel.accounting.interval = 1\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            assertEquals(201, panel.post("/api/v1/ip-pools", "{\"name\":\"lan\",\"cidr\":\"10.231.29.0/24\",\"mode\":\"NAT\"}").status());
            String throttled = plan(panel, "capped", "\"trafficGiB\":0,\"trafficPolicy\":\"THROTTLE\",\"throttleMbit\":2");
            String suspended = plan(panel, "strict", "\"trafficGiB\":0,\"trafficPolicy\":\"SUSPEND\"");
            String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Streamer\",\"kind\":\"CUSTOMER\"}"));
            int slow = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"slow\",\"ipPool\":\"lan\",\"owner\":\"" + customer + "\"}");
            int stopped = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"stopped\",\"ipPool\":\"lan\",\"owner\":\"" + customer + "\"}");
            for (int ve : List.of(slow, stopped)) {
                VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            }
            subscribe(panel, customer, throttled, slow);
            subscribe(panel, customer, suspended, stopped);

            // external traffic (to the host; what VEs send each other does not count, see NetworkIT): both go over 0 GiB
            for (int ve : List.of(slow, stopped)) {
                // a few rounds at most: twice, next to another class's panel starting, a VE started a moment before got
                // no answer in its first two seconds (see the session note of 2026-12-01)
                int answered = 1;
                for (int round = 0; round < 3 && answered != 0; round++) {
                    answered = exec(panel, ve, "ping", "-c", "10", "-i", "0.2", "-s", "1000", "-W", "2", "10.231.29.1");
                }
                assertEquals(0, answered, "VE " + ve + " reaches its gateway");
            }
            Thread.sleep(2_500);
            List<String> taken = actions(panel);
            assertTrue(taken.containsAll(List.of("traffic-throttle", "traffic-suspend")) && taken.size() == 2, "taken: " + taken);
            JsonNode capped = panel.get("/api/v1/ves/" + slow).json();
            assertEquals(2_000_000L, capped.at("/limits/netOutBitsPerSecond").asLong(), capped.toString());
            assertEquals(2_000_000L, capped.at("/limits/netInBitsPerSecond").asLong());
            assertEquals("SUSPENDED", panel.get("/api/v1/ves/" + stopped).json().get("state").asText());
            assertEquals(List.of(), actions(panel), "each action once a month");

            // the month is over: the rate it had before, and running again
            assertEquals(200, panel.post("/api/v1/billing/clock", "{\"by\":\"P32D\"}").status());
            assertEquals(List.of("traffic-renewed", "traffic-renewed"), actions(panel));
            JsonNode renewed = panel.get("/api/v1/ves/" + slow).json();
            assertEquals(0L, renewed.at("/limits/netOutBitsPerSecond").asLong(), renewed.toString());
            PanelProcess.poll(Duration.ofSeconds(30), () -> "RUNNING".equals(panel.get("/api/v1/ves/" + stopped).json().get("state").asText()),
                    "the suspended VE runs again");
        } finally {
            PanelProcess.host("ip", "link", "del", bridge);
            PluginsIT.deleteTree(work);
        }
    }

    private static String plan(PanelProcess panel, String code, String traffic) {
        return PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"" + code + "\",\"name\":\"" + code + "\",\"currency\":\"EUR\","
                + "\"period\":\"MONTH\",\"price\":\"5.00\",\"quotas\":{" + traffic + "}}"));
    }

    private static void subscribe(PanelProcess panel, String tenant, String plan, int ve) {
        PanelProcess.Response r = panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + tenant + "\",\"plan\":\"" + plan + "\",\"ve\":" + ve + "}");
        assertEquals(201, r.status(), r.toString());
    }

    private static int exec(PanelProcess panel, int ve, String... argv) throws Exception {
        PanelProcess.Response r = panel.post("/api/v1/ves/" + ve + "/exec", PanelProcess.JSON.writeValueAsString(Map.of("command", List.of(argv),
                "timeoutSeconds", 20)));
        assertEquals(200, r.status(), r.toString());
        return r.json().get("exitCode").asInt();
    }

    private static List<String> actions(PanelProcess panel) {
        List<String> out = new java.util.ArrayList<>();
        panel.post("/api/v1/billing/dunning", "").json().forEach(o -> o.get("actions").forEach(a -> out.add(a.asText())));
        return out;
    }
}
