package io.vessel.distribution;

import static io.vessel.distribution.BillingApi.put;
import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Subscriptions against the assembled panel with billing's test clock: a customer subscribed in the middle of a
 * month in its own time zone sees a prorated first charge and the setup fee in its upcoming invoice, exact to the
 * cent; cancelling at the period's end ends it there; subscriptions that cannot be are refused naming the field.
 */
class BillingSubscriptionsIT {

    private static final String MONTHLY = """
            {"code": "vps-m", "name": "VPS M", "currency": "EUR", "period": "MONTH", "price": "30.00", "setupFee": "5.00"}
            """;

    @Test
    void aMidMonthSubscriptionIsProratedToTheSecondInTheCustomersTimeZone(@TempDir Path work) throws Exception {
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans", MONTHLY));
            String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Bakery\",\"kind\":\"CUSTOMER\"}"));
            PanelProcess.Response account = put(panel, "/api/v1/billing/accounts/" + customer,
                    "{\"currency\":\"EUR\",\"anchorDay\":1,\"timeZone\":\"Europe/Berlin\",\"country\":\"DE\",\"taxId\":\"DE123456789\"}");
            assertEquals(200, account.status(), account.toString());
            assertEquals("0.00", account.json().get("balance").asText());
            assertEquals("provider", account.json().get("seller").asText());

            // 16 April 2027, 00:00 in Berlin: half of April is left
            assertEquals(200, panel.post("/api/v1/billing/clock", "{\"to\":\"2027-04-15T22:00:00Z\"}").status());
            assertProblem(panel.post("/api/v1/billing/clock", "{\"to\":\"2020-01-01T00:00:00Z\"}"), 422, null);
            PanelProcess.Response subscribed = panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan + "\"}");
            assertEquals(201, subscribed.status(), subscribed.toString());
            assertEquals("ACTIVE", subscribed.json().get("state").asText());
            assertEquals(1, subscribed.json().get("planVersion").asInt());

            JsonNode upcoming = panel.get("/api/v1/billing/accounts/" + customer + "/invoices/upcoming").json();
            assertEquals("2027-03-31T22:00:00Z", upcoming.get("periodStart").asText(), upcoming.toString());
            assertEquals("2027-04-30T22:00:00Z", upcoming.get("periodEnd").asText());
            assertEquals("setup", upcoming.at("/lines/0/kind").asText());
            assertEquals("5.00", upcoming.at("/lines/0/amount").asText());
            // as the run will bill it: to the second from the subscription's start (the test clock runs on in real time)
            assertEquals(0.5, upcoming.at("/lines/1/quantity").asDouble(), 0.0001, "15 of April's 30 days");
            assertEquals("15.00", upcoming.at("/lines/1/amount").asText());
            assertEquals("20.00", upcoming.get("total").asText());
            assertEquals("INVOICE", upcoming.get("kind").asText(), "due now: the next run issues it");

            // live cost: what the period costs so far, and where it is heading
            JsonNode cost = panel.get("/api/v1/billing/accounts/" + customer + "/cost").json();
            assertEquals("15.00", cost.get("projected").asText(), cost.toString());
            assertEquals("0.00", cost.get("soFar").asText());
            assertEquals(200, panel.post("/api/v1/billing/clock", "{\"by\":\"P5D\"}").status());
            cost = panel.get("/api/v1/billing/accounts/" + customer + "/cost").json();
            assertEquals("5.00", cost.get("soFar").asText(), "5 of April's 30 days: " + cost);
            assertEquals("15.00", cost.get("projected").asText());

            // the customer reads its own account, subscription and upcoming invoice, and cannot subscribe itself
            panel.createAccount(customer, "baker", "customer-owner", "Baker-Password-1");
            PanelProcess.As baker = panel.login("baker", "Baker-Password-1");
            assertEquals("20.00", baker.get("/api/v1/billing/accounts/" + customer + "/invoices/upcoming").json().get("total").asText());
            assertEquals(1, baker.get("/api/v1/billing/subscriptions").json().size());
            assertProblem(baker.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan + "\"}"), 403, null);

            // cancelled at the period's end: it runs until then, then it has ended
            String subscription = subscribed.json().get("id").asText();
            JsonNode cancelled = panel.post("/api/v1/billing/subscriptions/" + subscription + "/cancel", "{\"when\":\"periodEnd\"}").json();
            assertEquals("2027-04-30T22:00:00Z", cancelled.get("cancelAt").asText(), cancelled.toString());
            assertEquals("ACTIVE", cancelled.get("state").asText());
            assertEquals(200, panel.post("/api/v1/billing/clock", "{\"by\":\"P20D\"}").status());
            JsonNode ended = panel.get("/api/v1/billing/subscriptions/" + subscription).json();
            assertEquals("CANCELLED", ended.get("state").asText());
            assertEquals("2027-04-30T22:00:00Z", ended.get("endedAt").asText());
            JsonNode next = panel.get("/api/v1/billing/accounts/" + customer + "/invoices/upcoming").json();
            assertEquals("20.00", next.get("total").asText(), "April's setup and half month, not billed yet, and nothing of May: " + next);
            assertEquals("2027-04-30T22:00:00Z", next.at("/lines/1/to").asText(), next.toString());

            // what cannot be subscribed is refused, naming the field
            String dollars = PanelProcess.createdId(panel.post("/api/v1/billing/plans", MONTHLY.replace("vps-m", "vps-usd").replace("EUR", "USD")));
            assertField(panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + dollars + "\"}"), "plan");
            assertField(panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan + "\",\"version\":9}"), "version");
            assertEquals(200, panel.post("/api/v1/billing/plans/" + plan + "/retire", "").status());
            assertField(panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan + "\"}"), "plan");
            assertField(panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"not-a-tenant\",\"plan\":\"" + plan + "\"}"), "tenant");
            assertProblem(put(panel, "/api/v1/billing/accounts/" + customer, "{\"currency\":\"USD\"}"), 409, null);
            assertField(put(panel, "/api/v1/billing/accounts/" + customer, "{\"timeZone\":\"Mars/Olympus\",\"anchorDay\":32}"), "anchorDay");
            assertEquals(1, panel.get("/api/v1/billing/subscriptions?tenant=" + customer).json().size(), "nothing refused was written");
        }
    }

    @Test
    void billingRunsOnTheRealClockUnlessTheTestClockIsOn(@TempDir Path work) throws Exception {
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            JsonNode clock = panel.get("/api/v1/billing/clock").json();
            assertEquals(false, clock.get("movable").asBoolean());
            assertProblem(panel.post("/api/v1/billing/clock", "{\"by\":\"P1D\"}"), 409, null);
        }
    }

    @Test
    void aVeOrderedWithASubscriptionIsMadeWithThePlansLimitsOrNothingIsLeft() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-order");
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"vps-o\",\"name\":\"VPS O\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"8.00\",\"quotas\":{\"memoryMiB\":768,\"diskGiB\":3,\"cpuCapPercent\":150,\"processes\":300,"
                    + "\"ves\":1}}"));
            String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Orderer\",\"kind\":\"CUSTOMER\"}"));

            // a template that does not exist: refused, and no subscription is left behind
            PanelProcess.Response bad = panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan
                    + "\",\"newVe\":{\"template\":\"no-such-template\"}}");
            assertProblem(bad, 422, null);
            assertEquals(0, panel.get("/api/v1/billing/subscriptions").json().size(), "nothing half-made: " + bad.body());

            JsonNode done = VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer
                    + "\",\"plan\":\"" + plan + "\",\"newVe\":{\"template\":\"busybox\",\"hostname\":\"ordered\"}}"));
            JsonNode subscription = panel.get(done.get("result").asText()).json();
            int ve = subscription.get("ve").asInt();
            JsonNode made = panel.get("/api/v1/ves/" + ve).json();
            assertEquals(customer, made.get("owner").asText());
            assertEquals("ordered", made.get("hostname").asText());
            assertEquals(768L << 20, made.at("/limits/memoryBytes").asLong(), made.toString());
            assertEquals(3L << 30, made.at("/limits/diskBytes").asLong());
            assertEquals(300, made.at("/limits/processes").asInt());
            assertEquals(0, new java.math.BigDecimal("1.5").compareTo(new java.math.BigDecimal(made.at("/limits/cpus").asText())), made.toString());
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            assertEquals("RUNNING", panel.get("/api/v1/ves/" + ve).json().get("state").asText());

            // paused: the VE stops and does not start again until the subscription is resumed
            String id = subscription.get("id").asText();
            PanelProcess.Response paused = panel.post("/api/v1/billing/subscriptions/" + id + "/pause", "");
            assertEquals(200, paused.status(), paused.toString());
            assertEquals("PAUSED", paused.json().get("state").asText());
            assertEquals("STOPPED", panel.get("/api/v1/ves/" + ve).json().get("state").asText());
            PanelProcess.Response refused = panel.post("/api/v1/ves/" + ve + "/start", "");
            assertProblem(refused, 409, null);
            assertTrue(refused.json().get("detail").asText().contains("paused with its subscription"), refused.body());
            assertProblem(panel.post("/api/v1/billing/subscriptions/" + id + "/pause", ""), 409, null);
            PanelProcess.Response resumed = panel.post("/api/v1/billing/subscriptions/" + id + "/resume", "");
            assertEquals(200, resumed.status(), resumed.toString());
            assertEquals(ve, resumed.json().get("ve").asInt());
            assertEquals("RESUMED", panel.get("/api/v1/billing/subscriptions/" + id).json().get("state").asText());
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            assertEquals("RUNNING", panel.get("/api/v1/ves/" + ve).json().get("state").asText());
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    private static void assertField(PanelProcess.Response r, String field) {
        assertProblem(r, 422, null);
        assertTrue(r.json().get("errors").toString().contains("\"field\":\"" + field + "\""), r.body());
    }
}
