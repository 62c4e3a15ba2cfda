package io.vessel.persistence.internal;

import io.vessel.persistence.api.PersistenceContribution;
import jakarta.persistence.Entity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which contributions can share one session factory. Hibernate refuses two entities of one name, and two bundles
 * claiming one module would run each other's migrations; one such plugin must not break the mapping of everything
 * installed after it, so the later claimant is left out and told why. Contributions come in precedence order
 * (core modules first, then by age), so the panel's own modules and the older plugin keep theirs.
 */
final class ContributionScreen {

    /** A contribution and who registered it. */
    record Claimant(PersistenceContribution contribution, long bundleId, String bundleName) {
    }

    private ContributionScreen() {
    }

    /** The contributions that can be mapped together; {@code refused} gets why each other one cannot (by bundle id). */
    static List<Claimant> accept(List<Claimant> inPrecedence, Map<Long, String> refused) {
        Map<String, Claimant> modules = new HashMap<>();
        Map<String, Claimant> entities = new HashMap<>();
        List<Claimant> accepted = new ArrayList<>();
        for (Claimant claimant : inPrecedence) {
            PersistenceContribution c = claimant.contribution();
            Claimant owner = modules.get(c.module());
            if (owner != null && owner.bundleId() != claimant.bundleId()) {
                refused.merge(claimant.bundleId(), "its database module '" + c.module() + "' is " + owner.bundleName() + "'s already", ContributionScreen::both);
                continue;
            }
            String clash = null;
            for (Class<?> type : c.entityClasses()) {
                Claimant other = entities.get(entityName(type));
                if (other != null) {
                    clash = "its entity name '" + entityName(type) + "' is mapped by " + other.bundleName() + " already";
                    break;
                }
            }
            if (clash != null) {
                refused.merge(claimant.bundleId(), clash, ContributionScreen::both);
                continue;
            }
            modules.put(c.module(), claimant);
            c.entityClasses().forEach(type -> entities.put(entityName(type), claimant));
            accepted.add(claimant);
        }
        return accepted;
    }

    static String entityName(Class<?> type) {
        Entity entity = type.getAnnotation(Entity.class);
        return entity == null || entity.name().isEmpty() ? type.getSimpleName() : entity.name();
    }

    private static String both(String a, String b) {
        return a.equals(b) ? a : a + "; " + b;
    }
}
