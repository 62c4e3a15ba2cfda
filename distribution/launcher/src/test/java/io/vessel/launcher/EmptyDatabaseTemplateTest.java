package io.vessel.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmptyDatabaseTemplateTest {

    @Test
    void theTemplateIsUsedOnlyWithTheBundlesAndScriptsItWasMadeWith(@TempDir Path home) throws IOException {
        Files.createDirectories(home.resolve("bundle"));
        Files.createDirectories(home.resolve("lib"));
        jar(home.resolve("bundle/vessel-kernel.jar"), "db/migration/kernel/V1__create_ve.sql", "CREATE TABLE ve (id int);");
        jar(home.resolve("bundle/jetty.jar"), "org/eclipse/jetty/Server.class", "not a script");
        Path template = EmptyDatabaseTemplate.file(home);
        assertEquals(Optional.empty(), EmptyDatabaseTemplate.usable(home), "no template");
        Files.writeString(template, "zip");
        assertEquals(Optional.empty(), EmptyDatabaseTemplate.usable(home), "no stamp");
        EmptyDatabaseTemplate.stampFor(home, template);
        assertEquals(Optional.of(template), EmptyDatabaseTemplate.usable(home));

        jar(home.resolve("bundle/jetty.jar"), "org/eclipse/jetty/Server.class", "another build of a bundle without scripts");
        assertEquals(Optional.of(template), EmptyDatabaseTemplate.usable(home), "what is not a migration script does not matter");

        jar(home.resolve("bundle/vessel-kernel.jar"), "db/migration/kernel/V1__create_ve.sql", "CREATE TABLE ve (id bigint);");
        assertEquals(Optional.empty(), EmptyDatabaseTemplate.usable(home), "a script changed");
        EmptyDatabaseTemplate.stampFor(home, template);
        assertTrue(EmptyDatabaseTemplate.usable(home).isPresent());

        jar(home.resolve("bundle/vessel-billing.jar"), "db/migration/billing/V1__plans.sql", "CREATE TABLE plan (id int);");
        assertEquals(Optional.empty(), EmptyDatabaseTemplate.usable(home), "a bundle with scripts of its own came");
    }

    private static void jar(Path file, String entry, String content) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry(entry));
            zip.write(content.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
    }
}
