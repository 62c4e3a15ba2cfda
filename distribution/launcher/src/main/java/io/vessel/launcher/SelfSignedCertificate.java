package io.vessel.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The panel's own TLS certificate when the provider configured none: made once at the first start with the JDK's
 * {@code keytool} (an ECDSA P-256 key, valid ten years, for {@code localhost}, the host's name and loopback
 * addresses) and kept as PEM files, {@code data/tls/self-signed.crt} and its PKCS#8 key {@code self-signed.key},
 * readable by root only. keytool runs while the framework starts, so it costs the first start no wall time on two
 * cores. PEM, not the PKCS#12 keytool writes: a PKCS#12 file costs two password-based key derivations of 10 000
 * rounds at every read (a tenth of a second of a cold JVM's start, twice), and its password would sit beside it
 * anyway. A keystore left by an older version is converted once.
 */
final class SelfSignedCertificate {

    static final String ALIAS = "vessel";

    private final Path certificate;
    private final Path key;
    /** keytool making the certificate into {@link #keystore}; null when it existed already. */
    private final Process generating;
    /** The PKCS#12 keystore to convert (keytool's, or an older version's), or null. */
    private final Path keystore;
    private final Path password;

    /** The certificate's fingerprint once the PEM pair is in place; completed off the main thread. */
    private final java.util.concurrent.CompletableFuture<String> done;

    private SelfSignedCertificate(Path certificate, Path key, Process generating, Path keystore, Path password) {
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
            return new SelfSignedCertificate(certificate, key, null, null, null);
        }
        Path legacy = dataDir.resolve("tls/self-signed.p12");
        Path legacyPassword = dataDir.resolve("tls/self-signed.password");
        if (Files.exists(legacy) && Files.exists(legacyPassword)) {
            return new SelfSignedCertificate(certificate, key, null, legacy, legacyPassword);
        }
        Path dir = Files.createDirectories(certificate.getParent());
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String secret = HexFormat.of().formatHex(random);
        Path password = dir.resolve("self-signed.password.new");
        Files.writeString(password, secret, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        String host = hostName();
        Path partial = dir.resolve("self-signed.p12.new");
        Files.deleteIfExists(partial);
        // keytool is a JVM of its own: at the lowest priority, so that on two cores it takes what the starting panel
        // leaves rather than slowing the panel's first start; with the client compiler and the serial collector, as the
        // panel itself runs, since the JVM's defaults (C2, G1 and their threads) double its CPU (1.05 → 0.53 s here)
        List<String> command = new java.util.ArrayList<>(Files.isExecutable(Path.of("/usr/bin/nice")) ? List.of("/usr/bin/nice", "-n", "19") : List.of());
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-J-XX:TieredStopAtLevel=1",
                "-J-XX:+UseSerialGC", "-genkeypair", "-alias", ALIAS,
                "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-validity", "3650",
                "-dname", "CN=" + host + ", O=Vessel (self-signed)", "-ext", "SAN=dns:localhost,dns:" + host + ",ip:127.0.0.1,ip:::1",
                "-storetype", "PKCS12", "-keystore", partial.toString(), "-storepass", secret, "-keypass", secret));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new SelfSignedCertificate(certificate, key, p, partial, password);
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
        if (generating != null) {
            try {
                if (!generating.waitFor(60, TimeUnit.SECONDS) || generating.exitValue() != 0) {
                    String output = new String(generating.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                    throw new IOException("keytool could not make the self-signed certificate: " + output);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while making the self-signed certificate");
            }
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
