package io.vessel.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.launcher.SigningRequest;
import java.io.StringReader;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.UUID;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

/**
 * What {@code vesselctl node join} sends and keeps, read back with BouncyCastle as the panel's CA reads it
 * ({@code ChannelCertificates}): vesselctl makes both with the JDK alone, so that BouncyCastle's jars stay off its
 * class path.
 */
class NodeJoinRequestTest {

    @Test
    void theSigningRequestIsWhatTheCaReadsAndChecks() throws Exception {
        KeyPair keys = keys();
        String node = UUID.randomUUID().toString();

        String pem = SigningRequest.pem(keys, node);

        assertTrue(pem.startsWith("-----BEGIN CERTIFICATE REQUEST-----\n") && pem.endsWith("-----END CERTIFICATE REQUEST-----\n"), pem);
        assertTrue(pem.lines().allMatch(l -> l.length() <= 64), "RFC 7468: lines of at most 64 characters");
        JcaPKCS10CertificationRequest request;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            request = new JcaPKCS10CertificationRequest((PKCS10CertificationRequest) parser.readObject());
        }
        assertTrue(request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(request.getPublicKey())), "signed by the node's key");
        assertEquals("CN=" + node, request.getSubject().toString());
        assertArrayEquals(keys.getPublic().getEncoded(), request.getPublicKey().getEncoded());
        assertEquals("1.2.840.10045.4.3.2", request.getSignatureAlgorithm().getAlgorithm().getId());
        assertEquals(0, request.getAttributes().length);
    }

    @Test
    void aRequestSignedByAnotherKeyIsNotValid() throws Exception {
        KeyPair keys = keys();
        KeyPair other = keys();
        String pem = SigningRequest.pem(new KeyPair(keys.getPublic(), other.getPrivate()), "node-x");
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            JcaPKCS10CertificationRequest request = new JcaPKCS10CertificationRequest((PKCS10CertificationRequest) parser.readObject());
            assertFalse(request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(request.getPublicKey())));
        }
    }

    @Test
    void theKeptPrivateKeyIsReadBackAsTheSameKey() throws Exception {
        KeyPair keys = keys();
        String pem = SigningRequest.privateKeyPem(keys.getPrivate());
        assertTrue(pem.startsWith("-----BEGIN PRIVATE KEY-----\n"), pem);
        PrivateKey read;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            read = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) parser.readObject());
        }
        assertArrayEquals(keys.getPrivate().getEncoded(), read.getEncoded());
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(read);
        signer.update(new byte[] {1, 2, 3});
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(keys.getPublic());
        verifier.update(new byte[] {1, 2, 3});
        assertTrue(verifier.verify(signer.sign()), "the key read back signs for the node's public key");
    }

    private static KeyPair keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }
}
