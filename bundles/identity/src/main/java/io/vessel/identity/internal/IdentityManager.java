package io.vessel.identity.internal;

import io.vessel.identity.api.Account;
import io.vessel.identity.api.IdentityService;
import io.vessel.identity.api.Role;
import io.vessel.persistence.api.Database;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accounts and login sessions. On the first start it creates the provider admin {@code admin}: with the password
 * from {@code VESSEL_ADMIN_PASSWORD}, or a random one printed once to the console and the log.
 */
@Component(service = {IdentityService.class, IdentityManager.class}, immediate = true, configurationPid = IdentityConfig.PID)
@org.osgi.service.metatype.annotations.Designate(ocd = IdentityConfig.class)
public final class IdentityManager implements IdentityService {

    static final String FIRST_ADMIN = "admin";
    static final Duration SESSION_LIFETIME = Duration.ofHours(12);
    private static final Logger LOG = LoggerFactory.getLogger(IdentityManager.class);
    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    private final Database database;
    private final PasswordHasher hasher = new PasswordHasher();
    private final LoginThrottle throttle;
    private final SecureRandom random = new SecureRandom();
    /** Compared against when the username is unknown, so a wrong username takes as long as a wrong password. */
    private volatile String decoyHash;

    @Activate
    public IdentityManager(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + IdentityPersistence.MODULE + ")") Database database,
                           IdentityConfig config) {
        this.database = database;
        this.throttle = new LoginThrottle(config.max_failures_per_account(), config.max_failures_per_address(),
                Duration.ofSeconds(config.lockout_seconds()));
        createFirstAdmin(System.getenv("VESSEL_ADMIN_PASSWORD"));
    }

    private void createFirstAdmin(String configured) {
        long accounts = database.inTransaction(em -> em.createQuery("select count(a) from AccountEntity a", Long.class).getSingleResult());
        if (accounts > 0) {
            return;
        }
        boolean generated = configured == null || configured.isBlank();
        String password = generated ? randomPassword() : configured;
        String hash = hasher.hash(password);
        database.run(em -> em.persist(new AccountEntity(FIRST_ADMIN, null, hash, Role.PROVIDER_ADMIN, now())));
        if (generated) {
            // the one time a password is shown: nobody could log in otherwise
            LOG.warn("First admin account created: username={} password={} (shown once; set VESSEL_ADMIN_PASSWORD to choose it)",
                    FIRST_ADMIN, password);
        } else {
            LOG.info("First admin account created username={} password=from VESSEL_ADMIN_PASSWORD", FIRST_ADMIN);
        }
    }

    private String decoy() {
        String hash = decoyHash;
        if (hash == null) {
            hash = hasher.hash("decoy"); // made on first use: hashing takes a noticeable moment at start
            decoyHash = hash;
        }
        return hash;
    }

    private String randomPassword() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            out.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return out.toString();
    }

    /** Thrown when a source has failed too often; the caller answers 429 with the wait. */
    static final class Throttled extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Duration wait;

        Throttled(Duration wait) {
            super("too many failed logins");
            this.wait = wait;
        }
    }

    /**
     * A new session for a correct username and password; empty otherwise (which one was wrong is not told).
     * Throws {@link Throttled} while the source must wait after repeated failures.
     */
    Optional<Login> login(String username, String password, String sourceIp) {
        if (username == null || password == null || username.length() > 64 || password.length() > 1024) {
            return Optional.empty();
        }
        String source = sourceIp == null ? "unknown" : sourceIp;
        Optional<Duration> wait = throttle.waitFor(username, source, Instant.now());
        if (wait.isPresent()) {
            LOG.warn("Login throttled username={} ip={} waitSeconds={}", username.replaceAll("[^A-Za-z0-9@._-]", "?"), source, wait.get().toSeconds());
            throw new Throttled(wait.get());
        }
        Optional<AccountEntity> account = database.inTransaction(em -> em.createQuery(
                "select a from AccountEntity a where a.username = :u", AccountEntity.class).setParameter("u", username)
                .getResultStream().findFirst());
        boolean ok = hasher.verify(password, account.map(AccountEntity::passwordHash).orElseGet(this::decoy)) && account.isPresent();
        if (!ok) {
            throttle.failed(username, source, Instant.now());
            LOG.info("Login refused username={} ip={}", username.replaceAll("[^A-Za-z0-9@._-]", "?"), source);
            return Optional.empty();
        }
        throttle.succeeded(username, source);
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Instant now = now();
        Account loggedIn = database.inTransaction(em -> {
            AccountEntity entity = em.find(AccountEntity.class, account.get().id());
            entity.loggedIn(now);
            em.persist(new SessionEntity(sha256(token), entity.id(), now, now.plus(SESSION_LIFETIME), sourceIp));
            return entity.toAccount();
        });
        LOG.info("Login username={} ip={}", username, sourceIp);
        return Optional.of(new Login(loggedIn, token));
    }

    /** A logged-in account and the secret of its session (only ever in the cookie). */
    record Login(Account account, String token) {
    }

    /**
     * Changes the password of the session's account after checking the current one; every other session of the
     * account ends (a stolen session does not outlive the change). False when the current password is wrong.
     */
    boolean changePassword(String token, String current, String next) {
        if (next == null || next.length() < 12 || next.length() > 1024) {
            throw new IllegalArgumentException("the new password must be 12 to 1024 characters");
        }
        SessionEntity session = token == null ? null : database.inTransaction(em -> em.find(SessionEntity.class, sha256(token)));
        if (session == null) {
            return false;
        }
        AccountEntity account = database.inTransaction(em -> em.find(AccountEntity.class, session.accountId()));
        if (current == null || !hasher.verify(current, account.passwordHash())) {
            return false;
        }
        String hash = hasher.hash(next);
        database.run(em -> {
            em.find(AccountEntity.class, account.id()).setPasswordHash(hash);
            em.createQuery("delete from SessionEntity s where s.accountId = :a and s.tokenHash <> :keep").setParameter("a", account.id())
                    .setParameter("keep", sha256(token)).executeUpdate();
        });
        LOG.info("Password changed account={}", account.id());
        return true;
    }

    /** Ends the session of {@code token}, or with {@code everywhere} every session of its account. */
    void logout(String token, boolean everywhere) {
        if (token == null) {
            return;
        }
        database.run(em -> {
            SessionEntity session = em.find(SessionEntity.class, sha256(token));
            if (session == null) {
                return;
            }
            if (everywhere) {
                int ended = em.createQuery("delete from SessionEntity s where s.accountId = :a").setParameter("a", session.accountId()).executeUpdate();
                LOG.info("Logged out everywhere account={} sessions={}", session.accountId(), ended);
            } else {
                em.remove(session);
            }
        });
    }

    @Override
    public Optional<Account> accountOfSession(String token) {
        if (token == null || token.length() > 100) {
            return Optional.empty();
        }
        return database.inTransaction(em -> {
            SessionEntity session = em.find(SessionEntity.class, sha256(token));
            if (session == null || session.expiresAt().isBefore(Instant.now())) {
                return Optional.empty();
            }
            return Optional.ofNullable(em.find(AccountEntity.class, session.accountId())).map(AccountEntity::toAccount);
        });
    }

    @Override
    public Optional<Account> byUsername(String username) {
        return database.inTransaction(em -> em.createQuery("select a from AccountEntity a where a.username = :u", AccountEntity.class)
                .setParameter("u", username).getResultStream().findFirst().map(AccountEntity::toAccount));
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
