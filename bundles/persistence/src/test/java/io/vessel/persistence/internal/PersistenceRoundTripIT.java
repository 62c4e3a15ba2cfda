package io.vessel.persistence.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.persistence.api.PersistenceContribution;
import io.vessel.persistence.internal.RoundTripEntities.Owner;
import io.vessel.persistence.internal.RoundTripEntities.Pet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.hibernate.Hibernate;
import org.hibernate.proxy.HibernateProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Persistence against real databases: the embedded default (H2 in a temporary data directory) and the
 * PostgreSQL server on 127.0.0.1:5432, in a schema of its own that is dropped afterwards.
 */
class PersistenceRoundTripIT {

    static final String PG_URL = System.getProperty("vessel.test.pg.url", "jdbc:postgresql://127.0.0.1:5432/test");
    static final String PG_USER = System.getProperty("vessel.test.pg.user", "postgres");
    static final String PG_SCHEMA = "it_persistence_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @TempDir
    static Path dataDir;

    static Stream<ConnectionSettings> databases() {
        return Stream.of(
                ConnectionSettings.of("", "", "", "", 4, dataDir),
                ConnectionSettings.of(PG_URL, PG_USER, "", PG_SCHEMA, 4, dataDir));
    }

    @BeforeAll
    static void postgresIsThere() throws Exception {
        // Fail loudly rather than skip: CI must prove PostgreSQL support.
        try (Connection c = DriverManager.getConnection(PG_URL, PG_USER, "")) {
            assertTrue(c.isValid(2), "PostgreSQL at " + PG_URL + " must be running for this test");
        }
    }

