package io.vessel.identity.internal;

import io.vessel.persistence.api.Database;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * TOTP two-factor authentication: enrolment (a secret for the authenticator app, switched on only once a code from
 * the app is confirmed), ten one-time recovery codes, and the check at login that refuses wrong and replayed codes.
 */
@Component(service = {TwoFactor.class, io.vessel.api.security.SecondFactor.class})
public final class TwoFactor implements io.vessel.api.security.SecondFactor {

    static final String ISSUER = "Vessel";
    static final int RECOVERY_CODES = 10;
    private static final String CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

    /** What enrolment shows once: the secret for manual entry and the URI for the QR code. */
    public record Enrolment(String secret, String otpauthUri) {
    }

    private final Database database;
    private final AuditLog audit;
    private final CredentialChanges changes;
    private final SecureRandom random = new SecureRandom();

    @Activate
    public TwoFactor(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + IdentityPersistence.MODULE + ")") Database database,
                     @Reference AuditLog audit, @Reference CredentialChanges changes) {
        this.database = database;
        this.audit = audit;
        this.changes = changes;
    }

    /** Starts (or restarts) enrolment: a new secret, not yet required at login. Refused while 2FA is on. */
    Enrolment enrol(UUID account) {
        String secret = Totp.newSecret(random);
        String username = database.inTransaction(em -> {
            AccountEntity entity = em.find(AccountEntity.class, account);
            if (entity.totpEnabled()) {
                throw new IllegalStateException("two-factor authentication is already on; switch it off first to enrol again");
            }
            entity.setTotp(secret, false);
            return entity.username();
        });
        return new Enrolment(secret, Totp.uri(ISSUER, username, secret));
    }

    /** Switches 2FA on once the app shows the right code; returns the recovery codes (shown once). */
    List<String> confirm(UUID account, String code, String sourceIp) {
        List<String> codes = new ArrayList<>();
        for (int i = 0; i < RECOVERY_CODES; i++) {
            codes.add(recoveryCode());
        }
        AccountEntity done = database.inTransaction(em -> {
            AccountEntity entity = em.find(AccountEntity.class, account);
            if (entity.totpEnabled()) {
                throw new IllegalStateException("two-factor authentication is already on");
            }
            if (entity.totpSecret() == null) {
                throw new IllegalStateException("start with POST /api/v1/me/2fa to get a secret first");
            }
            OptionalLong step = Totp.verify(entity.totpSecret(), code, Instant.now(), null);
            if (step.isEmpty()) {
                return null;
            }
            entity.setTotp(entity.totpSecret(), true);
            entity.usedTotpStep(step.getAsLong());
            em.createQuery("delete from RecoveryCodeEntity r where r.accountId = :a").setParameter("a", account).executeUpdate();
            codes.forEach(c -> em.persist(new RecoveryCodeEntity(IdentityManager.sha256(c), account)));
            return entity;
        });
        if (done == null) {
            throw new IllegalArgumentException("totp: the code does not match; check the time on your phone and try the next code");
        }
        changes.bump();
        audit.security("2fa.enabled", account, done.username(), done.tenantId(), sourceIp, 200, null);
        return codes;
    }

    /** Switches 2FA off; the caller has checked the password. */
    void disable(UUID account, String sourceIp) {
        AccountEntity done = database.inTransaction(em -> {
            AccountEntity entity = em.find(AccountEntity.class, account);
            entity.setTotp(null, false);
            em.createQuery("delete from RecoveryCodeEntity r where r.accountId = :a").setParameter("a", account).executeUpdate();
            return entity;
        });
        changes.bump();
        audit.security("2fa.disabled", account, done.username(), done.tenantId(), sourceIp, 204, null);
    }

    @Override
    public boolean enrolled(String accountId) {
        UUID account = UUID.fromString(accountId);
        return database.inTransaction(em -> {
            AccountEntity entity = em.find(AccountEntity.class, account);
            return entity != null && entity.totpSecret() != null && entity.toAccount().twoFactor();
        });
    }

    @Override
    public boolean confirm(String accountId, String code) {
        if (code == null || !code.strip().matches("\\d{6}") || !enrolled(accountId)) {
            return false;
        }
        UUID account = UUID.fromString(accountId);
        boolean confirmed = database.inTransaction(em -> {
            AccountEntity entity = em.find(AccountEntity.class, account, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            OptionalLong step = Totp.verify(entity.totpSecret(), code.strip(), Instant.now(), entity.totpLastStep());
            step.ifPresent(entity::usedTotpStep);
            return step.isPresent();
        });
        if (confirmed) {
            confirmations.put(account, Instant.now());
        }
        return confirmed;
    }

    /** When each account last confirmed a code (in memory: a restart asks again, which errs on the safe side). */
    private final java.util.Map<UUID, Instant> confirmations = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public boolean confirmedWithin(String accountId, java.time.Duration window) {
        Instant at = confirmations.get(UUID.fromString(accountId));
        return at != null && at.isAfter(Instant.now().minus(window));
    }

    /** A TOTP code not used before, or an unused recovery code (which is then used up). */
    boolean verifyAtLogin(UUID account, String code, String sourceIp) {
        String typed = code.strip();
        if (typed.matches("\\d{6}")) {
            return database.inTransaction(em -> {
                AccountEntity entity = em.find(AccountEntity.class, account, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
                OptionalLong step = Totp.verify(entity.totpSecret(), typed, Instant.now(), entity.totpLastStep());
                step.ifPresent(entity::usedTotpStep);
                return step.isPresent();
            });
        }
        if (typed.length() > 40) {
            return false;
        }
        AccountEntity used = database.inTransaction(em -> {
            RecoveryCodeEntity recovery = em.find(RecoveryCodeEntity.class, IdentityManager.sha256(typed.toLowerCase(java.util.Locale.ROOT)),
                    jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            if (recovery == null || recovery.usedAt() != null || !recovery.accountId().equals(account)) {
                return null;
            }
            recovery.use(Tenancy.now());
            return em.find(AccountEntity.class, account);
        });
        if (used != null) {
            audit.security("2fa.recovery-code.used", account, used.username(), used.tenantId(), sourceIp, 200, remaining(account) + " left");
        }
        return used != null;
    }

    long remaining(UUID account) {
        return database.inTransaction(em -> em.createQuery(
                "select count(r) from RecoveryCodeEntity r where r.accountId = :a and r.usedAt is null", Long.class)
                .setParameter("a", account).getSingleResult());
    }

    private String recoveryCode() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            if (i == 5) {
                out.append('-');
            }
            out.append(CODE_ALPHABET.charAt(random.nextInt(CODE_ALPHABET.length())));
        }
        return out.toString();
    }
}
