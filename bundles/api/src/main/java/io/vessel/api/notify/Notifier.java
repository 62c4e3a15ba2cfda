package io.vessel.api.notify;

import java.util.UUID;

/**
 * Delivers notifications; every method returns at once (delivery happens in the background, with retries where
 * the channel has them) and never throws for a delivery problem, which is logged and shown where it can be.
 */
public interface Notifier {

    /**
     * An e-mail to one address, for messages its owner asked for (a password reset link): sent whatever anybody's
     * preferences. Without an SMTP server configured it is written to the outbox directory instead.
     */
    void mail(String address, String subject, String text);

    /** To one account, by e-mail to its address (an account without one is skipped, logged). */
    void notifyAccount(UUID accountId, Notification notification);

    /** To the provider's administrators (a plugin was disabled, a node is short of disk). */
    void notifyProvider(Notification notification);

    /**
     * About a tenant's objects (its VE started, its invoice is due): to the tenant's webhooks subscribed to the
     * event, and to the channels plugins add. {@code tenantId} null means the provider's own objects.
     */
    void notifyTenant(UUID tenantId, Notification notification);

    /**
     * As {@link #notifyTenant(UUID, Notification)}, with files for the e-mails (an issued invoice's PDF); webhooks and
     * channels get the notification alone. A notifier that cannot attach files sends the notification without them.
     *
     * @since 1.1
     */
    default void notifyTenant(UUID tenantId, Notification notification, java.util.List<Attachment> attachments) {
        notifyTenant(tenantId, notification);
    }
}