    @AfterAll
    static void dropSchema() throws Exception {
        try (Connection c = DriverManager.getConnection(PG_URL, PG_USER, ""); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + PG_SCHEMA + " CASCADE");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void entitiesSurviveReconnectAndLazyAssociationsLoadThroughProxies(ConnectionSettings settings) {
        UUID ownerId = UUID.randomUUID();
        long petId = System.nanoTime();
        Instant created = Instant.now().truncatedTo(ChronoUnit.MICROS);

        try (PersistenceEngine engine = PersistenceEngine.start(settings)) {
            engine.apply(List.of(new RoundTripEntities()));
            assertEquals(Set.of("roundtrip"), engine.modules());
            engine.run(em -> {
                Owner owner = new Owner(ownerId, "Ada", created);
                em.persist(owner);
                em.persist(new Pet(petId, "Tom", "cat", owner));
            });
        }

        // A new engine is a restarted panel: migrations are not applied twice and the data is still there.
        try (PersistenceEngine engine = PersistenceEngine.start(settings)) {
            engine.apply(List.of(new RoundTripEntities()));
            String ownerName = engine.inTransaction(em -> {
                Pet pet = em.find(Pet.class, petId);
                Owner owner = pet.getOwner();
                assertTrue(owner instanceof HibernateProxy, "lazy many-to-one must be a proxy, was " + owner.getClass());
                assertFalse(Hibernate.isInitialized(owner), "proxy must not be loaded before it is used");
                String name = owner.getName();
                assertTrue(Hibernate.isInitialized(owner));
                return name;
            });
            assertEquals("Ada", ownerName);
            Instant storedCreated = engine.inTransaction(em -> em.find(Owner.class, ownerId).createdAt);
            assertEquals(created, storedCreated);
            Long rows = engine.inTransaction(em -> em.createQuery(
                    "select count(p) from RoundTripEntities$Pet p where p.species = 'cat'", Long.class).getSingleResult());
            assertTrue(rows >= 1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void failedTransactionLeavesNothingBehind(ConnectionSettings settings) {
        UUID ownerId = UUID.randomUUID();
        try (PersistenceEngine engine = PersistenceEngine.start(settings)) {
            engine.apply(List.of(new RoundTripEntities()));
            assertThrows(IllegalStateException.class, () -> engine.run(em -> {
                em.persist(new Owner(ownerId, "Bob", Instant.now()));
                em.flush();
                throw new IllegalStateException("boom");
            }));
            assertNull(engine.inTransaction(em -> em.find(Owner.class, ownerId)), "rolled back owner must not exist");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void editedMigrationIsRefused(ConnectionSettings settings) throws Exception {
        try (PersistenceEngine engine = PersistenceEngine.start(settings)) {
            engine.apply(List.of(new RoundTripEntities()));
            setChecksumOfFirstMigration(settings, "tampered");
            try {
                DatabaseUnavailableException e = assertThrows(DatabaseUnavailableException.class,
                        () -> engine.apply(List.of(new RoundTripEntities())));
                assertTrue(e.getMessage().contains("was changed after it was applied"), e.getMessage());
                // the engine keeps serving with the mapping it had
                assertEquals(Set.of("roundtrip"), engine.modules());
            } finally {
                setChecksumOfFirstMigration(settings, MigrationScanner.scan(new RoundTripEntities()).get(0).checksum());
            }
        }
    }

    /** An entity with a column that no migration made is refused, naming it, and the engine keeps the mapping it had. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void anEntityTheMigratedSchemaDoesNotMatchIsRefused(ConnectionSettings settings) {
        try (PersistenceEngine engine = PersistenceEngine.start(settings)) {
            engine.apply(List.of(new RoundTripEntities()));
            PersistenceContribution drifted = new PersistenceContribution() {
                @Override
                public String module() {
                    return "roundtrip";
                }

                @Override
                public List<Class<?>> entityClasses() {
                    return List.of(RoundTripEntities.OwnerWithNickname.class);
                }
            };
            DatabaseUnavailableException e = assertThrows(DatabaseUnavailableException.class, () -> engine.apply(List.of(drifted)));
            assertTrue(e.getMessage().startsWith("the database schema does not match the entities") && e.getMessage().contains("nickname"),
                    e.getMessage());
            assertEquals(Set.of("roundtrip"), engine.modules());
            assertNull(engine.inTransaction(em -> em.find(Owner.class, UUID.randomUUID())), "the engine serves on with its mapping");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aDatabaseOfANewerVersionIsRefused(ConnectionSettings settings) throws Exception {
        try (PersistenceEngine engine = PersistenceEngine.start(settings)) {
            engine.apply(List.of(new RoundTripEntities()));
            history(settings, "INSERT INTO %s (module, version, description, checksum, applied_at) VALUES ('roundtrip', 99, 'from the future',"
                    + " 'x', CURRENT_TIMESTAMP)");
            try {
                PersistenceEngine.ModuleFailure e = assertThrows(PersistenceEngine.ModuleFailure.class,
                        () -> engine.apply(List.of(new RoundTripEntities())));
                assertTrue(e.getMessage().startsWith("migrations of module roundtrip failed: the database was migrated by a newer Vessel"
                        + " (module roundtrip is at V99"), e.getMessage());
                assertTrue(e.getMessage().contains("downgrades are not supported"), e.getMessage());
            } finally {
                history(settings, "DELETE FROM %s WHERE module = 'roundtrip' AND version = 99");
            }
        }
    }

    /**
     * A node agent connects with a role that may not change the schema: it checks instead of migrating, works on a
     * database a panel migrated, and stops with what to do on one that lacks a script it needs.
     */
    @org.junit.jupiter.api.Test
    void anEngineThatMayNotMigrateChecksWhatAPanelMigrated() throws Exception {
        String role = "it_agent_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        ConnectionSettings panel = ConnectionSettings.of(PG_URL, PG_USER, "", PG_SCHEMA, 2, dataDir);
        try (Connection c = DriverManager.getConnection(PG_URL, PG_USER, ""); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + role + " LOGIN");
            try (PersistenceEngine engine = PersistenceEngine.start(panel)) {
                engine.apply(List.of(new RoundTripEntities()));
            }
            s.execute("GRANT USAGE ON SCHEMA " + PG_SCHEMA + " TO " + role);
            s.execute("GRANT SELECT ON ALL TABLES IN SCHEMA " + PG_SCHEMA + " TO " + role);
            ConnectionSettings agent = ConnectionSettings.of(PG_URL, role, "", PG_SCHEMA, 2, dataDir);
            try (PersistenceEngine engine = PersistenceEngine.start(agent, false)) {
                engine.apply(List.of(new RoundTripEntities()));
                assertEquals(Set.of("roundtrip"), engine.modules(), "mapped without a write to the schema");
                history(panel, "DELETE FROM %s WHERE module = 'roundtrip' AND version = 2");
                try {
                    PersistenceEngine.ModuleFailure e = assertThrows(PersistenceEngine.ModuleFailure.class,
                            () -> engine.apply(List.of(new RoundTripEntities())));
                    assertTrue(e.getMessage().contains("the database lacks migration roundtrip V2") && e.getMessage().contains("upgrade a panel first"),
                            e.getMessage());
                } finally {
                    history(panel, "INSERT INTO %s (module, version, description, checksum, applied_at) VALUES ('roundtrip', 2, 'restored', '"
                            + MigrationScanner.scan(new RoundTripEntities()).get(1).checksum() + "', CURRENT_TIMESTAMP)");
                }
            }
        } finally {
            try (Connection c = DriverManager.getConnection(PG_URL, PG_USER, ""); Statement s = c.createStatement()) {
                s.execute("DROP OWNED BY " + role);
                s.execute("DROP ROLE " + role);
            }
        }
    }

    /**
     * A rolling upgrade: the first upgraded panel migrated the database with scripts that only expand it; this older
     * version goes on working on it (its mapping is the one it had), and a contract among the newer scripts stops it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void olderCodeWorksOnADatabaseANewerVersionOnlyExpanded(ConnectionSettings settings) throws Exception {
        try (PersistenceEngine engine = PersistenceEngine.start(settings)) {
            engine.apply(List.of(new RoundTripEntities()));
            history(settings, "INSERT INTO %s (module, version, description, checksum, applied_at, expands_only) VALUES ('roundtrip', 98,"
                    + " 'a new table', 'x', CURRENT_TIMESTAMP, TRUE)");
            try {
                engine.apply(List.of(new RoundTripEntities()));
                assertEquals(Set.of("roundtrip"), engine.modules(), "this version maps its module as before");
                history(settings, "INSERT INTO %s (module, version, description, checksum, applied_at, expands_only) VALUES ('roundtrip', 99,"
                        + " 'a dropped column', 'x', CURRENT_TIMESTAMP, FALSE)");
                PersistenceEngine.ModuleFailure e = assertThrows(PersistenceEngine.ModuleFailure.class,
                        () -> engine.apply(List.of(new RoundTripEntities())));
                assertTrue(e.getMessage().contains("(module roundtrip is at V99, this version knows up to V") && e.getMessage().contains("; V99 changed"),
                        e.getMessage());
            } finally {
                history(settings, "DELETE FROM %s WHERE module = 'roundtrip' AND version > 97");
            }
        }
    }

    @org.junit.jupiter.api.Test
    void aScriptThatSaysExpandButDropsIsRefusedBeforeItRuns() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MigrationScript.parse("m", "V2__tidy.sql",
                "-- vessel: expand\nCREATE TABLE kept (id int);\nALTER TABLE ve DROP COLUMN owner;"));
        assertTrue(e.getMessage().contains("ALTER TABLE ve DROP COLUMN owner"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> MigrationScript.parse("m", "V3__strict.sql",
                "-- vessel: expand\nALTER TABLE ve ADD COLUMN note varchar(10) NOT NULL;"));
        assertTrue(MigrationScript.parse("m", "V4__ok.sql", "-- vessel: expand\nALTER TABLE ve ADD COLUMN note varchar(10) NOT NULL DEFAULT '';\n"
                + "CREATE INDEX ve_note ON ve (note);").expandsOnly());
        assertTrue(!MigrationScript.parse("m", "V5__contract.sql", "ALTER TABLE ve DROP COLUMN note;").expandsOnly());
    }

    private static void history(ConnectionSettings settings, String statement) throws Exception {
        try (Connection c = settings.embedded()
                ? DriverManager.getConnection(settings.url(), settings.user(), "")
                : DriverManager.getConnection(PG_URL, PG_USER, "");
             Statement s = c.createStatement()) {
            s.executeUpdate(String.format(statement, settings.schema() == null ? "vessel_schema_history" : settings.schema() + ".vessel_schema_history"));
        }
    }

    private static void setChecksumOfFirstMigration(ConnectionSettings settings, String checksum) throws Exception {
        try (Connection c = settings.embedded()
                ? DriverManager.getConnection(settings.url(), settings.user(), "")
                : DriverManager.getConnection(PG_URL, PG_USER, "");
             Statement s = c.createStatement()) {
            String table = settings.schema() == null ? "vessel_schema_history" : settings.schema() + ".vessel_schema_history";
            s.executeUpdate("UPDATE " + table + " SET checksum = '" + checksum + "' WHERE module = 'roundtrip' AND version = 1");
        }
    }

    @org.junit.jupiter.api.Test
    void wrongPasswordIsOneClearLine() {
        ConnectionSettings wrong = ConnectionSettings.of("jdbc:postgresql://127.0.0.1:1/test", "postgres", "secret", "", 2, dataDir);
        DatabaseUnavailableException e = assertThrows(DatabaseUnavailableException.class, () -> PersistenceEngine.start(wrong));
        assertTrue(e.getMessage().startsWith("cannot connect to database jdbc:postgresql://127.0.0.1:1/test as user 'postgres': "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(e.getMessage().contains("secret"));
    }

    /**
     * A thread interrupted in the middle of a transaction (a plugin's task cancelled at its time limit while its
     * bookkeeping commits) must not close the embedded database: H2 writes through a FileChannel, which an interrupt
     * closes, and H2 then closed the whole database, so every later request of the panel failed (seen in PluginUploadIT).
     * A write the interrupt reached may fail; the database stays open and every committed write stays in it.
     */
    @org.junit.jupiter.api.Test
    void interruptsDuringWritesLeaveTheEmbeddedDatabaseOpen() throws Exception {
        ConnectionSettings embedded = ConnectionSettings.of("", "", "", "", 2, dataDir);
        try (PersistenceEngine engine = PersistenceEngine.start(embedded)) {
            engine.apply(List.of(new RoundTripEntities()));
            java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
            Thread writer = new Thread(() -> {
                long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(3);
                while (System.nanoTime() < end) {
                    try {
                        engine.run(em -> em.persist(new Owner(UUID.randomUUID(), "Interrupted", Instant.now())));
                        written.incrementAndGet();
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                    Thread.interrupted(); // as a pool thread that runs the next task
                }
            });
            writer.start();
            while (writer.isAlive()) {
                writer.interrupt();
                Thread.sleep(0, 200_000);
            }
            UUID after = UUID.randomUUID();
            engine.run(em -> em.persist(new Owner(after, "After the interrupts", Instant.now())));
            assertEquals("After the interrupts", engine.inTransaction(em -> em.find(Owner.class, after).getName()));
            assertTrue(written.get() > 10, "writes went on between the interrupts: " + written.get() + " written, " + failed.get() + " failed");
            long owners = engine.inTransaction(em -> em.createQuery("select count(o) from RoundTripEntities$Owner o where o.name = 'Interrupted'",
                    Long.class).getSingleResult());
            assertEquals(written.get(), owners, "every committed write is there");
        }
    }

    @org.junit.jupiter.api.Test
    void embeddedDatabaseLivesInTheDataDirectory() {
        ConnectionSettings embedded = ConnectionSettings.of("", "", "", "", 2, dataDir);
        try (PersistenceEngine engine = PersistenceEngine.start(embedded)) {
            assertTrue(engine.info().embedded());
        }
        assertTrue(Files.exists(dataDir.resolve("db").resolve("vessel.mv.db")));
    }

    /**
     * The distribution's empty database (made by the build's training start): a first start copies it, its
     * migrations find themselves applied (running one again would fail on its CREATE TABLE), and nothing written after
     * the template was made is in it. It is never laid over a database that is there, nor used for other settings.
     */
    @org.junit.jupiter.api.Test
    void aFirstStartCopiesTheEmptyDatabaseAndFindsItsMigrationsApplied(@TempDir Path elsewhere) throws Exception {
        ConnectionSettings training = ConnectionSettings.of("", "", "", "", 2, elsewhere.resolve("training"));
        Path template = elsewhere.resolve("empty-database.zip");
        try (PersistenceEngine engine = PersistenceEngine.start(training)) {
            engine.apply(List.of(new RoundTripEntities()));
            EmptyDatabase.write(engine, template);
            engine.run(em -> em.persist(new Owner(UUID.randomUUID(), "written after the template", Instant.now())));
        }
        assertTrue(Files.size(template) < 100_000, "compacted: " + Files.size(template));
        Path fresh = elsewhere.resolve("fresh");
        ConnectionSettings firstStart = ConnectionSettings.of("", "", "", "", 2, fresh);
        assertTrue(EmptyDatabase.seed(firstStart, fresh, template));
        assertFalse(EmptyDatabase.seed(firstStart, fresh, template), "a database that is there is never replaced");
        UUID ownerId = UUID.randomUUID();
        try (PersistenceEngine engine = PersistenceEngine.start(firstStart)) {
            engine.apply(List.of(new RoundTripEntities()));
            assertEquals(Long.valueOf(0), engine.<Long>inTransaction(em -> em.createQuery("select count(o) from RoundTripEntities$Owner o", Long.class)
                    .getSingleResult()));
            engine.run(em -> em.persist(new Owner(ownerId, "Ada", Instant.now())));
        }
        try (PersistenceEngine engine = PersistenceEngine.start(firstStart)) {
            engine.apply(List.of(new RoundTripEntities()));
            assertEquals("Ada", engine.inTransaction(em -> em.find(Owner.class, ownerId).getName()));
        }
        Path other = elsewhere.resolve("other");
        assertFalse(EmptyDatabase.seed(ConnectionSettings.of("", "someone", "", "", 2, other), other, template), "another user");
        assertFalse(EmptyDatabase.seed(ConnectionSettings.of("", "", "", "vessel_b", 2, other), other, template), "another schema");
        assertFalse(EmptyDatabase.seed(ConnectionSettings.of(PG_URL, PG_USER, "", PG_SCHEMA, 2, other), other, template), "PostgreSQL");
        assertFalse(Files.exists(other.resolve("db")));
    }

    /**
     * A notification reaches a listener of another engine (another panel process) once the transaction commits, and
     * never when it rolls back; an engine on another schema (another installation on the same server) hears nothing.
     */
    @org.junit.jupiter.api.Test
    void notificationsReachOtherProcessesOnCommitOnly() throws Exception {
        ConnectionSettings here = ConnectionSettings.of(PG_URL, PG_USER, "", PG_SCHEMA, 4, dataDir);
        ConnectionSettings elsewhere = ConnectionSettings.of(PG_URL, PG_USER, "", PG_SCHEMA + "_other", 4, dataDir);
        try (PersistenceEngine sender = PersistenceEngine.start(here); PersistenceEngine receiver = PersistenceEngine.start(here);
             PersistenceEngine stranger = PersistenceEngine.start(elsewhere)) {
            sender.apply(List.of(new RoundTripEntities()));
            stranger.apply(List.of(new RoundTripEntities()));
            var heard = new java.util.concurrent.LinkedBlockingQueue<String>();
            var strangerHeard = new java.util.concurrent.LinkedBlockingQueue<String>();
            receiver.listen("vessel_test", heard::add);
            stranger.listen("vessel_test", strangerHeard::add);
            Thread.sleep(500); // the listening thread issues LISTEN within its first wait

            assertThrows(IllegalStateException.class, () -> sender.run(em -> {
                sender.notify(em, "vessel_test", "rolled-back");
                throw new IllegalStateException("roll back");
            }));
            sender.run(em -> sender.notify(em, "vessel_test", "42"));

            assertEquals("42", heard.poll(5, java.util.concurrent.TimeUnit.SECONDS));
            assertNull(heard.poll(500, java.util.concurrent.TimeUnit.MILLISECONDS), "only the committed notification is heard");
            assertNull(strangerHeard.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS), "another schema's process hears nothing");
        } finally {
            try (Connection c = DriverManager.getConnection(PG_URL, PG_USER, ""); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + PG_SCHEMA + "_other CASCADE");
            }
        }
    }
}
