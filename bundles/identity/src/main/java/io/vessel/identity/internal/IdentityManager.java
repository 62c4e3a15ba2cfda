package io.vessel.identity.internal;

import io.vessel.api.platform.LocalPeer;
import io.vessel.identity.api.Account;
import io.vessel.identity.api.IdentityService;
import io.vessel.identity.api.Tenant;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ProblemException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accounts, passwords and login sessions. On the first start it creates the provider admin {@code admin}: with the
 * password from {@code VESSEL_ADMIN_PASSWORD}, or a random one printed once to the console and the log.
 */
@Component(service = {IdentityService.class, IdentityManager.class}, immediate = true, configurationPid = IdentityConfig.PID)
@org.osgi.service.metatype.annotations.Designate(ocd = IdentityConfig.class)
public final class IdentityManager implements IdentityService {

    static final String FIRST_ADMIN = "admin";
    static final Duration SESSION_LIFETIME = Duration.ofHours(12);
    static final String USERNAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9._@-]{1,63}";
    private static final Logger LOG = LoggerFactory.getLogger(IdentityManager.class);

    private final Database database;
    private final Tenancy tenancy;
    private final Roles roles;
    private final AuditLog audit;
    private final TwoFactor twoFactor;
    private final PasswordHasher hasher = new PasswordHasher();
    private final LoginThrottle throttle;
    private final SecureRandom random = new SecureRandom();
    /** Bumped by every change to accounts, sessions and tokens; cached credentials of an older generation are reloaded. */
    private final CredentialChanges changes;
    private final CredentialCache<SessionSnapshot> sessions;

    /** A session as loaded from the database: what a request needs to rebuild its caller. */
    private record SessionSnapshot(AccountEntity account, String impersonator, Instant expiresAt) {
    }

    /** The host root's account as last looked up, and the credential generation it was looked up in. */
    private volatile AccountEntity hostRoot;
    private volatile long hostRootGeneration = -1;

    /** Compared against when the username is unknown, so a wrong username takes as long as a wrong password. */
    private volatile String decoyHash;

    @Activate
    public IdentityManager(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + IdentityPersistence.MODULE + ")") Database database,
                           @Reference Tenancy tenancy, @Reference Roles roles, @Reference AuditLog audit, @Reference TwoFactor twoFactor,
                           @Reference CredentialChanges changes, @Reference FirstAdminCredential firstAdmin, IdentityConfig config) {
        this.changes = changes;
        this.sessions = new CredentialCache<>(changes.counter(), Duration.ofSeconds(10), 100_000);
        this.database = database;
        this.tenancy = tenancy;
        this.roles = roles;
        this.audit = audit;
        this.twoFactor = twoFactor;
        this.throttle = new LoginThrottle(config.max_failures_per_account(), config.max_failures_per_address(),
                Duration.ofSeconds(config.lockout_seconds()), new LoginFailures(database));
        createFirstAdmin(firstAdmin);
    }

    private void createFirstAdmin(FirstAdminCredential firstAdmin) {
        // native SQL: nothing on the start path parses HQL (ANTLR's first parse costs about half a second of CPU; issue 14)
        long accounts = database.inTransaction(em -> ((Number) em.createNativeQuery("select count(*) from account").getSingleResult()).longValue());
        if (accounts > 0) {
            return;
        }
        FirstAdminCredential.Prepared prepared = firstAdmin.take();
        boolean generated = prepared.generated();
        String password = prepared.password();
        String hash = prepared.hash();
        database.run(em -> em.persist(new AccountEntity(FIRST_ADMIN, null, hash, tenancy.provider().id(),
                BuiltInRole.PROVIDER_ADMIN.roleName, Tenancy.now())));
        if (generated) {
            // the one time a password is shown: nobody could log in otherwise
            LOG.warn("First admin account created: username={} password={} (shown once; set VESSEL_ADMIN_PASSWORD to choose it)",
                    FIRST_ADMIN, password);
        } else {
            LOG.info("First admin account created username={} password=from {}", FIRST_ADMIN,
                    System.getenv("VESSEL_ADMIN_PASSWORD_FILE") != null ? System.getenv("VESSEL_ADMIN_PASSWORD_FILE") : "VESSEL_ADMIN_PASSWORD");
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

    /** Usernames as they may appear in logs: whatever a client typed, made harmless. */
    static String printable(String username) {
        String cut = username.length() > 64 ? username.substring(0, 64) : username;
        return cut.replaceAll("[^A-Za-z0-9@._-]", "?");
    }

    /** A logged-in account and the secret of its session (only ever in the cookie). */
    record Login(Account account, String token) {
    }

    /**
     * A new session for a correct username, password and (when the account uses 2FA) code; a {@link LoginRefused}
     * otherwise. Which of username or password was wrong is never told.
     */
    Login login(String username, String password, String totp, String sourceIp) {
        String source = sourceIp == null ? "unknown" : sourceIp;
        if (username == null || password == null || username.length() > 64 || password.length() > 1024) {
            throw LoginRefused.wrongCredentials();
        }
        Optional<AccountEntity> account = database.inTransaction(em -> em.createQuery(
                "select a from AccountEntity a where a.username = :u", AccountEntity.class).setParameter("u", username)
                .getResultStream().findFirst());
        boolean secondFactor = totp != null && !totp.isBlank() && account.map(AccountEntity::totpEnabled).orElse(false);
        Optional<Duration> wait = throttle.waitFor(username, source, secondFactor, Instant.now());
        if (wait.isPresent()) {
            LOG.warn("Login throttled username={} ip={} waitSeconds={}", printable(username), source, wait.get().toSeconds());
            audit.security("login.throttled", null, printable(username), null, source, 429, null);
            throw LoginRefused.throttled(wait.get());
        }
        boolean ok = hasher.verify(password, account.map(AccountEntity::passwordHash).orElseGet(this::decoy)) && account.isPresent();
        if (!ok) {
            refuse(username, source, account.orElse(null), "wrong username or password");
            throw LoginRefused.wrongCredentials();
        }
        AccountEntity entity = account.get();
        admit(entity, totp, source, "");
        throttle.succeeded(username, source);
        String token = newSecret();
        Account loggedIn = startSession(entity.id(), null, token, sourceIp);
        audit.security("login", entity.id(), entity.username(), entity.tenantId(), source, 200, null);
        LOG.info("Login username={} ip={}", entity.username(), source);
        return new Login(loggedIn, token);
    }

    /**
     * A new session for the account of a one-time login link the user confirmed (see {@link LoginLinks}): the tenant
     * must not be suspended, and an account with two-factor authentication still gives its code.
     */
    Login loginByLink(UUID accountId, String totp, String sourceIp, String issuedBy) {
        String source = sourceIp == null ? "unknown" : sourceIp;
        AccountEntity entity = entity(accountId).orElseThrow(LoginRefused::wrongCredentials);
        admit(entity, totp, source, " (login link)");
        String token = newSecret();
        Account loggedIn = startSession(entity.id(), null, token, sourceIp);
        audit.security("login.link", entity.id(), entity.username(), entity.tenantId(), source, 200, "link made by " + issuedBy);
        LOG.info("Login by link username={} ip={} issuedBy={}", entity.username(), source, issuedBy);
        return new Login(loggedIn, token);
    }

    /** What every way of logging in checks once the account is known: its tenant not suspended, its second factor given. */
    private void admit(AccountEntity entity, String totp, String source, String how) {
        Optional<String> suspended = tenancy.suspension(entity.tenantId());
        if (suspended.isPresent()) {
            audit.security("login.failed", entity.id(), entity.username(), entity.tenantId(), source, 403, "tenant suspended" + how);
            throw LoginRefused.suspended(suspended.get());
        }
        if (entity.totpEnabled()) {
            if (totp == null || totp.isBlank()) {
                throw LoginRefused.totpRequired();
            }
            if (!twoFactor.verifyAtLogin(entity.id(), totp, source)) {
                refuse(entity.username(), source, entity, "wrong two-factor code" + how);
                throw LoginRefused.totpWrong();
            }
        }
    }

    private void refuse(String username, String source, AccountEntity account, String why) {
        throttle.failed(username, source, Instant.now());
        audit.security("login.failed", account == null ? null : account.id(), printable(username), account == null ? null : account.tenantId(),
                source, 401, why);
        LOG.info("Login refused username={} ip={} reason={}", printable(username), source, why);
    }

    private Account startSession(UUID accountId, UUID impersonator, String token, String sourceIp) {
        Instant now = Tenancy.now();
        return database.inTransaction(em -> {
            AccountEntity entity = em.find(AccountEntity.class, accountId);
            if (impersonator == null) {
                entity.loggedIn(now);
            }
            em.persist(new SessionEntity(sha256(token), entity.id(), impersonator, now, now.plus(SESSION_LIFETIME), sourceIp));
            return entity.toAccount();
        });
    }

    /** A session for {@code admin} acting as {@code target}; audited with both names. */
    Login impersonate(AuthenticatedCaller admin, UUID target, String sourceIp) {
        AccountEntity account = entity(target).orElseThrow();
        String token = newSecret();
        Account as = startSession(account.id(), admin.account(), token, sourceIp);
        audit.security("impersonation.started", account.id(), admin.username(), account.tenantId(), sourceIp, 200,
                admin.username() + " acts as " + account.username());
        LOG.info("Impersonation admin={} account={} ip={}", admin.username(), account.username(), sourceIp);
        return new Login(as, token);
    }

    /**
     * Ends an impersonation session. Answers the admin's own session token to go back to when {@code adminToken} is
     * still a valid session of the admin who started the impersonation (not itself one), else nothing: log in again.
     */
    Optional<String> endImpersonation(AuthenticatedCaller acting, String sessionToken, String adminToken, String sourceIp) {
        String impersonator = acting.impersonator().orElseThrow();
        logout(sessionToken, false, sourceIp);
        audit.security("impersonation.ended", acting.account(), impersonator, acting.tenant(), sourceIp, 200,
                impersonator + " stopped acting as " + acting.username());
        LOG.info("Impersonation ended admin={} account={} ip={}", impersonator, acting.username(), sourceIp);
        return callerOfSession(adminToken)
                .filter(admin -> admin.impersonator().isEmpty() && admin.username().equals(impersonator))
                .map(admin -> adminToken);
    }

    String newSecret() {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    /** The caller behind a session cookie while the session lasts. */
    Optional<AuthenticatedCaller> callerOfSession(String token) {
        if (token == null || token.length() > 100) {
            return Optional.empty();
        }
        SessionSnapshot session = sessions.get(sha256(token), () -> database.inTransaction(em -> {
            SessionEntity stored = em.find(SessionEntity.class, sha256(token));
            AccountEntity account = stored == null ? null : em.find(AccountEntity.class, stored.accountId());
            if (account == null) {
                return null;
            }
            String impersonator = stored.impersonatorId() == null ? null
                    : Optional.ofNullable(em.find(AccountEntity.class, stored.impersonatorId())).map(AccountEntity::username).orElse("?");
            return new SessionSnapshot(account, impersonator, stored.expiresAt());
        }));
        if (session == null || session.expiresAt().isBefore(Instant.now())) {
            return Optional.empty();
        }
        return Optional.of(caller(session.account(), null, null, session.impersonator()));
    }

    /** The caller an account makes; with a token, limited to the token's scope. */
    AuthenticatedCaller caller(AccountEntity account, java.util.Set<String> tokenScope, UUID tokenId, String impersonator) {
        boolean mustEnrol = !account.totpEnabled() && tenancy.requires2fa(account.tenantId()) && impersonator == null;
        return new AuthenticatedCaller(account.id(), account.username(), account.tenantId(), account.role(),
                roles.permissions(account.role(), account.tenantId()), tokenScope, tokenId, impersonator, mustEnrol, tenancy);
    }

    /**
     * Root on the host, through the panel's local socket: the provider administrator {@code root@host}, an account made
     * on first use with no password (no login can match it) so that audit entries, tokens and everything else that
     * names an account work as for anyone. Never asked for a second factor: whoever is root on the host already holds
     * everything the panel guards. The name is reserved ({@link #createAccount}), and an account of that name that is
     * not the provider's administrator is refused rather than used.
     */
    AuthenticatedCaller hostRoot() {
        AccountEntity account = hostRoot;
        if (account == null || changes.counter().get() != hostRootGeneration) {
            long generation = changes.counter().get();
            account = database.inTransaction(em -> em.createQuery("select a from AccountEntity a where a.username = :u", AccountEntity.class)
                    .setParameter("u", LocalPeer.HOST_ROOT).getResultStream().findFirst().orElseGet(() -> {
                        AccountEntity made = new AccountEntity(LocalPeer.HOST_ROOT, null, "!", tenancy.provider().id(),
                                BuiltInRole.PROVIDER_ADMIN.roleName, Tenancy.now());
                        em.persist(made);
                        LOG.info("Account created username={} for root on the host (local socket, no password)", LocalPeer.HOST_ROOT);
                        return made;
                    }));
            if (!account.tenantId().equals(tenancy.provider().id()) || !BuiltInRole.PROVIDER_ADMIN.roleName.equals(account.role())) {
                throw new ProblemException(403, "forbidden", "Not allowed", "The account " + LocalPeer.HOST_ROOT
                        + " is not the provider's administrator; root on the host does not act as it.");
            }
            hostRoot = account;
            hostRootGeneration = generation;
        }
        return new AuthenticatedCaller(account.id(), account.username(), account.tenantId(), account.role(),
                roles.permissions(account.role(), account.tenantId()), null, null, null, false, tenancy);
    }

    /** Called after any change to accounts, sessions or tokens: cached credentials are looked up again. */
    void changed() {
        changes.bump();
    }

    Optional<AccountEntity> entity(UUID id) {
        return database.inTransaction(em -> Optional.ofNullable(em.find(AccountEntity.class, id)));
    }

    /**
     * Changes the password of the caller's account after checking the current one; every other session of the
     * account ends (a stolen session does not outlive the change). False when the current password is wrong.
     */
    boolean changePassword(UUID accountId, String keepSessionToken, String current, String next, String sourceIp) {
        checkPassword(next);
        AccountEntity account = entity(accountId).orElseThrow();
        if (current == null || !hasher.verify(current, account.passwordHash())) {
            audit.security("password.change.failed", accountId, account.username(), account.tenantId(), sourceIp, 403, "wrong current password");
            return false;
        }
        setPassword(accountId, next, keepSessionToken);
        audit.security("password.changed", accountId, account.username(), account.tenantId(), sourceIp, 204, null);
        return true;
    }

    boolean passwordMatches(UUID accountId, String password) {
        return password != null && password.length() <= 1024 && entity(accountId).map(a -> hasher.verify(password, a.passwordHash())).orElse(false);
    }

    static void checkPassword(String password) {
        if (password == null || password.length() < 12 || password.length() > 1024) {
            throw new IllegalArgumentException("the new password must be 12 to 1024 characters");
        }
    }

    /** Sets a password and ends every session of the account except {@code keepSessionToken}'s. */
    void setPassword(UUID accountId, String password, String keepSessionToken) {
        String hash = hasher.hash(password);
        database.run(em -> {
            em.find(AccountEntity.class, accountId).setPasswordHash(hash);
            em.createQuery("delete from SessionEntity s where s.accountId = :a and s.tokenHash <> :keep").setParameter("a", accountId)
                    .setParameter("keep", keepSessionToken == null ? "" : sha256(keepSessionToken)).executeUpdate();
        });
        changed();
        LOG.info("Password set account={}", accountId);
    }

    /** Ends the session of {@code token}, or with {@code everywhere} every session of its account. */
    void logout(String token, boolean everywhere, String sourceIp) {
        if (token == null || token.length() > 100) {
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
        changed();
    }

    // --- accounts as objects of the API ---

    Account createAccount(UUID tenant, String username, String email, String role, String password) {
        if (username == null || !username.matches(USERNAME_PATTERN)) {
            throw new IllegalArgumentException("username: 2 to 64 letters, digits, dots, dashes, underscores or @");
        }
        if (username.equalsIgnoreCase(LocalPeer.HOST_ROOT)) {
            throw new IllegalArgumentException("username: " + LocalPeer.HOST_ROOT + " is the host's root, reserved");
        }
        checkPassword(password);
        if (!roles.assignable(role, tenant)) {
            throw new IllegalArgumentException("role: " + role + " cannot be given to accounts of this tenant");
        }
        String hash = hasher.hash(password);
        AccountEntity created = new AccountEntity(username, email, hash, tenant, role, Tenancy.now());
        database.run(em -> {
            long clash = em.createQuery("select count(a) from AccountEntity a where a.username = :u", Long.class).setParameter("u", username)
                    .getSingleResult();
            if (clash > 0) {
                throw new IllegalStateException("the username " + username + " is taken");
            }
            em.persist(created);
        });
        LOG.info("Account created username={} tenant={} role={}", username, tenant, role);
        return created.toAccount();
    }

    List<Account> accountsIn(List<UUID> tenants) {
        if (tenants.isEmpty()) {
            return List.of();
        }
        return database.inTransaction(em -> em.createQuery("select a from AccountEntity a where a.tenantId in :t order by a.username",
                AccountEntity.class).setParameter("t", tenants).getResultList().stream().map(AccountEntity::toAccount).toList());
    }

    Account changeAccount(UUID id, String email, String role) {
        if (role != null && !roles.assignable(role, entity(id).orElseThrow().tenantId())) {
            throw new IllegalArgumentException("role: " + role + " cannot be given to accounts of this tenant");
        }
        Account changedAccount = database.inTransaction(em -> {
            AccountEntity account = em.find(AccountEntity.class, id);
            if (email != null) {
                account.setEmail(email.isBlank() ? null : email);
            }
            if (role != null) {
                account.setRole(role);
            }
            return account.toAccount();
        });
        changed();
        return changedAccount;
    }

    /** Deletes an account and everything that lets it in: sessions, tokens, recovery codes, reset links. */
    void deleteAccount(UUID id) {
        database.run(em -> {
            for (String entity : List.of("SessionEntity", "TokenEntity", "RecoveryCodeEntity", "PasswordResetEntity", "LoginLinkEntity")) {
                em.createQuery("delete from " + entity + " x where x.accountId = :a").setParameter("a", id).executeUpdate();
            }
            em.remove(em.find(AccountEntity.class, id));
        });
        changed();
        LOG.info("Account deleted id={}", id);
    }

    long accountsInTenant(UUID tenant) {
        return database.inTransaction(em -> em.createQuery("select count(a) from AccountEntity a where a.tenantId = :t", Long.class)
                .setParameter("t", tenant).getSingleResult());
    }

    @Override
    public Optional<Account> account(UUID id) {
        return entity(id).map(AccountEntity::toAccount);
    }

    @Override
    public java.util.List<Account> accountsOf(UUID tenant) {
        return database.inTransaction(em -> em.createQuery("select a from AccountEntity a where a.tenantId = :t order by a.username",
                AccountEntity.class).setParameter("t", tenant).getResultList().stream().map(AccountEntity::toAccount).toList());
    }

    @Override
    public Optional<Account> byUsername(String username) {
        return database.inTransaction(em -> em.createQuery("select a from AccountEntity a where a.username = :u", AccountEntity.class)
                .setParameter("u", username).getResultStream().findFirst().map(AccountEntity::toAccount));
    }

    Optional<Account> byUsernameOrEmail(String name) {
        return database.inTransaction(em -> em.createQuery("select a from AccountEntity a where a.username = :u or a.email = :u",
                AccountEntity.class).setParameter("u", name).setMaxResults(2).getResultList()).stream().findFirst().map(AccountEntity::toAccount);
    }

    @Override
    public Optional<Tenant> tenant(UUID id) {
        return tenancy.find(id);
    }

    @Override
    public Tenant provider() {
        return tenancy.provider();
    }

    @Override
    public boolean isWithin(UUID tenant, UUID ancestor) {
        return tenancy.isWithin(tenant, ancestor);
    }

    /** Every request with a token or session cookie hashes it: copying a digest is cheaper than looking one up. */
    private static final MessageDigest SHA_256;

    static {
        try {
            SHA_256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(((MessageDigest) SHA_256.clone()).digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }
}
