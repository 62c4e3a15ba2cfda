package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The plugin platform against the assembled panel: VE lifecycle hooks that refuse, hang, crash and are told; plugins
 * that cannot start and say why; disable, enable and remove through the API, kept across restarts.
 */
class PluginsIT {

    static final Path MISBEHAVING = HotDeployIT.PLUGIN.resolveSibling("vessel-misbehaving-plugin.jar");

    @Test
    void aHookRefusalReachesTheCallerAndTheAuditLogAndLeavesNoVeAndAPluginChannelHearsOfVeStarts() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-plugins-veto");
        List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/ve-started", exchange -> {
            received.add(new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        String conf = "sample.webhook.url = http://127.0.0.1:" + receiver.getAddress().getPort() + "/ve-started\n";
        try (PanelProcess panel = withPlugins(work, Map.of(), conf, HotDeployIT.PLUGIN)) {
            awaitPlugin(panel, "io.vessel.sample", "ACTIVE");
            // its components that need its tables come once the database has them (after the bundle is ACTIVE)
            PanelProcess.poll(Duration.ofSeconds(30), () -> panel.get("/api/v1/plugins/io.vessel.sample").json().at("/contributes/tasks/0").isTextual(),
                    "the sample plugin's scheduled task");
            JsonNode sample = panel.get("/api/v1/plugins/io.vessel.sample").json();
            assertEquals("hostname-policy (CREATE)", sample.at("/contributes/hooks/0").asText(), sample.toString());
            assertTrue(sample.at("/contributes/resources").toString().contains("/api/v1/sample"), sample.toString());
            assertTrue(sample.at("/requires").toString().contains("io.vessel.kernel.api.hook [1.0,2)"), sample.toString());
            assertEquals(List.of("Greeting (ve-tab)", "Greetings (admin)"), sortedTexts(sample.at("/contributes/pages")), sample.toString());
            assertEquals("sample.greeting-cleanup (30 3 * * *)", sample.at("/contributes/tasks/0").asText(), sample.toString());
            assertTrue(sample.at("/contributes/permissions").toString().contains("sample.read"), sample.toString());

            PanelProcess.Response refused = panel.post("/api/v1/ves", "{\"template\":\"busybox\",\"hostname\":\"admin-box\"}");
            assertProblem(refused, 422, null);
            assertEquals("Plugin hostname-policy refused: names must not contain 'admin'.", refused.json().get("detail").asText());
            assertFalse(panel.get("/api/v1/ves").body().contains("admin-box"), "no VE record is left behind");
            JsonNode audit = panel.get("/api/v1/audit?status=422").json();
            assertEquals("Plugin hostname-policy refused: names must not contain 'admin'.", audit.at("/0/detail").asText(), audit.toString());

            int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"shop\"}");
            assertEquals("shop", panel.get("/api/v1/ves/" + ve).json().get("hostname").asText(), "other names pass");

            // the plugin's notification channel: a webhook of its own whenever a VE starts
            assertTrue(panel.get("/api/v1/plugins/io.vessel.sample").json().at("/contributes/services").toString()
                    .contains("io.vessel.api.notify.NotificationChannel"));
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
            PanelProcess.poll(Duration.ofSeconds(10), () -> received.stream().anyMatch(b -> b.contains("\"ve\":\"" + ve + "\"")),
                    "the plugin's webhook on VE start");
            assertTrue(received.get(0).startsWith("{\"event\":\"ve.running\""), received.toString());
        } finally {
            receiver.stop(0);
            deleteTree(work);
        }
    }

    @Test
    void aHangingHookTimesOutThenItsPluginIsDisabledAndVesStartAgain() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-plugins-hang");
        Path afterLog = work.resolve("after.log");
        try (PanelProcess panel = withPlugins(work, Map.of("VESSEL_FIXTURE_AFTER_LOG", afterLog.toString()),
                "plugins.exhausted.grace = 3s\n", MISBEHAVING)) {
            awaitPlugin(panel, "io.vessel.misbehaving", "ACTIVE");
            int stuck = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"hang-1\"}");
            int crashing = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"crash-2\"}");
            int fine = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"fine-3\"}");

            // a fail-open hook that throws is skipped; after-hooks are told, and one that throws changes nothing
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + crashing + "/start", ""));
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + fine + "/start", ""));
            PanelProcess.poll(Duration.ofSeconds(10), () -> read(afterLog).contains("START " + fine), "the after-hook told of the start");
            assertFalse(read(afterLog).contains("START " + crashing), "the after-hook of the crashing start threw");

            // the provider sets the plugin's hook time limit (here shorter than the 500 ms it declares); nonsense is refused
            PanelProcess.Response tooShort = hookTimeLimit(panel, "io.vessel.misbehaving", "{\"milliseconds\":5}");
            assertProblem(tooShort, 400, null);
            assertTrue(tooShort.json().get("detail").asText().contains("between 10 ms and 60 s"), tooShort.body());
            assertProblem(hookTimeLimit(panel, "io.vessel.nobody", "{\"milliseconds\":500}"), 404, null);
            PanelProcess.Response limited = hookTimeLimit(panel, "io.vessel.misbehaving", "{\"milliseconds\":250}");
            assertEquals(200, limited.status(), limited.body());
            assertEquals(250, limited.json().get("hookTimeLimitMs").asInt());
            // a fail-closed hook that hangs: refused after its limit, the VE stays as it was, no operation queued
            for (int i = 0; i < 4; i++) {
                if (i == 1) {
                    PanelProcess.Response reset = hookTimeLimit(panel, "io.vessel.misbehaving", "{\"milliseconds\":null}");
                    assertTrue(reset.json().path("hookTimeLimitMs").isMissingNode(), reset.body());
                }
                long t0 = System.nanoTime();
                PanelProcess.Response refused = panel.post("/api/v1/ves/" + stuck + "/start", "");
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertProblem(refused, 503, null);
                String limit = i == 0 ? "250 ms" : "500 ms";
                assertTrue(refused.json().get("detail").asText().startsWith("Plugin stubborn-policy did not answer within " + limit), refused.body());
                assertTrue(ms < 5000, "answered after " + ms + " ms");
            }
            assertEquals("STOPPED", panel.get("/api/v1/ves/" + stuck).json().get("state").asText());
            assertEquals(4, panel.get("/api/v1/plugins/io.vessel.misbehaving").json().get("stuckCalls").asInt());
            // its four threads are stuck: the next call is refused at once instead of waiting
            PanelProcess.Response atOnce = panel.post("/api/v1/ves/" + stuck + "/start", "");
            assertProblem(atOnce, 503, null);
            assertTrue(atOnce.json().get("detail").asText().contains("all 4 of its threads are stuck"), atOnce.body());

            // exhausted for longer than the grace: disabled, with the reason, and the panel serves on
            awaitPlugin(panel, "io.vessel.misbehaving", "DISABLED");
            JsonNode disabled = panel.get("/api/v1/plugins/io.vessel.misbehaving").json();
            assertTrue(disabled.get("reason").asText().startsWith("disabled automatically: its hooks stopped answering"), disabled.toString());
            assertEquals(200, panel.get("/api/v1/health").status());
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + stuck + "/start", ""));
            assertEquals("RUNNING", panel.get("/api/v1/ves/" + stuck).json().get("state").asText());
        } finally {
            deleteTree(work);
        }
    }

    @Test
    void pluginsThatCannotStartSayWhyAndThePanelServesOn(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        Path fixtures = Files.createDirectories(work.resolve("fixtures"));
        Path throwing = variant(MISBEHAVING, fixtures.resolve("throwing.jar"), m -> {
            m.putValue("Bundle-SymbolicName", "io.vessel.fixture.throwing");
            m.putValue("X-Vessel-Fixture-Fail", "activator");
        });
        Path future = variant(MISBEHAVING, fixtures.resolve("future.jar"), m -> {
            m.putValue("Bundle-SymbolicName", "io.vessel.fixture.future");
            m.putValue("Import-Package", m.getValue("Import-Package").replace("io.vessel.kernel.api.hook;version=\"[1.0,2)\"",
                    "io.vessel.kernel.api.hook;version=\"[9.0,10)\""));
        });
        Path notABundle = fixtures.resolve("plain.jar");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(notABundle))) {
            zip.putNextEntry(new ZipEntry("hello.txt"));
            zip.write("not a bundle".getBytes());
        }
        try (PanelProcess panel = withPlugins(work, Map.of(), throwing, future, notABundle, HotDeployIT.PLUGIN)) {
            awaitPlugin(panel, "io.vessel.fixture.throwing", "FAILED");
            assertEquals("its activator failed: told to fail in its activator",
                    panel.get("/api/v1/plugins/io.vessel.fixture.throwing").json().get("reason").asText());
            awaitPlugin(panel, "io.vessel.fixture.future", "INSTALLED");
            PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/plugins/io.vessel.fixture.future").json().has("reason"), "a reason");
            assertEquals("needs package io.vessel.kernel.api.hook from 9.0.0 up to (not including) 10.0.0, which this panel does not provide (it has 1.0.0)",
                    panel.get("/api/v1/plugins/io.vessel.fixture.future").json().get("reason").asText());
            assertEquals("not an OSGi bundle: its manifest has no Bundle-SymbolicName",
                    panel.get("/api/v1/plugins/plain").json().get("reason").asText());
            awaitPlugin(panel, "io.vessel.sample", "ACTIVE");
            // its REST resources join the API when the API is next rebuilt, a moment after it started
            PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/sample/hello").status() == 200, "the good plugin beside them works");
            assertEquals(200, panel.get("/api/v1/health").status());
        }
    }

    @Test
    void disableEnableAndRemoveOutliveRestarts(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        try (PanelProcess panel = withPlugins(work, Map.of(), HotDeployIT.PLUGIN)) {
            awaitPlugin(panel, "io.vessel.sample", "ACTIVE");
            PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/sample/hello").status() == 200, "plugin endpoint");

            JsonNode disabled = panel.post("/api/v1/plugins/io.vessel.sample/disable", "{\"reason\":\"checking an upgrade\"}").json();
            assertEquals("DISABLED", disabled.get("state").asText(), disabled.toString());
            assertEquals("checking an upgrade (admin)", disabled.get("reason").asText());
            PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/sample/hello").status() == 404, "endpoint gone");

            assertEquals(0, panel.stop());
            panel.start();
            assertEquals("DISABLED", panel.get("/api/v1/plugins/io.vessel.sample").json().get("state").asText(), "still disabled after a restart");
            assertProblem(panel.get("/api/v1/sample/hello"), 404, null);

            assertEquals("ACTIVE", awaitState(panel.post("/api/v1/plugins/io.vessel.sample/enable", ""), panel, "io.vessel.sample", "ACTIVE"));
            PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/sample/hello").status() == 200, "endpoint back");

            assertEquals(204, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/plugins/io.vessel.sample")).DELETE()).status());
            assertProblem(panel.get("/api/v1/plugins/io.vessel.sample"), 404, null);
            PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/sample/hello").status() == 404, "endpoint gone");
            assertEquals(0, panel.stop());
            panel.start();
            assertEquals("[]", panel.get("/api/v1/plugins").json().toString(), "a removed plugin does not come back");

            // plugins run as root: customers cannot see or touch them
            String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Shop Ltd\",\"kind\":\"CUSTOMER\"}"));
            panel.createAccount(customer, "clerk", "customer-owner", "Clerk-Password-1");
            PanelProcess.As clerk = panel.login("clerk", "Clerk-Password-1");
            assertProblem(clerk.get("/api/v1/plugins"), 403, null);
            assertProblem(clerk.post("/api/v1/plugins/io.vessel.sample/disable", "{}"), 403, null);
        }
    }

    @Test
    void scheduledTasksRunOnTimeNeverOverlapThemselvesAndShowTheirLastRun(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        Path taskLog = work.resolve("tasks.log");
        try (PanelProcess panel = withPlugins(work, Map.of("VESSEL_FIXTURE_TASK_LOG", taskLog.toString()), MISBEHAVING, HotDeployIT.PLUGIN)) {
            awaitPlugin(panel, "io.vessel.misbehaving", "ACTIVE");
            // due every 2 s, takes 3 s: runs back to back, never two at once
            PanelProcess.poll(Duration.ofSeconds(30), () -> read(taskLog).lines().filter(l -> l.startsWith("end")).count() >= 3, "three runs");
            List<long[]> runs = new ArrayList<>();
            long start = -1;
            for (String line : read(taskLog).lines().toList()) {
                long at = Long.parseLong(line.split(" ")[1]);
                if (line.startsWith("start")) {
                    assertEquals(-1, start, "a run started before the previous one ended: " + read(taskLog));
                    start = at;
                } else {
                    runs.add(new long[] {start, at});
                    start = -1;
                }
            }
            for (int i = 1; i < runs.size(); i++) {
                long gap = runs.get(i)[0] - runs.get(i - 1)[1];
                assertTrue(gap >= 0 && gap < 2500, "run " + i + " started " + gap + " ms after the previous ended");
            }

            JsonNode tasks = panel.get("/api/v1/scheduled-tasks").json();
            JsonNode probe = task(tasks, "misbehaving.overlap-probe");
            assertEquals("*/2 * * * * *", probe.get("cron").asText());
            assertEquals("io.vessel.misbehaving", probe.get("bundle").asText());
            assertTrue(probe.get("runs").asLong() >= 3, probe.toString());
            assertEquals("SUCCEEDED", probe.get("lastOutcome").asText(), probe.toString());

            PanelProcess.poll(Duration.ofSeconds(15), () -> task(panel.get("/api/v1/scheduled-tasks").json(), "misbehaving.failing-task").has("lastOutcome"),
                    "the failing task ran");
            JsonNode failing = task(panel.get("/api/v1/scheduled-tasks").json(), "misbehaving.failing-task");
            assertEquals("FAILED", failing.get("lastOutcome").asText());
            assertEquals("the remote end refused the report", failing.get("lastError").asText());

            JsonNode bad = task(tasks, "misbehaving.bad-schedule");
            assertTrue(bad.get("problem").asText().startsWith("'every day at noon' has 4 fields"), bad.toString());
            assertFalse(bad.has("lastOutcome"));

            // the sample plugin's nightly clean-up: next at 03:30 Berlin time; run now on request
            JsonNode cleanup = task(tasks, "sample.greeting-cleanup");
            assertEquals("Europe/Berlin", cleanup.get("timeZone").asText());
            assertEquals("catch-up", cleanup.get("missed").asText());
            java.time.ZonedDateTime next = java.time.Instant.parse(cleanup.get("nextRunAt").asText()).atZone(java.time.ZoneId.of("Europe/Berlin"));
            assertEquals("03:30", next.toLocalTime().toString(), cleanup.toString());
            assertEquals(202, panel.post("/api/v1/scheduled-tasks/sample.greeting-cleanup/run", "").status());
            PanelProcess.poll(Duration.ofSeconds(10), () -> "SUCCEEDED".equals(task(panel.get("/api/v1/scheduled-tasks").json(),
                    "sample.greeting-cleanup").path("lastOutcome").asText()), "the clean-up ran on request");
            assertProblem(panel.post("/api/v1/scheduled-tasks/no.such-task/run", ""), 404, null);
        }
    }

    @Test
    void settingsReachThePluginLiveSurviveRestartsAndSecretsAreNeitherShownNorWrittenInClear(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        String secret = "sk-live-" + java.util.UUID.randomUUID();
        try (PanelProcess panel = withPlugins(work, Map.of(), HotDeployIT.PLUGIN)) {
            awaitPlugin(panel, "io.vessel.sample", "ACTIVE");
            JsonNode form = panel.get("/api/v1/plugins/io.vessel.sample/settings").json().get(0);
            assertEquals("io.vessel.sample", form.get("pid").asText());
            assertEquals("[\"greeting\",\"keep.days\",\"api.key\",\"webhook.url\",\"fail.on.start\"]", PanelProcess.JSON.writeValueAsString(form.findValuesAsText("id")));
            assertEquals("password", form.at("/fields/2/type").asText());
            assertFalse(form.at("/fields/2/secretSet").asBoolean());

            PanelProcess.Response refused = panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/plugins/io.vessel.sample/settings/io.vessel.sample"))
                    .header("Content-Type", "application/json").PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"values\":{\"keep.days\":0,\"colour\":\"red\"}}")));
            assertProblem(refused, 400, null);
            assertEquals("[\"values.keep.days\",\"values.colour\"]", PanelProcess.JSON.writeValueAsString(refused.json().findValuesAsText("field")));

            PanelProcess.Response saved = put(panel, "{\"values\":{\"greeting\":\"Ahoy\",\"keep.days\":30,\"api.key\":\"" + secret + "\"}}");
            assertEquals(200, saved.status(), saved.toString());
            assertFalse(saved.body().contains(secret), "a secret is never shown back");
            assertTrue(saved.json().at("/fields/2/secretSet").asBoolean());
            PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/sample/settings").body().contains("Ahoy"), "the plugin got its settings");
            JsonNode live = panel.get("/api/v1/sample/settings").json();
            assertEquals(30, live.get("keepDays").asInt());
            assertTrue(live.get("apiKeySet").asBoolean());

            assertEquals(0, panel.stop());
            assertEquals(java.util.List.of(), filesContaining(work, secret), "the secret is nowhere on disk in clear");
            panel.start();
            awaitPlugin(panel, "io.vessel.sample", "ACTIVE");
            PanelProcess.poll(Duration.ofSeconds(20), () -> panel.get("/api/v1/sample/settings").status() == 200, "settings after the restart");
            JsonNode after = panel.get("/api/v1/sample/settings").json();
            assertEquals("Ahoy", after.get("greeting").asText());
            assertTrue(after.get("apiKeySet").asBoolean(), "the secret came back from its encrypted store");

            // null resets to the default; an empty password keeps the one set
            assertEquals(200, put(panel, "{\"values\":{\"greeting\":null,\"api.key\":\"\"}}").status());
            PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/sample/settings").body().contains("\"Hello\""), "the default again");
            assertTrue(panel.get("/api/v1/sample/settings").json().get("apiKeySet").asBoolean());
            assertEquals(java.util.List.of(), filesContaining(work, secret));
        }
    }

    @Test
    void removingWithPurgeDropsThePluginsTablesAndAReinstallStartsAfresh(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        try (PanelProcess panel = withPlugins(work, Map.of(), HotDeployIT.PLUGIN)) {
            awaitPlugin(panel, "io.vessel.sample", "ACTIVE");
            PanelProcess.poll(Duration.ofSeconds(20), () -> panel.get("/api/v1/sample/greetings").status() == 200, "plugin storage");
            assertEquals(201, panel.post("/api/v1/sample/greetings", "{\"message\":\"keep me?\",\"guest\":\"Ada\"}").status());

            assertEquals(204, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/plugins/io.vessel.sample?purge=true")).DELETE()).status());
            Files.copy(HotDeployIT.PLUGIN, panel.pluginsDir.resolve("again.jar"));
            awaitPlugin(panel, "io.vessel.sample", "ACTIVE");
            PanelProcess.poll(Duration.ofSeconds(20), () -> panel.get("/api/v1/sample/greetings").status() == 200, "plugin storage again");
            assertEquals("[]", panel.get("/api/v1/sample/greetings").json().toString(), "the purged tables were made anew, empty");
        }
    }

    @Test
    void aPluginWhoseDatabaseModuleIsTakenIsLeftOutOfTheMappingAndEveryoneElseKeepsTheirs(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        Path twin = variant(HotDeployIT.PLUGIN, Files.createDirectories(work.resolve("fixtures")).resolve("twin.jar"),
                m -> m.putValue("Bundle-SymbolicName", "io.vessel.fixture.twin"));
        try (PanelProcess panel = withPlugins(work, Map.of(), HotDeployIT.PLUGIN)) {
            awaitPlugin(panel, "io.vessel.sample", "ACTIVE");
            PanelProcess.poll(Duration.ofSeconds(20), () -> panel.get("/api/v1/sample/greetings").status() == 200, "plugin storage");

            // a second plugin claims the same database module and entity names: Hibernate would refuse the mapping as a
            // whole, so it is left out, says why, and the first one's storage (and every later rebuild) keeps working
            Files.copy(twin, panel.pluginsDir.resolve("twin.jar"));
            PanelProcess.poll(Duration.ofSeconds(20), () -> panel.get("/api/v1/plugins/io.vessel.fixture.twin").body()
                    .contains("its database module 'sample' is io.vessel.sample's already"), "the twin's reason");
            assertEquals("FAILED", panel.get("/api/v1/plugins/io.vessel.fixture.twin").json().get("state").asText());
            assertEquals(201, panel.post("/api/v1/sample/greetings", "{\"message\":\"still mapped\",\"guest\":\"Ada\"}").status());
            assertTrue(panel.get("/api/v1/sample/greetings").body().contains("still mapped"));
            assertEquals("ACTIVE", panel.get("/api/v1/plugins/io.vessel.sample").json().get("state").asText());

            // once the first is gone, the module is free and the second one is mapped at the next rebuild
            assertEquals(204, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/plugins/io.vessel.sample")).DELETE()).status());
            awaitPlugin(panel, "io.vessel.fixture.twin", "ACTIVE");
            PanelProcess.poll(Duration.ofSeconds(20), () -> panel.get("/api/v1/sample/greetings").body().contains("still mapped"),
                    "the data, now through the second plugin");
        }
    }

    @Test
    void aPluginCannotTakeOverAPathThatIsServedAndTheApiKeepsGrowing(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        try (PanelProcess panel = withPlugins(work, Map.of(), "misbehaving.shadow = true\n", MISBEHAVING)) {
            awaitPlugin(panel, "io.vessel.misbehaving", "FAILED");
            assertEquals("its resource at /api/v1/ves is not served: io.vessel.kernel has that path",
                    panel.get("/api/v1/plugins/io.vessel.misbehaving").json().get("reason").asText());
            PanelProcess.Response ves = panel.get("/api/v1/ves");
            assertEquals(200, ves.status());
            assertFalse(ves.body().contains("gotcha"), "the core's endpoint answers: " + ves.body());
            assertProblem(panel.anonymous(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/ves"))), 401, null);
            // the API still takes in later plugins' resources
            Files.copy(HotDeployIT.PLUGIN, panel.pluginsDir.resolve("sample.jar"));
            PanelProcess.poll(Duration.ofSeconds(20), () -> panel.get("/api/v1/sample/hello").status() == 200, "a later plugin's endpoint");
        }
    }

    private static PanelProcess.Response put(PanelProcess panel, String body) {
        return panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/plugins/io.vessel.sample/settings/io.vessel.sample"))
                .header("Content-Type", "application/json").PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Files under {@code dir} whose bytes contain {@code text}. */
    static List<Path> filesContaining(Path dir, String text) throws IOException {
        byte[] needle = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<Path> found = new ArrayList<>();
        try (var paths = Files.walk(dir)) {
            // the storage pool (VEs' and templates' files) is no place for settings, and its image is large
            for (Path p : paths.filter(Files::isRegularFile).filter(p -> !p.toString().contains("/storage/")).toList()) {
                try {
                    byte[] content = Files.readAllBytes(p);
                    for (int i = 0; i + needle.length <= content.length; i++) {
                        if (java.util.Arrays.equals(content, i, i + needle.length, needle, 0, needle.length)) {
                            found.add(p);
                            break;
                        }
                    }
                } catch (IOException | OutOfMemoryError e) {
                    // a file that vanished or is huge (the storage pool image) is not where settings go
                }
            }
        }
        return found;
    }

    private static List<String> sortedTexts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        java.util.Collections.sort(out);
        return out;
    }

    private static JsonNode task(JsonNode tasks, String name) {
        for (JsonNode t : tasks) {
            if (t.get("name").asText().equals(name)) {
                return t;
            }
        }
        throw new AssertionError("no task " + name + " in " + tasks);
    }

    private static String awaitState(PanelProcess.Response response, PanelProcess panel, String name, String state) {
        assertEquals(200, response.status(), response.toString());
        awaitPlugin(panel, name, state);
        return state;
    }

    private static PanelProcess withPlugins(Path work, Map<String, String> env, Path... plugins) throws IOException {
        return withPlugins(work, env, "", plugins);
    }

    private static PanelProcess withPlugins(Path work, Map<String, String> env, String conf, Path... plugins) throws IOException {
        Path confFile = Files.writeString(work.resolve("vessel.conf"), conf);
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("VESSEL_CONF", confFile.toString());
        PanelProcess panel = new PanelProcess(work, all);
        Files.createDirectories(panel.pluginsDir);
        for (Path plugin : plugins) {
            Files.copy(plugin, panel.pluginsDir.resolve(plugin.getFileName()));
        }
        return panel.start();
    }

    static void awaitPlugin(PanelProcess panel, String name, String state) {
        String[] last = new String[1];
        try {
            PanelProcess.poll(Duration.ofSeconds(20), () -> {
                PanelProcess.Response r = panel.get("/api/v1/plugins/" + name);
                last[0] = r.toString();
                return r.status() == 200 && state.equals(r.json().get("state").asText());
            }, "plugin " + name + " " + state);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last: " + last[0], e);
        }
    }

    private static PanelProcess.Response hookTimeLimit(PanelProcess panel, String plugin, String body) {
        return panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/plugins/" + plugin + "/hook-time-limit"))
                .header("Content-Type", "application/json").PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A copy of a plugin jar with its manifest changed. */
    static Path variant(Path source, Path target, Consumer<Attributes> change) throws IOException {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(source))) {
            Manifest manifest = new Manifest(in.getManifest());
            change.accept(manifest.getMainAttributes());
            try (OutputStream file = Files.newOutputStream(target); JarOutputStream out = new JarOutputStream(file, manifest)) {
                for (JarEntry entry = in.getNextJarEntry(); entry != null; entry = in.getNextJarEntry()) {
                    out.putNextEntry(new JarEntry(entry.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        return target;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
