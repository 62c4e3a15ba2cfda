package io.vessel.launcher;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;

/**
 * What a node joining a panel sends and keeps: a PKCS#10 certificate signing request (RFC 2986) for {@code CN=<node
 * id>}, signed with SHA-256 by the node's own EC key, and that key as PKCS#8 PEM. The panel's CA reads the request with
 * BouncyCastle and checks its signature and name.
 *
 * <p>Written with the JDK (its key's encodings, its signature) and the launcher's DER, not BouncyCastle, because
 * vesselctl carries this: BouncyCastle's three jars hold 7,500 of the 11,000 entries on vesselctl's class path, and a
 * JVM opens every jar of its class path at the first class or resource it does not find (picocli looks for Groovy's
 * closures at every start) — about 20 ms of every vesselctl command, for a request made once per node.
 */
public final class SigningRequest {

    /** ecdsa-with-SHA256 (RFC 5758), with no parameters. */
    private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
    private static final String COMMON_NAME = "2.5.4.3";

    private SigningRequest() {
    }

    /** The PEM of a request for the subject {@code CN=<commonName>} and the public key of {@code keys} (EC), signed by its private key. */
    public static String pem(KeyPair keys, String commonName) throws GeneralSecurityException {
        byte[] subject = Der.sequence(Der.set(Der.sequence(Der.oid(COMMON_NAME), Der.utf8(commonName))));
        byte[] info = Der.sequence(
                Der.tlv(0x02, new byte[] {0}), // version v1 (0)
                subject,
                keys.getPublic().getEncoded(), // SubjectPublicKeyInfo, DER already
                Der.tlv(0xa0, new byte[0])); // [0] attributes: none
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(keys.getPrivate());
        signer.update(info);
        byte[] request = Der.sequence(info, Der.sequence(Der.oid(ECDSA_WITH_SHA256)), Der.bits(signer.sign()));
        return pem("CERTIFICATE REQUEST", request);
    }

    /** A private key as PKCS#8 PEM ({@code BEGIN PRIVATE KEY}), unencrypted: the file holding it is the node's alone. */
    public static String privateKeyPem(PrivateKey key) {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("a " + key.getAlgorithm() + " key in " + key.getFormat() + ", not PKCS#8");
        }
        return pem("PRIVATE KEY", key.getEncoded());
    }

    /** RFC 7468's text encoding: Base64 in lines of 64 between the label's lines. */
    private static String pem(String label, byte[] der) {
        String body = new String(Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encode(der), StandardCharsets.US_ASCII);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }
}
