package io.vessel.distribution;

import static io.vessel.distribution.BillingApi.move;
import static io.vessel.distribution.BillingApi.put;
import static io.vessel.distribution.BillingApi.run;
import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The billing run against the assembled panel with billing's test clock, on the embedded database and PostgreSQL:
 * a mid-month subscription's first invoice (setup fee and the prorated rest of the month, in advance), the next
 * month in full, a cancellation credited on a credit note of its own series that lands on the balance; runs are
 * idempotent, and concurrent runs make each invoice once with numbers that have no gap; a reseller numbers its own.
 */
class BillingInvoicesIT {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.vessel.distribution.BillingPlansIT#databases")
    void monthsOfBillingAreExactIdempotentAndGapless(String database, Map<String, String> env, @TempDir Path work) throws Exception {
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\n");
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("VESSEL_CONF", conf.toString());
        try (PanelProcess panel = new PanelProcess(work, all).start()) {
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans",
                    "{\"code\":\"vps-m\",\"name\":\"VPS M\",\"currency\":\"EUR\",\"period\":\"MONTH\",\"price\":\"30.00\",\"setupFee\":\"5.00\"}"));
            String bakery = customer(panel, "Bakery");
            move(panel, "2027-04-15T22:00:00Z"); // 16 April in Berlin
            String subscription = subscribe(panel, bakery, plan);

            assertEquals(List.of("2027-000001"), run(panel));
            assertEquals(List.of(), run(panel), "what was billed is not billed again");
            JsonNode first = invoice(panel, bakery, 0);
            assertEquals("INVOICE", first.get("kind").asText());
            assertEquals("20.00", first.get("total").asText(), first.toString());
            assertEquals("20.00", first.get("amountDue").asText());
            assertEquals("setup 5.00 1", line(first, 0));
            // the clock runs on after it was moved, so the subscription started a moment after midnight: a hair under half
            assertEquals("recurring 15.00", line(first, 1).substring(0, 15));
            assertEquals(0.5, first.at("/lines/1/quantity").asDouble(), 0.0001);
            assertEquals(Duration.ofDays(14), Duration.between(Instant.parse(first.get("issuedAt").asText()), Instant.parse(first.get("dueAt").asText())));

            move(panel, "2027-04-30T23:00:00Z"); // 1 May, 01:00 in Berlin: May in advance
            assertEquals(List.of("2027-000002"), run(panel));
            assertEquals("recurring 30.00 1", line(invoice(panel, bakery, 1), 0));

            // cancelled on 16 May: the 16 unused days of May's 31 are credited, on a credit note, to the balance
            move(panel, "2027-05-15T22:00:00Z");
            assertEquals(200, panel.post("/api/v1/billing/subscriptions/" + subscription + "/cancel", "{\"when\":\"now\"}").status());
            assertEquals(List.of("CN-2027-000001"), run(panel));
            JsonNode credit = invoice(panel, bakery, 2);
            assertEquals("CREDIT_NOTE", credit.get("kind").asText());
            assertEquals("-15.48", credit.get("total").asText());
            assertEquals("credit -15.48", line(credit, 0).substring(0, 13));
            assertEquals(-16.0 / 31, credit.at("/lines/0/quantity").asDouble(), 0.0001);
            // the credit pays the oldest open invoice at once
            assertEquals("0.00", panel.get("/api/v1/billing/accounts/" + bakery).json().get("balance").asText());
            assertEquals("15.48", invoice(panel, bakery, 0).get("amountPaid").asText());
            assertEquals("4.52", invoice(panel, bakery, 0).get("amountDue").asText());

