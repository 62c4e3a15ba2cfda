package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Dunning against real VEs, with billing's test clock: an unpaid invoice brings reminders, then a real suspension of
 * the customer's running VE (frozen, not destroyed), while the customer can still log in and see what it owes;
 * paying lifts exactly what billing did at once — a VE an administrator suspended stays suspended.
 */
class BillingDunningIT {

    @Test
    void anOverdueInvoiceSuspendsTheCustomersVesAndPayingRunsThemAgain() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-dunning");
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Late Payer\",\"kind\":\"CUSTOMER\"}"));
            int web = ve(panel, customer, "web");
            int held = ve(panel, customer, "held");
            // an administrator suspends one of them for reasons of its own
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + held + "/suspend", ""));
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans",
                    "{\"code\":\"vps\",\"name\":\"VPS\",\"currency\":\"EUR\",\"period\":\"MONTH\",\"price\":\"12.00\"}"));
            assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan + "\"}").status());
            assertEquals(1, BillingApi.run(panel).size());

            // one day past due (14 days): a reminder, nothing else
            assertEquals(200, panel.post("/api/v1/billing/clock", "{\"by\":\"P15D\"}").status());
            assertEquals(List.of("remind"), actions(panel.post("/api/v1/billing/dunning", "").json()));
            assertEquals("RUNNING", state(panel, web));
            assertEquals(List.of(), actions(panel.post("/api/v1/billing/dunning", "").json()), "each step is taken once");

            // eight days past due: the second reminder and the suspension of its running VE
            assertEquals(200, panel.post("/api/v1/billing/clock", "{\"by\":\"P7D\"}").status());
            assertEquals(List.of("remind", "suspend"), actions(panel.post("/api/v1/billing/dunning", "").json()));
            assertEquals("SUSPENDED", state(panel, web));
            JsonNode account = panel.get("/api/v1/billing/accounts/" + customer).json();
            assertEquals(3, account.get("dunningStep").asInt(), account.toString());
            assertEquals("[" + web + "]", account.get("heldVes").toString(), "billing holds the VE it suspended, not the administrator's");

            // the customer still logs in and sees what it owes
            panel.createAccount(customer, "late", "customer-owner", "Late-Password-1");
            PanelProcess.As late = panel.login("late", "Late-Password-1");
            JsonNode invoice = late.get("/api/v1/billing/invoices").json().get(0);
            String due = invoice.get("amountDue").asText();
            assertEquals(invoice.get("total").asText(), due, "nothing of it is paid");
            // ... but cannot run the held VE again by itself: resuming or restarting is refused, saying why
            PanelProcess.Response resumed = late.post("/api/v1/ves/" + web + "/resume", "");
            assertEquals(409, resumed.status(), resumed.toString());
            assertTrue(resumed.json().get("detail").asText().contains("overdue invoice"), resumed.toString());
            assertEquals(409, late.post("/api/v1/ves/" + web + "/restart", "").status());
            PanelProcess.Response order = late.post("/api/v1/billing/orders", "{\"plan\":\"" + plan + "\",\"template\":\"busybox\"}");
            assertEquals(409, order.status(), "no new server before paying: " + order);
            assertEquals("SUSPENDED", state(panel, web));

            // paying what is due runs the VE again at once; the administrator's suspension stays
            assertEquals(201, panel.post("/api/v1/billing/accounts/" + customer + "/payments", "{\"amount\":\"" + due + "\",\"method\":\"BANK_TRANSFER\","
                    + "\"invoice\":\"" + invoice.get("id").asText() + "\"}").status());
            PanelProcess.poll(Duration.ofSeconds(60), () -> "RUNNING".equals(state(panel, web)), "the VE runs again");
            assertEquals("SUSPENDED", state(panel, held));
            JsonNode after = panel.get("/api/v1/billing/accounts/" + customer).json();
            assertEquals(0, after.get("dunningStep").asInt());
            assertEquals("[]", after.get("heldVes").toString());
            // the VE really runs: a command inside answers
            PanelProcess.Response exec = panel.post("/api/v1/ves/" + web + "/exec", "{\"command\":[\"echo\",\"back\"],\"timeoutSeconds\":10}");
            assertEquals(200, exec.status(), exec.toString());
            assertTrue(exec.body().contains("back"), exec.body());
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    /**
     * A plan whose suspended subscriptions do not accrue: the days its VE was suspended for an unpaid invoice, which
     * were paid for in advance, come back as a credit on the next run — once.
     */
    @Test
    void aPlanWhoseSuspendedSubscriptionsDoNotAccrueCreditsTheSuspendedDays() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-dunning-accrual");
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            BillingApi.move(panel, "2027-01-01T00:00:00Z");
            String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Paused Payer\",\"kind\":\"CUSTOMER\"}"));
            assertEquals(200, BillingApi.put(panel, "/api/v1/billing/accounts/" + customer,
                    "{\"currency\":\"EUR\",\"anchorDay\":1,\"timeZone\":\"UTC\"}").status());
            int web = ve(panel, customer, "web");
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"fair\",\"name\":\"Fair VPS\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"31.00\",\"suspendedAccrues\":false}"));
            assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan + "\",\"ve\":" + web + "}")
                    .status());
            assertEquals(1, BillingApi.run(panel).size(), "January in advance");

            // 23 January, eight days past due: suspended; paid on 27 January: running again
            BillingApi.move(panel, "2027-01-23T00:00:00Z");
            assertTrue(actions(panel.post("/api/v1/billing/dunning", "").json()).contains("suspend"));
            assertEquals("SUSPENDED", state(panel, web));
            BillingApi.move(panel, "2027-01-27T00:00:00Z");
            JsonNode invoice = panel.get("/api/v1/billing/invoices?tenant=" + customer).json().get(0);
            assertEquals("31.00", invoice.get("total").asText());
            assertEquals(201, panel.post("/api/v1/billing/accounts/" + customer + "/payments", "{\"amount\":\"31.00\",\"method\":\"BANK_TRANSFER\","
                    + "\"invoice\":\"" + invoice.get("id").asText() + "\"}").status());
            PanelProcess.poll(Duration.ofSeconds(60), () -> "RUNNING".equals(state(panel, web)), "the VE runs again");

            // four of January's 31 days were suspended: 4.00 back, as a credit note, once
            assertEquals(1, BillingApi.run(panel).size());
            JsonNode note = newest(panel, customer);
            assertEquals("CREDIT_NOTE", note.get("kind").asText(), note.toString());
            assertEquals("-4.00", note.get("total").asText(), note.toString());
            assertTrue(note.at("/lines/0/description").asText().startsWith("Suspended"), note.toString());
            assertEquals("4.00", panel.get("/api/v1/billing/accounts/" + customer).json().get("balance").asText(), "the credit is on the balance");
            assertEquals(List.of(), BillingApi.run(panel), "credited once");

            // February in advance, nothing more held: the balance pays part of it
            BillingApi.move(panel, "2027-02-01T00:00:00Z");
            assertEquals(1, BillingApi.run(panel).size());
            JsonNode february = newest(panel, customer);
            assertEquals("31.00", february.get("total").asText(), february.toString());
            assertEquals(1, february.get("lines").size(), february.toString());
            assertEquals("27.00", february.get("amountDue").asText(), february.toString());
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    /** The account's newest document, with its lines. */
    private static JsonNode newest(PanelProcess panel, String tenant) {
        JsonNode list = panel.get("/api/v1/billing/invoices?tenant=" + tenant).json();
        return panel.get("/api/v1/billing/invoices/" + list.get(list.size() - 1).get("id").asText()).json();
    }

    private static int ve(PanelProcess panel, String owner, String hostname) {
        int id = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"" + hostname + "\",\"owner\":\"" + owner + "\"}");
        VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + id + "/start", ""));
        assertEquals("RUNNING", state(panel, id));
        return id;
    }

    private static String state(PanelProcess panel, int ve) {
        return panel.get("/api/v1/ves/" + ve).json().get("state").asText();
    }

    private static List<String> actions(JsonNode outcomes) {
        List<String> out = new ArrayList<>();
        outcomes.forEach(o -> o.get("actions").forEach(a -> out.add(a.asText())));
        return out;
    }
}
