package io.vessel.distribution;

import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugins installed from the catalogue the build produces (target/catalogue: an R5 index by bnd's indexer): the
 * banner plugin needs a library only the catalogue has; the framework's resolver finds it, both are installed and
 * checked against their SHA-256, all or nothing; removing the plugin takes the library with it.
 */
class PluginCatalogueIT {

    static final Path CATALOGUE = Path.of(System.getProperty("vessel.test.catalogue", "target/catalogue/index.xml"));
    private static final String BANNER = "io.vessel.banner";
    private static final String LIBRARY = "io.vessel.samples.banner";

    @Test
    void installingAPluginFromTheCatalogueBringsItsLibraryAndRemovingItTakesTheLibraryAlong(@TempDir Path work) throws Exception {
        try (PanelProcess panel = withCatalogue(work, CATALOGUE)) {
            JsonNode catalogue = panel.get("/api/v1/plugins/catalogue").json();
            assertEquals("Vessel sample plugins", catalogue.get("name").asText(), catalogue.toString());
            assertEquals("plugin", item(catalogue, BANNER).get("kind").asText());
            assertEquals("library", item(catalogue, LIBRARY).get("kind").asText());
            assertEquals("plugin", item(catalogue, "io.vessel.sample").get("kind").asText());
            assertTrue(item(catalogue, BANNER).path("installed").isMissingNode() || item(catalogue, BANNER).get("installed").isNull(), "not installed yet");
            assertEquals(64, item(catalogue, BANNER).get("sha256").asText().length());

            PanelProcess.Response installed = panel.post("/api/v1/plugins/catalogue/" + BANNER + "/install", "");
            assertEquals(201, installed.status(), installed.toString());
            assertEquals("ACTIVE", installed.json().get("state").asText(), installed.body());
            JsonNode library = panel.get("/api/v1/plugins/" + LIBRARY).json();
            assertEquals("library", library.get("kind").asText(), library.toString());
            assertEquals("ACTIVE", library.get("state").asText(), library.toString());
            assertEquals("[\"" + BANNER + "\"]", library.get("usedBy").toString());
            PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/banner").status() == 200, "the plugin's endpoint");
            assertTrue(panel.get("/api/v1/banner").json().get("banner").asText().contains("| Welcome to Vessel "), "the library frames the banner");
            JsonNode after = panel.get("/api/v1/plugins/catalogue").json();
            assertEquals(item(after, BANNER).get("version").asText(), item(after, BANNER).get("installed").asText());
            assertEquals(item(after, LIBRARY).get("version").asText(), item(after, LIBRARY).get("installed").asText());

            assertProblem(panel.post("/api/v1/plugins/catalogue/" + BANNER + "/install", ""), 409, null);
            PanelProcess.Response libraryInUse = delete(panel, "/api/v1/plugins/" + LIBRARY);
            assertProblem(libraryInUse, 409, null);
            assertEquals("Library " + LIBRARY + " is used by " + BANNER + "; remove it first.", libraryInUse.json().get("detail").asText());
            assertProblem(panel.post("/api/v1/plugins/catalogue/io.vessel.nothing/install", ""), 404, null);

            assertEquals(204, delete(panel, "/api/v1/plugins/" + BANNER).status());
            PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/plugins").json().isEmpty(), "plugin and library gone");
            PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/banner").status() == 404, "endpoint gone");
            assertEquals(List.of(), files(panel.pluginsDir), "nothing of either is left in plugins/");
        }
    }

    @Test
    void anUnmetRequirementOrAnArtifactThatDoesNotMatchItsChecksumInstallsNothing(@TempDir Path work) throws Exception {
        Path catalogue = Files.createDirectories(work.resolve("catalogue"));
        try (var files = Files.list(CATALOGUE.getParent())) {
            for (Path file : files.toList()) {
                Files.copy(file, catalogue.resolve(file.getFileName()));
            }
        }
        Path index = catalogue.resolve("index.xml");
        String original = Files.readString(index);
        try (PanelProcess panel = withCatalogue(work, index)) {
            // the catalogue is read afresh for each request: the provider published one without the library
            Files.writeString(index, withoutResource(original, LIBRARY));
            PanelProcess.Response unmet = panel.post("/api/v1/plugins/catalogue/" + BANNER + "/install", "");
            assertProblem(unmet, 422, null);
            String version = item(panel.get("/api/v1/plugins/catalogue").json(), BANNER).get("version").asText();
            assertEquals(BANNER + " " + version + " cannot be installed: it needs package " + LIBRARY + " from 1.2.0 up to (not including)"
                    + " 2.0.0, which neither this panel nor the catalogue provides. Nothing was installed.", unmet.json().get("detail").asText());

            // ... then one whose library artifact was changed after it was indexed (same size, one byte differs)
            Files.writeString(index, original);
            Path libraryJar;
            try (var jars = Files.list(catalogue)) {
                libraryJar = jars.filter(p -> p.getFileName().toString().startsWith("vessel-sample-library")).findFirst().orElseThrow();
            }
            byte[] bytes = Files.readAllBytes(libraryJar);
            bytes[bytes.length / 2] ^= 0x01;
            Files.write(libraryJar, bytes);
            PanelProcess.Response tampered = panel.post("/api/v1/plugins/catalogue/" + BANNER + "/install", "");
            assertProblem(tampered, 422, null);
            String detail = tampered.json().get("detail").asText();
            assertTrue(detail.startsWith("The artifact of " + LIBRARY + " ") && detail.contains("does not match the catalogue: its SHA-256 is ")
                    && detail.endsWith("Nothing was installed."), detail);

            assertEquals("[]", panel.get("/api/v1/plugins").json().toString(), "neither the plugin nor the library was installed");
            assertEquals(List.of(), files(panel.pluginsDir), "no download is left behind");
            assertEquals(200, panel.get("/api/v1/health").status());

            // the intact catalogue installs; a newer version published later is offered as an upgrade and runs
            bytes[bytes.length / 2] ^= 0x01;
            Files.write(libraryJar, bytes);
            assertEquals(201, panel.post("/api/v1/plugins/catalogue/" + BANNER + "/install", "").status());
            assertEquals(null, item(panel.get("/api/v1/plugins/catalogue").json(), BANNER).get("offer"));
            Path newer = PluginsIT.variant(catalogue.resolve("vessel-banner-plugin-0.1.0-SNAPSHOT.jar"), catalogue.resolve("banner-0.2.0.jar"),
                    m -> m.putValue("Bundle-Version", "0.2.0"));
            Files.writeString(index, withNewerVersion(original, BANNER, newer, "0.2.0"));
            JsonNode offered = item(panel.get("/api/v1/plugins/catalogue").json(), BANNER);
            assertEquals("0.2.0", offered.get("version").asText());
            assertEquals("upgrade", offered.get("offer").asText(), offered.toString());
            PanelProcess.Response upgraded = panel.post("/api/v1/plugins/catalogue/" + BANNER + "/install", "");
            assertEquals(200, upgraded.status(), upgraded.toString());
            assertEquals("0.2.0", upgraded.json().get("version").asText());
            assertEquals("ACTIVE", upgraded.json().get("state").asText());
            PanelProcess.poll(Duration.ofSeconds(10), () -> panel.get("/api/v1/banner").status() == 200, "the upgraded plugin's endpoint");
            assertEquals("[\"" + BANNER + "\"]", panel.get("/api/v1/plugins/" + LIBRARY).json().get("usedBy").toString());
        }
    }

    @Test
    void withoutACatalogueTheProviderIsToldHowToConfigureOne(@TempDir Path work) throws Exception {
        Files.writeString(work.resolve("vessel.conf"), "");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", work.resolve("vessel.conf").toString())).start()) {
            JsonNode none = panel.get("/api/v1/plugins/catalogue").json();
            assertEquals("[]", none.get("items").toString());
            assertTrue(none.get("note").asText().contains("set plugins.catalogue in vessel.conf"), none.toString());
            PanelProcess.Response install = panel.post("/api/v1/plugins/catalogue/" + BANNER + "/install", "");
            assertProblem(install, 404, null);
            assertTrue(install.json().get("detail").asText().contains("set plugins.catalogue in vessel.conf"), install.body());
        }
    }

    static PanelProcess withCatalogue(Path work, Path index) throws Exception {
        Path conf = Files.writeString(work.resolve("vessel.conf"), "plugins.catalogue = " + index.toAbsolutePath() + "\n");
        return new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start();
    }

    static JsonNode item(JsonNode catalogue, String name) {
        assertTrue(catalogue.has("items"), "not a catalogue: " + catalogue);
        for (JsonNode item : catalogue.get("items")) {
            if (item.get("name").asText().equals(name)) {
                return item;
            }
        }
        throw new AssertionError("no " + name + " in " + catalogue);
    }

    private static String withoutResource(String index, String name) {
        Matcher m = Pattern.compile("(?s)\\s*<resource>.*?</resource>").matcher(index);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, m.group().contains("name=\"osgi.identity\" value=\"" + name + "\"") ? "" : Matcher.quoteReplacement(m.group()));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The index with one more resource: {@code name} at {@code version}, the jar {@code jar} (its SHA-256 and size). */
    private static String withNewerVersion(String index, String name, Path jar, String version) throws Exception {
        Matcher m = Pattern.compile("(?s)<resource>.*?</resource>").matcher(index);
        while (m.find()) {
            String resource = m.group();
            if (resource.contains("name=\"osgi.identity\" value=\"" + name + "\"")) {
                String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(jar)));
                String newer = resource.replaceAll("value=\"0\\.1\\.0\\.SNAPSHOT\"", "value=\"" + version + "\"")
                        .replaceAll("name=\"url\" value=\"[^\"]*\"", "name=\"url\" value=\"" + jar.getFileName() + "\"")
                        .replaceAll("name=\"size\" value=\"\\d+\"", "name=\"size\" value=\"" + Files.size(jar) + "\"")
                        .replaceAll("name=\"osgi.content\" value=\"[0-9A-Fa-f]+\"", "name=\"osgi.content\" value=\"" + sha + "\"");
                return index.replace("</repository>", newer + "\n</repository>");
            }
        }
        throw new AssertionError("no " + name + " in the index");
    }

    private static PanelProcess.Response delete(PanelProcess panel, String path) {
        return panel.send(HttpRequest.newBuilder(panel.uri(path)).DELETE());
    }

    private static List<String> files(Path dir) throws Exception {
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (var list = Files.list(dir)) {
                list.forEach(p -> names.add(p.getFileName().toString()));
            }
        }
        return names;
    }
}
