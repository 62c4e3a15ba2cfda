package io.vessel.notifications.internal;

import io.vessel.api.notify.Notification;
import io.vessel.api.notify.NotificationChannel;
import io.vessel.api.notify.Notifier;
import io.vessel.api.plugin.PluginCalls;
import io.vessel.identity.api.Account;
import io.vessel.identity.api.IdentityService;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Notifier}: resolves who is told (an account's address, the provider's administrators, a tenant's
 * webhooks and the plugins' channels) and hands each delivery to its sender, in the background.
 */
@Component(service = Notifier.class)
public final class NotificationCenter implements Notifier {

    private static final Logger LOG = LoggerFactory.getLogger(NotificationCenter.class);
    static final String PROVIDER_ADMIN = "provider-admin";

    private final MailSender mail;
    private final IdentityService identity;
    private final Webhooks webhooks;
    private final NotificationPreferences preferences;
    private final Map<NotificationChannel, Long> channels = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile PluginCalls calls;

    @Activate
    public NotificationCenter(@Reference MailSender mail, @Reference IdentityService identity, @Reference Webhooks webhooks,
                              @Reference NotificationPreferences preferences) {
        this.mail = mail;
        this.identity = identity;
        this.webhooks = webhooks;
        this.preferences = preferences;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, unbind = "removeChannel")
    void addChannel(NotificationChannel channel, ServiceReference<NotificationChannel> ref) {
        channels.put(channel, ref.getBundle().getBundleId());
    }

    void removeChannel(NotificationChannel channel) {
        channels.remove(channel);
    }

    @Override
    public void mail(String address, String subject, String text) {
        mail.send(address, subject, text);
    }

    @Override
    public void notifyAccount(UUID accountId, Notification notification) {
        identity.account(accountId).filter(a -> preferences.mailed(a.id(), notification.event(), true)).ifPresentOrElse(a -> mailTo(a, notification, List.of()),
                () -> LOG.warn("Notification for an unknown account dropped account={} event={}", accountId, notification.event()));
    }

    @Override
    public void notifyProvider(Notification notification) {
        List<Account> admins = identity.accountsOf(identity.provider().id()).stream().filter(a -> PROVIDER_ADMIN.equals(a.role()))
                .filter(a -> preferences.mailed(a.id(), notification.event(), true)).toList();
        admins.forEach(a -> mailTo(a, notification, List.of()));
        LOG.info("Provider notified event={} admins={}", notification.event(), admins.size());
        webhooks.publish(null, notification);
    }

    @Override
    public void notifyTenant(UUID tenantId, Notification notification) {
        notifyTenant(tenantId, notification, List.of());
    }

    @Override
    public void notifyTenant(UUID tenantId, Notification notification, List<io.vessel.api.notify.Attachment> attachments) {
        webhooks.publish(tenantId, notification);
        // the tenant's accounts that asked for this event by e-mail (the provider's own objects: its accounts)
        UUID tenant = tenantId != null ? tenantId : identity.provider().id();
        identity.accountsOf(tenant).stream().filter(a -> preferences.mailed(a.id(), notification.event(), false))
                .forEach(a -> mailTo(a, notification, attachments));
        PluginCalls platform = calls;
        if (platform == null) {
            return;
        }
        channels.forEach((channel, bundle) -> platform.tell(bundle, "channel " + channel.getClass().getSimpleName() + " " + notification.event(), () -> {
            try {
                channel.deliver(tenantId, notification);
            } catch (Exception e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }));
    }

    private void mailTo(Account account, Notification notification, List<io.vessel.api.notify.Attachment> attachments) {
        if (account.email() == null || account.email().isBlank()) {
            LOG.info("Notification not mailed, the account has no address account={} event={}", account.username(), notification.event());
            return;
        }
        mail.send(account.email(), notification.subject(), notification.text(), attachments);
    }
}
