package io.vessel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.bench.Bench.Row;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * {@code bench/run plugins}: what the plugin platform costs. A plugin's install until its resource answers; a VE
 * start with five no-op lifecycle hooks against one without plugins; a panel restart with 20 plugins (until all
 * run) against one without. Ours against ours, in the same run: the targets are ratios and one absolute time.
 */
final class PluginBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final int INSTALLS = 5;
    private static final int STARTS = 10;
    private static final int RESTARTS = 3;

    private final Path repo;
    private final VeBench ves;

    PluginBench(Path repo, VeBench ves) {
        this.repo = repo;
        this.ves = ves;
    }

    private Path plugin(String name) {
        return repo.resolve("distribution/target/test-plugins/" + name);
    }

    List<Row> run() throws Exception {
        List<Row> rows = new ArrayList<>();
        try (VeBench.Panel panel = ves.new Panel()) {
            Path plugins = Files.createDirectories(panel.work.resolve("plugins"));
            // install → first 200 from its resource, then removed again (its resource 404 again)
            List<Double> installs = new ArrayList<>();
            for (int i = 0; i < INSTALLS; i++) {
                Path part = plugins.resolve("sample.jar.part");
                Files.copy(plugin("vessel-sample-plugin.jar"), part, StandardCopyOption.REPLACE_EXISTING);
                long t0 = System.nanoTime();
                Files.move(part, plugins.resolve("sample.jar"), StandardCopyOption.ATOMIC_MOVE);
                await(() -> status(panel, "/api/v1/sample/hello") == 200, "the plugin's resource");
                installs.add((System.nanoTime() - t0) / 1e6);
                Files.delete(plugins.resolve("sample.jar"));
                await(() -> status(panel, "/api/v1/sample/hello") == 404, "the plugin gone");
            }
            rows.add(new Row("plugin install (jar into plugins/) to first 200 from its resource (median of " + INSTALLS + ")", "ms",
                    median(installs), "-", 0, "<= 2000 ms"));

            // VE start without plugins, then with five no-op hooks; alternated rounds against drift
            int ve = Integer.parseInt(JSON.readTree(panel.send(HttpRequest.newBuilder(panel.uri("/api/v1/ves"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"template\":\"busybox\"}"))).body())
                    .get("target").asText().replace("ve/", ""));
            await(() -> panel.get("/api/v1/ves/" + ve).path("state").asText().equals("STOPPED"), "the VE created");
            List<Double> bare = new ArrayList<>();
            List<Double> hooked = new ArrayList<>();
            startStop(panel, ve, 2, new ArrayList<>());
            for (int round = 0; round < 2; round++) {
                startStop(panel, ve, STARTS / 2, bare);
                for (int i = 0; i < 5; i++) {
                    variant(plugin("vessel-noop-plugin.jar"), plugins.resolve("noop-" + i + ".jar"), "io.vessel.bench.noop" + i);
                }
                await(() -> countActive(panel) == 5, "five no-op plugins running");
                startStop(panel, ve, STARTS / 2, hooked);
                for (int i = 0; i < 5; i++) {
                    Files.delete(plugins.resolve("noop-" + i + ".jar"));
                }
                await(() -> countActive(panel) == 0, "the no-op plugins gone");
            }
            rows.add(new Row("VE start with 5 no-op pre hooks (median of " + STARTS + ")", "ms", median(hooked),
                    "same VE, no plugins", median(bare), "<= 1.05x"));
        }
        rows.addAll(restarts());
        return rows;
    }

    private static void startStop(VeBench.Panel panel, int ve, int times, List<Double> starts) throws Exception {
        for (int i = 0; i < times; i++) {
            starts.add(panel.timed("POST", "/api/v1/ves/" + ve + "/start", null));
            panel.timed("POST", "/api/v1/ves/" + ve + "/kill", null);
        }
    }

    /** Restarts on one data directory, alternately with no plugins and with 20, until health and all plugins run. */
    private List<Row> restarts() throws Exception {
        Path work = Bench.tempDir();
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        Path parked = Files.createDirectories(work.resolve("parked"));
        for (int i = 0; i < 20; i++) {
            variant(plugin("vessel-noop-plugin.jar"), parked.resolve("noop-" + i + ".jar"), "io.vessel.bench.start" + i);
        }
        List<Double> without = new ArrayList<>();
        List<Double> with = new ArrayList<>();
        try {
            restart(work, 0, new ArrayList<>()); // the first start makes the data directory
            for (int round = 0; round < RESTARTS; round++) {
                restart(work, 0, without);
                for (int i = 0; i < 20; i++) {
                    Files.move(parked.resolve("noop-" + i + ".jar"), plugins.resolve("noop-" + i + ".jar"));
                }
                restart(work, 20, with);
                for (int i = 0; i < 20; i++) {
                    Files.move(plugins.resolve("noop-" + i + ".jar"), parked.resolve("noop-" + i + ".jar"));
                }
            }
        } finally {
            Bench.leftOver(work);
        }
        return List.of(new Row("restart with 20 plugins until they all run (median of " + RESTARTS + ")", "ms", median(with),
                "restart without plugins", median(without), "<= 1.2x"));
    }

    private void restart(Path work, int expected, List<Double> times) throws Exception {
        int port = Bench.freePort();
        ProcessBuilder pb = new ProcessBuilder(repo.resolve("distribution/target/vessel/bin/vessel").toString());
        pb.environment().keySet().removeIf(k -> k.startsWith("VESSEL_"));
        pb.environment().put("VESSEL_HTTP_PORT", String.valueOf(port));
        pb.environment().put("VESSEL_HTTP_HOST", "127.0.0.1");
        pb.environment().put("VESSEL_HTTPS_PORT", String.valueOf(Bench.freePort()));
        pb.environment().put("VESSEL_DATA_DIR", work.resolve("data").toString());
        pb.environment().put("VESSEL_LOG_DIR", work.resolve("logs").toString());
        pb.environment().put("VESSEL_PLUGINS_DIR", work.resolve("plugins").toString());
        pb.environment().put("VESSEL_ADMIN_PASSWORD", "Vessel-Bench-Admin-1");
        long t0 = System.nanoTime();
        Process p = pb.redirectErrorStream(true).redirectOutput(work.resolve("console.log").toFile()).start();
        try {
            Bench.awaitOk(port, "/api/v1/health", p);
            String cookie = login(port);
            await(() -> active(port, cookie) == expected, expected + " plugins running");
            times.add((System.nanoTime() - t0) / 1e6);
        } finally {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private static String login(int port) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"admin\",\"password\":\"Vessel-Bench-Admin-1\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow(() -> new IllegalStateException("login failed: " + r.body()));
        return cookie.substring(0, cookie.indexOf(';'));
    }

    private static int active(int port, String cookie) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/plugins")).header("Cookie", cookie)
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            return -1;
        }
        int n = 0;
        for (JsonNode plugin : JSON.readTree(r.body())) {
            n += plugin.get("state").asText().equals("ACTIVE") ? 1 : 0;
        }
        return n;
    }

    private static int countActive(VeBench.Panel panel) throws Exception {
        int n = 0;
        for (JsonNode plugin : panel.get("/api/v1/plugins")) {
            n += plugin.get("state").asText().equals("ACTIVE") ? 1 : 0;
        }
        return n;
    }

    private static int status(VeBench.Panel panel, String path) throws Exception {
        return panel.send(HttpRequest.newBuilder(panel.uri(path)).GET()).statusCode();
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(Condition condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    /** A copy of a plugin jar under another symbolic name (written aside, then moved in). */
    private static void variant(Path source, Path target, String symbolicName) throws IOException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        try (JarInputStream in = new JarInputStream(Files.newInputStream(source))) {
            Manifest manifest = new Manifest(in.getManifest());
            manifest.getMainAttributes().putValue("Bundle-SymbolicName", symbolicName);
            try (OutputStream file = Files.newOutputStream(part); JarOutputStream out = new JarOutputStream(file, manifest)) {
                for (JarEntry entry = in.getNextJarEntry(); entry != null; entry = in.getNextJarEntry()) {
                    out.putNextEntry(new JarEntry(entry.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
    }

    private static double median(List<Double> values) {
        List<Double> copy = new ArrayList<>(values);
        Collections.sort(copy);
        return copy.get(copy.size() / 2);
    }
}
