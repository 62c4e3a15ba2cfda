package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A customer's plans are its quota: VEs beyond what its subscriptions allow — in number, memory, disk — are refused
 * with 409 naming the resource, what is taken and what is allowed, through the VE lifecycle hook billing registers;
 * a customer without a subscription is not limited by billing.
 */
class BillingQuotaIT {

    @Test
    void vesBeyondTheCustomersPlansAreRefusedNamingTheResource() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-quota");
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"small\",\"name\":\"Small\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"5.00\",\"quotas\":{\"memoryMiB\":1024,\"diskGiB\":6,\"ves\":2}}"));
            String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Capped\",\"kind\":\"CUSTOMER\"}"));
            assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan + "\"}").status());

            int first = NetworkIT.createVe(panel, ve(customer, "one", 512, 2));
            PanelProcess.Response tooMuch = panel.post("/api/v1/ves", ve(customer, "two", 768, 2));
            assertProblem(tooMuch, 409, null);
            assertEquals("Plugin billing-quota refused: memory: 512 MiB taken and 768 MiB more would go beyond the 1024 MiB the customer's plans allow.",
                    tooMuch.json().get("detail").asText());
            assertProblem(panel.post("/api/v1/ves", ve(customer, "two", 256, 8)), 409, null);
            NetworkIT.createVe(panel, ve(customer, "two", 256, 2));
            PanelProcess.Response third = panel.post("/api/v1/ves", ve(customer, "three", 64, 1));
            assertProblem(third, 409, null);
            assertTrue(third.json().get("detail").asText().contains("VEs: 2 taken and 1 more would go beyond the 2 the customer's plans allow"), third.body());

            // giving a VE more than the plans allow is refused too; within them it is fine
            PanelProcess.Response resize = panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + first))
                    .header("Content-Type", "application/json").method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"limits\":{\"memoryBytes\":" + (900L << 20) + "}}")));
            assertProblem(resize, 409, null);
            assertTrue(resize.json().get("detail").asText().contains("memory: 256 MiB taken and 900 MiB more"), resize.body());

            // a customer without a subscription is not limited by billing
            String free = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Unbilled\",\"kind\":\"CUSTOMER\"}"));
            NetworkIT.createVe(panel, ve(free, "big", 2048, 8));
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    @Test
    void aCustomersSpendingLimitAlertsOnceAndCanBlockNewVes() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-limit");
        // on the test clock, so the scheduled dunning (every minute) leaves the alerts to the checks this test asks for
        Path conf = java.nio.file.Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            // an hourly plan: the started hour counts at once
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"hourly\",\"name\":\"Hourly\",\"currency\":\"EUR\","
                    + "\"period\":\"HOUR\",\"price\":\"1.00\",\"monthlyCap\":\"100.00\"}"));
            String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Careful\",\"kind\":\"CUSTOMER\"}"));
            assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan + "\"}").status());
            panel.createAccount(customer, "careful", "customer-owner", "Careful-Password-1");
            PanelProcess.As careful = panel.login("careful", "Careful-Password-1");
            PanelProcess.Response set = careful.send("PUT", "/api/v1/billing/accounts/" + customer + "/spending-limit", "{\"limit\":\"1.00\",\"action\":\"block\"}");
            assertEquals(200, set.status(), set.toString());
            assertEquals("1.00", set.json().get("spendingLimit").asText());
            assertProblem(careful.send("PUT", "/api/v1/billing/accounts/" + customer + "/spending-limit", "{\"limit\":\"-3\"}"), 422, null);

            JsonNode alerts = panel.post("/api/v1/billing/dunning", "").json();
            assertEquals("[\"alert-80\",\"alert-100\"]", alerts.get(0).get("actions").toString(), alerts.toString());
            assertEquals("[]", panel.post("/api/v1/billing/dunning", "").json().toString(), "each alert once per period");
            PanelProcess.Response blocked = panel.post("/api/v1/ves", ve(customer, "more", 64, 1));
            assertProblem(blocked, 409, null);
            assertTrue(blocked.json().get("detail").asText().contains("spending limit of 1.00 EUR is reached"), blocked.body());

            // a higher limit lets it grow again
            assertEquals(200, careful.send("PUT", "/api/v1/billing/accounts/" + customer + "/spending-limit", "{\"limit\":\"50.00\",\"action\":\"block\"}").status());
            NetworkIT.createVe(panel, ve(customer, "more", 64, 1));
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    private static String ve(String owner, String hostname, long memoryMiB, long diskGiB) {
        return "{\"template\":\"busybox\",\"hostname\":\"" + hostname + "\",\"owner\":\"" + owner + "\",\"limits\":{\"memoryBytes\":" + (memoryMiB << 20)
                + ",\"diskBytes\":" + (diskGiB << 30) + "}}";
    }
}
