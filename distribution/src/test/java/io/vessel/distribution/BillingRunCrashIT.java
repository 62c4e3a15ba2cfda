package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Invoice numbers that an accountant can trust, on the embedded database and PostgreSQL: 50 billing runs at once
 * issue each account's invoice once, numbered without a gap; a {@code kill -9} of the panel in the middle of a run
 * loses nothing and leaves no invoice without its lines, and the next run finishes the period with the numbers
 * still gapless.
 */
class BillingRunCrashIT {

    private static final int ACCOUNTS = 300;

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.vessel.distribution.BillingPlansIT#databases")
    void concurrentRunsAndAKillNineMidRunLeaveNoDuplicateNoGapAndNoInvoiceWithoutItsLines(String database, Map<String, String> env,
                                                                                       @TempDir Path work) throws Exception {
        Map<String, String> withClock = new HashMap<>(env);
        withClock.put("VESSEL_CONF", java.nio.file.Files.writeString(work.resolve("vessel.conf"),
                // small chunks of accounts per transaction, so the kill falls between and inside them
                "billing.test.clock = true\nbilling.run.chunk = 2\n").toString());
        YearMonth month = YearMonth.now(ZoneOffset.UTC);
        // billing's clock only moves forward: the test's months lie ahead
        String start = month.plusMonths(1).atDay(3).atStartOfDay(ZoneOffset.UTC).toInstant().toString();
        String nextMonth = month.plusMonths(2).atDay(3).atStartOfDay(ZoneOffset.UTC).toInstant().toString();
        try (PanelProcess panel = new PanelProcess(work, withClock).start()) {
            moveClock(panel, start);
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans",
                    "{\"code\":\"crash\",\"name\":\"Crash\",\"currency\":\"EUR\",\"period\":\"MONTH\",\"price\":\"7.00\",\"setupFee\":\"1.50\"}"));
            inParallel(ACCOUNTS, i -> {
                String tenant = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Customer " + i + "\",\"kind\":\"CUSTOMER\"}"));
                assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + tenant + "\",\"plan\":\"" + plan + "\"}").status());
            });

            // 50 runs at once (tracked operations, several running at a time): every account billed once, numbers 1..ACCOUNTS
            ExecutorService pool = Executors.newFixedThreadPool(50);
            try {
                List<Future<JsonNode>> runs = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    runs.add(pool.submit(() -> BillingApi.billingRun(panel)));
                }
                int documents = 0;
                for (Future<JsonNode> run : runs) {
                    documents += run.get().get("documents").size();
                }
                assertEquals(ACCOUNTS, documents, "each account billed by exactly one of the runs");
            } finally {
                pool.shutdownNow();
            }
            assertWhole(panel, ACCOUNTS, 1);

            // the next month's run, killed in the middle
            moveClock(panel, nextMonth);
            assertEquals(202, panel.post("/api/v1/billing/runs", "").status());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (billedLines(panel) < ACCOUNTS + 40 && System.nanoTime() < deadline) {
                Thread.sleep(5); // watch closely: the run is quick
            }
            panel.kill9();
        }
        try (PanelProcess again = new PanelProcess(work, withClock).start()) {
            List<JsonNode> afterCrash = invoices(again);
            assertTrue(afterCrash.size() > ACCOUNTS && afterCrash.size() < 2 * ACCOUNTS,
                    "the kill came in the middle of the run: " + (afterCrash.size() - ACCOUNTS) + " of " + ACCOUNTS + " billed");
            assertWhole(again, afterCrash.size(), 0);

            JsonNode killed = again.get("/api/v1/billing/runs").json().get(0);
            assertEquals("INTERRUPTED", killed.get("state").asText(), "the run the kill stopped says so: " + killed);
            assertTrue(killed.get("accountsBilled").asInt() < ACCOUNTS, killed.toString());
            moveClock(again, nextMonth);
            BillingApi.billingRun(again);
            List<JsonNode> all = assertWhole(again, 2 * ACCOUNTS, 0);
            Map<String, Integer> perTenant = new HashMap<>();
            all.forEach(i -> perTenant.merge(i.get("tenant").asText(), 1, Integer::sum));
            assertEquals(ACCOUNTS, perTenant.size());
            assertTrue(perTenant.values().stream().allMatch(n -> n == 2), "each account once per month: " + perTenant.values());
        }
    }

    /**
     * Asserts {@code count} invoices numbered 1..count, no number twice, and (for every {@code sampleEvery}th, 0: all)
     * lines present that add up to the total. Answers the invoices.
     */
    private static List<JsonNode> assertWhole(PanelProcess panel, int count, int sampleEvery) {
        List<JsonNode> invoices = invoices(panel);
        assertEquals(count, invoices.size(), "invoices");
        // one series per year ({YYYY}-{NUMBER:6}, restarting yearly): each runs 1, 2, 3, ... without a gap
        Map<String, TreeSet<Long>> series = new java.util.TreeMap<>();
        for (JsonNode i : invoices) {
            String number = i.get("number").asText();
            int dash = number.lastIndexOf('-');
            assertTrue(series.computeIfAbsent(number.substring(0, dash), y -> new TreeSet<>()).add(Long.parseLong(number.substring(dash + 1))),
                    "number twice: " + number);
        }
        for (Map.Entry<String, TreeSet<Long>> s : series.entrySet()) {
            assertEquals(1L, s.getValue().first(), "series " + s.getKey() + " starts at 1");
            assertEquals((long) s.getValue().size(), s.getValue().last(), "no gap in series " + s.getKey() + ": " + s.getValue().size()
                    + " invoices numbered up to " + s.getValue().last());
        }
        inParallel(invoices.size(), n -> {
            if (sampleEvery > 0 && n % sampleEvery != 0) {
                return;
            }
            JsonNode invoice = panel.get("/api/v1/billing/invoices/" + invoices.get(n).get("id").asText()).json();
            BigDecimal sum = BigDecimal.ZERO;
            for (JsonNode line : invoice.get("lines")) {
                sum = sum.add(new BigDecimal(line.get("amount").asText()));
            }
            assertTrue(invoice.get("lines").size() >= 1, "an invoice without lines: " + invoice);
            assertEquals(0, sum.compareTo(new BigDecimal(invoice.get("total").asText())), "lines add up to the total: " + invoice);
        });
        return invoices;
    }

    /**
     * Runs {@code step} for 0..count-1, eight requests at a time: hundreds of requests one after another spent most of
     * this class's time waiting on each answer's commit.
     */
    private static void inParallel(int count, java.util.function.IntConsumer step) {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                done.add(pool.submit(() -> step.accept(n)));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof AssertionError failed) {
                throw failed;
            }
            throw new AssertionError(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<JsonNode> invoices(PanelProcess panel) {
        List<JsonNode> out = new ArrayList<>();
        panel.get("/api/v1/billing/invoices").json().forEach(out::add);
        return out;
    }

    /** Documents the panel logged as billed (a line per chunk of accounts: "Billed accounts=2 documents=2 ..."). */
    private static long billedLines(PanelProcess panel) {
        return panel.output().lines().filter(l -> l.contains("Billed accounts="))
                .mapToLong(l -> Long.parseLong(l.replaceAll(".*documents=(\\d+).*", "$1"))).sum();
    }

    private static void moveClock(PanelProcess panel, String to) {
        PanelProcess.Response r = panel.post("/api/v1/billing/clock", "{\"to\":\"" + to + "\"}");
        assertEquals(200, r.status(), r.toString());
    }
}
