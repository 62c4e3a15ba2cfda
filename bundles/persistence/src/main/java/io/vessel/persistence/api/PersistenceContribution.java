package io.vessel.persistence.api;

import java.util.List;

/**
 * A bundle's share of the database: entity classes plus versioned SQL migrations. Register as an OSGi service.
 *
 * <p>Migrations are plain SQL files named {@code V<version>__<description>.sql} under
 * {@link #migrationLocation()} in the contributing bundle. Each is applied once, in version order, and recorded
 * with a checksum; editing an applied migration fails start-up instead of silently diverging. Write SQL that
 * both H2 and PostgreSQL accept ({@code uuid}, {@code varchar(n)}, {@code bigint}, {@code boolean},
 * {@code timestamp(6) with time zone}, {@code numeric(p,s)}). Hibernate only validates the schema.
 */
public interface PersistenceContribution {

    /** Unique module name, e.g. {@code kernel}; lower case letters, digits and dashes. */
    String module();

    /** Modules with a lower order are migrated first; core modules use 0-999, plugins 1000 and above. */
    default int order() {
        return 1000;
    }

    /** Annotated entity classes. Their class loader is given to Hibernate, so they may live in any bundle. */
    List<Class<?>> entityClasses();

    /** Folder inside the contributing bundle that holds the migration scripts. */
    default String migrationLocation() {
        return "db/migration/" + module();
    }
}
