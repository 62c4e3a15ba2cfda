package io.vessel.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstallationTest {

    @Test
    void joiningWritesTheDatabaseIntoTheConfigurationAndKeepsEverythingElse(@TempDir Path home) throws Exception {
        Path conf = Files.createDirectories(home.resolve("conf")).resolve("vessel.conf");
        Files.writeString(conf, "# the provider's notes\nhttp.port = 9090\ndatabase.url = jdbc:h2:old\n# database.user = commented\n");
        Installation installation = Installation.load(home, Map.of());
        Map<String, String> options = new LinkedHashMap<>();
        options.put("database.url", "jdbc:postgresql://db.example.net/vessel");
        options.put("database.user", "vessel");
        options.put("database.password", " with blanks ");
        installation.setOptions(options, "written by node join");

        String text = Files.readString(conf);
        assertTrue(text.startsWith("# the provider's notes\nhttp.port = 9090\ndatabase.url = jdbc:postgresql://db.example.net/vessel\n"
                + "# database.user = commented\n"), text);
        assertTrue(text.endsWith("# written by node join\ndatabase.user = vessel\ndatabase.password = \" with blanks \"\n"), text);
        assertEquals(" with blanks ", Settings.parse(conf).get("database.password"), "read back as written");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(conf)), "it holds a password now");
        assertEquals(9090, Settings.load(home, conf, Map.of()).httpPort());
    }

    @Test
    void aValueTheFileCouldNotHoldLeavesTheFileAsItWas(@TempDir Path home) throws IOException {
        Path conf = Files.createDirectories(home.resolve("conf")).resolve("vessel.conf");
        Files.writeString(conf, "http.port = 9090\n");
        Installation installation = Installation.load(home, Map.of());
        assertThrows(IOException.class, () -> installation.setOptions(Map.of("not an option", "x"), "bad"));
        assertEquals("http.port = 9090\n", Files.readString(conf));
        assertEquals(1, Files.list(conf.getParent()).count(), "no temporary file left");
    }

    @Test
    void theNodeIdIsMadeOnceAndKept(@TempDir Path home) throws IOException {
        Installation installation = Installation.load(home, Map.of("VESSEL_DATA_DIR", home.resolve("state").toString()));
        String id = installation.ensureNodeId();
        assertEquals(id, installation.ensureNodeId());
        assertEquals(id, Files.readString(home.resolve("state/node-id")).strip());
    }
}
