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
import java.net.http.HttpResponse;

/**
 * {@code bench/run nodes}: two nodes on one PostgreSQL, as a provider's first cluster (two Vessel processes on this
 * machine, each with its own data directory, pool and bridge, as {@code DispatchIT} runs them). Figures:
 * <ul>
 *   <li>dispatch latency: from the operation recorded by panel a to node b starting its work (both times as the
 *       operation records them), median and 90th percentile of {@value #ROUNDS} starts and stops;</li>
 *   <li>a VE start through the other node's panel (panel a's API, node b's VE: request to done) against a start
 *       on the VE's own node's panel (node b's API), median of the same rounds each;</li>
 *   <li>cold migration of a running VE holding 1 GiB from node b to node a (b enrolled through panel a first, as a
 *       provider adds a server): the whole move, and the downtime the operation reports.</li>
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
                "VESSEL_DB_SCHEMA", schema);
        Map<String, String> envA = new java.util.HashMap<>(env);
        envA.put("VESSEL_HTTPS_PORT", String.valueOf(Bench.freePort()));
        Map<String, String> envB = new java.util.HashMap<>(env);
        envB.put("VESSEL_HTTPS_PORT", "0");
        try (VeBench.Panel a = ves.new Panel(conf("vbnodea"), null, envA); VeBench.Panel b = ves.new Panel(conf("vbnodeb"), null, envB, join(a))) {
            String nodeA = Files.readString(a.data.resolve("node-id")).strip();
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
            double[] migration = migrateGiB(a, b, nodeA, nodeB);
            return List.of(
                    new Row("dispatch latency p50 (recorded by panel a -> node b starts work)", "ms", dispatch.get(dispatch.size() / 2), "-", 0, "<= 50 ms"),
                    new Row("dispatch latency p90", "ms", dispatch.get(dispatch.size() * 9 / 10), "-", 0, "-"),
                    new Row("VE start through another node's panel (request to done, median)", "ms", median(remote),
                            "start through its own node's panel", median(local), "<= 1.3x"),
                    new Row("cold migration of a running VE holding 1 GiB: request to done", "ms", migration[0], "-", 0, "-"),
                    new Row("cold migration of a running VE holding 1 GiB: downtime (stop, last pass, start)", "ms", migration[1], "-", 0,
                            "<= 2000 ms"));
        } finally {
            VeBench.sh("psql -h 127.0.0.1 -U postgres test -qc 'DROP SCHEMA IF EXISTS " + schema + " CASCADE' >/dev/null 2>&1; "
                    + "ip link del vbnodea 2>/dev/null; ip link del vbnodeb 2>/dev/null; true");
        }
    }

    /**
     * Node b joins as a provider's new server would: an enrolment taken on panel a, and the command it answers, run
     * in b's installation before b first starts; the channel is up once panel a can run a command in a VE of b.
     */
    private static List<String> join(VeBench.Panel a) throws Exception {
        HttpResponse<String> created = a.send(java.net.http.HttpRequest.newBuilder(a.uri("/api/v1/nodes/enrolments"))
                .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")));
        if (created.statusCode() != 201) {
            throw new IllegalStateException("no enrolment: " + created.body());
        }
        String command = json(created.body()).get("command").asText();
        // with a panel of its own: the bench compares a start through b's own API with one through a's
        List<String> join = new ArrayList<>(List.of(command.substring("bin/vessel ".length()).split(" ")));
        join.add("--with-panel");
        return join;
    }

    /**
     * A running VE on node b holding 1 GiB of random data (incompressible, nothing shared with its template) moved
     * to node a: milliseconds from request to done, and the downtime the operation reports.
     */
    private static double[] migrateGiB(VeBench.Panel a, VeBench.Panel b, String nodeA, String nodeB) throws Exception {
        String created = json(a.send(java.net.http.HttpRequest.newBuilder(a.uri("/api/v1/ves")).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"template\":\"busybox\",\"node\":\"" + nodeB
                        + "\",\"limits\":{\"diskBytes\":3221225472}}"))).body()).get("id").asText();
        int ve = Integer.parseInt(awaitResult(a, created).substring("/api/v1/ves/".length()));
        b.timed("POST", "/api/v1/ves/" + ve + "/start", null);
        b.exec(ve, "dd if=/dev/urandom of=/data.bin bs=1M count=1024 2>/dev/null && sync");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) { // the channel opens once b has its certificate
            HttpResponse<String> exec = a.send(java.net.http.HttpRequest.newBuilder(a.uri("/api/v1/ves/" + ve + "/exec"))
                    .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"command\":[\"true\"]}")));
            if (exec.statusCode() == 200) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the node channel to b did not open: " + exec.body());
            }
            Thread.sleep(500);
        }
        double took = a.timed("POST", "/api/v1/ves/" + ve + "/migrate", "{\"node\":\"" + nodeA + "\"}");
        String message = "";
        for (JsonNode op : a.get("/api/v1/operations?limit=5")) {
            if (op.get("kind").asText().equals("ve.migrate") && op.get("target").asText().equals("ve/" + ve)) {
                message = op.path("message").asText();
                break;
            }
        }
        java.util.regex.Matcher downtime = java.util.regex.Pattern.compile("stopped for (\\d+) ms").matcher(message);
        if (!downtime.find()) {
            throw new IllegalStateException("the migration did not report its downtime: " + message);
        }
        return new double[] {took, Double.parseDouble(downtime.group(1))};
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
        Files.writeString(conf, "kernel.network.bridge = " + bridge + "\n# two nodes on one host: each its own channel port\nkernel.node.channel.port = 0\n");
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
