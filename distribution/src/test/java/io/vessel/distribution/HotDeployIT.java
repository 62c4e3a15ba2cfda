package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A plugin jar dropped into plugins/ contributes endpoints and tables while the panel keeps running. */
class HotDeployIT {

    static final String FILTER_HEADER = "X-Vessel-Sample-Plugin";
    static final Path PLUGIN = Path.of(System.getProperty("vessel.test.plugin", "target/test-plugins/vessel-sample-plugin.jar"));

    @Test
    void pluginAppearsAndDisappearsWithoutRestart(@TempDir Path work) throws Exception {
        assertTrue(Files.exists(PLUGIN), "the build must produce the sample plugin at " + PLUGIN);
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            long pid = panel.pid();
            String startedAt = panel.get("/api/v1/health").json().get("startedAt").asText();
            assertProblem(panel.get("/api/v1/sample/hello"), 404, null);

            Path installed = panel.pluginsDir.resolve("sample-plugin.jar");
            Files.copy(PLUGIN, panel.pluginsDir.resolve("sample-plugin.jar.part"));
            Files.move(panel.pluginsDir.resolve("sample-plugin.jar.part"), installed, StandardCopyOption.ATOMIC_MOVE);
            long copied = System.nanoTime();
            PanelProcess.poll(Duration.ofSeconds(20), () -> panel.get("/api/v1/sample/hello").status() == 200, "plugin endpoint");
            long appearedMs = (System.nanoTime() - copied) / 1_000_000;
            assertTrue(appearedMs < 10_000, "plugin answered after " + appearedMs + " ms");
            assertEquals("Hello from the sample plugin", panel.get("/api/v1/sample/hello").json().get("message").asText());
            // its filter (a whiteboard extension) applies to every API response, not only its own
            PanelProcess.poll(Duration.ofSeconds(10), () -> "active".equals(panel.get("/api/v1/health").header(FILTER_HEADER)), "plugin filter");

            // the plugin's own tables were migrated and its entities work, including a lazy association
            PanelProcess.poll(Duration.ofSeconds(20), () -> panel.get("/api/v1/sample/greetings").status() == 200, "plugin storage");
            PanelProcess.Response created = panel.post("/api/v1/sample/greetings", "{\"message\":\"hi\",\"guest\":\"Ada\"}");
            assertEquals(201, created.status(), created.toString());
            JsonNode list = panel.get("/api/v1/sample/greetings").json();
            assertEquals("Ada", list.at("/0/guest").asText());
            assertTrue(list.at("/0/guestLoadedLazily").asBoolean(), "the guest is loaded through a Hibernate proxy");
            assertTrue(panel.get("/api/v1/openapi.json").json().at("/paths/~1sample~1hello/get").isObject(),
                    "the plugin's endpoints are in the live OpenAPI document");

            // the plugin's own validation answers with a problem document
            PanelProcess.Response invalid = panel.post("/api/v1/sample/greetings", "{\"message\":\"\"}");
            assertProblem(invalid, 400, null);
            PanelProcess.Response unknownField = panel.post("/api/v1/sample/greetings", "{\"mesage\":\"hi\",\"guest\":\"x\"}");
            assertProblem(unknownField, 400, null);
            assertEquals("mesage", unknownField.json().at("/errors/0/field").asText(), unknownField.body());

            Files.delete(installed);
            PanelProcess.poll(Duration.ofSeconds(20), () -> panel.get("/api/v1/sample/hello").status() == 404, "plugin removal");
            assertTrue(panel.get("/api/v1/openapi.json").json().at("/paths/~1sample~1hello").isMissingNode());
            assertEquals(null, panel.get("/api/v1/health").header(FILTER_HEADER), "the filter left with the plugin");

            assertEquals(pid, panel.pid());
            assertTrue(panel.isAlive());
            assertEquals(startedAt, panel.get("/api/v1/health").json().get("startedAt").asText(), "the panel never restarted");

            // reinstalled, the plugin finds the data it stored before
            Files.copy(PLUGIN, installed);
            PanelProcess.poll(Duration.ofSeconds(20), () -> panel.get("/api/v1/sample/greetings").status() == 200, "plugin reinstall");
            assertEquals("hi", panel.get("/api/v1/sample/greetings").json().at("/0/message").asText());
        }
    }
}
