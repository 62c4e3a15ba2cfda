package io.vessel.identity.internal;

import io.vessel.persistence.api.Database;
import io.vessel.web.api.ProblemException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * API tokens for scripts ({@code Authorization: Bearer vsl_…}): limited to named permissions (never more than the
 * account holds at the time of use), optionally expiring and tied to source addresses. The secret is shown once;
 * only its SHA-256 is kept. Token use shows in the owner's security log, at most once an hour per token.
 */
@Component(service = ApiTokens.class)
public final class ApiTokens {

    static final String PREFIX = "vsl_";
    private static final Duration USE_LOGGED_EVERY = Duration.ofHours(1);

    /** A token as listed: never the secret. */
    public record TokenView(UUID id, String name, Set<String> permissions, List<String> allowedIps, Instant expiresAt, Instant createdAt,
                            Instant lastUsedAt, Instant revokedAt) {
    }

    /** A new token and its secret, which is not shown again. */
    public record NewToken(TokenView token, String secret) {
    }

    private final Database database;
    private final IdentityManager identity;
    private final AuditLog audit;
    private final CredentialChanges changes;
    /** Token and account as loaded, by the secret's hash; emptied by any change to tokens or accounts. */
    private final CredentialCache<Loaded> cache;

    /** A token as cached, its scope and address list parsed once rather than at every request. */
    private record Loaded(TokenEntity token, AccountEntity account, Set<String> scope, List<String> allowedIps) {
        Loaded(TokenEntity token, AccountEntity account) {
            this(token, account, token.permissions(), token.allowedIps());
        }
    }

    @Activate
    public ApiTokens(@Reference(target = "(" + Database.MODULES_PROPERTY + "=" + IdentityPersistence.MODULE + ")") Database database,
                     @Reference IdentityManager identity, @Reference AuditLog audit, @Reference CredentialChanges changes) {
        this.database = database;
        this.identity = identity;
        this.audit = audit;
        this.changes = changes;
        this.cache = new CredentialCache<>(changes.counter(), java.time.Duration.ofSeconds(10), 100_000);
    }

    NewToken create(AuthenticatedCaller caller, String name, Set<String> permissions, Instant expiresAt, List<String> allowedIps,
                    String sourceIp) {
        if (name == null || name.isBlank() || name.length() > 100) {
            throw new IllegalArgumentException("name: 1 to 100 characters");
        }
        if (permissions == null || permissions.isEmpty()) {
            throw new IllegalArgumentException("permissions: name at least one, e.g. [\"ve.read\"]");
        }
        Set<String> beyond = new TreeSet<>();
        permissions.stream().filter(p -> !caller.may(p)).forEach(beyond::add);
        if (!beyond.isEmpty()) {
            throw new IllegalArgumentException("permissions: you do not hold " + String.join(", ", beyond));
        }
        if (expiresAt != null && !expiresAt.isAfter(Instant.now())) {
            throw new IllegalArgumentException("expiresAt: must lie in the future");
        }
        List<String> ips = allowedIps == null ? List.of() : List.copyOf(allowedIps);
        for (String ip : ips) {
            if (!validCidr(ip)) {
                throw new IllegalArgumentException("allowedIps: " + ip + " is not an address or CIDR block");
            }
        }
        UUID id = UUID.randomUUID();
        String secret = PREFIX + identity.newSecret();
        TokenEntity entity = new TokenEntity(id, caller.account(), name.strip(), IdentityManager.sha256(secret), permissions, ips, expiresAt,
                Tenancy.now());
        database.run(em -> em.persist(entity));
        audit.security("token.created", caller.account(), caller.username(), caller.tenant(), sourceIp, 201, name.strip());
        return new NewToken(view(entity), secret);
    }

    List<TokenView> of(UUID account) {
        return database.inTransaction(em -> em.createQuery("select t from TokenEntity t where t.accountId = :a order by t.createdAt desc",
                TokenEntity.class).setParameter("a", account).getResultList().stream().map(ApiTokens::view).toList());
    }

