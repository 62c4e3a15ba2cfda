package io.vessel.notifications.internal;

import io.vessel.api.notify.Notification;
import io.vessel.api.notify.Notifier;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/**
 * Turns the kernel's VE state events into tenant notifications ({@code ve.running}, {@code ve.stopped},
 * {@code ve.destroyed}, ...), so customers' webhooks follow their VEs without polling.
 */
@Component(property = EventConstants.EVENT_TOPIC + "=io/vessel/kernel/ve/*")
public final class VeEventBridge implements EventHandler {

    private final Notifier notifier;

    @Activate
    public VeEventBridge(@Reference Notifier notifier) {
        this.notifier = notifier;
    }

    @Override
    public void handleEvent(Event event) {
        if (Boolean.TRUE.equals(event.getProperty("remote"))) {
            return; // another node's VE: that node's own process tells its tenant, once
        }
        Object ve = event.getProperty("ve.id");
        Object state = event.getProperty("state");
        if (ve == null || state == null) {
            return;
        }
        String name = String.valueOf(state).toLowerCase(Locale.ROOT);
        Object owner = event.getProperty("owner");
        UUID tenant;
        try {
            tenant = owner == null ? null : UUID.fromString(String.valueOf(owner));
        } catch (IllegalArgumentException e) {
            return;
        }
        notifier.notifyTenant(tenant, new Notification("ve." + name, "VE " + ve + " is " + name, "VE " + ve + " is now " + name + ".",
                Map.of("ve", ve, "state", String.valueOf(state))));
    }
}
