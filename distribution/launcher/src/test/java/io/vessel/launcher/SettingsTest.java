package io.vessel.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

    @TempDir
    Path home;

    private Path conf(String text) throws Exception {
        Path file = home.resolve("vessel.conf");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void defaultsWithoutConfigFile() throws Exception {
        Settings s = Settings.load(home, home.resolve("missing.conf"), Map.of());
        assertEquals(8080, s.httpPort());
        assertEquals(home.resolve("data"), s.dataDir());
        assertEquals("INFO", s.logLevel());
        assertTrue(s.configurations().isEmpty());
        assertTrue(s.embeddedDatabase());
        assertFalse(Settings.load(home, home.resolve("missing.conf"), Map.of("VESSEL_DB_URL", "jdbc:postgresql://db/vessel")).embeddedDatabase());
    }

    @Test
    void aServerIsEverythingUnlessItIsANodeAgentOrAPanelAndNothingElse() throws Exception {
        assertFalse(Settings.load(home, home.resolve("missing.conf"), Map.of()).nodeAgent());
        Settings agent = Settings.load(home, conf("server.role = node-agent\n"), Map.of());
        assertTrue(agent.nodeAgent());
        assertFalse(agent.configurations().containsKey("io.vessel.server"), "the launcher's own option, no bundle's");
        assertEquals("all", Settings.load(home, home.resolve("vessel.conf"), Map.of("VESSEL_ROLE", "all")).role(), "the environment wins");
        Settings panel = Settings.load(home, conf("server.role = panel\n"), Map.of());
        assertEquals("panel", panel.role());
        assertFalse(panel.nodeAgent(), "a panel without VEs still serves the web tier");
        ConfigException wrong = assertThrows(ConfigException.class, () -> Settings.load(home, conf("server.role = agent\n"), Map.of()));
        assertTrue(wrong.getMessage().contains("server.role must be one of [all, node-agent, panel], not 'agent'"), wrong.getMessage());
    }

    @Test
    void fileOptionsMapOntoPidsAndEnvironmentWins() throws Exception {
        Path file = conf("""
                # comment
                http.port = 9000
                database.url = jdbc:postgresql://db/vessel
                database.pool.size = 20
                kernel.runtime = "crun"
                """);
        Settings s = Settings.load(home, file, Map.of("VESSEL_HTTP_PORT", "9100", "VESSEL_DB_PASSWORD", "s3cret"));
        assertEquals(9100, s.httpPort());
        assertEquals(Map.of("url", "jdbc:postgresql://db/vessel", "pool.size", "20", "password", "s3cret"),
                s.configurations().get("io.vessel.persistence"));
        assertEquals(Map.of("runtime", "crun"), s.configurations().get("io.vessel.kernel"));
    }

    @Test
    void malformedLineNamesTheLine() throws Exception {
        Path file = conf("http.port = 8080\nthis is not an option\n");
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.load(home, file, Map.of()));
        assertEquals(file + " line 2: expected 'section.option = value', found 'this is not an option'", e.getMessage());
    }

    @Test
    void malformedPasswordLineDoesNotEchoThePassword() throws Exception {
        Path file = conf("database.password hunter2\n");
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.load(home, file, Map.of()));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void badValuesAreRefused() throws Exception {
        assertThrows(ConfigException.class, () -> Settings.load(home, conf("http.port = eighty\n"), Map.of()));
        assertThrows(ConfigException.class, () -> Settings.load(home, conf("http.port = 70000\n"), Map.of()));
        assertThrows(ConfigException.class, () -> Settings.load(home, conf("log.level = LOUD\n"), Map.of()));
        ConfigException typo = assertThrows(ConfigException.class, () -> Settings.load(home, conf("http.prot = 1\n"), Map.of()));
        assertTrue(typo.getMessage().contains("unknown option 'http.prot'"), typo.getMessage());
        assertThrows(ConfigException.class, () -> Settings.load(home, conf("http.port = 1\nhttp.port = 2\n"), Map.of()));
    }

    @Test
    void explainsMissingRequirementInOneLine() {
        String felix = "Unable to resolve io.vessel.web [12](R 12.0): missing requirement [io.vessel.web [12](R 12.0)] "
                + "osgi.wiring.package; (&(osgi.wiring.package=jakarta.ws.rs)(version>=3.1.0)(!(version>=4.0.0))) "
                + "Unresolved requirements: [[io.vessel.web [12](R 12.0)] osgi.wiring.package; (osgi.wiring.package=jakarta.ws.rs)]";
        assertEquals("missing requirement osgi.wiring.package; (&(osgi.wiring.package=jakarta.ws.rs)(version>=3.1.0)(!(version>=4.0.0)))",
                PanelFramework.explain(new org.osgi.framework.BundleException(felix)));
    }

    @Test
    void httpsOptionsAreCheckedTogether() throws Exception {
        Settings defaults = Settings.load(home, home.resolve("missing.conf"), Map.of());
        assertEquals(8443, defaults.httpsPort());
        assertTrue(defaults.httpsCertificate().isEmpty(), "no certificate: a self-signed one");
        assertTrue(defaults.loopbackPlain());
        ConfigException half = assertThrows(ConfigException.class, () -> Settings.load(home, conf("https.certificate = /etc/ssl/x.pem\n"), Map.of()));
        assertTrue(half.getMessage().contains("go together"), half.getMessage());
        ConfigException missing = assertThrows(ConfigException.class, () -> Settings.load(home,
                conf("https.certificate = /nonexistent/cert.pem\nhttps.key = /nonexistent/key.pem\n"), Map.of()));
        assertTrue(missing.getMessage().contains("cannot read /nonexistent/cert.pem"), missing.getMessage());
        assertThrows(ConfigException.class, () -> Settings.load(home, conf("https.port = 8080\n"), Map.of()), "not the HTTP port");
        assertEquals(0, Settings.load(home, conf("https.port = 0\n"), Map.of()).httpsPort(), "0: no HTTPS");
    }
}
