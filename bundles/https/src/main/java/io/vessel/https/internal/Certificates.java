package io.vessel.https.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the served certificate comes from: the provider's PEM files ({@code https.certificate}, a chain as certbot's
 * {@code fullchain.pem} has it, and {@code https.key}, PKCS#8 as certbot's {@code privkey.pem}), or the self-signed
 * pair the launcher made, in the same form. Read into an in-memory key store; {@link #fingerprint} tells when the
 * files changed (certbot replaces them on renewal).
 */
final class Certificates {

    /** Password of the in-memory key store handed to Jetty (it never leaves this process). */
    static final String STORE_PASSWORD = "vessel-in-memory";

    private static final Pattern PRIVATE_KEY = Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private final Path certificate;
    private final Path key;
    private final boolean providersOwn;

    /** The provider's files when {@code certificate} is set, otherwise the self-signed ones. */
    Certificates(Path certificate, Path key, Path selfSignedCertificate, Path selfSignedKey) {
        this.providersOwn = certificate != null;
        this.certificate = providersOwn ? certificate : selfSignedCertificate;
        this.key = providersOwn ? key : selfSignedKey;
    }

    /** Whether the provider configured its own certificate (then HSTS is sent). */
    boolean providersOwn() {
        return providersOwn;
    }

    /** Whether what is to be served can be read now (the self-signed pair is made while the panel starts). */
    boolean ready() {
        return Files.isReadable(certificate) && Files.isReadable(key);
    }

    /** A digest of the files' contents: a change means a new certificate to load. */
    String fingerprint() throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(Files.readAllBytes(certificate));
            digest.update(Files.readAllBytes(key));
            return HexFormat.of().formatHex(digest.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The key and chain as a key store Jetty takes, protected by {@link #STORE_PASSWORD}. A JKS store, because it
     * only lives in memory: a PKCS#12 one would encrypt the key with 10 000 rounds of key derivation when it is
     * put in and again when Jetty takes it out, for nothing.
     */
    KeyStore load() throws IOException {
        try {
            KeyStore store = KeyStore.getInstance("JKS");
            store.load(null, null);
            Collection<? extends Certificate> chain;
            try (InputStream in = Files.newInputStream(certificate)) {
                chain = CertificateFactory.getInstance("X.509").generateCertificates(in);
            }
            if (chain.isEmpty()) {
                throw new IOException(certificate + " holds no PEM certificate");
            }
            store.setKeyEntry("vessel", privateKey(Files.readString(key, StandardCharsets.US_ASCII)), STORE_PASSWORD.toCharArray(),
                    chain.toArray(Certificate[]::new));
            return store;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot load the TLS certificate: " + e.getMessage(), e);
        }
    }

    /** A trust store with no entries: the server side of TLS needs one only to check client certificates. */
    static KeyStore emptyTrustStore() throws IOException {
        try {
            KeyStore store = KeyStore.getInstance("JKS");
            store.load(null, null);
            return store;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make an empty trust store: " + e.getMessage(), e);
        }
    }

    /** A PKCS#8 private key (RSA, EC or Ed25519), the form certbot and {@code openssl pkcs8 -topk8} write. */
    static PrivateKey privateKey(String pem) throws IOException {
        Matcher m = PRIVATE_KEY.matcher(pem);
        if (!m.find()) {
            String kind = pem.contains("BEGIN RSA PRIVATE KEY") ? "a PKCS#1 RSA key" : pem.contains("BEGIN EC PRIVATE KEY") ? "a SEC1 EC key"
                    : pem.contains("ENCRYPTED") ? "an encrypted key" : "no private key";
            throw new IOException("https.key holds " + kind + "; give an unencrypted PKCS#8 key ('-----BEGIN PRIVATE KEY-----', e.g. "
                    + "openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem)");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException notThisOne) {
                // try the next algorithm
            }
        }
        throw new IOException("https.key is a PKCS#8 key of an algorithm other than RSA, EC or Ed25519");
    }
}
