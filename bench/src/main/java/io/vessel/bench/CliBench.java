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
 * in at most 0.5 s.
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
            double table = median(List.of(vesselctl, "--socket", socket, "ve", "list"));
            double json = median(List.of(vesselctl, "--socket", socket, "ve", "list", "-o", "json"));
            double curl = median(List.of("sh", "-c", "curl -sf --unix-socket " + socket + " http://localhost/api/v1/ves | jq -r '.[] | [.id, .name, .state] | @tsv'"));
            double version = median(List.of(vesselctl, "--version"));
            return List.of(
                    new Row("vesselctl ve list, 1,000 VEs, table, local socket: whole command", "ms", table, "curl | jq (same socket)", curl, "<= 500 ms"),
                    new Row("vesselctl ve list -o json, 1,000 VEs: whole command", "ms", json, "curl | jq (same socket)", curl, "<= 500 ms"),
                    new Row("vesselctl --version (JVM start and command model)", "ms", version, "-", 0, "-"));
        }
    }

    private static double median(List<String> command) throws Exception {
        run(command);
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            long started = System.nanoTime();
            run(command);
            times.add((System.nanoTime() - started) / 1e6);
        }
        Collections.sort(times);
        return times.get(RUNS / 2);
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + p.exitValue());
        }
    }

}
