package io.vessel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vessel.bench.Bench.Row;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code bench/run nodes}: two nodes on one PostgreSQL, as a provider's first cluster (two Vessel processes on this
 * machine, each with its own data directory, pool and bridge, as {@code DispatchIT} runs them). Figures:
 * <ul>
 *   <li>dispatch latency: from the operation recorded by panel a to node b starting its work (both times as the
 *       operation records them), median and 90th percentile of {@value #ROUNDS} starts and stops;</li>
 *   <li>a VE start through the other node's panel (panel a's API, node b's VE: request to done) against a start
 *       on the VE's own node's panel (node b's API), median of the same rounds each.</li>
 * </ul>
 * Panel scale-out throughput is not measured: one 2-core machine also runs the database and the load generator.
 */
final class ClusterBench {

    private static final int ROUNDS = 15;

    private final VeBench ves;

    ClusterBench(VeBench ves) {
        this.ves = ves;
    }

    List<Row> run() throws Exception {
        String schema = "bench_nodes_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Map<String, String> env = Map.of("VESSEL_DB_URL", "jdbc:postgresql://127.0.0.1:5432/test", "VESSEL_DB_USER", "postgres",
                "VESSEL_DB_SCHEMA", schema, "VESSEL_HTTPS_PORT", "0");
        try (VeBench.Panel a = ves.new Panel(conf("vbnodea"), null, env); VeBench.Panel b = ves.new Panel(conf("vbnodeb"), null, env)) {
            String nodeB = Files.readString(b.data.resolve("node-id")).strip();
            String created = json(a.send(java.net.http.HttpRequest.newBuilder(a.uri("/api/v1/ves")).header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"template\":\"busybox\",\"node\":\"" + nodeB + "\"}"))).body())
                    .get("id").asText();
            int ve = Integer.parseInt(awaitResult(a, created).substring("/api/v1/ves/".length()));
            List<Double> dispatch = new ArrayList<>();
            List<Double> remote = new ArrayList<>();
            List<Double> local = new ArrayList<>();
            for (int i = 0; i < ROUNDS; i++) {
                remote.add(a.timed("POST", "/api/v1/ves/" + ve + "/start", null));
                dispatch.add(dispatchMs(a, "start", ve));
                a.timed("POST", "/api/v1/ves/" + ve + "/stop", null);
                dispatch.add(dispatchMs(a, "stop", ve));
                local.add(b.timed("POST", "/api/v1/ves/" + ve + "/start", null));
                b.timed("POST", "/api/v1/ves/" + ve + "/stop", null);
            }
            Collections.sort(dispatch);
            return List.of(
                    new Row("dispatch latency p50 (recorded by panel a -> node b starts work)", "ms", dispatch.get(dispatch.size() / 2), "-", 0, "<= 50 ms"),
                    new Row("dispatch latency p90", "ms", dispatch.get(dispatch.size() * 9 / 10), "-", 0, "-"),
                    new Row("VE start through another node's panel (request to done, median)", "ms", median(remote),
                            "start through its own node's panel", median(local), "<= 1.3x"));
        } finally {
            VeBench.sh("psql -h 127.0.0.1 -U postgres test -qc 'DROP SCHEMA IF EXISTS " + schema + " CASCADE' >/dev/null 2>&1; "
                    + "ip link del vbnodea 2>/dev/null; ip link del vbnodeb 2>/dev/null; true");
        }
    }

    /** The newest operation of {@code action} on the VE, as panel a sees it: from recorded to started. */
    private static double dispatchMs(VeBench.Panel a, String action, int ve) throws Exception {
        for (JsonNode op : a.get("/api/v1/operations?limit=5")) {
            if (op.get("kind").asText().equals("ve." + action) && op.get("target").asText().equals("ve/" + ve)) {
                return Duration.between(Instant.parse(op.get("createdAt").asText()), Instant.parse(op.get("startedAt").asText())).toNanos() / 1e6;
            }
        }
        throw new IllegalStateException("no " + action + " operation of VE " + ve);
    }

    private static String awaitResult(VeBench.Panel panel, String operation) throws Exception {
        while (true) {
            JsonNode op = panel.get("/api/v1/operations/" + operation + "?wait=60");
            if (op.get("state").asText().equals("SUCCEEDED")) {
                return op.get("result").asText();
            }
            if (op.get("state").asText().equals("FAILED")) {
                throw new IllegalStateException("the VE was not made on node b: " + op);
            }
        }
    }

    private static Path conf(String bridge) throws Exception {
        Path conf = Bench.tempDir().resolve("vessel.conf");
        Files.writeString(conf, "kernel.network.bridge = " + bridge + "\n");
        return conf;
    }

    private static JsonNode json(String text) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
