package io.vessel.distribution;

import static io.vessel.distribution.PanelProcess.env;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Misconfiguration ends the start with a non-zero exit and one line that says what to fix. */
class BadConfigurationIT {

    private static final Duration EXIT = Duration.ofSeconds(60);

    private static void assertOneClearLine(PanelProcess panel, String expected) {
        String out = panel.output();
        assertTrue(out.contains(expected), "expected '" + expected + "' in:\n" + out);
        assertFalse(out.contains("\tat "), "no stack trace on the console:\n" + out);
        long vesselLines = out.lines().filter(l -> l.startsWith("vessel: ")).count();
        assertEquals(1, vesselLines, "exactly one verdict line:\n" + out);
    }

    @Test
    void unreachableDatabase(@TempDir Path work) {
        PanelProcess panel = new PanelProcess(work, env("VESSEL_DB_URL", "jdbc:postgresql://127.0.0.1:1/test", "VESSEL_DB_USER", "postgres"));
        assertEquals(3, panel.startExpectingExit(EXIT));
        assertOneClearLine(panel, "vessel: cannot start: database: cannot connect to database jdbc:postgresql://127.0.0.1:1/test as user 'postgres': Connection to 127.0.0.1:1 refused");
        // the storage pool is opened early, beside the database: a start that failed unmounts what it mounted
        assertFalse(PanelProcess.host("cat", "/proc/self/mountinfo").contains(" " + work.toAbsolutePath() + "/"), "no mount left under " + work);
    }

    @Test
    void missingDatabase(@TempDir Path work) {
        PanelProcess panel = new PanelProcess(work, env("VESSEL_DB_URL", "jdbc:postgresql://127.0.0.1:5432/no_such_database", "VESSEL_DB_USER", "postgres"));
        assertEquals(3, panel.startExpectingExit(EXIT));
        assertOneClearLine(panel, "database \"no_such_database\" does not exist");
    }

    @Test
    void unsupportedDatabaseUrl(@TempDir Path work) {
        PanelProcess panel = new PanelProcess(work, env("VESSEL_DB_URL", "jdbc:mysql://127.0.0.1/x"));
        assertEquals(3, panel.startExpectingExit(EXIT));
        assertOneClearLine(panel, "unsupported database URL 'jdbc:mysql://127.0.0.1/x'");
    }

    @Test
    void malformedConfigLine(@TempDir Path work) throws Exception {
        Path conf = work.resolve("vessel.conf");
        Files.writeString(conf, "# ok\nhttp.port = 8080\nthis line is not an option\n");
        PanelProcess panel = new PanelProcess(work, env("VESSEL_CONF", conf.toString()));
        assertEquals(2, panel.startExpectingExit(EXIT));
        assertOneClearLine(panel, "vessel: configuration error: " + conf + " line 3: expected 'section.option = value', found 'this line is not an option'");
    }

    @Test
    void invalidPortFromEnvironment(@TempDir Path work) {
        PanelProcess panel = new PanelProcess(work, env("VESSEL_HTTP_PORT", "eighty"));
        assertEquals(2, panel.startExpectingExit(EXIT));
        assertOneClearLine(panel, "http.port must be a number from 1 to 65535, not 'eighty'");
    }

    @Test
    void portAlreadyInUse(@TempDir Path work) throws Exception {
        PanelProcess panel = new PanelProcess(work, Map.of());
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("0.0.0.0", panel.port));
            assertEquals(2, panel.startExpectingExit(EXIT));
        }
        assertOneClearLine(panel, "cannot listen on 0.0.0.0:" + panel.port);
    }

    @Test
    void bundleWithMissingRequirementIsNamed(@TempDir Path work) throws Exception {
        Path home = work.resolve("dist");
        copyTree(PanelProcess.DIST, home);
        try (Stream<Path> jars = Files.list(home.resolve("bundle"))) {
            Path api = jars.filter(p -> p.getFileName().toString().startsWith("jakarta.ws.rs-api")).findFirst().orElseThrow();
            Files.delete(api);
        }
        PanelProcess panel = new PanelProcess(home, work, Map.of());
        assertEquals(1, panel.startExpectingExit(EXIT));
        assertOneClearLine(panel, "cannot start: missing requirement osgi.wiring.package; (&(osgi.wiring.package=jakarta.ws.rs");
        assertTrue(panel.output().contains("bundle io.vessel.web "), panel.output());
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