    /** Revokes one of the account's tokens; false when the account has no such token. */
    boolean revoke(AuthenticatedCaller caller, UUID id, String sourceIp) {
        TokenEntity revoked = database.inTransaction(em -> {
            TokenEntity token = em.find(TokenEntity.class, id);
            if (token == null || !token.accountId().equals(caller.account())) {
                return null;
            }
            if (token.revokedAt() == null) {
                token.revoke(Tenancy.now());
            }
            return token;
        });
        if (revoked != null) {
            changes.bump();
            audit.security("token.revoked", caller.account(), caller.username(), caller.tenant(), sourceIp, 204, revoked.name());
        }
        return revoked != null;
    }

    /**
     * The caller a bearer token stands for; refused with a reason a script's author can act on (the secret's holder
     * learns nothing about other accounts from it).
     */
    AuthenticatedCaller authenticate(String secret, String sourceIp) {
        if (secret == null || !secret.startsWith(PREFIX) || secret.length() > 100) {
            throw refused("The API token is not valid.");
        }
        Instant now = Instant.now();
        Loaded loaded = cache.get(IdentityManager.sha256(secret), () -> database.inTransaction(em -> {
            TokenEntity stored = em.createQuery("select t from TokenEntity t where t.tokenHash = :h", TokenEntity.class)
                    .setParameter("h", IdentityManager.sha256(secret)).getResultStream().findFirst().orElse(null);
            AccountEntity owner = stored == null ? null : em.find(AccountEntity.class, stored.accountId());
            return owner == null ? null : new Loaded(stored, owner);
        }));
        if (loaded == null) {
            throw refused("The API token is not valid.");
        }
        TokenEntity token = loaded.token();
        if (token.revokedAt() != null) {
            throw refused("The API token was revoked.");
        }
        if (token.expiresAt() != null && !token.expiresAt().isAfter(now)) {
            throw refused("The API token expired at " + token.expiresAt() + ".");
        }
        if (!loaded.allowedIps().isEmpty() && loaded.allowedIps().stream().noneMatch(cidr -> matches(cidr, sourceIp))) {
            throw refused("The API token may not be used from " + sourceIp + ".");
        }
        AccountEntity account = loaded.account();
        if (token.lastUsedAt() == null || token.lastUsedAt().isBefore(now.minus(USE_LOGGED_EVERY))) {
            Instant used = Tenancy.now();
            database.run(em -> em.find(TokenEntity.class, token.id()).used(used));
            token.used(used); // the cached copy too, so the use is logged once an hour, not once per cached read
            audit.security("token.used", account.id(), account.username(), account.tenantId(), sourceIp, 200, token.name());
        }
        return identity.caller(account, loaded.scope(), token.id(), null);
    }

    private static ProblemException refused(String detail) {
        return new ProblemException(401, "unauthorized", "Not authenticated", detail);
    }

    private static TokenView view(TokenEntity t) {
        return new TokenView(t.id(), t.name(), t.permissions(), t.allowedIps(), t.expiresAt(), t.createdAt(), t.lastUsedAt(), t.revokedAt());
    }

    static boolean validCidr(String text) {
        return parse(text).isPresent();
    }

    private record Block(byte[] network, int prefix) {
    }

    private static Optional<Block> parse(String text) {
        if (text == null || text.length() > 50) {
            return Optional.empty();
        }
        String[] parts = text.strip().split("/", -1);
        boolean v4 = parts[0].matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = parts[0].contains(":") && parts[0].matches("[0-9A-Fa-f:.]+");
        if (parts.length > 2 || !(v4 || v6) || (parts.length == 2 && !parts[1].matches("\\d{1,3}"))) {
            return Optional.empty(); // literals only: a host name here would mean a DNS lookup per request
        }
        if (v4 && java.util.Arrays.stream(parts[0].split("\\.")).anyMatch(octet -> Integer.parseInt(octet) > 255)) {
            return Optional.empty();
        }
        try {
            byte[] address = InetAddress.getByName(parts[0]).getAddress();
            int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : address.length * 8;
            return prefix > address.length * 8 ? Optional.empty() : Optional.of(new Block(address, prefix));
        } catch (UnknownHostException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    static boolean matches(String cidr, String ip) {
        Optional<Block> block = parse(cidr);
        Optional<Block> address = parse(ip);
        if (block.isEmpty() || address.isEmpty() || block.get().network().length != address.get().network().length) {
            return false;
        }
        byte[] a = address.get().network();
        byte[] n = block.get().network();
        int prefix = block.get().prefix();
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >> (bit % 8);
            if ((a[bit / 8] & mask) != (n[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }
}