            // payments: for one invoice (never more than it has due), or a top-up that pays what is open and keeps the rest
            String firstId = first.get("id").asText();
            String secondId = invoice(panel, bakery, 1).get("id").asText();
            assertEquals(201, panel.post("/api/v1/billing/accounts/" + bakery + "/payments",
                    "{\"amount\":\"4.52\",\"method\":\"BANK_TRANSFER\",\"reference\":\"SEPA 0001\",\"invoice\":\"" + firstId + "\"}").status());
            assertEquals("0.00", invoice(panel, bakery, 0).get("amountDue").asText());
            PanelProcess.Response overpaid = panel.post("/api/v1/billing/accounts/" + bakery + "/payments",
                    "{\"amount\":\"100.00\",\"method\":\"CASH\",\"invoice\":\"" + secondId + "\"}");
            assertProblem(overpaid, 422, null);
            assertEquals("amount", overpaid.json().at("/errors/0/field").asText(), overpaid.body());
            JsonNode topUp = panel.post("/api/v1/billing/accounts/" + bakery + "/payments", "{\"amount\":\"50.00\",\"method\":\"CASH\"}").json();
            assertEquals("20.00", topUp.get("toBalance").asText(), topUp.toString());
            assertEquals("30.00", topUp.at("/appliedTo/0/amount").asText());
            assertEquals("2027-000002", topUp.at("/appliedTo/0/number").asText());
            assertEquals("20.00", panel.get("/api/v1/billing/accounts/" + bakery).json().get("balance").asText());
            assertEquals(2, panel.get("/api/v1/billing/accounts/" + bakery + "/payments").json().size(), "the refused one left nothing");

