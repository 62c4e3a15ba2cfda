package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Metered usage from the kernel's durable accounting: a real VE burns CPU, and the invoice after its month is over
 * charges the CPU seconds its lifetime counter moved, priced by the plan; billing again finds nothing new.
 */
class BillingUsageIT {

    @Test
    void aRealVesCpuTimeIsBilledInArrearsOnceFromItsLifetimeCounter() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-usage");
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"metered\",\"name\":\"Metered\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"1.00\",\"charges\":[{\"meter\":\"cpu.seconds\",\"price\":{\"model\":\"perUnit\",\"unitPrice\":\"0.01\"}}]}"));
            String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Cruncher\",\"kind\":\"CUSTOMER\"}"));
            assertEquals(200, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/billing/accounts/" + customer))
                    .header("Content-Type", "application/json").PUT(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"currency\":\"EUR\",\"anchorDay\":1,\"timeZone\":\"UTC\"}"))).status());
            int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"cruncher\",\"owner\":\"" + customer + "\"}");
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            PanelProcess.Response subscribed = panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan
                    + "\",\"ve\":" + ve + "}");
            assertEquals(201, subscribed.status(), subscribed.toString());
            assertEquals(ve, subscribed.json().get("ve").asInt());
            assertEquals(1, run(panel).size(), "the month in advance; no usage yet");

            // three seconds of CPU, then wait until a stored sample has them, and stop the VE so its counters rest
            PanelProcess.Response burn = panel.post("/api/v1/ves/" + ve + "/exec", PanelProcess.JSON.writeValueAsString(Map.of("command",
                    List.of("timeout", "3", "sh", "-c", "while :; do :; done"), "timeoutSeconds", 20)));
            assertEquals(200, burn.status(), burn.toString());
            PanelProcess.poll(Duration.ofSeconds(45), () -> panel.get("/api/v1/ves/" + ve).json().at("/usage/cpuNanosTotal").asLong() > 2_500_000_000L,
                    "the CPU time in the VE's usage");
            Thread.sleep(11_000); // the next sweep stores it
            JsonNode cost = panel.get("/api/v1/billing/ves/" + ve + "/cost").json();
            assertTrue(new BigDecimal(cost.at("/lines/1/soFar").asText()).compareTo(new BigDecimal("0.02")) >= 0, "the CPU so far costs: " + cost);
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/stop", ""));

            // the month is over: its usage is billed in arrears with next month's price in advance
            YearMonth next = YearMonth.now(ZoneOffset.UTC).plusMonths(1);
            assertEquals(200, panel.post("/api/v1/billing/clock", "{\"to\":\"" + next.atDay(1).atStartOfDay(ZoneOffset.UTC).plusHours(1).toInstant()
                    + "\"}").status());
            assertEquals(1, run(panel).size());
            JsonNode list = panel.get("/api/v1/billing/invoices?tenant=" + customer).json();
            JsonNode invoice = panel.get("/api/v1/billing/invoices/" + list.get(1).get("id").asText()).json();
            JsonNode usage = null;
            for (JsonNode line : invoice.get("lines")) {
                if (line.get("kind").asText().equals("usage")) {
                    usage = line;
                }
            }
            assertTrue(usage != null, "a usage line: " + invoice);
            BigDecimal seconds = new BigDecimal(usage.get("quantity").asText());
            assertTrue(seconds.compareTo(new BigDecimal("2.5")) > 0 && seconds.compareTo(new BigDecimal("60")) < 0, "CPU seconds billed: " + seconds);
            assertEquals(seconds.multiply(new BigDecimal("0.01")).setScale(2, RoundingMode.HALF_UP).toPlainString(), usage.get("amount").asText());
            assertEquals("CPU time (seconds)", usage.get("description").asText());
            assertEquals(List.of(), run(panel), "usage billed once");
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    private static List<String> run(PanelProcess panel) {
        PanelProcess.Response r = panel.post("/api/v1/billing/runs", "");
        assertEquals(200, r.status(), r.toString());
        List<String> numbers = new java.util.ArrayList<>();
        r.json().get("documents").forEach(n -> numbers.add(n.asText()));
        return numbers;
    }
}
