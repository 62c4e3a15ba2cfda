package io.vessel.notifications.internal;

import io.vessel.persistence.api.PersistenceContribution;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/** Webhooks and their deliveries (migrations in {@code db/migration/notifications}). */
@Component(service = PersistenceContribution.class)
public final class NotificationsPersistence implements PersistenceContribution {

    static final String MODULE = "notifications";

    @Override
    public String module() {
        return MODULE;
    }

    @Override
    public int order() {
        return 70;
    }

    @Override
    public List<Class<?>> entityClasses() {
        return List.of(WebhookEntity.class, WebhookDeliveryEntity.class, NotificationPreferenceEntity.class);
    }
}
