package io.vessel.distribution;

import static io.vessel.distribution.PanelProcess.env;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vessel.conf configures plugins too, and a plugin component that fails is reported in the panel's log. */
class PluginConfigurationIT {

    private static PanelProcess startWithPlugin(Path work, String conf) throws Exception {
        Path confFile = work.resolve("vessel.conf");
        Files.writeString(confFile, conf);
        PanelProcess panel = new PanelProcess(work, env("VESSEL_CONF", confFile.toString()));
        Files.createDirectories(panel.pluginsDir);
        Files.copy(HotDeployIT.PLUGIN, panel.pluginsDir.resolve("sample-plugin.jar"));
        return panel.start();
    }

    @Test
    void pluginSectionOfTheConfigFileReachesThePlugin(@TempDir Path work) throws Exception {
        try (PanelProcess panel = startWithPlugin(work, "sample.greeting = Ahoy\n")) {
            PanelProcess.poll(Duration.ofSeconds(20), () -> panel.get("/api/v1/sample/settings").status() == 200, "plugin settings");
            assertEquals("Ahoy", panel.get("/api/v1/sample/settings").json().get("greeting").asText());
        }
    }

    @Test
    void failingPluginComponentIsLoggedAndThePanelKeepsServing(@TempDir Path work) throws Exception {
        try (PanelProcess panel = startWithPlugin(work, "sample.fail.on.start = true\n")) {
            Path log = panel.logDir.resolve("vessel.log");
            PanelProcess.poll(Duration.ofSeconds(20), () -> {
                try {
                    return Files.readString(log).contains("sample plugin told to fail on start");
                } catch (java.io.IOException e) {
                    return false;
                }
            }, "the component failure in vessel.log");
            String text = Files.readString(log);
            assertTrue(text.contains("osgi.io.vessel.sample"), "logged under the plugin's bundle name");
            assertEquals(200, panel.get("/api/v1/health").status());
            PanelProcess.poll(Duration.ofSeconds(20), () -> panel.get("/api/v1/sample/hello").status() == 200,
                    "the plugin's other endpoints");
        }
    }
}
