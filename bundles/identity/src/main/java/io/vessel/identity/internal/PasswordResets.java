package io.vessel.identity.internal;

import io.vessel.identity.api.Account;
import io.vessel.persistence.api.Database;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Password reset: a one-time token, valid for 30 minutes, stored hashed. A user asks for it by username or e-mail
 * and receives it by mail (the notifications bundle's: SMTP, or the outbox directory {@code data/outbox} until a
 * server is configured); an admin can also make one for an account of theirs and hand it over.
 */
@Component(service = PasswordResets.class)
public final class PasswordResets {

    static final Duration LIFETIME = Duration.ofMinutes(30);
    private static final Logger LOG = LoggerFactory.getLogger(PasswordResets.class);

    /** A reset token made by an admin, shown to the admin once. */
    public record ResetToken(String token, Instant expiresAt) {
    }

    private final Database database;
    private final IdentityManager identity;
    private final AuditLog audit;

    @Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile io.vessel.api.notify.Notifier notifier;

    @Activate
    public PasswordResets(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + IdentityPersistence.MODULE + ")") Database database,
                          @Reference IdentityManager identity, @Reference AuditLog audit) {
        this.database = database;
        this.identity = identity;
        this.audit = audit;
    }

    ResetToken issue(UUID account) {
        String token = identity.newSecret();
        Instant now = Tenancy.now();
        database.run(em -> em.persist(new PasswordResetEntity(IdentityManager.sha256(token), account, now, now.plus(LIFETIME))));
        return new ResetToken(token, now.plus(LIFETIME));
    }

    /** Mails a reset link when the account exists and has an address; tells the caller nothing either way. */
    void requestByUser(String usernameOrEmail, URI baseUri, String sourceIp) {
        Optional<Account> account = identity.byUsernameOrEmail(usernameOrEmail);
        if (account.isEmpty() || account.get().email() == null) {
            LOG.info("Password reset asked for an unknown account or one without e-mail ip={}", sourceIp);
            return;
        }
        Account a = account.get();
        ResetToken reset = issue(a.id());
        String link = baseUri.resolve("/portal/reset#" + reset.token()).toString();
        mail(a.email(), "Reset your Vessel password", "Someone (hopefully you) asked to reset the password of " + a.username()
                + ".\r\n\r\nSet a new one within 30 minutes: " + link + "\r\n\r\nIf it was not you, ignore this message.\r\n");
        audit.security("password.reset.requested", a.id(), a.username(), a.tenantId(), sourceIp, 202, null);
    }

    /** Sets the password if the token is valid and unused; every session of the account ends. */
    boolean complete(String token, String password, String sourceIp) {
        if (token.length() > 100) {
            return false;
        }
        UUID account = database.inTransaction(em -> {
            PasswordResetEntity reset = em.find(PasswordResetEntity.class, IdentityManager.sha256(token), jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            if (reset == null || !reset.usable(Instant.now())) {
                return null;
            }
            reset.use(Tenancy.now());
            return reset.accountId();
        });
        if (account == null) {
            return false;
        }
        identity.setPassword(account, password, null);
        identity.account(account).ifPresent(a -> audit.security("password.reset", a.id(), a.username(), a.tenantId(), sourceIp, 204, null));
        return true;
    }

    /** Through the notifications bundle: SMTP when configured, the outbox directory otherwise. */
    private void mail(String to, String subject, String body) {
        io.vessel.api.notify.Notifier mailer = notifier;
        if (mailer == null) {
            LOG.error("Mail to {} not sent: the notifications bundle is not running", to);
            return;
        }
        mailer.mail(to, subject, body);
    }
}
