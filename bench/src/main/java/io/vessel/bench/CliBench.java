package io.vessel.bench;

import io.vessel.bench.Bench.Row;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code vesselctl ve list} against a panel with 1,000 VEs, as root on the host (the local socket, no token): the
 * whole command — JVM start, request, table — against {@code curl | jq} of the same endpoint on the same socket, the
 * shell's own way to read it. Median of 9 runs each, after one of each to warm the page cache. The target: vesselctl
 * in at most 0.5 s. Measured once the panel is at rest after the creations, the commands in turn.
 */
final class CliBench {

    private static final int VES = 1000;
    private static final int RUNS = 9;

    private final VeBench ves;

    CliBench(VeBench ves) {
        this.ves = ves;
    }

    List<Row> run() throws Exception {
        try (VeBench.Panel panel = ves.new Panel()) {
            ExecutorService clients = Executors.newFixedThreadPool(4);
            List<Future<Double>> creates = new ArrayList<>();
            for (int i = 0; i < VES; i++) {
                int id = 5000 + i;
                creates.add(clients.submit(() -> panel.timed("POST", "/api/v1/ves", "{\"template\":\"busybox\",\"id\":" + id + "}")));
            }
            for (Future<Double> f : creates) {
                f.get();
            }
            clients.shutdown();
            String socket = "/run/vessel/" + Files.readString(panel.data.resolve("node-id")).strip() + "/panel.sock";
            String vesselctl = ves.repo().resolve("distribution/target/vessel/bin/vesselctl").toString();
            awaitQuiet(panel.pid());
            // the commands in turn, run after run, so a moment of the machine's own noise falls on all of them alike
            double[] medians = interleaved(List.of(
                    List.of(vesselctl, "--socket", socket, "ve", "list"),
                    List.of(vesselctl, "--socket", socket, "ve", "list", "-o", "json"),
                    List.of("sh", "-c", "curl -sf --unix-socket " + socket + " http://localhost/api/v1/ves | jq -r '.[] | [.id, .name, .state] | @tsv'"),
                    List.of(vesselctl, "--version")));
            double curl = medians[2];
            return List.of(
                    new Row("vesselctl ve list, 1,000 VEs, table, local socket: whole command", "ms", medians[0], "curl | jq (same socket)", curl, "<= 500 ms"),
                    new Row("vesselctl ve list -o json, 1,000 VEs: whole command", "ms", medians[1], "curl | jq (same socket)", curl, "<= 500 ms"),
                    new Row("vesselctl --version (JVM start and command model)", "ms", medians[3], "-", 0, "-"));
        }
    }

    /**
     * Waits (at most 90 s) until the panel uses less than a tenth of a core over two seconds: a thousand creations
     * leave work behind them, and a user lists their VEs on a panel at rest.
     */
    private static void awaitQuiet(long pid) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            long before = VeBench.cpuTicks(pid);
            Thread.sleep(2000);
            if (VeBench.cpuTicks(pid) - before < 20) { // clock ticks of 1/100 s: under 10 % of a core
                return;
            }
        }
    }

    /** Each command's median of {@link #RUNS}, the commands run in turn, after one warm-up run of each. */
    private static double[] interleaved(List<List<String>> commands) throws Exception {
        List<List<Double>> times = new ArrayList<>();
        for (List<String> command : commands) {
            run(command);
            times.add(new ArrayList<>());
        }
        for (int i = 0; i < RUNS; i++) {
            for (int c = 0; c < commands.size(); c++) {
                long started = System.nanoTime();
                run(commands.get(c));
                times.get(c).add((System.nanoTime() - started) / 1e6);
            }
        }
        double[] medians = new double[commands.size()];
        for (int c = 0; c < commands.size(); c++) {
            Collections.sort(times.get(c));
            medians[c] = times.get(c).get(RUNS / 2);
        }
        return medians;
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + p.exitValue());
        }
    }

}