            String florist = customer(panel, "Florist");
            String floristSubscription = subscribe(panel, florist, plan);
            String grocer = customer(panel, "Grocer");
            subscribe(panel, grocer, plan);
            String bakery2 = subscribe(panel, bakery, plan);
            // ten runs at once: each account is billed once, numbers follow each other without a gap
            ExecutorService pool = Executors.newFixedThreadPool(10);
            List<Future<List<String>>> runs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                runs.add(pool.submit(() -> run(panel)));
            }
            TreeSet<String> numbers = new TreeSet<>();
            for (Future<List<String>> f : runs) {
                for (String n : f.get()) {
                    assertEquals(true, numbers.add(n), "invoice " + n + " made twice");
                }
            }
            pool.shutdown();
            assertEquals(new TreeSet<>(List.of("2027-000003", "2027-000004", "2027-000005")), numbers);
            // the balance pays the new invoice (setup fee and the rest of May on the new subscription, 16 of 31 days) as far as it goes
            JsonNode paidFromBalance = invoice(panel, bakery, 3);
            assertEquals(bakery2, paidFromBalance.at("/lines/0/subscription").asText(), paidFromBalance.toString());
            assertEquals("20.48", paidFromBalance.get("total").asText());
            assertEquals("20.00", paidFromBalance.get("amountPaid").asText());
            assertEquals("0.48", paidFromBalance.get("amountDue").asText());
            assertEquals("0.00", panel.get("/api/v1/billing/accounts/" + bakery).json().get("balance").asText());

            // an upgrade on 21 May: the unused 11 days of the old plan are credited, the new plan charged for them, on one invoice
            String large = PanelProcess.createdId(panel.post("/api/v1/billing/plans",
                    "{\"code\":\"vps-l\",\"name\":\"VPS L\",\"currency\":\"EUR\",\"period\":\"MONTH\",\"price\":\"60.00\",\"setupFee\":\"9.00\"}"));
            move(panel, "2027-05-20T22:00:00Z");
            PanelProcess.Response changed = panel.post("/api/v1/billing/subscriptions/" + floristSubscription + "/change", "{\"plan\":\"" + large + "\"}");
            assertEquals(200, changed.status(), changed.toString());
            assertEquals("vps-l", changed.json().get("planCode").asText());
            assertEquals("CANCELLED", panel.get("/api/v1/billing/subscriptions/" + floristSubscription).json().get("state").asText());
            assertEquals(1, run(panel).size());
            JsonNode upgrade = invoice(panel, florist, 1);
            assertEquals("credit -10.65", line(upgrade, 0).substring(0, 13), upgrade.toString());
            assertEquals("recurring 21.29", line(upgrade, 1).substring(0, 15), "no setup fee on a change");
            assertEquals("10.64", upgrade.get("total").asText());

            // a reseller bills its customers in its own series; customers see their own invoices only
            String reseller = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Reseller\",\"kind\":\"RESELLER\"}"));
            panel.createAccount(reseller, "seller", "reseller-admin", "Seller-Password-1");
            PanelProcess.As seller = panel.login("seller", "Seller-Password-1");
            String resellerPlan = PanelProcess.createdId(seller.post("/api/v1/billing/plans",
                    "{\"code\":\"mini\",\"name\":\"Mini\",\"currency\":\"EUR\",\"period\":\"MONTH\",\"price\":\"3.00\"}"));
            String client = PanelProcess.createdId(seller.post("/api/v1/tenants", "{\"name\":\"Client\",\"kind\":\"CUSTOMER\"}"));
            assertEquals(201, seller.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + client + "\",\"plan\":\"" + resellerPlan + "\"}").status());
            JsonNode resellerRun = BillingApi.billingRun(seller);
            assertEquals("[\"2027-000001\"]", resellerRun.get("documents").toString(), "the reseller's own series");
            assertEquals(reseller, seller.get("/api/v1/billing/invoices").json().get(0).get("issuer").asText());
            panel.createAccount(florist, "flora", "customer-owner", "Flora-Password-1");
            PanelProcess.As flora = panel.login("flora", "Flora-Password-1");
            assertEquals(2, flora.get("/api/v1/billing/invoices").json().size());
            assertProblem(flora.get("/api/v1/billing/invoices/" + first.get("id").asText()), 404, null);
        }
    }

    @org.junit.jupiter.api.Test
    void taxFollowsTheCustomersCountryOnTheDocumentTotalAndForeignBusinessesAreReverseCharged(@TempDir Path work) throws Exception {
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            PanelProcess.Response bad = put(panel, "/api/v1/billing/tax-settings", "{\"country\":\"DE\",\"rates\":[{\"country\":\"DE\",\"rate\":\"120\",\"name\":\"x\"},"
                    + "{\"country\":\"XX\",\"rate\":\"5\",\"name\":\"y\"}]}");
            assertProblem(bad, 422, null);
            assertEquals("[\"rates[0].rate\",\"rates[1].country\"]", PanelProcess.JSON.writeValueAsString(bad.json().findValuesAsText("field")));
            PanelProcess.Response settings = put(panel, "/api/v1/billing/tax-settings", "{\"country\":\"DE\",\"taxId\":\"DE999999999\",\"pricesIncludeTax\":false,"
                    + "\"rates\":[{\"country\":\"DE\",\"rate\":\"19\",\"name\":\"VAT 19%\"},{\"country\":\"AT\",\"rate\":\"20\",\"name\":\"USt 20%\"}]}");
            assertEquals(200, settings.status(), settings.toString());
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans",
                    "{\"code\":\"vps-m\",\"name\":\"VPS M\",\"currency\":\"EUR\",\"period\":\"MONTH\",\"price\":\"30.00\"}"));
            String berlin = customer(panel, "Berlin Shop", "DE", null);
            String vienna = customer(panel, "Vienna Shop", "AT", null);
            String paris = customer(panel, "Paris SARL", "FR", "FR12345678901");
            move(panel, "2027-05-31T22:00:00Z"); // 1 June in Berlin: a whole month in advance
            for (String tenant : List.of(berlin, vienna, paris)) {
                subscribe(panel, tenant, plan);
            }
            assertEquals(3, run(panel).size());
            assertEquals("30.00 19 5.70 35.70", taxes(invoice(panel, berlin, 0)));
            assertEquals("30.00 20 6.00 36.00", taxes(invoice(panel, vienna, 0)));

            // an issued invoice is corrected by a credit note, tax coming off in the invoice's proportion
            String invoiceId = invoice(panel, berlin, 0).get("id").asText();
            PanelProcess.Response credited = panel.post("/api/v1/billing/invoices/" + invoiceId + "/credit-notes", "{\"amount\":\"11.90\",\"reason\":\"outage\"}");
            assertEquals(201, credited.status(), credited.toString());
            JsonNode note = credited.json();
            assertEquals("CREDIT_NOTE", note.get("kind").asText());
            assertEquals(invoiceId, note.get("credits").asText());
            assertEquals("-10.00 19 -1.90 -11.90", taxes(note));
            assertEquals("-10.00", note.at("/lines/0/amount").asText(), "the line is net, as the invoice's are");
            assertTrue(note.at("/lines/0/description").asText().endsWith(": outage"), note.toString());
            assertEquals("23.80", panel.get("/api/v1/billing/invoices/" + invoiceId).json().get("amountDue").asText());
            PanelProcess.Response tooMuch = panel.post("/api/v1/billing/invoices/" + invoiceId + "/credit-notes", "{\"amount\":\"23.81\"}");
            assertProblem(tooMuch, 422, null);
            assertTrue(tooMuch.body().contains("at most 23.80 EUR"), tooMuch.body());
            assertProblem(panel.post("/api/v1/billing/invoices/" + note.get("id").asText() + "/credit-notes", "{}"), 422, null);
            // paid, then credited in full: the money goes back to the balance
            assertEquals(201, panel.post("/api/v1/billing/accounts/" + berlin + "/payments", "{\"amount\":\"23.80\",\"method\":\"BANK_TRANSFER\"}").status());
            assertEquals(201, panel.post("/api/v1/billing/invoices/" + invoiceId + "/credit-notes", "{}").status());
            assertEquals("23.80", panel.get("/api/v1/billing/accounts/" + berlin).json().get("balance").asText());
            assertEquals("0.00", panel.get("/api/v1/billing/invoices/" + invoiceId).json().get("amountDue").asText());
            JsonNode reverse = invoice(panel, paris, 0);
            assertEquals("30.00 0 0.00 30.00", taxes(reverse));
            assertEquals("Reverse charge: VAT is accounted for by the recipient (FR12345678901).", reverse.get("taxNote").asText());

            // prices that include tax: the total is what the prices add up to, the net is taken out of it
            assertEquals(200, put(panel, "/api/v1/billing/tax-settings", "{\"country\":\"DE\",\"pricesIncludeTax\":true,"
                    + "\"rates\":[{\"country\":\"DE\",\"rate\":\"19\",\"name\":\"VAT 19%\"}]}").status());
            String munich = customer(panel, "Munich Shop", "DE", null);
            subscribe(panel, munich, plan);
            assertEquals(1, run(panel).size());
            assertEquals("25.21 19 4.79 30.00", taxes(invoice(panel, munich, 0)));
        }
    }

    /**
     * A seller lets a tax engine plugin decide its documents' tax, and numbers them its own way: US sales tax by state
     * and a resale exemption as the plugin says; a document whose tax the engine cannot decide waits for the next
     * run — the others are issued, and nothing is issued with a guessed tax.
     */
    @Test
    void aTaxEnginePluginDecidesTheTaxAndASellerNumbersItsOwnWay() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-tax-engine");
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            refused(put(panel, "/api/v1/billing/tax-settings", "{\"country\":\"US\",\"engine\":\"testtax\"}"), "engine");
            panel.installPlugin(PanelProcess.TESTPAY_PLUGIN, "testpay");
            PanelProcess.poll(Duration.ofSeconds(30), () -> put(panel, "/api/v1/billing/tax-settings", "{\"country\":\"US\",\"engine\":\"testtax\"}")
                    .status() == 200, "the tax engine");
            assertEquals("testtax", panel.get("/api/v1/billing/tax-settings").json().get("engine").asText());

            // the seller's own number formats, checked: the sequence is needed, and the year while numbering restarts yearly
            refused(put(panel, "/api/v1/billing/invoice-settings", "{\"numberFormat\":\"INV-{YYYY}\"}"), "numberFormat");
            refused(put(panel, "/api/v1/billing/invoice-settings", "{\"numberFormat\":\"INV-{NUMBER}\"}"), "numberFormat");
            refused(put(panel, "/api/v1/billing/invoice-settings", "{\"numberFormat\":\"X-{YYYY}-{NUMBER}\",\"creditNoteNumberFormat\":"
                    + "\"X-{YYYY}-{NUMBER}\"}"), "creditNoteNumberFormat");
            PanelProcess.Response numbering = put(panel, "/api/v1/billing/invoice-settings", "{\"numberFormat\":\"US-{YYYY}/{NUMBER:4}\"}");
            assertEquals(200, numbering.status(), numbering.toString());
            assertEquals("CN-{YYYY}-{NUMBER:6}", numbering.json().get("effectiveCreditNoteNumberFormat").asText());

            move(panel, "2027-03-01T05:00:00Z"); // midnight in New York: whole months
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans",
                    "{\"code\":\"us\",\"name\":\"US VPS\",\"currency\":\"USD\",\"period\":\"MONTH\",\"price\":\"100.00\"}"));
            String newYork = usCustomer(panel, "Brooklyn Bakery", "NY", null);
            String reseller = usCustomer(panel, "Resale Hosting", "NY", "RC-1234");
            String broken = usCustomer(panel, "Unlucky", "FAIL", null);
            for (String c : List.of(newYork, reseller, broken)) {
                subscribe(panel, c, plan);
            }
            JsonNode ran = BillingApi.billingRun(panel);
            assertEquals(2, ran.get("documents").size(), ran.toString());
            assertEquals("[\"" + broken + "\"]", ran.get("failed").toString(), "its document waits: " + ran);
            assertEquals("100.00 8.875 8.88 108.88", taxes(invoice(panel, newYork, 0)));
            assertEquals("Sales tax NY 8.875%", invoice(panel, newYork, 0).get("taxName").asText());
            assertTrue(invoice(panel, newYork, 0).get("number").asText().matches("US-2027/000[12]"), invoice(panel, newYork, 0).toString());
            JsonNode exempt = invoice(panel, reseller, 0);
            assertEquals("100.00 0 0.00 100.00", taxes(exempt));
            assertEquals("Exempt: resale certificate RC-1234.", exempt.get("taxNote").asText());
            assertEquals(0, panel.get("/api/v1/billing/invoices?tenant=" + broken).json().size(), "nothing issued with a guessed tax");

            // once the engine can decide, the next run bills it, numbered on without a gap
            assertEquals(200, put(panel, "/api/v1/billing/accounts/" + broken, "{\"currency\":\"USD\",\"country\":\"US\",\"region\":\"CA\"}").status());
            assertEquals(List.of("US-2027/0003"), run(panel));
            assertEquals("100.00 7.25 7.25 107.25", taxes(invoice(panel, broken, 0)));
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    /**
     * A seller that taxes prepaid credit when it is bought: the top-up is documented at once by a prepayment invoice
     * with its tax (numbered in the invoice series), the invoice the credit pays later says how much of its tax was
     * invoiced that way already, and giving unused credit back credits the prepayment with its share of tax — the tax
     * invoiced and credited adds up to what the customer consumed, to the cent.
     */
    @Test
    void prepaidCreditTaxedAtTopUpIsDocumentedByAPrepaymentInvoice(@TempDir Path work) throws Exception {
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            assertEquals("AT_USE", panel.get("/api/v1/billing/tax-settings").json().get("prepaidTax").asText(), "taxed at use unless set");
            String rates = "\"rates\":[{\"country\":\"DE\",\"rate\":\"19\",\"name\":\"VAT 19%\"}]";
            refused(put(panel, "/api/v1/billing/tax-settings", "{\"country\":\"DE\",\"prepaidTax\":\"SOMETIMES\"," + rates + "}"), "prepaidTax");
            PanelProcess.Response set = put(panel, "/api/v1/billing/tax-settings", "{\"country\":\"DE\",\"prepaidTax\":\"AT_TOP_UP\"," + rates + "}");
            assertEquals(200, set.status(), set.toString());
            assertEquals("AT_TOP_UP", set.json().get("prepaidTax").asText());
            move(panel, "2027-05-20T10:00:00Z");
            String berlin = customer(panel, "Berlin Prepaid", "DE", null);
            PanelProcess.Response topUp = panel.post("/api/v1/billing/accounts/" + berlin + "/payments",
                    "{\"amount\":\"119.00\",\"method\":\"BANK_TRANSFER\",\"reference\":\"TX-1\"}");
            assertEquals(201, topUp.status(), topUp.toString());
            JsonNode prepayment = invoice(panel, berlin, 0);
            assertEquals("PREPAYMENT", prepayment.get("kind").asText());
            assertEquals("100.00 19 19.00 119.00", taxes(prepayment), "a top-up is gross: the tax is taken out of it");
            assertEquals("0.00", prepayment.get("amountDue").asText());
            assertEquals("119.00", prepayment.get("prepaidLeft").asText());
            assertEquals("2027-000001", prepayment.get("number").asText(), "numbered in the invoice series");
            assertEquals("Prepaid credit (TX-1)", panel.get("/api/v1/billing/invoices/" + prepayment.get("id").asText()).json()
                    .at("/lines/0/description").asText());
            refused(panel.post("/api/v1/billing/invoices/" + prepayment.get("id").asText() + "/credit-notes", "{}"), "id");

            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans",
                    "{\"code\":\"vps-p\",\"name\":\"VPS P\",\"currency\":\"EUR\",\"period\":\"MONTH\",\"price\":\"30.00\"}"));
            move(panel, "2027-05-31T22:00:00Z");
            subscribe(panel, berlin, plan);
            assertEquals(List.of("2027-000002"), run(panel));
            JsonNode invoice = invoice(panel, berlin, 1);
            assertEquals("30.00 19 5.70 35.70", taxes(invoice));
            assertEquals("0.00", invoice.get("amountDue").asText(), "paid from the prepaid credit");
            assertEquals("5.70", invoice.get("taxPrepaid").asText(), "its tax was invoiced with the prepayment");
            assertEquals("83.30", invoice(panel, berlin, 0).get("prepaidLeft").asText());

            // the unused credit goes back: the prepayment is credited with that part's tax
            String payment = topUp.json().get("id").asText();
            PanelProcess.Response refund = panel.post("/api/v1/billing/payments/" + payment + "/refunds", "{\"amount\":\"83.30\",\"reason\":\"closing\"}");
            assertEquals(201, refund.status(), refund.toString());
            JsonNode note = invoice(panel, berlin, 2);
            assertEquals("CREDIT_NOTE", note.get("kind").asText());
            assertEquals(prepayment.get("id").asText(), note.get("credits").asText());
            assertEquals("-70.00 19 -13.30 -83.30", taxes(note), "19.00 invoiced − 13.30 credited = the 5.70 consumed");
            assertEquals("0.00", invoice(panel, berlin, 0).get("prepaidLeft").asText());
            assertEquals("0.00", panel.get("/api/v1/billing/accounts/" + berlin).json().get("balance").asText());
        }
    }

    /** A 422 problem naming {@code field}. */
    private static void refused(PanelProcess.Response r, String field) {
        assertProblem(r, 422, null);
        assertTrue(r.body().contains("\"" + field + "\""), r.body());
    }

    private static String usCustomer(PanelProcess panel, String name, String state, String taxId) {
        return customerWith(panel, name, "{\"currency\":\"USD\",\"anchorDay\":1,\"timeZone\":\"America/New_York\",\"country\":\"US\",\"region\":\""
                + state + "\"" + (taxId == null ? "" : ",\"taxId\":\"" + taxId + "\"") + "}");
    }

    /** A new customer with its billing account as {@code account} (JSON) says. */
    private static String customerWith(PanelProcess panel, String name, String account) {
        String id = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"" + name + "\",\"kind\":\"CUSTOMER\"}"));
        PanelProcess.Response set = put(panel, "/api/v1/billing/accounts/" + id, account);
        assertEquals(200, set.status(), set.toString());
        return id;
    }

    private static String taxes(JsonNode invoice) {
        return invoice.get("subtotal").asText() + " " + invoice.get("taxRate").asText() + " " + invoice.get("tax").asText() + " "
                + invoice.get("total").asText();
    }

    private static String customer(PanelProcess panel, String name, String country, String taxId) {
        return customerWith(panel, name, "{\"currency\":\"EUR\",\"anchorDay\":1,\"timeZone\":\"Europe/Berlin\",\"country\":\"" + country + "\""
                + (taxId == null ? "" : ",\"taxId\":\"" + taxId + "\"") + "}");
    }

    private static String customer(PanelProcess panel, String name) {
        return customer(panel, name, "DE", null);
    }

    private static String subscribe(PanelProcess panel, String tenant, String plan) {
        return PanelProcess.createdId(panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + tenant + "\",\"plan\":\"" + plan + "\"}"));
    }

    private static JsonNode invoice(PanelProcess panel, String tenant, int index) {
        JsonNode list = panel.get("/api/v1/billing/invoices?tenant=" + tenant).json();
        return panel.get("/api/v1/billing/invoices/" + list.get(index).get("id").asText()).json();
    }

    private static String line(JsonNode invoice, int index) {
        JsonNode l = invoice.get("lines").get(index);
        return l.get("kind").asText() + " " + l.get("amount").asText() + " " + l.get("quantity").asText();
    }
}
