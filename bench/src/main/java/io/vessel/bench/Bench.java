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
        all.put("cold-start", bench::coldStart);
        VeBench ves = new VeBench(bench.repo);
        all.put("ve-lifecycle", ves::lifecycle);
        all.put("density", ves::density);
        all.put("network", ves::network);
        all.put("density-1000", ves::density1000);
        all.put("api", ves::api);
        all.put("portal", ves::portal);
        all.put("ve-view", new ViewBench(bench.repo, ves)::run);
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

    /** Cold start: process launch to the first 200 from the health endpoint, median of 5. */
    private List<Row> coldStart() throws Exception {
        Path dist = repo.resolve("distribution/target/vessel");
        String javaOpts = "-Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto";
        List<Path> works = new ArrayList<>();
        double ours = median(5, port -> {
            Path work = tempDir();
            works.add(work);
            ProcessBuilder pb = new ProcessBuilder(dist.resolve("bin/vessel").toString());
            pb.environment().put("VESSEL_HTTP_PORT", String.valueOf(port));
            pb.environment().put("VESSEL_DATA_DIR", work.resolve("data").toString());
            pb.environment().put("VESSEL_LOG_DIR", work.resolve("logs").toString());
            pb.environment().put("VESSEL_PLUGINS_DIR", work.resolve("plugins").toString());
            pb.environment().put("JAVA_OPTS", javaOpts);
            return pb;
        }, "/api/v1/health");
        for (Path work : works) {
            leftOver(work);
        }
        String cp = repo.resolve("bench/target/bench.jar") + File.pathSeparator + repo.resolve("bench/target/lib") + File.separator + "*";
        double jetty = median(5, port -> {
            List<String> cmd = new ArrayList<>(List.of("java"));
            cmd.addAll(List.of(javaOpts.split(" ")));
            cmd.addAll(List.of("-cp", cp, HelloJetty.class.getName(), String.valueOf(port)));
            return new ProcessBuilder(cmd);
        }, "/");
        return List.of(new Row("cold start to first 200 from /api/v1/health (median of 5)", "ms", ours,
                "bare Jetty 12 hello", jetty, "<= 3000 ms"));
    }

    /**
     * What a stopped panel leaves on the host by design (its storage pool stays mounted and its node's runtime root
     * stays, for the VEs that keep running): removed with the run's data directory.
     */
    private static void leftOver(Path work) throws Exception {
        Path data = work.resolve("data");
        String node = Files.exists(data.resolve("node-id")) ? Files.readString(data.resolve("node-id")).strip() : "none";
        VeBench.sh("umount " + data.resolve("storage/pool") + " 2>/dev/null; rm -rf /run/vessel/" + node + "/statfs; rmdir /run/vessel/" + node
                + "/ves /run/vessel/" + node + " 2>/dev/null; rm -rf " + work);
    }

    private static double median(int runs, IntFunction<ProcessBuilder> launcher, String path) throws Exception {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            int port = freePort();
            ProcessBuilder pb = launcher.apply(port).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            long started = System.nanoTime();
            Process p = pb.start();
            try {
                awaitOk(port, path, p);
                times.add((System.nanoTime() - started) / 1e6);
            } finally {
                p.destroy();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
        times.sort(Comparator.naturalOrder());
        return times.get(times.size() / 2);
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
