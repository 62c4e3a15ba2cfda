package io.vessel.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The panel's own TLS certificate when the provider configured none: made once at the first start (an ECDSA P-256
 * key, valid ten years, for {@code localhost}, the host's name and loopback addresses; see {@link SelfSignedX509}) and
 * kept as PEM files, {@code data/tls/self-signed.crt} and its PKCS#8 key {@code self-signed.key}, readable by root
 * only. It is made on a background thread while the framework starts. PEM, not PKCS#12: a PKCS#12 file costs two
 * password-based key derivations of 10 000 rounds at every read (a tenth of a second of a cold JVM's start, twice),
 * and its password would sit beside it anyway. A keystore left by an older version (which ran keytool) is converted
 * once.
 */
final class SelfSignedCertificate {

    static final String ALIAS = "vessel";
    private static final Duration VALIDITY = Duration.ofDays(3650);

    private final Path certificate;
    private final Path key;
    /** Whether the pair is still to be made. */
    private final boolean generating;
    /** The PKCS#12 keystore an older version left, to convert, or null. */
    private final Path keystore;
    private final Path password;

    /** The certificate's fingerprint once the PEM pair is in place; completed off the main thread. */
    private final java.util.concurrent.CompletableFuture<String> done;

    private SelfSignedCertificate(Path certificate, Path key, boolean generating, Path keystore, Path password) {
        this.certificate = certificate;
        this.key = key;
        this.generating = generating;
        this.keystore = keystore;
        this.password = password;
        // finished in the background, so HTTPS can be served as soon as the pair exists, not after the panel is ready
        this.done = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return complete();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    static Path certificate(Path dataDir) {
        return dataDir.resolve("tls/self-signed.crt");
    }

    static Path key(Path dataDir) {
        return dataDir.resolve("tls/self-signed.key");
    }

    /** Starts making the certificate unless it exists; {@link #await} waits for it. */
    static SelfSignedCertificate ensure(Path dataDir) throws IOException {
        Path certificate = certificate(dataDir);
        Path key = key(dataDir);
        if (Files.exists(certificate) && Files.exists(key)) {
            return new SelfSignedCertificate(certificate, key, false, null, null);
        }
        Path legacy = dataDir.resolve("tls/self-signed.p12");
        Path legacyPassword = dataDir.resolve("tls/self-signed.password");
        if (Files.exists(legacy) && Files.exists(legacyPassword)) {
            return new SelfSignedCertificate(certificate, key, false, legacy, legacyPassword);
        }
        Path dir = Files.createDirectories(certificate.getParent());
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return new SelfSignedCertificate(certificate, key, true, null, null);
    }

    /** Waits for the certificate and answers its SHA-256 fingerprint, as browsers show it. */
    String await() throws IOException {
        try {
            return done.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof java.io.UncheckedIOException io ? io.getCause() : new IOException(e.getCause().getMessage(), e.getCause());
        }
    }

    private String complete() throws IOException {
        if (generating) {
            generate();
        }
        if (keystore != null) {
            convert();
        }
        try (InputStream in = Files.newInputStream(certificate)) {
            return fingerprint(CertificateFactory.getInstance("X.509").generateCertificate(in));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read " + certificate + ": " + e.getMessage(), e);
        }
    }

    /** Makes the pair and writes the key, then the certificate (each complete or absent: a start finding one alone makes both anew). */
    private void generate() throws IOException {
        String host = hostName();
        SelfSignedX509.Made made;
        try {
            made = SelfSignedX509.make(host, host.equals("localhost") ? List.of("localhost") : List.of("localhost", host),
                    List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")), VALIDITY);
        } catch (GeneralSecurityException e) {
            throw new IOException("could not make the self-signed certificate: " + e.getMessage(), e);
        }
        writeSecret(key, pem("PRIVATE KEY", made.keys().getPrivate().getEncoded()));
        writeSecret(certificate, pem("CERTIFICATE", made.certificate()));
    }

    /** Writes the keystore's key, then its certificate, as PEM (each complete or absent), and removes the keystore. */
    private void convert() throws IOException {
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            char[] secret = Files.readString(password).strip().toCharArray();
            store.load(in, secret);
            String alias = store.aliases().nextElement();
            writeSecret(key, pem("PRIVATE KEY", store.getKey(alias, secret).getEncoded()));
            writeSecret(certificate, pem("CERTIFICATE", store.getCertificate(alias).getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read " + keystore + ": " + e.getMessage(), e);
        }
        Files.delete(keystore);
        Files.delete(password);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void writeSecret(Path file, String content) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".new");
        Files.deleteIfExists(partial);
        Files.createFile(partial, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(partial, content, StandardCharsets.US_ASCII);
        Files.move(partial, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** SHA-256 of the certificate's DER encoding, as colon-separated hex pairs. */
    static String fingerprint(Certificate certificate) throws GeneralSecurityException {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    }

    private static String hostName() {
        try {
            String name = java.net.InetAddress.getLocalHost().getHostName();
            return name.matches("[A-Za-z0-9.-]{1,253}") ? name : "localhost";
        } catch (IOException e) {
            return "localhost";
        }
    }
}
