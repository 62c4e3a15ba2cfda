package io.vessel.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfSignedCertificateTest {

    @TempDir
    Path data;

    @Test
    void firstStartMakesAPemPairReadableByItsOwnerOnlyAndLaterStartsReuseIt() throws Exception {
        String fingerprint = SelfSignedCertificate.ensure(data).await();

        Path crt = data.resolve("tls/self-signed.crt");
        Path key = data.resolve("tls/self-signed.key");
        assertEquals(fingerprint, SelfSignedCertificate.fingerprint(read(crt)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals("EC", parseKey(key).getAlgorithm());
        try (var files = Files.list(data.resolve("tls"))) {
            assertEquals(List.of("self-signed.crt", "self-signed.key"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no keystore, password or partial file is left behind");
        }
        assertEquals(fingerprint, SelfSignedCertificate.ensure(data).await(), "the same certificate at the next start");
    }

    @Test
    void aKeystoreLeftByAnOlderVersionIsConvertedOnceKeepingItsCertificate() throws Exception {
        Path tls = Files.createDirectories(data.resolve("tls"));
        Path p12 = tls.resolve("self-signed.p12");
        Files.writeString(tls.resolve("self-signed.password"), "old-secret");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "vessel", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-storetype", "PKCS12",
                "-keystore", p12.toString(), "-storepass", "old-secret", "-keypass", "old-secret").inheritIO().start();
        assertEquals(0, keytool.waitFor());
        KeyStore old = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            old.load(in, "old-secret".toCharArray());
        }

        String fingerprint = SelfSignedCertificate.ensure(data).await();

        assertEquals(SelfSignedCertificate.fingerprint(old.getCertificate("vessel")), fingerprint, "browsers that trusted it still do");
        assertEquals(old.getKey("vessel", "old-secret".toCharArray()), parseKey(tls.resolve("self-signed.key")));
        assertFalse(Files.exists(p12));
        assertFalse(Files.exists(tls.resolve("self-signed.password")));
    }

    private static Certificate read(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static java.security.PrivateKey parseKey(Path pem) throws Exception {
        String text = Files.readString(pem);
        assertTrue(text.startsWith("-----BEGIN PRIVATE KEY-----\n"), text);
        String body = text.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(body)));
    }
}
