package io.vessel.kernel.internal.channel;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * The X.509 work of the node channel: the provider's CA, a node's key pair and signing request, and the CA signing
 * it. The JDK signs and verifies (EC P-256, SHA-256); Bouncy Castle's PKIX builders write the certificates and
 * requests, which the JDK has no public API for.
 */
final class ChannelCertificates {

    /** How long a node's certificate is valid; a node asks for a new one well before (see {@link #RENEW_BEFORE}). */
    static final Duration NODE_VALIDITY = Duration.ofDays(365);
    /** A certificate this close to its end is replaced at the node's next look. */
    static final Duration RENEW_BEFORE = Duration.ofDays(30);
    private static final Duration CA_VALIDITY = Duration.ofDays(20 * 365);
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ChannelCertificates() {
    }

    static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    /** A new CA: self-signed, allowed to sign node certificates only (path length 0). */
    static X509Certificate newCa(KeyPair keys, UUID holder) throws GeneralSecurityException {
        X500Name name = new X500Name("CN=Vessel node CA,O=" + holder);
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minusSeconds(300)),
                    Date.from(now.plus(CA_VALIDITY)), name, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer(keys.getPrivate())));
        } catch (IOException e) {
            throw new GeneralSecurityException("the CA certificate could not be written: " + e.getMessage(), e);
        }
    }

    /** A signing request for node {@code node}'s key (its subject names the node). */
    static String request(KeyPair keys, UUID node) throws GeneralSecurityException {
        PKCS10CertificationRequest request = new JcaPKCS10CertificationRequestBuilder(new X500Principal("CN=" + node), keys.getPublic())
                .build(signer(keys.getPrivate()));
        return pem(request);
    }

    /**
     * The certificate for a node's signing request: refused unless the request is signed by the key it carries (the
     * node holds that key) and names {@code node}. Valid for TLS as server and client, never as a CA.
     */
    static X509Certificate sign(String requestPem, UUID node, X509Certificate ca, PrivateKey caKey) throws GeneralSecurityException {
        return sign(requestPem, node, ca, caKey, false);
    }

    /** The organisational unit of a node agent's certificate: the CA says what the node is, not the node itself. */
    static final String AGENT_UNIT = "node-agent";

    /**
     * As above; {@code agent}: the node runs a node agent only (no panel), which its certificate says
     * ({@code OU=node-agent}), so that its peers refuse it what only panels ask (consoles, commands in VEs).
     */
    static X509Certificate sign(String requestPem, UUID node, X509Certificate ca, PrivateKey caKey, boolean agent) throws GeneralSecurityException {
        JcaPKCS10CertificationRequest request;
        try (PEMParser parser = new PEMParser(new StringReader(requestPem))) {
            Object read = parser.readObject();
            if (!(read instanceof PKCS10CertificationRequest parsed)) {
                throw new GeneralSecurityException("not a certificate signing request");
            }
            request = new JcaPKCS10CertificationRequest(parsed);
            if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(request.getPublicKey()))) {
                throw new GeneralSecurityException("the request is not signed by the key it carries");
            }
        } catch (IOException | OperatorCreationException | PKCSException | RuntimeException e) {
            // a crafted request may fail anywhere in the parser (bad base64, bad DER): it is refused, never a crash
            // the parser's own words name its classes: the caller is told what was expected instead
            throw new GeneralSecurityException("the signing request cannot be read (expected a PKCS#10 request as PEM, signed by its key)", e);
        }
        if (!request.getSubject().toString().equals("CN=" + node)) {
            throw new GeneralSecurityException("the request names " + request.getSubject() + ", not node " + node);
        }
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca, serial(), Date.from(now.minusSeconds(300)),
                    Date.from(now.plus(NODE_VALIDITY)), new X500Principal("CN=" + node + (agent ? ", OU=" + AGENT_UNIT : "")), request.getPublicKey())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth,
                            KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(ca));
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer(caKey)));
        } catch (IOException e) {
            throw new GeneralSecurityException("the certificate could not be written: " + e.getMessage(), e);
        }
    }

    /** The node a certificate was issued to (its subject's common name), or null when it names none. */
    static UUID nodeOf(X509Certificate certificate) {
        String common = attribute(certificate, "CN");
        if (common == null) {
            return null;
        }
        try {
            return UUID.fromString(common);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Whether the CA issued the certificate to a node agent (no panel on that node). */
    static boolean isAgent(X509Certificate certificate) {
        return AGENT_UNIT.equals(attribute(certificate, "OU"));
    }

    private static String attribute(X509Certificate certificate, String type) {
        try {
            for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase(type)) {
                    return String.valueOf(rdn.getValue());
                }
            }
            return null;
        } catch (javax.naming.InvalidNameException e) {
            return null;
        }
    }

    /** The serial as recorded: lower-case hex. */
    static String serialOf(X509Certificate certificate) {
        return certificate.getSerialNumber().toString(16);
    }

    static String pem(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new IllegalStateException("PEM encoding failed", e);
        }
        return text.toString();
    }

    static X509Certificate certificate(String pem) throws GeneralSecurityException {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object read = parser.readObject();
            if (!(read instanceof org.bouncycastle.cert.X509CertificateHolder holder)) {
                throw new GeneralSecurityException("not a certificate");
            }
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (IOException | RuntimeException e) {
            throw new GeneralSecurityException("the certificate cannot be read: " + e.getMessage(), e);
        }
    }

    /** A private key as PKCS#8 PEM. */
    static String pem(PrivateKey key) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null));
        } catch (IOException e) {
            throw new IllegalStateException("PEM encoding failed", e);
        }
        return text.toString();
    }

    static PrivateKey privateKey(String pem) throws GeneralSecurityException {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object read = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (read instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (read instanceof org.bouncycastle.openssl.PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            throw new GeneralSecurityException("not a private key");
        } catch (IOException | RuntimeException e) {
            throw new GeneralSecurityException("the key cannot be read: " + e.getMessage(), e);
        }
    }

    private static ContentSigner signer(PrivateKey key) throws GeneralSecurityException {
        try {
            return new JcaContentSignerBuilder(SIGNATURE).build(key);
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }
}
