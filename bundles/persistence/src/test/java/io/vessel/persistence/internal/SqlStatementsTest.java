package io.vessel.persistence.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlStatementsTest {

    @Test
    void splitsAtSemicolonsOutsideQuotesCommentsAndDollarBodies() {
        String script = """
                -- a comment; with a semicolon
                CREATE TABLE a (id int); /* block; comment */
                INSERT INTO a VALUES ('x;y''z');
                CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;
                """;
        List<String> statements = SqlStatements.split(script);
        assertEquals(3, statements.size(), statements.toString());
        assertEquals("INSERT INTO a VALUES ('x;y''z')", statements.get(1));
    }

    @Test
    void migrationNamesCarryVersionAndDescription() {
        MigrationScript s = MigrationScript.parse("kernel", "V12__add_ve_limits.sql", "SELECT 1");
        assertEquals(12, s.version());
        assertEquals("add ve limits", s.description());
        assertEquals(MigrationScript.parse("kernel", "V12__add_ve_limits.sql", "SELECT 1\r\n").checksum(), s.checksum());
    }

    @Test
    void settingsRefuseWhatCannotWork() {
        Path data = Path.of("data");
        assertThrows(DatabaseUnavailableException.class, () -> ConnectionSettings.of("jdbc:mysql://x/y", "", "", "", 5, data));
        assertThrows(DatabaseUnavailableException.class, () -> ConnectionSettings.of("", "", "", "bad-schema; drop", 5, data));
        assertThrows(DatabaseUnavailableException.class, () -> ConnectionSettings.of("", "", "", "", 0, data));
        assertEquals("jdbc:postgresql://h/db?password=***", ConnectionSettings.redact("jdbc:postgresql://h/db?password=hunter2"));
    }
}
