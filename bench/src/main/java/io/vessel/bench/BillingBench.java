package io.vessel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.bench.Bench.Row;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code bench/run billing}: a billing run for 10,000 subscriptions against PostgreSQL, 1,000 of them billing a VE's
 * metered usage from a month of hourly rollups (CPU in graduated tiers, traffic per GiB). The floor, measured in the
 * same run on the same database: one SQL {@code GROUP BY} over the same rollups and a JDBC batch insert of as many
 * invoice and line rows as the run wrote. Targets: at most 5x the floor, and under a minute.
 */
final class BillingBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PG = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final int ACCOUNTS = Integer.getInteger("bench.billing.accounts", 10_000);
    private static final int METERED = Integer.getInteger("bench.billing.metered", 1_000);
    private static final int HOURS = 720;

    private final VeBench ves;

    BillingBench(VeBench ves) {
        this.ves = ves;
    }

    List<Row> run() throws Exception {
        String schema = "bench_billing_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        Path conf = Files.writeString(Bench.tempDir().resolve("vessel.conf"), "database.url = " + PG + "\ndatabase.user = postgres\ndatabase.schema = "
                + schema + "\nbilling.test.clock = true\nbilling.documents.background = false\n" + (System.getProperty("bench.billing.chunk") == null ? "" : "billing.run.chunk = "
                + System.getProperty("bench.billing.chunk") + "\n"));
        // -Dbench.billing.javaOpts="... -XX:StartFlightRecording=..." profiles the panel during the run
        try (VeBench.Panel panel = ves.new Panel(conf, System.getProperty("bench.billing.javaOpts"))) {
            String plan = created(panel.send(post(panel, "/api/v1/billing/plans", "{\"code\":\"bench\",\"name\":\"Bench\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"10.00\",\"charges\":[{\"meter\":\"cpu.seconds\",\"price\":{\"model\":\"graduated\",\"tiers\":["
                    + "{\"upTo\":\"3600\",\"unitPrice\":\"0\"},{\"upTo\":\"36000\",\"unitPrice\":\"0.0001\"},{\"unitPrice\":\"0.00005\"}]}},"
                    + "{\"meter\":\"network.egress.gib\",\"price\":{\"model\":\"perUnit\",\"unitPrice\":\"0.01\"}}]}")));
            System.err.println("  making " + ACCOUNTS + " customers and subscriptions ...");
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> made = new ArrayList<>();
                for (int i = 0; i < ACCOUNTS; i++) {
                    int n = i;
                    made.add(pool.submit(() -> {
                        String tenant = created(panel.send(post(panel, "/api/v1/tenants", "{\"name\":\"Customer " + n + "\",\"kind\":\"CUSTOMER\"}")));
                        created(panel.send(post(panel, "/api/v1/billing/subscriptions", "{\"tenant\":\"" + tenant + "\",\"plan\":\"" + plan + "\"}")));
                        return null;
                    }));
                }
                for (Future<?> f : made) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            Instant start = Instant.parse(panel.get("/api/v1/billing/clock").path("now").asText());
            try (Connection c = DriverManager.getConnection(PG + "?currentSchema=" + schema + "&reWriteBatchedInserts=true", "postgres", "")) {
                System.err.println("  a month of hourly rollups for " + METERED + " VEs ...");
                usage(c, start);
                // the first METERED subscriptions bill those VEs (as if made with them)
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("UPDATE billing_subscription SET ve_id = n.r FROM (SELECT id, row_number() OVER (ORDER BY started_at, id) AS r"
                            + " FROM billing_subscription) n WHERE n.id = billing_subscription.id AND n.r <= " + METERED);
                    // and their usage watermarks where the VEs' counters stood then, as subscribing with a VE sets them
                    for (String meter : List.of("cpu.seconds", "network.egress.gib")) {
                        s.executeUpdate("INSERT INTO billing_usage_mark (subscription_id, meter, sample_at, counter) SELECT id, '" + meter
                                + "', started_at, 0 FROM billing_subscription WHERE ve_id IS NOT NULL");
                    }
                }
                // a month on, all at once
                panel.send(post(panel, "/api/v1/billing/clock", "{\"by\":\"P32D\"}"));
                System.err.println("  the billing run ...");
                long t0 = System.nanoTime();
                HttpResponse<String> asked = panel.send(post(panel, "/api/v1/billing/runs", ""));
                if (asked.statusCode() != 202) {
                    throw new IllegalStateException(asked.statusCode() + " " + asked.body());
                }
                // the run is a tracked operation: its time is until the operation has finished
                String operation = JSON.readTree(asked.body()).path("id").asText();
                JsonNode state;
                do {
                    state = JSON.readTree(panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/operations/" + operation + "?wait=60")).GET()).body());
                } while (!state.path("finishedAt").isTextual());
                double ours = (System.nanoTime() - t0) / 1e6;
                HttpResponse<String> run = panel.send(HttpRequest.newBuilder(panel.uri(state.path("result").asText("/api/v1/operations/" + operation))).GET());
                int documents = JSON.readTree(run.body()).path("documentCount").asInt();
                if (documents != ACCOUNTS) {
                    throw new IllegalStateException("the run made " + documents + " documents, not " + ACCOUNTS + ": " + run.body().substring(0,
                            Math.min(300, run.body().length())));
                }
                double floor = floor(c, start.plus(Duration.ofDays(32)));
                List<Row> rows = new ArrayList<>();
                rows.add(new Row("billing run, " + ACCOUNTS + " subscriptions (" + METERED + " metered)", "ms", ours, "SQL GROUP BY + batch insert",
                        floor, "≤ 5x, < 60 s"));
                return rows;
            } finally {
                try (Connection c = DriverManager.getConnection(PG, "postgres", ""); Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                }
            }
        }
    }

    /**
     * {@code bench/run invoice-pdf}: invoices of 50 lines (a customer with 50 subscriptions each), each downloaded as
     * its PDF for the first time, so that the panel renders it then (PDF/A-3 page, Factur-X XML, stored with its
     * digest): the median of the last 20 of 25, warm. No peer: the target is absolute (≤ 100 ms).
     */
    List<Row> pdf() throws Exception {
        int invoices = 25;
        Path conf = Files.writeString(Bench.tempDir().resolve("vessel.conf"), "billing.test.clock = true\nbilling.documents.background = false\n");
        try (VeBench.Panel panel = ves.new Panel(conf, null)) {
            String plan = created(panel.send(post(panel, "/api/v1/billing/plans", "{\"code\":\"line\",\"name\":\"Managed service\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"3.37\"}")));
            List<String> customers = new ArrayList<>();
            for (int c = 0; c < invoices; c++) {
                String tenant = created(panel.send(post(panel, "/api/v1/tenants", "{\"name\":\"Customer " + c + "\",\"kind\":\"CUSTOMER\"}")));
                customers.add(tenant);
                for (int s = 0; s < 50; s++) {
                    created(panel.send(post(panel, "/api/v1/billing/subscriptions", "{\"tenant\":\"" + tenant + "\",\"plan\":\"" + plan + "\"}")));
                }
            }
            HttpResponse<String> asked = panel.send(post(panel, "/api/v1/billing/runs", ""));
            String operation = JSON.readTree(asked.body()).path("id").asText();
            while (!JSON.readTree(panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/operations/" + operation + "?wait=60")).GET()).body())
                    .path("finishedAt").isTextual()) {
                Thread.onSpinWait();
            }
            List<Double> times = new ArrayList<>();
            for (String tenant : customers) {
                JsonNode list = JSON.readTree(panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/billing/invoices?tenant=" + tenant)).GET()).body());
                String id = list.get(0).path("id").asText();
                long t = System.nanoTime();
                HttpResponse<byte[]> pdf = panel.bytes("/api/v1/billing/invoices/" + id + "/pdf");
                if (pdf.statusCode() != 200) {
                    throw new IllegalStateException("PDF " + pdf.statusCode());
                }
                times.add((System.nanoTime() - t) / 1e6);
            }
            List<Double> warm = new ArrayList<>(times.subList(5, times.size()));
            warm.sort(null);
            return List.of(new Row("invoice PDF of 50 lines, first download (rendered, stored), median of 20 warm", "ms", warm.get(warm.size() / 2), "-", 0,
                    "≤ 100 ms"));
        }
    }

    /** A month of hourly rollups for VEs 1..METERED, counters growing as a busy VE's do. */
    private static void usage(Connection c, Instant start) throws Exception {
        c.setAutoCommit(false);
        Instant first = start.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        try (PreparedStatement p = c.prepareStatement("INSERT INTO ve_usage (ve_id, resolution, at, cpu_ns_total, memory_bytes, memory_peak_bytes,"
                + " swap_bytes, processes, read_bytes_total, write_bytes_total, read_ops_total, write_ops_total, net_external_tx_bytes_total,"
                + " net_external_rx_bytes_total) VALUES (?, 2, ?, ?, ?, ?, 0, 20, 0, 0, 0, 0, ?, ?)")) {
            for (int ve = 1; ve <= METERED; ve++) {
                for (int h = 0; h < HOURS; h++) {
                    p.setInt(1, ve);
                    p.setTimestamp(2, Timestamp.from(first.plus(Duration.ofHours(h))));
                    p.setLong(3, (long) (h + 1) * ve * 60_000_000_000L % 4_000_000_000_000L + h * 1_000_000_000L);
                    p.setLong(4, 256L << 20);
                    p.setLong(5, 300L << 20);
                    p.setLong(6, (long) (h + 1) * 50_000_000L);
                    p.setLong(7, (long) (h + 1) * 20_000_000L);
                    p.addBatch();
                }
                if (ve % 50 == 0) {
                    p.executeBatch();
                }
            }
            p.executeBatch();
        }
        c.commit();
        c.setAutoCommit(true);
    }

    /**
     * The floor: what any billing of the same work must do at least — read each VE's usage from the rollups in one
     * {@code GROUP BY}, and write as many invoice and line rows as the run did, in JDBC batches, in one transaction.
     */
    private static double floor(Connection c, Instant until) throws Exception {
        int invoices;
        int lines;
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT (SELECT count(*) FROM billing_invoice), (SELECT count(*) FROM"
                + " billing_invoice_line)")) {
            r.next();
            invoices = r.getInt(1);
            lines = r.getInt(2);
            s.execute("CREATE TABLE floor_invoice (LIKE billing_invoice)");
            s.execute("CREATE TABLE floor_invoice_line (LIKE billing_invoice_line)");
        }
        List<Object[]> invoiceRows = rows(c, "billing_invoice");
        List<Object[]> lineRows = rows(c, "billing_invoice_line");
        c.setAutoCommit(false);
        long t0 = System.nanoTime();
        long sum = 0;
        try (PreparedStatement q = c.prepareStatement("SELECT ve_id, MAX(cpu_ns_total) - MIN(cpu_ns_total), MAX(net_external_tx_bytes_total) FROM ve_usage"
                + " WHERE resolution = 2 AND at < ? GROUP BY ve_id")) {
            q.setTimestamp(1, Timestamp.from(until));
            try (ResultSet r = q.executeQuery()) {
                while (r.next()) {
                    sum += r.getLong(2) + r.getLong(3);
                }
            }
        }
        insert(c, "floor_invoice", invoiceRows, invoices);
        insert(c, "floor_invoice_line", lineRows, lines);
        c.commit();
        double ms = (System.nanoTime() - t0) / 1e6;
        c.setAutoCommit(true);
        if (sum == 0) {
            throw new IllegalStateException("no usage read");
        }
        return ms;
    }

    /** A table's rows, as the floor's rows to write (read before the floor's clock starts). */
    private static List<Object[]> rows(Connection c, String table) throws Exception {
        List<Object[]> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT * FROM " + table)) {
            int columns = r.getMetaData().getColumnCount();
            while (r.next()) {
                Object[] row = new Object[columns];
                for (int i = 0; i < columns; i++) {
                    row[i] = r.getObject(i + 1);
                }
                out.add(row);
            }
        }
        return out;
    }

    /** Batch-inserts {@code count} rows of that shape, in batches of 1,000. */
    private static void insert(Connection c, String table, List<Object[]> rows, int count) throws Exception {
        int columns = rows.get(0).length;
        String marks = String.join(",", java.util.Collections.nCopies(columns, "?"));
        try (PreparedStatement p = c.prepareStatement("INSERT INTO " + table + " VALUES (" + marks + ")")) {
            for (int n = 0; n < count; n++) {
                Object[] row = rows.get(n % rows.size());
                for (int i = 0; i < columns; i++) {
                    p.setObject(i + 1, row[i]);
                }
                p.addBatch();
                if (n % 1000 == 999) {
                    p.executeBatch();
                }
            }
            p.executeBatch();
        }
    }

    /**
     * {@code bench/run portal-billing}: the customer portal's Billing page on a first visit (a fresh browser, nothing
     * cached) for a customer a year into its subscription — a running VE billed by usage, twelve invoices, payments —
     * as the portal bench measures the VE page: from navigation start to the page drawn (median of 5), and every byte
     * transferred. Targets: ≤ 1 s and ≤ 300 kB. No peer: the targets are absolute.
     */
    List<Row> portalPage() throws Exception {
        Path conf = Files.writeString(Bench.tempDir().resolve("vessel.conf"), "billing.test.clock = true\nbilling.documents.background = false\n");
        try (VeBench.Panel panel = ves.new Panel(conf, null)) {
            String plan = created(panel.send(post(panel, "/api/v1/billing/plans", "{\"code\":\"vps\",\"name\":\"VPS\",\"currency\":\"EUR\","
                    + "\"period\":\"MONTH\",\"price\":\"10.00\",\"quotas\":{\"memoryMiB\":256},\"charges\":[{\"meter\":\"cpu.seconds\","
                    + "\"price\":{\"model\":\"perUnit\",\"unitPrice\":\"0.001\"}}]}")));
            String tenant = created(panel.send(post(panel, "/api/v1/tenants", "{\"name\":\"Bench Shop\",\"kind\":\"CUSTOMER\"}")));
            panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/billing/accounts/" + tenant)).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"currency\":\"EUR\",\"anchorDay\":1,\"timeZone\":\"UTC\"}")));
            created(panel.send(post(panel, "/api/v1/accounts", "{\"tenantId\":\"" + tenant + "\",\"username\":\"shop\",\"role\":\"customer-owner\","
                    + "\"password\":\"Bench-Password-1\"}")));
            panel.timed("POST", "/api/v1/ves", "{\"template\":\"busybox\",\"id\":4100,\"owner\":\"" + tenant + "\"}");
            panel.timed("POST", "/api/v1/ves/4100/start", null);
            created(panel.send(post(panel, "/api/v1/billing/subscriptions", "{\"tenant\":\"" + tenant + "\",\"plan\":\"" + plan + "\",\"ve\":4100}")));
            System.err.println("  a year of invoices ...");
            for (int month = 0; month < 12; month++) {
                panel.send(post(panel, "/api/v1/billing/clock", "{\"by\":\"P31D\"}"));
                panel.timed("POST", "/api/v1/billing/runs", null);
                JsonNode open = JSON.readTree(panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/billing/invoices?tenant=" + tenant)).GET()).body());
                for (JsonNode invoice : open) {
                    if (month % 3 != 2 && !invoice.path("amountDue").asText("0").matches("0(\\.0+)?")) {
                        panel.send(post(panel, "/api/v1/billing/accounts/" + tenant + "/payments", "{\"amount\":\"" + invoice.get("amountDue").asText()
                                + "\",\"method\":\"BANK_TRANSFER\",\"invoice\":\"" + invoice.get("id").asText() + "\"}"));
                    }
                }
            }
            HttpResponse<String> login = panel.send(post(panel, "/api/v1/auth/login", "{\"username\":\"shop\",\"password\":\"Bench-Password-1\"}"));
            String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
            String session = cookie.substring(cookie.indexOf('=') + 1, cookie.indexOf(';'));
            List<Double> drawn = new ArrayList<>();
            double bytes = 0;
            for (int run = 0; run < 5; run++) {
                org.openqa.selenium.chrome.ChromeDriver browser = VeBench.firstVisit(panel, session, "/portal/#/plugin/io.vessel.billing/billing");
                try {
                    new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(30))
                            .until(d -> ((org.openqa.selenium.JavascriptExecutor) d).executeScript("return window.vesselBillingDrawnAt") != null);
                    if (browser.findElements(org.openqa.selenium.By.cssSelector("#billing-invoices tbody tr")).size() < 12) {
                        throw new IllegalStateException("the Billing page shows fewer than 12 invoices");
                    }
                    Object[] figures = ((java.util.List<?>) browser.executeScript("return [window.vesselBillingDrawnAt,"
                            + " performance.getEntriesByType('navigation')[0].transferSize"
                            + " + performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, 0)];")).toArray();
                    drawn.add(((Number) figures[0]).doubleValue());
                    bytes = ((Number) figures[1]).doubleValue();
                } finally {
                    browser.quit();
                }
            }
            java.util.Collections.sort(drawn);
            return List.of(new Row("portal Billing page, first visit: drawn (median of 5)", "ms", drawn.get(2), "-", 0, "<= 1000 ms"),
                    new Row("portal Billing page, first visit: bytes transferred", "kB", bytes / 1000, "-", 0, "<= 300 kB"));
        }
    }

    private static HttpRequest.Builder post(VeBench.Panel panel, String path, String json) {
        return HttpRequest.newBuilder(panel.uri(path)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    }

    private static String created(HttpResponse<String> r) throws Exception {
        if (r.statusCode() != 201 && r.statusCode() != 200) {
            throw new IllegalStateException(r.statusCode() + " " + r.body());
        }
        JsonNode body = JSON.readTree(r.body());
        return body.path("id").asText();
    }
}
