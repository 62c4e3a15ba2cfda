package io.vessel.persistence.api;

import java.util.Map;

/**
 * Contributions the database mapping leaves out, and why, by the id of the bundle that registered them: a module
 * name or an entity name another bundle has already, or migrations or entities that fail. Leaving one out keeps
 * every other bundle's share working; offered by the persistence bundle, so the plugin list can say why.
 */
public interface PersistenceRefusals {

    Map<Long, String> refusedByBundle();
}
