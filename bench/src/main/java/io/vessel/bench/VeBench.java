package io.vessel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vessel.bench.Bench.Row;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * VE benchmarks against the assembled panel (run as root): lifecycle latency through the REST API beside plain
 * {@code runc} with the very same OCI configuration and {@code lxc-start}/{@code lxc-stop} of a busybox container,
 * and density (200 VEs started, memory per idle VE, panel heap).
 */
final class VeBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final int LIFECYCLE_VES = 50;
    private static final int DENSITY_VES = 200;
    private static final String ADMIN_PASSWORD = "Vessel-Bench-Admin-1";

    private final Path repo;

    /** The project's checkout (the distribution and the ITs' caches are below it). */
    Path repo() {
        return repo;
    }

    VeBench(Path repo) {
        this.repo = repo;
    }

    /** A panel on its own data directory and port, stopped (and its VEs and pool removed) when closed. */
    final class Panel implements AutoCloseable {
        final Path work = Bench.tempDir();
        final Path data = work.resolve("data");
        final int port = Bench.freePort();
        final Process process;
        /** The environment the panel runs in, for {@link #vessel}. */
        private final java.util.Map<String, String> environment;
        private String session;

        Panel() throws Exception {
            this(null);
        }

        Panel(Path conf) throws Exception {
            this(conf, null);
        }

        /** With {@code javaOpts}, the JVM runs with those options instead of the launcher's defaults. */
        Panel(Path conf, String javaOpts) throws Exception {
            this(conf, javaOpts, java.util.Map.of());
        }

        /** With {@code env} added to the panel's environment (e.g. a PostgreSQL database several panels share). */
        Panel(Path conf, String javaOpts, java.util.Map<String, String> env) throws Exception {
            this(conf, javaOpts, env, null);
        }

        /** With {@code firstRun}: {@code bin/vessel} run with these arguments in its installation before it starts (a join). */
        Panel(Path conf, String javaOpts, java.util.Map<String, String> env, List<String> firstRun) throws Exception {
            Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
            ProcessBuilder pb = new ProcessBuilder(repo.resolve("distribution/target/vessel/bin/vessel").toString());
            pb.environment().putAll(env);
            if (javaOpts != null) {
                pb.environment().put("JAVA_OPTS", javaOpts);
            }
            if (conf != null) {
                pb.environment().put("VESSEL_CONF", conf.toString());
            }
            pb.environment().put("VESSEL_HTTP_PORT", String.valueOf(port));
            pb.environment().put("VESSEL_HTTP_HOST", "127.0.0.1");
            pb.environment().put("VESSEL_DATA_DIR", data.toString());
            pb.environment().put("VESSEL_LOG_DIR", work.resolve("logs").toString());
            pb.environment().put("VESSEL_PLUGINS_DIR", work.resolve("plugins").toString());
            pb.environment().put("VESSEL_ADMIN_PASSWORD", ADMIN_PASSWORD);
            environment = java.util.Map.copyOf(pb.environment());
            if (firstRun != null) {
                vessel(firstRun);
            }
            process = pb.redirectErrorStream(true).redirectOutput(work.resolve("console.log").toFile()).start();
            Bench.awaitOk(port, "/api/v1/health", process);
            HttpResponse<String> login = HTTP.send(HttpRequest.newBuilder(uri("/api/v1/auth/login")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"admin\",\"password\":\"" + ADMIN_PASSWORD + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            String cookie = login.headers().firstValue("Set-Cookie").orElseThrow(() -> new IllegalStateException("login failed: " + login.body()));
            session = cookie.substring(0, cookie.indexOf(';'));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!get("/api/v1/templates/busybox").path(0).path("state").asText().equals("READY")) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the busybox template was not built");
                }
                Thread.sleep(50);
            }
        }

        JsonNode get(String path) throws Exception {
            return JSON.readTree(send(HttpRequest.newBuilder(uri(path)).GET()).body());
        }

        HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
            return HTTP.send(request.header("Cookie", session).timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }

        /** A binary answer (a PDF). */
        HttpResponse<byte[]> bytes(String path) throws Exception {
            return HTTP.send(HttpRequest.newBuilder(uri(path)).GET().header("Cookie", session).timeout(Duration.ofSeconds(120)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        }

        /** Runs an action that answers 202 and waits for its operation; milliseconds from request to done. */
        double timed(String method, String path, String body) throws Exception {
            long started = System.nanoTime();
            HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> accepted = send(request);
            if (accepted.statusCode() != 202) {
                throw new IllegalStateException(method + " " + path + ": " + accepted.statusCode() + " " + accepted.body());
            }
            String id = JSON.readTree(accepted.body()).get("id").asText();
            while (true) {
                JsonNode op = get("/api/v1/operations/" + id + "?wait=60"); // answers once finished, no polling
                if (!op.hasNonNull("state")) {
                    throw new IllegalStateException(method + " " + path + ": its operation " + id + " answered " + op);
                }
                String state = op.get("state").asText();
                if (state.equals("SUCCEEDED")) {
                    return (System.nanoTime() - started) / 1e6;
                }
                if (state.equals("FAILED")) {
                    throw new IllegalStateException(method + " " + path + " failed: " + op);
                }
            }
        }

        /** Runs a shell command in a VE and returns what it printed, whatever its exit status. */
        String output(int ve, String command) throws Exception {
            return run(ve, command).get("stdout").asText();
        }

        /** Runs a shell command in a VE and waits for it. */
        void exec(int ve, String command) throws Exception {
            JsonNode result = run(ve, command);
            if (result.get("exitCode").asInt() != 0) {
                throw new IllegalStateException("exec in VE " + ve + " failed: " + result);
            }
        }

        private JsonNode run(int ve, String command) throws Exception {
            String body = JSON.writeValueAsString(java.util.Map.of("command", List.of("sh", "-c", command), "timeoutSeconds", 600));
            HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/api/v1/ves/" + ve + "/exec")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
            if (r.statusCode() != 200) {
                throw new IllegalStateException("exec in VE " + ve + " failed: " + r.body());
            }
            return JSON.readTree(r.body());
        }

        long pid() {
            return process.pid();
        }

        /** Runs {@code bin/vessel} with these arguments in this panel's installation and environment; what it printed. */
        String vessel(List<String> args) throws Exception {
            List<String> command = new java.util.ArrayList<>(List.of(repo.resolve("distribution/target/vessel/bin/vessel").toString()));
            command.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().putAll(environment);
            Process run = pb.start();
            String output = new String(run.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (run.waitFor() != 0) {
                throw new IllegalStateException("bin/vessel " + String.join(" ", args) + " failed: " + output);
            }
            return output;
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            process.waitFor(60, TimeUnit.SECONDS);
            Path runc = data.resolve("run/runc");
            for (String id : sh("runc --root " + runc + " list -q 2>/dev/null").lines().filter(l -> !l.isBlank()).toList()) {
                sh("runc --root " + runc + " delete --force " + id);
            }
            String nodeId = Files.exists(data.resolve("node-id")) ? Files.readString(data.resolve("node-id")).strip() : "none";
            String node = nodeId.substring(0, Math.min(8, nodeId.length()));
            Path runtime = Path.of("/run/vessel", nodeId);
            // the runtime root: statfs helpers' files, and the VEs' root mount points — their bind mounts first (the panel
            // takes them down when it destroys a VE; here runc deleted the VEs), or they keep the pool's loop device busy
            sh("for m in " + runtime + "/ves/*/rootfs; do umount -l \"$m\" 2>/dev/null; done; rm -rf " + runtime.resolve("statfs") + "; rmdir "
                    + runtime + "/ves/*/rootfs " + runtime + "/ves/* " + runtime + "/ves " + runtime + " 2>/dev/null");
            sh("rmdir /sys/fs/cgroup/*/vessel/" + node + " 2>/dev/null; umount " + data.resolve("storage/pool") + " 2>/dev/null; rm -rf " + work);
        }
    }

    List<Row> lifecycle() throws Exception {
        List<Double> create = new ArrayList<>();
        List<Double> start = new ArrayList<>();
        List<Double> stop = new ArrayList<>();
        List<Double> destroy = new ArrayList<>();
        List<Double> runcStart = new ArrayList<>();
        List<Double> runcStop = new ArrayList<>();
        List<Double> snapshot = new ArrayList<>();
        List<Double> snapshotDelete = new ArrayList<>();
        try (Panel panel = new Panel()) {
            for (int i = 0; i < LIFECYCLE_VES; i++) {
                int id = 1000 + i;
                create.add(panel.timed("POST", "/api/v1/ves", "{\"template\":\"busybox\",\"id\":" + id + "}"));
                start.add(panel.timed("POST", "/api/v1/ves/" + id + "/start", null));
                stop.add(panel.timed("POST", "/api/v1/ves/" + id + "/stop", null));
            }
            // plain runc with the very configuration the panel generated, on the same private areas
            Path runcRoot = panel.work.resolve("plain-runc");
            for (int i = 0; i < LIFECYCLE_VES; i++) {
                int id = 1000 + i;
                Path bundle = panel.work.resolve("plain/" + id);
                Files.createDirectories(bundle);
                ObjectNode config = (ObjectNode) JSON.readTree(panel.data.resolve("run/ves/" + id + "/config.json").toFile());
                ((ObjectNode) config.get("linux")).put("cgroupsPath", "/vessel-bench/plain-" + id);
                JSON.writeValue(bundle.resolve("config.json").toFile(), config);
                long t = System.nanoTime();
                sh("runc --root " + runcRoot + " run -d --bundle " + bundle + " plain-" + id + " </dev/null >/dev/null 2>&1");
                runcStart.add((System.nanoTime() - t) / 1e6);
                t = System.nanoTime();
                sh("runc --root " + runcRoot + " kill plain-" + id + " TERM; while runc --root " + runcRoot + " state plain-" + id
                        + " | grep -q running; do sleep 0.005; done; runc --root " + runcRoot + " delete plain-" + id);
                runcStop.add((System.nanoTime() - t) / 1e6);
            }
            sh("rmdir /sys/fs/cgroup/*/vessel-bench 2>/dev/null");
            Path pool = panel.data.resolve("storage/pool");
            String template = pool.resolve("templates/" + sh("ls " + pool.resolve("templates")).lines().findFirst().orElseThrow()).toString();
            for (int i = 0; i < LIFECYCLE_VES; i++) {
                Path target = pool.resolve("bench-" + i);
                long t = System.nanoTime();
                sh("btrfs -q subvolume snapshot " + template + " " + target);
                snapshot.add((System.nanoTime() - t) / 1e6);
                t = System.nanoTime();
                sh("btrfs -q subvolume delete " + target);
                snapshotDelete.add((System.nanoTime() - t) / 1e6);
            }
            for (int i = 0; i < LIFECYCLE_VES; i++) {
                destroy.add(panel.timed("DELETE", "/api/v1/ves/" + (1000 + i), null));
            }
        }
        List<Double> lxcStart = new ArrayList<>();
        List<Double> lxcStop = new ArrayList<>();
        lxc(lxcStart, lxcStop);
        String n = " (" + LIFECYCLE_VES + " VEs)";
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("VE create p50 via API" + n, "ms", p(create, 50), "btrfs snapshot CLI", p(snapshot, 50), "<= 50 ms"));
        rows.add(new Row("VE create p95 via API", "ms", p(create, 95), "btrfs snapshot CLI", p(snapshot, 95), ""));
        rows.add(new Row("VE start p50 via API", "ms", p(start, 50), "runc run -d", p(runcStart, 50), "<= 1.5x runc"));
        rows.add(new Row("VE start p95 via API", "ms", p(start, 95), "runc run -d", p(runcStart, 95), ""));
        rows.add(new Row("VE start p50 via API", "ms", p(start, 50), "lxc-start -d", p(lxcStart, 50), ""));
        rows.add(new Row("VE stop p50 via API", "ms", p(stop, 50), "runc kill+delete", p(runcStop, 50), ""));
        rows.add(new Row("VE stop p95 via API", "ms", p(stop, 95), "runc kill+delete", p(runcStop, 95), ""));
        rows.add(new Row("VE stop p50 via API", "ms", p(stop, 50), "lxc-stop", p(lxcStop, 50), ""));
        rows.add(new Row("VE destroy p50 via API", "ms", p(destroy, 50), "btrfs subvol delete", p(snapshotDelete, 50), ""));
        rows.add(new Row("VE destroy p95 via API", "ms", p(destroy, 95), "btrfs subvol delete", p(snapshotDelete, 95), ""));
        return rows;
    }

    /** lxc-start/lxc-stop of one busybox container, started and stopped as often as the panel's VEs. */
    private static void lxc(List<Double> starts, List<Double> stops) throws Exception {
        String name = "vessel-bench-" + ProcessHandle.current().pid();
        Path conf = Files.createTempFile("lxc-bench", ".conf");
        Files.writeString(conf, "lxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\n");
        try {
            sh("lxc-create -n " + name + " -f " + conf + " -t busybox >/dev/null 2>&1");
            for (int i = 0; i < LIFECYCLE_VES; i++) {
                long t = System.nanoTime();
                sh("lxc-start -n " + name + " -d && lxc-wait -n " + name + " -s RUNNING");
                starts.add((System.nanoTime() - t) / 1e6);
                t = System.nanoTime();
                sh("lxc-stop -n " + name);
                stops.add((System.nanoTime() - t) / 1e6);
            }
        } finally {
            sh("lxc-destroy -f -n " + name + " >/dev/null 2>&1");
            Files.deleteIfExists(conf);
        }
    }

    /**
     * Throughput between two VEs over the bridge (veth, bridge, anti-spoofing rules) beside two plain network
     * namespaces joined by one veth pair, with the same busybox nc and the same bounded transfer.
     */
    List<Row> network() throws Exception {
        String bridge = "vsb" + (System.nanoTime() % 10000);
        long megabytes = 400;
        double ours;
        Path conf = Files.createTempFile("vessel-bench", ".conf");
        Files.writeString(conf, "kernel.network.bridge = " + bridge + "\n");
        try (Panel panel = new Panel(conf)) {
            panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ip-pools")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"bench\",\"cidr\":\"10.231.77.0/24\",\"mode\":\"NAT\"}")));
            int a = 3000;
            int b = 3001;
            for (int id : List.of(a, b)) {
                panel.timed("POST", "/api/v1/ves", "{\"template\":\"busybox\",\"id\":" + id + ",\"ipPool\":\"bench\",\"limits\":{\"memoryBytes\":1073741824}}");
                panel.timed("POST", "/api/v1/ves/" + id + "/start", null);
            }
            String ipB = panel.get("/api/v1/ves/" + b + "/ips").get(0).get("address").asText();
            panel.exec(b, "(sleep 300 | nc -l -p 5001 > /dev/null) </dev/null >/dev/null 2>&1 &");
            Thread.sleep(300);
            long t = System.nanoTime();
            panel.exec(a, "dd if=/dev/zero bs=65536 count=" + megabytes * 16 + " 2>/dev/null | nc " + ipB + " 5001");
            ours = megabytes / ((System.nanoTime() - t) / 1e9);
        } finally {
            sh("ip link del " + bridge + "; nft delete table bridge vessel-" + bridge + "; nft delete table ip vessel-nat-" + bridge
                    + "; echo 0 > /proc/sys/net/ipv4/ip_forward");
            Files.deleteIfExists(conf);
        }
        String ns = "vb" + (System.nanoTime() % 10000);
        double peer;
        try {
            sh("ip netns add " + ns + "a && ip netns add " + ns + "b && ip link add " + ns + "0 type veth peer name " + ns + "1"
                    + " && ip link set " + ns + "0 netns " + ns + "a && ip link set " + ns + "1 netns " + ns + "b"
                    + " && ip -n " + ns + "a addr add 10.231.78.1/24 dev " + ns + "0 && ip -n " + ns + "b addr add 10.231.78.2/24 dev " + ns + "1"
                    + " && ip -n " + ns + "a link set " + ns + "0 up && ip -n " + ns + "b link set " + ns + "1 up"
                    + " && ip -n " + ns + "a link set lo up && ip -n " + ns + "b link set lo up");
            sh("ip netns exec " + ns + "b sh -c '(sleep 300 | busybox nc -l -p 5001 > /dev/null) </dev/null >/dev/null 2>&1 &'");
            Thread.sleep(300);
            long t = System.nanoTime();
            sh("ip netns exec " + ns + "a sh -c 'dd if=/dev/zero bs=65536 count=" + megabytes * 16 + " 2>/dev/null | busybox nc 10.231.78.2 5001'");
            peer = megabytes / ((System.nanoTime() - t) / 1e9);
        } finally {
            sh("ip netns pids " + ns + "b | xargs -r kill; ip netns del " + ns + "a; ip netns del " + ns + "b");
        }
        return List.of(new Row("throughput VE to VE over the bridge (" + megabytes + " MB, nc)", "MB", ours, "plain netns + veth", peer, ">= 0.9x"));
    }

    List<Row> density() throws Exception {
        return density(DENSITY_VES);
    }

    /** The density run at 1,000 VEs: does accounting (cgroups, quota groups, one batched insert) keep up? */
    /**
     * The authenticated API under load: {@code wrk} with 16 connections against {@code GET /api/v1/ves/{id}} and
     * {@code GET /api/v1/ves} (1,000 VEs) with an API token, beside bare Jetty answering "hello" in the same run.
     */
    List<Row> api() throws Exception {
        List<Row> rows = new ArrayList<>(api(null, "default JVM options"));
        rows.addAll(api("-Xmx512m -XX:+UseSerialGC -Xshare:auto", "full JIT (C2)"));
        return rows;
    }

    /**
     * The launcher's default JVM options stop at the C1 compiler for a fast start; a long-running panel serving many
     * API clients is faster with the full JIT, at the cost of about a second more start-up on two cores.
     */
    private List<Row> api(String javaOpts, String label) throws Exception {
        try (Panel panel = new Panel(null, javaOpts)) {
            ExecutorService clients = Executors.newFixedThreadPool(4);
            List<Future<Double>> creates = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                int id = 3000 + i;
                creates.add(clients.submit(() -> panel.timed("POST", "/api/v1/ves", "{\"template\":\"busybox\",\"id\":" + id + "}")));
            }
            for (Future<Double> f : creates) {
                f.get();
            }
            clients.shutdown();
            HttpResponse<String> token = panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/me/tokens")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"bench\",\"permissions\":[\"ve.read\"]}")));
            String bearer = "Authorization: Bearer " + JSON.readTree(token.body()).get("secret").asText();
            int jettyPort = Bench.freePort();
            String cp = repo.resolve("bench/target/bench.jar") + java.io.File.pathSeparator + repo.resolve("bench/target/lib") + java.io.File.separator + "*";
            Process jetty = new ProcessBuilder("java", "-cp", cp, HelloJetty.class.getName(), String.valueOf(jettyPort))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                Bench.awaitOk(jettyPort, "/", jetty);
                String base = "http://127.0.0.1:" + panel.port + "/api/v1/ves";
                wrk(bearer, base + "/3500", 10); // warm-up: JIT and connection pools
                wrk(bearer, base, 5);
                double[] one = wrk(bearer, base + "/3500", 10);
                double[] list = wrk(bearer, base, 10);
                double[] bare = wrk(null, "http://127.0.0.1:" + jettyPort + "/", 10);
                return List.of(
                        new Row("GET /ves/{id}, token, 16 clients, " + label + ": req/s", "/s", one[0], "bare Jetty hello", bare[0], ">= 0.30x"),
                        new Row("GET /ves/{id}, token, 16 clients, " + label + ": p99", "ms", one[1], "bare Jetty hello", bare[1], "<= 20 ms"),
                        new Row("GET /ves (1,000 VEs), " + label + ": req/s", "/s", list[0], "bare Jetty hello", bare[0], "-"),
                        new Row("GET /ves (1,000 VEs), " + label + ": p99", "ms", list[1], "bare Jetty hello", bare[1], "-"));
            } finally {
                jetty.destroy();
                jetty.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The portal's VE page in headless Chromium, first visit each time (a fresh browser profile): from navigation to
     * the VE's page drawn, and to the event stream open (the state then follows by itself); bytes over the wire.
     */
    List<Row> portal() throws Exception {
        try (Panel panel = new Panel()) {
            String body = "{\"name\":\"Bench\",\"kind\":\"CUSTOMER\"}";
            String tenant = JSON.readTree(panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/tenants")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))).body()).get("id").asText();
            panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/accounts")).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers
                    .ofString("{\"tenantId\":\"" + tenant + "\",\"username\":\"bench\",\"role\":\"customer-owner\",\"password\":\"Bench-Password-1\"}")));
            panel.timed("POST", "/api/v1/ves", "{\"template\":\"busybox\",\"id\":4000,\"owner\":\"" + tenant + "\"}");
            panel.timed("POST", "/api/v1/ves/4000/start", null);
            HttpResponse<String> login = HTTP.send(HttpRequest.newBuilder(panel.uri("/api/v1/auth/login")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"bench\",\"password\":\"Bench-Password-1\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
            String session = cookie.substring(cookie.indexOf('=') + 1, cookie.indexOf(';'));
            List<Double> drawn = new ArrayList<>();
            List<Double> live = new ArrayList<>();
            double bytes = 0;
            for (int run = 0; run < 5; run++) {
                org.openqa.selenium.chrome.ChromeDriver browser = firstVisit(panel, session, "/portal/#/ves/4000");
                try {
                    org.openqa.selenium.support.ui.WebDriverWait wait = new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(30));
                    wait.until(d -> !d.findElements(org.openqa.selenium.By.cssSelector("h1 [data-ve-state='4000']")).isEmpty());
                    wait.until(d -> "true".equals(d.findElement(org.openqa.selenium.By.tagName("body")).getDomAttribute("data-live")));
                    // times the page itself took (from navigation start), not when the polling noticed
                    Object[] figures = ((java.util.List<?>) browser.executeScript("return [window.vesselDrawnAt, window.vesselLiveAt,"
                            + " performance.getEntriesByType('navigation')[0].transferSize"
                            + " + performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, 0)];")).toArray();
                    drawn.add(((Number) figures[0]).doubleValue());
                    live.add(((Number) figures[1]).doubleValue());
                    bytes = ((Number) figures[2]).doubleValue();
                } finally {
                    browser.quit();
                }
            }
            Collections.sort(drawn);
            Collections.sort(live);
            return List.of(new Row("portal VE page, first visit: drawn (median of 5)", "ms", drawn.get(2), "-", 0, "<= 1000 ms"),
                    new Row("portal VE page, first visit: live state (median of 5)", "ms", live.get(2), "-", 0, "<= 1000 ms"),
                    new Row("portal VE page, first visit: bytes transferred", "kB", bytes / 1000, "-", 0, "<= 300 kB"));
        }
    }

    /**
     * A fresh headless Chromium (nothing cached: a first visit) logged in with {@code session}, opening {@code page}
     * of the panel; the caller quits it.
     */
    static org.openqa.selenium.chrome.ChromeDriver firstVisit(Panel panel, String session, String page) {
        org.openqa.selenium.chrome.ChromeOptions options = new org.openqa.selenium.chrome.ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800");
        org.openqa.selenium.chrome.ChromeDriver browser = new org.openqa.selenium.chrome.ChromeDriver(
                new org.openqa.selenium.chrome.ChromeDriverService.Builder().usingDriverExecutable(new java.io.File("/usr/bin/chromedriver"))
                        .usingAnyFreePort().build(), options);
        browser.get("http://127.0.0.1:" + panel.port + "/api/v1/health"); // the cookie needs a page of the origin
        browser.manage().addCookie(new org.openqa.selenium.Cookie("vessel_session", session));
        browser.get("http://127.0.0.1:" + panel.port + page);
        return browser;
    }

    /** Runs wrk (2 threads, 16 connections); returns requests per second and the p99 latency in ms. */
    private static double[] wrk(String header, String url, int seconds) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("wrk", "-t2", "-c16", "-d" + seconds + "s", "--latency"));
        if (header != null) {
            cmd.addAll(List.of("-H", header));
        }
        cmd.add(url);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        java.util.regex.Matcher rps = java.util.regex.Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(out);
        java.util.regex.Matcher p99 = java.util.regex.Pattern.compile("\\s99%\\s+([0-9.]+)(us|ms|s)").matcher(out);
        if (!rps.find() || !p99.find() || out.contains("Non-2xx")) {
            throw new IllegalStateException("wrk against " + url + " failed:\n" + out);
        }
        double latency = Double.parseDouble(p99.group(1)) * switch (p99.group(2)) {
            case "us" -> 0.001;
            case "s" -> 1000;
            default -> 1;
        };
        return new double[] {Double.parseDouble(rps.group(1)), latency};
    }

    List<Row> density1000() throws Exception {
        return density(1000).stream().filter(r -> r.figure().contains("accounting") || r.figure().contains("CPU")
                || r.figure().contains("started")).toList();
    }

    private List<Row> density(int count) throws Exception {
        try (Panel panel = new Panel()) {
            for (int i = 0; i < count; i++) {
                panel.timed("POST", "/api/v1/ves", "{\"template\":\"busybox\",\"id\":" + (2000 + i) + "}");
            }
            sh("sync; echo 3 > /proc/sys/vm/drop_caches");
            Thread.sleep(1000);
            long usedBefore = memUsedKib();
            long started = System.nanoTime();
            ExecutorService clients = Executors.newFixedThreadPool(8);
            List<Future<Double>> starts = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int id = 2000 + i;
                starts.add(clients.submit(() -> panel.timed("POST", "/api/v1/ves/" + id + "/start", null)));
            }
            for (Future<Double> f : starts) {
                f.get();
            }
            double total = (System.nanoTime() - started) / 1e6;
            clients.shutdown();
            Thread.sleep(3000);
            long usedAfter = memUsedKib();
            String node = Files.readString(panel.data.resolve("node-id")).strip().substring(0, 8);
            long veOwn = 0;
            for (int i = 0; i < count; i++) {
                veOwn += pssKib(Path.of("/sys/fs/cgroup/memory/vessel/" + node + "/ve-" + (2000 + i)));
            }
            double perVeTotal = (usedAfter - usedBefore) / 1024.0 / count;
            double perVeOwn = veOwn / 1024.0 / count;
            double heap = heapUsedMib(panel.pid());
            // accounting: the panel's own sweep time (from /metrics) beside a shell loop reading the same files
            Thread.sleep(12_000);
            double sweepMs = Double.NaN;
            // /metrics needs metrics.read: asked as the bench's admin
            String metrics = panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/metrics"))).body();
            for (String line : metrics.lines().toList()) {
                if (line.startsWith("vessel_accounting_sweep_seconds ")) {
                    sweepMs = Double.parseDouble(line.split(" ")[1]) * 1000;
                }
            }
            StringBuilder loop = new StringBuilder("for v in $(seq 2000 " + (2000 + count - 1) + "); do g=vessel/" + node + "/ve-$v; ");
            for (String file : List.of("cpuacct/$g/cpuacct.usage", "memory/$g/memory.usage_in_bytes", "memory/$g/memory.max_usage_in_bytes",
                    "memory/$g/memory.memsw.usage_in_bytes", "pids/$g/pids.current", "blkio/$g/blkio.throttle.io_service_bytes_recursive",
                    "blkio/$g/blkio.throttle.io_serviced_recursive")) {
                loop.append("read x < /sys/fs/cgroup/").append(file).append("; ");
            }
            loop.append("done");
            Files.writeString(panel.work.resolve("loop.sh"), loop.toString());
            long loopStarted = System.nanoTime();
            sh("bash " + panel.work.resolve("loop.sh"));
            double loopMs = (System.nanoTime() - loopStarted) / 1e6;
            long cpuBefore = cpuTicks(panel.pid());
            Thread.sleep(30_000);
            double cpuPercent = (cpuTicks(panel.pid()) - cpuBefore) / 100.0 / 30.0 * 100; // clock ticks are 1/100 s
            // the sweep again, 30 s later: the first one after the starts opens every VE's counter files and competes with
            // what the starts left to do
            double laterSweepMs = Double.NaN;
            for (String line : panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/metrics"))).body().lines().toList()) {
                if (line.startsWith("vessel_accounting_sweep_seconds ")) {
                    laterSweepMs = Double.parseDouble(line.split(" ")[1]) * 1000;
                }
            }
            for (int i = 0; i < count; i++) {
                panel.timed("POST", "/api/v1/ves/" + (2000 + i) + "/kill", null);
            }
            return List.of(
                    new Row(count + " VEs started, 8 clients (total)", "ms", total, "target", count == 200 ? 20_000 : 0, count == 200 ? "<= 20000 ms" : ""),
                    new Row("host memory per idle VE beyond its processes", "Mi", perVeTotal - perVeOwn, "-", 0, "<= 2 MiB"),
                    new Row("anonymous memory of an idle VE's own processes", "Mi", perVeOwn, "-", 0, ""),
                    new Row("panel heap used with " + count + " VEs (after GC)", "Mi", heap, "-", 0, ""),
                    new Row("accounting sweep over " + count + " running VEs", "ms", sweepMs, "shell loop, same files", loopMs, "<= 100 ms"),
                    new Row("accounting sweep over " + count + " running VEs, 30 s later", "ms", laterSweepMs, "shell loop, same files", loopMs, "<= 100 ms"),
                    new Row("panel CPU with " + count + " VEs, 10 s interval (% of a core)", "% ", cpuPercent, "-", 0, "<= 1 %"));
        }
    }

    /** utime + stime of a process, in clock ticks. */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    static double heapUsedMib(long pid) throws Exception {
        sh("jcmd " + pid + " GC.run >/dev/null 2>&1");
        String info = sh("jcmd " + pid + " GC.heap_info");
        long usedKib = 0;
        for (String line : info.lines().toList()) {
            var m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(line);
            if ((line.contains("generation") || line.contains("heap")) && m.find()) {
                usedKib += Long.parseLong(m.group(1)); // young and old generation (serial), or the whole G1 heap
            }
        }
        return usedKib / 1024.0;
    }

    /** Memory in use on the host, page cache excluded (kernel objects such as namespaces and cgroups included). */
    private static long memUsedKib() throws IOException {
        java.util.Map<String, Long> info = new java.util.HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            String[] parts = line.split("\\s+");
            info.put(parts[0].replace(":", ""), Long.parseLong(parts[1]));
        }
        return info.get("MemTotal") - info.get("MemFree") - info.get("Buffers") - info.get("Cached") - info.getOrDefault("SReclaimable", 0L);
    }

    /**
     * Anonymous memory (KiB) of the processes in a memory cgroup: what they themselves add to the host's used
     * memory (their program's pages are page cache, shared with every VE of the template).
     */
    private static long pssKib(Path memoryCgroup) throws IOException {
        long total = 0;
        for (String pid : Files.readAllLines(memoryCgroup.resolve("cgroup.procs"))) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", pid.strip(), "smaps_rollup"))) {
                    if (line.startsWith("Anonymous:")) {
                        total += Long.parseLong(line.split("\\s+")[1]);
                    }
                }
            } catch (IOException gone) {
                // the process ended meanwhile
            }
        }
        return total;
    }

    private static double p(List<Double> values, int percentile) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static String sh(String command) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }
}
