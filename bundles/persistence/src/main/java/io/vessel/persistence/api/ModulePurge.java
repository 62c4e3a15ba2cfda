package io.vessel.persistence.api;

import java.util.List;

/**
 * Removes a module's data for good: for uninstalling a plugin together with what it stored. Offered by the
 * persistence bundle; the plugin platform decides which modules may go (never a core bundle's).
 */
public interface ModulePurge {

    /**
     * Drops {@code tables} (those the module's migrations created, in the order they were created; they are
     * dropped last first) and forgets the module's applied migrations, so that installing it again starts from an
     * empty schema. Table names must be plain identifiers.
     */
    void purge(String module, List<String> tables);
}
