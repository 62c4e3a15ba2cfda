package io.vessel.identity.internal;

import io.vessel.identity.api.Account;
import io.vessel.identity.api.IdentityAdministration;
import io.vessel.identity.api.TenantKind;
import io.vessel.persistence.api.Database;
import jakarta.persistence.LockModeType;
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
 * One-time login links (single sign-on from an external billing system). A link is a 256-bit secret stored as its
 * SHA-256, valid for seconds, used once, and only for customers' accounts: an administrator's session never comes
 * from a link. Opening the link logs nobody in; the portal shows whose account it is and logs in only when the user
 * confirms with a same-origin {@code POST}, so a link planted in a page cannot log a victim's browser into the
 * attacker's account (login CSRF).
 */
@Component(service = LoginLinks.class)
public final class LoginLinks {

    private static final Logger LOG = LoggerFactory.getLogger(LoginLinks.class);

    /** Whose account a link opens, shown before the user confirms. */
    public record LinkTarget(String username, String tenant) {
    }

    private final Database database;
    private final IdentityManager identity;
    private final Tenancy tenancy;
    private final AuditLog audit;

    @Activate
    public LoginLinks(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + IdentityPersistence.MODULE + ")") Database database,
                      @Reference IdentityManager identity, @Reference Tenancy tenancy, @Reference AuditLog audit) {
        this.database = database;
        this.identity = identity;
        this.tenancy = tenancy;
        this.audit = audit;
    }

    IdentityAdministration.LoginLink issue(UUID account, Duration lifetime, String actor) {
        if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(IdentityAdministration.LOGIN_LINK_LIFETIME_MAX) > 0) {
            throw new IllegalArgumentException("a login link lives at most " + IdentityAdministration.LOGIN_LINK_LIFETIME_MAX.toMinutes() + " minutes");
        }
        Account target = identity.account(account).orElseThrow(() -> new IllegalArgumentException("no account " + account));
        boolean customer = tenancy.find(target.tenantId()).map(t -> t.kind() == TenantKind.CUSTOMER).orElse(false);
        if (!customer) {
            throw new IllegalArgumentException("login links are only made for customers' accounts, never for administrators");
        }
        String token = identity.newSecret();
        Instant now = Tenancy.now();
        database.run(em -> em.persist(new LoginLinkEntity(IdentityManager.sha256(token), account, actor, now, now.plus(lifetime))));
        audit.security("login.link.issued", target.id(), actor, target.tenantId(), "api", 200, "for " + target.username());
        LOG.info("Login link issued account={} by={} validSeconds={}", target.username(), actor, lifetime.toSeconds());
        return new IdentityAdministration.LoginLink(token, now.plus(lifetime));
    }

    /** Whose account the link opens, while it is valid (nothing is used up). */
    Optional<LinkTarget> peek(String token) {
        if (token == null || token.length() > 100) {
            return Optional.empty();
        }
        return database.inTransaction(em -> Optional.ofNullable(em.find(LoginLinkEntity.class, IdentityManager.sha256(token)))
                .filter(link -> link.usable(Instant.now())).flatMap(link -> identity.account(link.accountId()).map(a -> new LinkTarget(a.username(),
                        tenancy.find(a.tenantId()).map(t -> t.name()).orElse("")))));
    }

    /**
     * Logs in with a valid link the user confirmed; used up by a successful login or a suspended tenant, kept for
     * another try while a two-factor code is missing or wrong (the link's short life bounds the tries, and the
     * login throttle counts wrong codes).
     */
    IdentityManager.Login redeem(String token, String totp, String sourceIp) {
        if (token == null || token.length() > 100) {
            throw LoginRefused.linkInvalid();
        }
        String hash = IdentityManager.sha256(token);
        LoginLinkEntity link = database.inTransaction(em -> {
            LoginLinkEntity stored = em.find(LoginLinkEntity.class, hash, LockModeType.PESSIMISTIC_WRITE);
            if (stored == null || !stored.usable(Instant.now())) {
                return null;
            }
            stored.use(Tenancy.now());
            return stored;
        });
        if (link == null) {
            throw LoginRefused.linkInvalid();
        }
        try {
            return identity.loginByLink(link.accountId(), totp, sourceIp, link.createdBy());
        } catch (LoginRefused e) {
            if (e.wantsCode()) {
                database.run(em -> em.find(LoginLinkEntity.class, hash).use(null));
            }
            throw e;
        }
    }
}
