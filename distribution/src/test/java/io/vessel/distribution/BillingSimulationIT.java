package io.vessel.distribution;

import static io.vessel.distribution.BillingApi.move;
import static io.vessel.distribution.BillingApi.put;
import static io.vessel.distribution.BillingApi.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Three months of a provider's billing against the assembled panel, with billing's clock moved and a real VE: a
 * customer subscribes mid-month (a prorated first invoice), its running VE burns CPU and the next invoice's usage
 * line is the meter's movement priced in graduated tiers; another customer upgrades mid-period (a credit for the
 * unused part and the new plan's charge); tax for two countries and an exempt foreign business; a partial and then a
 * full payment; an unpaid invoice leads dunning to a real suspension of the VE, lifted by paying; a reseller bills
 * its own customer in its own series. Every document is exact to the cent and the numbers have no gap.
 */
class BillingSimulationIT {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.vessel.distribution.BillingPlansIT#databases")
    void threeMonthsOfBillingComeOutExact(String database, Map<String, String> env) throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-simulation");
        Map<String, String> withConf = new HashMap<>(env);
        withConf.put("VESSEL_CONF", Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\nkernel.accounting.interval = 2\n").toString());
        try (PanelProcess panel = new PanelProcess(work, withConf).start()) {
            assertEquals(200, put(panel, "/api/v1/billing/tax-settings", "{\"country\":\"DE\",\"taxId\":\"DE999999999\",\"pricesIncludeTax\":false,"
                    + "\"rates\":[{\"country\":\"DE\",\"rate\":\"19\",\"name\":\"VAT 19%\"},{\"country\":\"AT\",\"rate\":\"20\",\"name\":\"USt 20%\"}]}").status());
            String small = plan(panel, "vps-s", "10.00", ",\"charges\":[{\"meter\":\"cpu.seconds\",\"price\":{\"model\":\"graduated\",\"tiers\":["
                    + "{\"upTo\":\"2\",\"unitPrice\":\"0\"},{\"upTo\":\"10\",\"unitPrice\":\"0.10\"},{\"unitPrice\":\"0.05\"}]}}]");
            String medium = plan(panel, "vps-m", "20.00", "");
            String berlin = customer(panel, "Berlin Shop", "DE", null);
            String vienna = customer(panel, "Vienna Shop", "AT", null);
            String paris = customer(panel, "Paris SARL", "FR", "FR12345678901");
            int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"shop\",\"owner\":\"" + berlin + "\"}");
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));

            // month 1, the 15th: everyone subscribes; 17 of January's 31 days in advance
            move(panel, "2027-01-15T00:00:00Z");
            subscribe(panel, berlin, small, ve);
            String viennaSubscription = subscribe(panel, vienna, small, null);
            subscribe(panel, paris, small, null);
            assertEquals(3, run(panel).size());
            assertEquals("5.48 19 1.04 6.52", taxes(newest(panel, berlin)), "10.00 x 17/31 = 5.48, VAT 19 %");
            assertEquals("5.48 20 1.10 6.58", taxes(newest(panel, vienna)));
            assertEquals("5.48 0 0.00 5.48", taxes(newest(panel, paris)), "a foreign business: reverse charge");

            // the VE works: at least four seconds of CPU (it spins for ten: other test classes may load both cores)
            PanelProcess.Response burn = panel.post("/api/v1/ves/" + ve + "/exec", PanelProcess.JSON.writeValueAsString(Map.of("command",
                    List.of("timeout", "10", "sh", "-c", "while :; do :; done"), "timeoutSeconds", 20)));
            assertEquals(200, burn.status(), burn.toString());
            PanelProcess.poll(Duration.ofSeconds(45), () -> panel.get("/api/v1/ves/" + ve).json().at("/usage/cpuNanosTotal").asLong() > 3_500_000_000L,
                    "the CPU time in the VE's usage");
            Thread.sleep(5_000); // stored by the next sweeps

            // the 20th: Vienna moves up; the unused 12 days of the small plan come back, the medium plan's are charged.
            // (Billing's clock runs ahead of the kernel's, whose samples all lie before January: the CPU burnt above is
            // already in arrears, and Berlin's next document bills it.)
            move(panel, "2027-01-20T00:00:00Z");
            assertEquals(200, panel.post("/api/v1/billing/subscriptions/" + viennaSubscription + "/change", "{\"plan\":\"" + medium + "\"}").status());
            assertEquals(2, run(panel).size());
            JsonNode change = document(panel, newest(panel, vienna));
            assertEquals(List.of("-3.87", "7.74"), amounts(change), "10.00 x 12/31 back, 20.00 x 12/31 on: " + change);
            assertEquals("3.87 20 0.77 4.64", taxes(change));
            JsonNode usage = document(panel, newest(panel, berlin));
            JsonNode cpu = line(usage, "usage");
            BigDecimal seconds = new BigDecimal(cpu.get("quantity").asText());
            assertTrue(seconds.compareTo(new BigDecimal("3.5")) > 0 && seconds.compareTo(new BigDecimal("30")) < 0, "CPU seconds: " + seconds);
            BigDecimal tiered = seconds.min(BigDecimal.TEN).subtract(BigDecimal.valueOf(2)).max(BigDecimal.ZERO).multiply(new BigDecimal("0.10"))
                    .add(seconds.subtract(BigDecimal.TEN).max(BigDecimal.ZERO).multiply(new BigDecimal("0.05"))).setScale(2, RoundingMode.HALF_UP);
            assertEquals(tiered.toPlainString(), cpu.get("amount").asText(), "graduated tiers over " + seconds + " s");
            BigDecimal vat = tiered.multiply(new BigDecimal("0.19")).setScale(2, RoundingMode.HALF_UP);
            assertEquals(tiered.toPlainString() + " 19 " + vat.toPlainString() + " " + tiered.add(vat).toPlainString(), taxes(usage));

            // month 2: recurring in advance, nothing more used
            move(panel, "2027-02-01T01:00:00Z");
            assertEquals(3, run(panel).size());
            JsonNode february = document(panel, newest(panel, berlin));
            assertEquals("10.00 19 1.90 11.90", taxes(february));
            assertEquals("20.00 20 4.00 24.00", taxes(newest(panel, vienna)));

            // Berlin pays January's documents, part of February, then the rest
            for (JsonNode earlier : panel.get("/api/v1/billing/invoices?tenant=" + berlin).json()) {
                if (!earlier.get("id").asText().equals(february.get("id").asText())) {
                    pay(panel, berlin, earlier.get("amountDue").asText(), earlier.get("id").asText());
                }
            }
            String due = february.get("amountDue").asText();
            pay(panel, berlin, "5.00", february.get("id").asText());
            assertEquals(new BigDecimal(due).subtract(new BigDecimal("5.00")).toPlainString(), document(panel, february).get("amountDue").asText());
            pay(panel, berlin, new BigDecimal(due).subtract(new BigDecimal("5.00")).toPlainString(), february.get("id").asText());
            assertEquals("0.00", document(panel, february).get("amountDue").asText());

            // month 3: Berlin does not pay; eight days past due dunning suspends its running VE; paying runs it again
            move(panel, "2027-03-01T01:00:00Z");
            assertEquals(3, run(panel).size());
            JsonNode march = document(panel, newest(panel, berlin));
            move(panel, "2027-03-23T02:00:00Z");
            panel.post("/api/v1/billing/dunning", "");
            assertEquals("SUSPENDED", state(panel, ve));
            pay(panel, berlin, march.get("amountDue").asText(), march.get("id").asText());
            PanelProcess.poll(Duration.ofSeconds(60), () -> "RUNNING".equals(state(panel, ve)), "the VE runs again");

            // a reseller bills its own customer, in its own series
            String reseller = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Reseller\",\"kind\":\"RESELLER\"}"));
            panel.createAccount(reseller, "res", "reseller-admin", "Reseller-Password-1");
            PanelProcess.As res = panel.login("res", "Reseller-Password-1");
            String own = PanelProcess.createdId(res.post("/api/v1/billing/plans", "{\"code\":\"r\",\"name\":\"R\",\"currency\":\"EUR\",\"period\":\"MONTH\","
                    + "\"price\":\"7.00\"}"));
            String shop = PanelProcess.createdId(res.post("/api/v1/tenants", "{\"name\":\"Reseller's Shop\",\"kind\":\"CUSTOMER\"}"));
            assertEquals(201, res.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + shop + "\",\"plan\":\"" + own + "\"}").status());
            assertEquals(1, run(panel).size());
            JsonNode resold = newest(panel, shop);
            assertEquals(reseller, resold.get("issuer").asText());
            assertTrue(resold.get("number").asText().endsWith("-000001"), "the reseller's first: " + resold);

            // every document exact (lines add up), numbers gapless per issuer and series
            Map<String, TreeSet<Long>> series = new HashMap<>();
            for (JsonNode d : panel.get("/api/v1/billing/invoices").json()) {
                JsonNode full = document(panel, d);
                BigDecimal lines = BigDecimal.ZERO;
                for (JsonNode l : full.get("lines")) {
                    lines = lines.add(new BigDecimal(l.get("amount").asText()));
                }
                assertEquals(0, lines.add(new BigDecimal(full.get("tax").asText())).compareTo(new BigDecimal(full.get("total").asText())),
                        "lines and tax add up to the total: " + full);
                String number = d.get("number").asText();
                series.computeIfAbsent(d.get("issuer").asText() + " " + d.get("kind").asText() + " " + number.substring(0, number.lastIndexOf('-')),
                        k -> new TreeSet<>()).add(Long.parseLong(number.substring(number.lastIndexOf('-') + 1)));
            }
            series.forEach((k, numbers) -> assertEquals(numbers.size(), (long) numbers.last(), "no gap in " + k + ": " + numbers));
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    private static String plan(PanelProcess panel, String code, String price, String more) {
        return PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"" + code + "\",\"name\":\"" + code + "\",\"currency\":\"EUR\","
                + "\"period\":\"MONTH\",\"price\":\"" + price + "\"" + more + "}"));
    }

    private static String customer(PanelProcess panel, String name, String country, String taxId) {
        String id = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"" + name + "\",\"kind\":\"CUSTOMER\"}"));
        PanelProcess.Response account = put(panel, "/api/v1/billing/accounts/" + id, "{\"currency\":\"EUR\",\"anchorDay\":1,\"timeZone\":\"UTC\","
                + "\"country\":\"" + country + "\"" + (taxId == null ? "" : ",\"taxId\":\"" + taxId + "\"") + "}");
        assertEquals(200, account.status(), account.toString());
        return id;
    }

    private static String subscribe(PanelProcess panel, String tenant, String plan, Integer ve) {
        return PanelProcess.createdId(panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + tenant + "\",\"plan\":\"" + plan + "\""
                + (ve == null ? "" : ",\"ve\":" + ve) + "}"));
    }

    private static void pay(PanelProcess panel, String tenant, String amount, String invoice) {
        PanelProcess.Response r = panel.post("/api/v1/billing/accounts/" + tenant + "/payments", "{\"amount\":\"" + amount + "\",\"method\":\"BANK_TRANSFER\","
                + "\"invoice\":\"" + invoice + "\"}");
        assertEquals(201, r.status(), r.toString());
    }

    private static JsonNode newest(PanelProcess panel, String tenant) {
        JsonNode list = panel.get("/api/v1/billing/invoices?tenant=" + tenant).json();
        return list.get(list.size() - 1);
    }

    private static JsonNode document(PanelProcess panel, JsonNode listed) {
        return panel.get("/api/v1/billing/invoices/" + listed.get("id").asText()).json();
    }

    private static JsonNode line(JsonNode document, String kind) {
        for (JsonNode l : document.get("lines")) {
            if (l.get("kind").asText().equals(kind)) {
                return l;
            }
        }
        throw new AssertionError("no " + kind + " line: " + document);
    }

    private static List<String> amounts(JsonNode document) {
        List<String> out = new ArrayList<>();
        document.get("lines").forEach(l -> out.add(l.get("amount").asText()));
        return out;
    }

    private static String taxes(JsonNode invoice) {
        return invoice.get("subtotal").asText() + " " + invoice.get("taxRate").asText() + " " + invoice.get("tax").asText() + " "
                + invoice.get("total").asText();
    }

    private static String state(PanelProcess panel, int ve) {
        return panel.get("/api/v1/ves/" + ve).json().get("state").asText();
    }
}
