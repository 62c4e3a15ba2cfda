package io.vessel.plugins.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginDirectoryTest {

    @Test
    void theApiPackagesAPluginImportsAreListedWithTheirRanges() {
        String header = "io.vessel.api.security;version=\"[1.0,2)\",jakarta.ws.rs;version=\"[3.1,4)\","
                + "io.vessel.kernel.api.hook;version=\"[1.0,2)\",io.vessel.web.api,org.osgi.framework;version=\"[1.10,2)\"";
        assertEquals(List.of("io.vessel.api.security [1.0,2)", "io.vessel.kernel.api.hook [1.0,2)", "io.vessel.web.api"),
                PluginDirectory.vesselImports(header));
    }

    @Test
    void purgingAPluginDropsTheTablesItsMigrationsCreatedInTheirOrder(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("p.jar");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(jar))) {
            zip.putNextEntry(new ZipEntry("db/migration/shop/V2__orders.sql"));
            zip.write("-- CREATE TABLE commented_out (x int);\nCREATE TABLE IF NOT EXISTS shop_order (id uuid);\nCREATE INDEX i ON shop_order (id);".getBytes());
            zip.putNextEntry(new ZipEntry("db/migration/shop/V1__customers.sql"));
            zip.write("create table Shop_Customer (id uuid PRIMARY KEY);\nALTER TABLE shop_customer ADD COLUMN x int;".getBytes());
            zip.putNextEntry(new ZipEntry("db/migration/shop/notes.txt"));
            zip.write("CREATE TABLE not_a_migration (x int);".getBytes());
        }
        assertEquals(Map.of("shop", List.of("shop_customer", "shop_order")), PluginDirectory.migrationTables(jar));
    }
}
