package io.vessel.distribution;

import static io.vessel.distribution.PanelProcess.env;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The assembled panel as an operator runs it: start, serve, crash, restart, keep its data. */
class PanelLifecycleIT {

    static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String PG_SCHEMA = "it_dist_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    static Stream<Arguments> databases() {
        return Stream.of(
                Arguments.of("embedded", Map.of(), "H2"),
                Arguments.of("postgresql", env("VESSEL_DB_URL", PG_URL, "VESSEL_DB_USER", "postgres", "VESSEL_DB_SCHEMA", PG_SCHEMA), "PostgreSQL"));
    }

    @AfterAll
    static void dropSchema() throws Exception {
        try (Connection c = DriverManager.getConnection(PG_URL, "postgres", ""); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + PG_SCHEMA + " CASCADE");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void servesHealthAndOpenApiAndKeepsItsDataAcrossKillNine(String name, Map<String, String> env, String product,
                                                             @TempDir Path work) throws Exception {
        String nodeId;
        long firstPid;
        boolean copied;
        try (PanelProcess panel = new PanelProcess(work, env).start()) {
            firstPid = panel.pid();
            PanelProcess.Response health = panel.get("/api/v1/health");
            assertEquals(200, health.status(), health.toString());
            JsonNode h = health.json();
            assertEquals("0.1.0-SNAPSHOT", h.get("version").asText());
            assertTrue(h.get("uptimeSeconds").asLong() >= 0);
            assertEquals("UP", h.at("/checks/database/status").asText(), health.body());
            assertEquals(product, h.at("/checks/database/details/product").asText());
            assertTrue(h.at("/checks/kernel/details/cgroups").isTextual(), "kernel layer reports the cgroup layout");

            JsonNode openApi = panel.get("/api/v1/openapi.json").json();
            assertEquals("3.0.3", openApi.get("openapi").asText());
            assertTrue(openApi.at("/paths/~1health/get").isObject(), "health is documented");
            assertTrue(openApi.at("/paths/~1nodes/get").isObject(), "the kernel layer's resources are documented");
            assertTrue(openApi.at("/components/schemas/Problem/properties/detail").isObject());

            JsonNode nodes = awaitNodes(panel);
            nodeId = nodes.at("/0/node/id").asText();
            assertEquals(1, nodes.at("/0/node/startCount").asLong());
            assertTrue(Files.size(panel.logDir.resolve("vessel.log")) > 0, "logs/vessel.log is written");
            // the embedded database of a first start is the distribution's empty one, copied (the build's training
            // start made it, as root; without one the migrations make it), and its migrations found applied
            String log = Files.readString(panel.logDir.resolve("vessel.log"));
            boolean template = Files.isRegularFile(PanelProcess.DIST.resolve("lib/empty-database.zip"))
                    && !log.contains("empty database does not fit these bundles"); // one a build without training left
            assertEquals(template && name.equals("embedded"), log.contains("Database made from the distribution's empty database"), log);
            assertEquals(!template || !name.equals("embedded"), log.contains("Applied migration module=kernel version=1 "));
            copied = template && name.equals("embedded");

            panel.kill9();
            assertFalse(panel.isAlive());
        }

        try (PanelProcess again = new PanelProcess(work, env).start()) {
            assertTrue(again.pid() != firstPid);
            JsonNode nodes = awaitNodes(again);
            assertEquals(nodeId, nodes.at("/0/node/id").asText(), "same node after the crash");
            assertEquals(2, nodes.at("/0/node/startCount").asLong(), "the first start's record survived kill -9");
            assertEquals(copied ? 1 : 0, Files.readString(again.logDir.resolve("vessel.log"))
                    .split("Database made from the distribution's empty database", -1).length - 1, "a restart keeps its database");
            assertEquals(0, again.stop(), "SIGTERM stops the panel cleanly");
            assertTrue(Files.readString(again.logDir.resolve("vessel.log")).contains("Vessel stopped"));
        }
    }

    /** The panel prints its URL when the database is up; the kernel layer's resources follow within moments. */
    private static JsonNode awaitNodes(PanelProcess panel) {
        PanelProcess.poll(java.time.Duration.ofSeconds(15), () -> panel.get("/api/v1/nodes").status() == 200, "/api/v1/nodes");
        return panel.get("/api/v1/nodes").json();
    }

    /** A downgrade: the panel refuses a database a newer Vessel migrated, in one line, and touches nothing. */
    @Test
    void aDatabaseANewerVersionMigratedStopsTheStartInOneLine(@TempDir Path work) throws Exception {
        String schema = "it_newer_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Map<String, String> database = env("VESSEL_DB_URL", PG_URL, "VESSEL_DB_USER", "postgres", "VESSEL_DB_SCHEMA", schema);
        try {
            try (PanelProcess panel = new PanelProcess(work, database).start()) {
                assertEquals(0, panel.stop(), "a clean stop");
            }
            try (Connection c = DriverManager.getConnection(PG_URL, "postgres", ""); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO " + schema + ".vessel_schema_history (module, version, description, checksum, applied_at)"
                        + " VALUES ('identity', 999, 'from the future', 'x', CURRENT_TIMESTAMP)");
            }
            try (PanelProcess older = new PanelProcess(work, database)) {
                assertEquals(3, older.startExpectingExit(java.time.Duration.ofSeconds(90)), older.output());
                assertTrue(older.output().contains("the database was migrated by a newer Vessel (module identity is at V999"), older.output());
                assertTrue(older.output().contains("downgrades are not supported"), older.output());
            }
            // a rolling upgrade: the newer Vessel's script only expanded the schema, so this older one starts and works on it
            try (Connection c = DriverManager.getConnection(PG_URL, "postgres", ""); Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE " + schema + ".vessel_schema_history SET expands_only = TRUE WHERE module = 'identity' AND version = 999");
            }
            try (PanelProcess older = new PanelProcess(work, database).start()) {
                assertEquals(200, older.get("/api/v1/me").status());
                assertTrue(Files.readString(older.logDir.resolve("vessel.log")).contains("every newer script only expands the schema"),
                        "the log says the panel runs older code than its database");
            }
        } finally {
            try (Connection c = DriverManager.getConnection(PG_URL, "postgres", ""); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    @Test
    void everyErrorIsProblemJson(@TempDir Path work) throws Exception {
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            assertProblem(panel.get("/api/v1/no-such-thing"), 404, "There is no API endpoint at /api/v1/no-such-thing.");
            assertProblem(panel.get("/definitely/not/here"), 404, "There is nothing at /definitely/not/here. The API lives under /api/v1.");
            PanelProcess.Response wrongMethod = panel.post("/api/v1/health", "{}");
            assertProblem(wrongMethod, 405, null);
            assertTrue(wrongMethod.json().get("detail").asText().contains("GET"), wrongMethod.body());
            assertProblem(panel.get("/api/v1/nodes/not-a-uuid"), 404, "There is no node not-a-uuid.");
        }
    }

    static void assertProblem(PanelProcess.Response r, int status, String detail) {
        assertEquals(status, r.status(), r.toString());
        assertTrue(r.contentType().startsWith("application/problem+json"), r.toString());
        JsonNode p = r.json();
        assertEquals(status, p.get("status").asInt());
        assertTrue(p.get("type").asText().startsWith("https://vessel.dev/problems/"));
        assertTrue(p.hasNonNull("title"));
        if (detail != null) {
            assertEquals(detail, p.get("detail").asText());
        }
        assertFalse(r.body().contains("Exception"), "no exception names leak: " + r.body());
        assertFalse(r.body().contains("\tat "), "no stack traces leak");
    }
}
