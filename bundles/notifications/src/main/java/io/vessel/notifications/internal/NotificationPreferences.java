package io.vessel.notifications.internal;

import io.vessel.persistence.api.Database;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Which events reach each account by e-mail. Provider events (a plugin disabled) reach administrators unless they
 * say otherwise; events about a tenant's objects (its VEs) reach its accounts only if they ask (their webhooks get
 * them anyway). A choice names an event or a pattern ({@code ve.*}); the most specific one decides.
 */
@Component(service = NotificationPreferences.class)
public final class NotificationPreferences {

    /** The events the panel sends, with what they mean and whether they are mailed unless an account says no. */
    public record Kind(String event, String description, boolean emailByDefault) {
    }

    static final List<Kind> KINDS = List.of(
            new Kind("plugin.disabled", "A plugin was disabled because it stopped answering (provider administrators)", true),
            new Kind("ve.running", "A VE started", false),
            new Kind("ve.stopped", "A VE stopped", false),
            new Kind("ve.suspended", "A VE was suspended", false),
            new Kind("ve.error", "A VE failed", false),
            new Kind("ve.destroyed", "A VE was destroyed", false),
            new Kind("billing.invoice.issued", "An invoice or credit note was issued (its PDF attached)", true),
            new Kind("backup.failed", "A scheduled backup of a VE failed", true),
            new Kind("backup.check.failed", "Verifying a backup repository found damage (provider administrators)", true),
            new Kind("backup.panel.failed", "The panel's own backup failed (provider administrators)", true),
            new Kind("backup.retention", "Your backups will be deleted on a date: you have no VE any more", true));

    private final Database database;

    @Activate
    public NotificationPreferences(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + NotificationsPersistence.MODULE + ")") Database database) {
        this.database = database;
    }

    /** Whether the account wants the event by e-mail. */
    boolean mailed(UUID account, String event, boolean providerEvent) {
        Map<String, Boolean> choices = choices(account);
        Boolean exact = choices.get(event);
        if (exact != null) {
            return exact;
        }
        int dot = event.indexOf('.');
        Boolean family = dot < 0 ? null : choices.get(event.substring(0, dot) + ".*");
        if (family != null) {
            return family;
        }
        Boolean all = choices.get("*");
        if (all != null) {
            return all;
        }
        return KINDS.stream().filter(k -> k.event().equals(event)).findFirst().map(Kind::emailByDefault).orElse(providerEvent);
    }

    Map<String, Boolean> choices(UUID account) {
        Map<String, Boolean> out = new LinkedHashMap<>();
        database.inTransaction(em -> em.createQuery("select p from NotificationPreferenceEntity p where p.accountId = :a order by p.event",
                NotificationPreferenceEntity.class).setParameter("a", account).getResultList()).forEach(p -> out.put(p.event, p.email));
        return out;
    }

    /** Sets choices (null removes one, back to the default). */
    void choose(UUID account, Map<String, Boolean> choices) {
        database.run(em -> choices.forEach((event, email) -> {
            NotificationPreferenceEntity row = em.find(NotificationPreferenceEntity.class, new NotificationPreferenceEntity.Key(account, event));
            if (email == null) {
                if (row != null) {
                    em.remove(row);
                }
            } else if (row == null) {
                em.persist(new NotificationPreferenceEntity(account, event, email));
            } else {
                row.email = email;
            }
        }));
    }
}
