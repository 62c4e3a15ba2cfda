package io.vessel.bench;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * {@code bench/run [name...]}: runs named benchmarks and prints, for each figure, ours, the peer's measured in
 * the same run on the same machine, and the ratio. Not part of the test suite: figures are recorded in
 * {@code docs/benchmarks.md}, never asserted.
 */
public final class Bench {

    interface Benchmark {
        List<Row> run() throws Exception;
    }

    record Row(String figure, String unit, double ours, String peer, double theirs, String target) {
        double ratio() {
            return theirs == 0 ? Double.NaN : ours / theirs;
        }
    }

    private final Path repo;

    private Bench(Path repo) {
        this.repo = repo;
    }

    public static void main(String[] args) throws Exception {
        Bench bench = new Bench(Path.of(System.getProperty("vessel.repo", ".")).toAbsolutePath().normalize());
        Map<String, Benchmark> all = new LinkedHashMap<>();
        VeBench ves = new VeBench(bench.repo);
        StartBench start = new StartBench(bench.repo, ves);
        all.put("cold-start", start::run);
        all.put("restart-200", start::restart200);
        all.put("ve-lifecycle", ves::lifecycle);
        all.put("density", ves::density);
        all.put("network", ves::network);
        all.put("density-1000", ves::density1000);
        all.put("api", ves::api);
        all.put("portal", ves::portal);
        all.put("ve-view", new ViewBench(bench.repo, ves)::run);
        all.put("plugins", new PluginBench(bench.repo, ves)::run);
        BillingBench billing = new BillingBench(ves);
        all.put("billing", billing::run);
        all.put("invoice-pdf", billing::pdf);
        all.put("portal-billing", billing::portalPage);
        all.put("backup", new BackupBench(ves)::run);
        all.put("cli", new CliBench(ves)::run);
        all.put("nodes", new ClusterBench(ves)::run);
        List<String> names = args.length == 0 ? List.copyOf(all.keySet()) : List.of(args);
        List<Row> rows = new ArrayList<>();
        for (String name : names) {
            Benchmark b = all.get(name);
            if (b == null) {
                System.err.println("unknown benchmark '" + name + "'; known: " + all.keySet());
                System.exit(2);
            }
            System.err.println("running " + name + " ...");
            rows.addAll(b.run());
        }
        print(rows);
    }

    /**
     * What a stopped panel leaves on the host by design (its storage pool stays mounted and its node's runtime root
     * stays, for the VEs that keep running): removed with the run's data directory.
     */
    static void leftOver(Path work) throws Exception {
        Path data = work.resolve("data");
        String node = Files.exists(data.resolve("node-id")) ? Files.readString(data.resolve("node-id")).strip() : "none";
        VeBench.sh("umount " + data.resolve("storage/pool") + " 2>/dev/null; rm -rf /run/vessel/" + node + "/statfs; rmdir /run/vessel/" + node
                + "/ves /run/vessel/" + node + " 2>/dev/null; rm -rf " + work);
    }

    static void awaitOk(int port, String path, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("process exited with " + p.exitValue());
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
                c.setConnectTimeout(200);
                c.setReadTimeout(5000);
                if (c.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("no 200 from " + path + " within 120 s");
    }

    static void print(List<Row> rows) {
        System.out.println();
        System.out.printf(Locale.ROOT, "| %-58s | %10s | %-20s | %10s | %7s | %-12s |%n", "figure", "ours", "peer", "peer's", "ratio", "target");
        System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%s|%n", "-".repeat(60), "-".repeat(12), "-".repeat(22), "-".repeat(12), "-".repeat(9), "-".repeat(14));
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "| %-58s | %7.1f %-2s | %-20s | %7.1f %-2s | %6.2fx | %-12s |%n",
                    r.figure(), r.ours(), r.unit(), r.peer(), r.theirs(), r.unit(), r.ratio(), r.target());
        }
    }

    static Path tempDir() {
        try {
            Path dir = Files.createTempDirectory("vessel-bench-");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
