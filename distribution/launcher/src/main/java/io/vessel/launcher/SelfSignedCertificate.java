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
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The panel's own TLS certificate when the provider configured none: made once at the first start with the JDK's
 * {@code keytool} (an ECDSA P-256 key, valid ten years, for {@code localhost}, the host's name and loopback
 * addresses) into {@code data/tls/self-signed.p12}, its random password beside it, both readable by root only.
 * keytool runs while the framework starts, so it costs the first start no wall time on two cores.
 */
final class SelfSignedCertificate {

    static final String ALIAS = "vessel";

    private final Path keystore;
    private final Path password;
    /** keytool making the certificate into {@link #partial}; null when it existed already. */
    private final Process generating;
    private final Path partial;

    private SelfSignedCertificate(Path keystore, Path password, Process generating, Path partial) {
        this.keystore = keystore;
        this.password = password;
        this.generating = generating;
        this.partial = partial;
    }

    static Path keystore(Path dataDir) {
        return dataDir.resolve("tls/self-signed.p12");
    }

    static Path passwordFile(Path dataDir) {
        return dataDir.resolve("tls/self-signed.password");
    }

    /** Starts making the certificate unless it exists; {@link #await} waits for it. */
    static SelfSignedCertificate ensure(Path dataDir) throws IOException {
        Path keystore = keystore(dataDir);
        Path password = passwordFile(dataDir);
        if (Files.exists(keystore) && Files.exists(password)) {
            return new SelfSignedCertificate(keystore, password, null, null);
        }
        Path dir = Files.createDirectories(keystore.getParent());
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Files.deleteIfExists(keystore);
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String secret = HexFormat.of().formatHex(random);
        Files.writeString(password, secret, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        String host = hostName();
        Path partial = keystore.resolveSibling("self-signed.p12.new");
        Files.deleteIfExists(partial);
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", ALIAS,
                "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-validity", "3650",
                "-dname", "CN=" + host + ", O=Vessel (self-signed)", "-ext", "SAN=dns:localhost,dns:" + host + ",ip:127.0.0.1,ip:::1",
                "-storetype", "PKCS12", "-keystore", partial.toString(), "-storepass", secret, "-keypass", secret);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new SelfSignedCertificate(keystore, password, p, partial);
    }

    /** Waits for the certificate and answers its SHA-256 fingerprint, as browsers show it. */
    String await() throws IOException {
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
            Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-------"));
            Files.move(partial, keystore, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, Files.readString(password).strip().toCharArray());
            return fingerprint(store.getCertificate(ALIAS));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read " + keystore + ": " + e.getMessage(), e);
        }
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
