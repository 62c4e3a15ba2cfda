package io.vessel.api.notify;

import java.util.UUID;

/**
 * A way to deliver notifications that a plugin adds (SMS, a chat service), registered as an OSGi service with
 * {@link #NAME}. It is told of every tenant notification ({@link Notifier#notifyTenant}) on the plugin's own
 * threads, with a time limit; what it does with one (which tenants it serves, retries) is its own business.
 */
public interface NotificationChannel {

    /** Service property: the channel's name, e.g. {@code sms}. */
    String NAME = "vessel.channel.name";

    void deliver(UUID tenantId, Notification notification) throws Exception;
}
