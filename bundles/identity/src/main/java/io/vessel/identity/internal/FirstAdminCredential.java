package io.vessel.identity.internal;

import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first admin's password and its Argon2id hash, begun as soon as the identity bundle starts on a fresh data
 * directory (the launcher says so with {@code vessel.data.fresh}), so that the hash — about a third of a second of
 * CPU — is made while the database is still being opened and Hibernate boots, not after them on the first start's
 * critical path. Whether an admin is made at all is still decided from the database ({@link IdentityManager}): a fresh
 * data directory on a database that already has accounts (a new node of an existing PostgreSQL) throws the hash away.
 * On any other start nothing is made ahead; the hash is made when asked for, as before.
 */
@Component(service = FirstAdminCredential.class, immediate = true)
public final class FirstAdminCredential {

    static final String FRESH_DATA_PROPERTY = "vessel.data.fresh";
    static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private static final Logger LOG = LoggerFactory.getLogger(FirstAdminCredential.class);

    /** A password, whether Vessel chose it, and its hash. */
    record Prepared(String password, boolean generated, String hash) {
    }

    private final CompletableFuture<Prepared> ahead;

    @Activate
    public FirstAdminCredential(BundleContext context) {
        if (Boolean.parseBoolean(context.getProperty(FRESH_DATA_PROPERTY))) {
            ahead = CompletableFuture.supplyAsync(FirstAdminCredential::prepare, runnable -> {
                Thread thread = new Thread(runnable, "vessel-first-admin-hash");
                thread.setDaemon(true);
                thread.start();
            });
        } else {
            ahead = null;
        }
    }

    /** The password and its hash: made ahead on a fresh data directory, else now. */
    Prepared take() {
        return ahead != null ? ahead.join() : prepare();
    }

    private static Prepared prepare() {
        String configured = firstAdminPassword();
        boolean generated = configured == null || configured.isBlank();
        String password = generated ? randomPassword() : configured;
        return new Prepared(password, generated, new PasswordHasher().hash(password));
    }

    /**
     * The first admin's password as the installation chose it: {@code VESSEL_ADMIN_PASSWORD}, or the first line of the
     * file {@code VESSEL_ADMIN_PASSWORD_FILE} names (the Debian package's postinst writes one, 0600, so no password is
     * ever in a process environment or a log); null for a random one.
     */
    private static String firstAdminPassword() {
        String file = System.getenv("VESSEL_ADMIN_PASSWORD_FILE");
        if (file != null && !file.isBlank() && java.nio.file.Files.isReadable(java.nio.file.Path.of(file))) {
            try {
                return java.nio.file.Files.readAllLines(java.nio.file.Path.of(file)).stream().findFirst().map(String::strip).orElse(null);
            } catch (java.io.IOException e) {
                LOG.warn("First admin password file not read path={}: {}", file, e.getMessage());
            }
        }
        return System.getenv("VESSEL_ADMIN_PASSWORD");
    }

    static String randomPassword() {
        SecureRandom random = new SecureRandom();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            out.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return out.toString();
    }
}
