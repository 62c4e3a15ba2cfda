package io.vessel.distribution;

import static io.vessel.distribution.BillingApi.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Metered usage from the kernel's durable accounting: a real VE burns CPU, and the invoice after its month is over
 * charges the CPU seconds its lifetime counter moved, priced by the plan; billing again finds nothing new. The
 * time-weighted meters (running hours, memory GiB-hours, disk GiB-months, address-hours) come from the kernel's time
 * integrals: running time as measured, and disk and addresses, held while the VE is stopped too, up to its destruction.
 */
@org.junit.jupiter.api.parallel.ResourceLock(PanelProcess.VE_INTERFACES)
class BillingUsageIT {

    @Test
    void aRealVesCpuTimeIsBilledInArrearsOnceFromItsLifetimeCounter() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-usage");
        String bridge = "vbu" + (System.nanoTime() % 100000);
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\nkernel.network.bridge = " + bridge
                + "\nkernel.accounting.interval = 2\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            assertEquals(201, panel.post("/api/v1/ip-pools", "{\"name\":\"lan\",\"cidr\":\"10.231.19.0/24\",\"mode\":\"NAT\"}").status());
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"metered\",\"name\":\"Metered\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"1.00\",\"charges\":[" + charge("cpu.seconds", "0.01") + "," + charge("ve.hours", "0.10") + ","
                    + charge("memory.gib-hours", "1.00") + "," + charge("disk.gib-months", "0.50") + "," + charge("ip.hours", "0.01") + "]}"));
            String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Cruncher\",\"kind\":\"CUSTOMER\"}"));
            assertEquals(200, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/billing/accounts/" + customer))
                    .header("Content-Type", "application/json").PUT(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"currency\":\"EUR\",\"timeZone\":\"UTC\"}"))).status()); // anchored on today: a whole period in advance, whatever the date
            int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"cruncher\",\"ipPool\":\"lan\",\"owner\":\"" + customer + "\"}");
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            PanelProcess.Response subscribed = panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan
                    + "\",\"ve\":" + ve + "}");
            assertEquals(201, subscribed.status(), subscribed.toString());
            long subscribedAt = System.nanoTime();
            assertEquals(ve, subscribed.json().get("ve").asInt());
            assertEquals(1, run(panel).size(), "the month in advance; no usage yet");

            // the VE page's stream: its live cost comes with its samples
            EventStream stream = EventStream.open(panel.admin(), "/api/v1/events?ve=" + ve);
            // a member of another customer cannot watch it (the stream refuses VEs the caller does not see)
            String other = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Other\",\"kind\":\"CUSTOMER\"}"));
            panel.createAccount(other, "othermember", "customer-owner", "Other-Password-1");
            PanelProcess.As stranger = panel.login("othermember", "Other-Password-1");
            assertEquals(400, stranger.get("/api/v1/events?ve=" + ve).status());
            // a member of the customer sees the VE's usage but may not read billing: no cost on its stream
            panel.createAccount(customer, "crunchmember", "customer-member", "Member-Password-1");
            EventStream memberStream = EventStream.open(panel.login("crunchmember", "Member-Password-1"), "/api/v1/events?ve=" + ve);

            // eight seconds of spinning (well over 2.5 s of CPU even while other test classes load both cores), then wait
            // until a stored sample has them, and stop the VE so its counters rest
            PanelProcess.Response burn = panel.post("/api/v1/ves/" + ve + "/exec", PanelProcess.JSON.writeValueAsString(Map.of("command",
                    List.of("timeout", "8", "sh", "-c", "while :; do :; done"), "timeoutSeconds", 20)));
            assertEquals(200, burn.status(), burn.toString());
            PanelProcess.poll(Duration.ofSeconds(45), () -> panel.get("/api/v1/ves/" + ve).json().at("/usage/cpuNanosTotal").asLong() > 2_500_000_000L,
                    "the CPU time in the VE's usage");
            Thread.sleep(5_000); // the next sweep stores it
            JsonNode cost = panel.get("/api/v1/billing/ves/" + ve + "/cost").json();
            assertTrue(new BigDecimal(cost.at("/lines/1/soFar").asText()).compareTo(new BigDecimal("0.02")) >= 0, "the CPU so far costs: " + cost);
            EventStream.Received live = stream.await(Duration.ofSeconds(20), e -> e.name().equals("cost") && e.data().get("ve").asInt() == ve
                    && new BigDecimal(e.data().at("/lines/1/soFar").asText()).compareTo(new BigDecimal("0.02")) >= 0, "the live cost with the CPU burnt");
            assertEquals(customer, live.data().get("tenant").asText(), live.toString());
            assertEquals("EUR", live.data().get("currency").asText());
            assertEquals("cpu.seconds", live.data().at("/lines/1/meter").asText(), live.toString());
            stream.close();
            memberStream.await(Duration.ofSeconds(10), e -> e.name().equals("usage"), "the member's usage samples");
            assertTrue(memberStream.received().stream().noneMatch(e -> e.name().equals("cost")), "no cost for a member: " + memberStream.received());
            memberStream.close();
            // the next invoice, at the month's end, as the run will rate it: next month in advance and this month's usage so far
            JsonNode upcoming = panel.get("/api/v1/billing/accounts/" + customer + "/invoices/upcoming").json();
            assertEquals(upcoming.get("periodEnd").asText(), upcoming.get("issueAt").asText(), upcoming.toString());
            assertTrue(upcoming.get("lines").toString().contains("\"CPU time (seconds)\""), upcoming.toString());
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/stop", ""));
            double ranSeconds = (System.nanoTime() - subscribedAt) / 1e9;

            // the month is over: its usage is billed in arrears with next month's price in advance
            java.time.Instant periodEnd = java.time.Instant.parse(upcoming.get("periodEnd").asText());
            moveClockTo(panel, periodEnd.plus(Duration.ofHours(1)));
            assertEquals(1, run(panel).size());
            Map<String, JsonNode> usage = usageLines(panel, customer, 1);
            BigDecimal seconds = new BigDecimal(usage.get("CPU time (seconds)").get("quantity").asText());
            assertTrue(seconds.compareTo(new BigDecimal("2.5")) > 0 && seconds.compareTo(new BigDecimal("60")) < 0, "CPU seconds billed: " + seconds);
            assertEquals(seconds.multiply(new BigDecimal("0.01")).setScale(2, RoundingMode.HALF_UP).toPlainString(),
                    usage.get("CPU time (seconds)").get("amount").asText());
            double hoursRun = quantity(usage, "Running time (hours)");
            assertTrue(hoursRun * 3600 > 3 && hoursRun * 3600 <= ranSeconds + 3, "running time billed: " + hoursRun * 3600 + " s of " + ranSeconds);
            double memory = quantity(usage, "Memory (GiB-hours)");
            assertTrue(memory > 0 && memory < hoursRun, "a busybox VE's memory over its running time, well under 1 GiB: " + memory);
            double addressHours = quantity(usage, "IP addresses (address-hours)");
            assertTrue(addressHours >= hoursRun && addressHours * 3600 <= ranSeconds + 3, "one address while it ran: " + addressHours);
            assertTrue(quantity(usage, "Disk space (GiB-months)") > 0, "its root file system: " + usage);
            assertEquals(List.of(), run(panel), "usage billed once");

            // stopped, the VE still holds its disk and address: counted up to its destruction, billed the month after
            Thread.sleep(3_000);
            long destroyedAfter = System.nanoTime();
            VeLifecycleIT.awaitOperation(panel, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/ves/" + ve)).DELETE()));
            double stoppedSeconds = (destroyedAfter - subscribedAt) / 1e9 - ranSeconds;
            // into the period after (periods are 28 to 31 days long, so a month and four days past one period's end is inside the next but one)
            moveClockTo(panel, periodEnd.atZone(ZoneOffset.UTC).plusMonths(1).plusDays(4).toInstant());
            assertEquals(1, run(panel).size());
            Map<String, JsonNode> held = usageLines(panel, customer, 2);
            assertTrue(!held.containsKey("Running time (hours)") && !held.containsKey("CPU time (seconds)"), "nothing ran: " + held.keySet());
            assertTrue(quantity(held, "IP addresses (address-hours)") * 3600 >= stoppedSeconds - 1, "the address held while stopped: " + held);
            assertTrue(quantity(held, "Disk space (GiB-months)") > 0, "the disk held while stopped: " + held);
        } finally {
            PanelProcess.host("ip", "link", "del", bridge);
            PluginsIT.deleteTree(work);
        }
    }

    private static String charge(String meter, String unitPrice) {
        return "{\"meter\":\"" + meter + "\",\"price\":{\"model\":\"perUnit\",\"unitPrice\":\"" + unitPrice + "\"}}";
    }

    /**
     * What a plan includes is watched: the customer hears at 80 % and at 100 % of a meter's included units, once each
     * per period, as a real VE burns CPU; the live cost shows what was used of what is included.
     */
    @Test
    void includedUsageAlertsAt80And100PercentOncePerPeriod() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-usage-alerts");
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\nkernel.accounting.interval = 2\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"bundle\",\"name\":\"Bundle\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"1.00\",\"charges\":[{\"meter\":\"cpu.seconds\",\"included\":\"5\","
                    + "\"price\":{\"model\":\"perUnit\",\"unitPrice\":\"0.01\"}}]}"));
            String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Watcher\",\"kind\":\"CUSTOMER\"}"));
            int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"watcher\",\"owner\":\"" + customer + "\"}");
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan + "\",\"ve\":" + ve + "}")
                    .status());

            burnUntilUsed(panel, ve, 4.2);
            List<String> first = awaitAlert(panel, "usage-80 cpu.seconds");
            assertTrue(!first.contains("usage-100 cpu.seconds"), "4.6 of 5 seconds is not all of it: " + first);
            JsonNode cost = panel.get("/api/v1/billing/ves/" + ve + "/cost").json();
            JsonNode line = cost.at("/lines/1");
            assertEquals("cpu.seconds", line.get("meter").asText(), cost.toString());
            assertEquals("5", line.get("included").asText(), cost.toString());

            burnUntilUsed(panel, ve, 5.5);
            awaitAlert(panel, "usage-100 cpu.seconds");
            assertEquals("[]", panel.post("/api/v1/billing/dunning", "").json().toString(), "each alert once per period");
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    /**
     * The upcoming invoice issued now, twice in one period (an administrator invoicing a customer at once): the second
     * part is priced on top of the first, so the included units count once per period, not once per invoice.
     */
    @Test
    void usageInvoicedInPartsCountsIncludedUnitsOncePerPeriod() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-usage-parts");
        Path conf = Files.writeString(work.resolve("vessel.conf"), "kernel.accounting.interval = 2\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans", "{\"code\":\"parts\",\"name\":\"Parts\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"1.00\",\"charges\":[{\"meter\":\"cpu.seconds\",\"included\":\"2\","
                    + "\"price\":{\"model\":\"perUnit\",\"unitPrice\":\"1.00\"}}]}"));
            String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"In parts\",\"kind\":\"CUSTOMER\"}"));
            int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"parts\",\"owner\":\"" + customer + "\"}");
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan + "\",\"ve\":" + ve + "}")
                    .status());

            burnUntilUsed(panel, ve, 1.0);
            JsonNode first = usageLine(panel, customer);
            burnUntilUsed(panel, ve, 3.2);
            JsonNode second = usageLine(panel, customer);
            BigDecimal q1 = new BigDecimal(first.get("quantity").asText());
            BigDecimal q2 = new BigDecimal(second.get("quantity").asText());
            BigDecimal included = new BigDecimal("2");
            BigDecimal firstExpected = q1.subtract(included).max(BigDecimal.ZERO).setScale(2, java.math.RoundingMode.HALF_UP);
            BigDecimal bothExpected = q1.add(q2).subtract(included).max(BigDecimal.ZERO).setScale(2, java.math.RoundingMode.HALF_UP);
            assertEquals(firstExpected.toPlainString(), first.get("amount").asText(), first.toString());
            assertEquals(bothExpected.subtract(firstExpected).toPlainString(), second.get("amount").asText(), "priced on top of the first part: " + second);
            assertTrue(second.get("description").asText().contains("on top of"), second.toString());
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    /** Issues the customer's upcoming invoice now (with its usage so far) and answers the newest document's CPU line. */
    private static JsonNode usageLine(PanelProcess panel, String customer) {
        VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/billing/runs?tenant=" + customer + "&usageSoFar=true", ""));
        JsonNode documents = panel.get("/api/v1/billing/invoices?tenant=" + customer).json();
        JsonNode newest = panel.get("/api/v1/billing/invoices/" + documents.get(documents.size() - 1).get("id").asText()).json();
        for (JsonNode line : newest.get("lines")) {
            if (line.get("kind").asText().equals("usage")) {
                return line;
            }
        }
        throw new AssertionError("no usage line in " + newest);
    }

    /**
     * Burns CPU until the stored counter says {@code seconds} were used: each burst lasts what is still missing (at
     * least half a second) by the clock, which never overshoots — one busy loop gets at most its wall-clock time of
     * CPU — and a busy VE on a loaded machine gets less, so it goes on until the counter says so.
     */
    private static void burnUntilUsed(PanelProcess panel, int ve, double seconds) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        for (double used = used(panel, ve); used < seconds; used = used(panel, ve)) {
            assertTrue(System.nanoTime() < deadline, "the VE's CPU counter never reached " + seconds + " s");
            burn(panel, ve, Math.max(0.5, seconds - used));
            Thread.sleep(2500); // one sample (every 2 s) records the burst
        }
    }

    private static double used(PanelProcess panel, int ve) {
        JsonNode cost = panel.get("/api/v1/billing/ves/" + ve + "/cost").json();
        for (JsonNode line : cost.get("lines")) {
            if ("cpu.seconds".equals(line.path("meter").asText()) && line.hasNonNull("used")) {
                return Double.parseDouble(line.get("used").asText());
            }
        }
        return 0;
    }

    /** A busy loop killed after {@code seconds} (busybox's {@code timeout} rounds fractions up to whole seconds; its {@code sleep} does not). */
    private static void burn(PanelProcess panel, int ve, double seconds) throws Exception {
        String wall = String.format(java.util.Locale.ROOT, "%.1f", Math.floor(seconds * 10) / 10);
        PanelProcess.Response burn = panel.post("/api/v1/ves/" + ve + "/exec", PanelProcess.JSON.writeValueAsString(Map.of("command",
                List.of("sh", "-c", "sh -c 'while :; do :; done' & busy=$!; sleep " + wall + "; kill $busy"), "timeoutSeconds", 20)));
        assertEquals(200, burn.status(), burn.toString());
    }

    /** Checks until an alert comes (the VE's samples come every 2 s); every action taken meanwhile. */
    private static List<String> awaitAlert(PanelProcess panel, String alert) {
        List<String> seen = new java.util.ArrayList<>();
        PanelProcess.poll(Duration.ofSeconds(30), () -> {
            panel.post("/api/v1/billing/dunning", "").json().forEach(o -> o.get("actions").forEach(a -> seen.add(a.asText())));
            return seen.contains(alert);
        }, alert + " (so far " + seen + ")");
        return seen;
    }

    private static void moveClockTo(PanelProcess panel, java.time.Instant to) {
        assertEquals(200, panel.post("/api/v1/billing/clock", "{\"to\":\"" + to + "\"}").status());
    }

    /** The usage lines of the customer's {@code index}th invoice (oldest first), by description. */
    private static Map<String, JsonNode> usageLines(PanelProcess panel, String customer, int index) {
        JsonNode list = panel.get("/api/v1/billing/invoices?tenant=" + customer).json();
        JsonNode invoice = panel.get("/api/v1/billing/invoices/" + list.get(index).get("id").asText()).json();
        Map<String, JsonNode> lines = new java.util.TreeMap<>();
        for (JsonNode line : invoice.get("lines")) {
            if (line.get("kind").asText().equals("usage")) {
                lines.put(line.get("description").asText(), line);
            }
        }
        return lines;
    }

    private static double quantity(Map<String, JsonNode> lines, String description) {
        assertTrue(lines.containsKey(description), description + " in " + lines.keySet());
        return Double.parseDouble(lines.get(description).get("quantity").asText());
    }
}
