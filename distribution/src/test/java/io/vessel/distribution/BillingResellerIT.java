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
 * Two-level billing: the provider sells a reseller an allocation and sets its oversell ratios; the reseller sells its
 * customers plans of its own, up to its allocation times those ratios (beyond: {@code 409} naming the resource), and
 * its customers' VEs together stay within it too; the reseller invoices its customers in its own gapless series, and
 * the provider invoices the reseller — here for its customers' actual usage of real VEs.
 */
class BillingResellerIT {

    private static final String PASSWORD = "Reseller-Password-1";

    @Test
    void aResellerSellsWithinItsAllocationTimesItsRatioAndIsBilledForItsCustomersUsage() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-reseller");
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\nkernel.accounting.interval = 2\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            String reseller = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Hosting Reseller\",\"kind\":\"RESELLER\"}"));
            String capacity = PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"capacity\",\"name\":\"Capacity\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"50.00\",\"quotas\":{\"memoryMiB\":2048,\"diskGiB\":20,\"ves\":2},"
                    + "\"charges\":[{\"meter\":\"ve.hours\",\"price\":{\"model\":\"perUnit\",\"unitPrice\":\"0.50\"}}]}"));
            assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + reseller + "\",\"plan\":\"" + capacity + "\"}").status());

            // the provider sets the terms; the reseller reads them, may not set them, and nonsense is refused
            panel.createAccount(reseller, "res", "reseller-admin", PASSWORD);
            PanelProcess.As res = panel.login("res", PASSWORD);
            PanelProcess.Response badRatio = panel.send(put("/api/v1/billing/resellers/" + reseller + "/terms", "{\"oversell\":{\"memoryMiB\":\"0.5\"}}", panel));
            assertEquals(422, badRatio.status(), badRatio.toString());
            assertTrue(badRatio.body().contains("oversell.memoryMiB"), badRatio.body());
            assertEquals(403, res.send("PUT", "/api/v1/billing/resellers/" + reseller + "/terms", "{\"oversell\":{\"memoryMiB\":\"9\"}}").status());
            PanelProcess.Response set = panel.send(put("/api/v1/billing/resellers/" + reseller + "/terms",
                    "{\"wholesale\":\"USAGE\",\"oversell\":{\"memoryMiB\":\"2.0\"}}", panel));
            assertEquals(200, set.status(), set.toString());

            // the reseller's own plan and customers
            String small = PanelProcess.createdId(res.post("/api/v1/billing/plans", "{\"code\":\"small\",\"name\":\"Small\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"20.00\",\"quotas\":{\"memoryMiB\":1024,\"diskGiB\":10,\"ves\":1}}"));
            String c1 = PanelProcess.createdId(res.post("/api/v1/tenants", "{\"name\":\"Shop One\",\"kind\":\"CUSTOMER\"}"));
            String c2 = PanelProcess.createdId(res.post("/api/v1/tenants", "{\"name\":\"Shop Two\",\"kind\":\"CUSTOMER\"}"));
            String c3 = PanelProcess.createdId(res.post("/api/v1/tenants", "{\"name\":\"Shop Three\",\"kind\":\"CUSTOMER\"}"));
            assertEquals(201, res.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + c1 + "\",\"plan\":\"" + small + "\"}").status());
            assertEquals(201, res.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + c2 + "\",\"plan\":\"" + small + "\"}").status());
            // memory may be oversold twice over, disk not at all: the third sale is refused for its disk
            PanelProcess.Response third = res.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + c3 + "\",\"plan\":\"" + small + "\"}");
            assertEquals(409, third.status(), third.toString());
            assertEquals("disk: the reseller has sold 20 GiB, and 10 GiB more would go beyond the 20 GiB it may sell (its allocation times its"
                    + " oversell ratio).", third.json().get("detail").asText());
            JsonNode terms = res.get("/api/v1/billing/resellers/" + reseller + "/terms").json();
            assertEquals("USAGE", terms.get("wholesale").asText());
            JsonNode memory = terms.get("capacity").get(0);
            assertEquals("memoryMiB", memory.get("resource").asText());
            assertEquals(2048, memory.get("allocated").asLong());
            assertEquals("2.0", memory.get("ratio").asText());
            assertEquals(4096, memory.get("sellable").asLong());
            assertEquals(2048, memory.get("sold").asLong());

            // the VEs of all its customers together stay within the allocation too (c3 has no plan of its own)
            int ve1 = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"one\",\"owner\":\"" + c1 + "\"}");
            int ve2 = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"two\",\"owner\":\"" + c2 + "\"}");
            PanelProcess.Response beyond = panel.post("/api/v1/ves", "{\"template\":\"busybox\",\"hostname\":\"three\",\"owner\":\"" + c3 + "\"}");
            assertEquals(409, beyond.status(), beyond.toString());
            assertEquals("Plugin billing-quota refused: VEs: 2 taken and 1 more would go beyond the 2 the reseller's allocation times its oversell"
                    + " ratio allows.", beyond.json().get("detail").asText());

            // the reseller's customers' VEs run for a while
            for (int ve : List.of(ve1, ve2)) {
                VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            }
            Thread.sleep(8_000);
            for (int ve : List.of(ve1, ve2)) {
                VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/stop", ""));
            }

            // the first run: the provider invoices the reseller, the reseller its customers, each in its own series
            JsonNode firstRun = BillingApi.billingRun(panel);
            assertEquals(3, firstRun.get("documents").size(), firstRun + " " + panel.get("/api/v1/billing/invoices").body());
            Map<String, JsonNode> byTenant = new java.util.HashMap<>();
            panel.get("/api/v1/billing/invoices").json().forEach(i -> byTenant.put(i.get("tenant").asText(), i));
            assertEquals(reseller, byTenant.get(c1).get("issuer").asText(), byTenant.get(c1).toString());
            assertEquals(reseller, byTenant.get(c2).get("issuer").asText());
            assertEquals("provider", byTenant.get(reseller).get("issuer").asText(), byTenant.get(reseller).toString());
            assertTrue(byTenant.get(c1).get("number").asText().endsWith("000001") && byTenant.get(c2).get("number").asText().endsWith("000002")
                    && byTenant.get(reseller).get("number").asText().endsWith("000001"), "two series: " + byTenant.values());
            // the reseller sees its customers' invoices, not the provider's other customers'
            assertEquals(3, res.get("/api/v1/billing/invoices").json().size());

            // a month on: the provider bills the reseller the running time of its customers' VEs
            assertEquals(200, panel.post("/api/v1/billing/clock", "{\"by\":\"P32D\"}").status()); // past every account's anchor day
            assertEquals(3, BillingApi.run(panel).size());
            JsonNode wholesale = null;
            for (JsonNode i : panel.get("/api/v1/billing/invoices?tenant=" + reseller).json()) {
                wholesale = i;
            }
            JsonNode lines = panel.get("/api/v1/billing/invoices/" + wholesale.get("id").asText()).json().get("lines");
            JsonNode usage = null;
            for (JsonNode line : lines) {
                if (line.get("kind").asText().equals("usage")) {
                    usage = line;
                }
            }
            assertTrue(usage != null, "a usage line: " + lines);
            double hours = Double.parseDouble(usage.get("quantity").asText());
            assertTrue(hours * 3600 > 8 && hours * 3600 < 120, "both VEs' running time: " + hours * 3600 + " s");
            assertEquals("Running time (hours)", usage.get("description").asText());
            assertEquals(List.of(), documents(panel), "billed once");
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    private static List<String> documents(PanelProcess panel) {
        return BillingApi.run(panel);
    }

    private static java.net.http.HttpRequest.Builder put(String path, String json, PanelProcess panel) {
        return java.net.http.HttpRequest.newBuilder(panel.uri(path)).header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(json));
    }
}
