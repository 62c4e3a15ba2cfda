package io.vessel.launcher;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * A self-signed X.509 v3 certificate with an ECDSA P-256 key, made in the launcher's own JVM: subject and issuer
 * {@code CN=<host>, O=Vessel (self-signed)}, the given DNS names and IP addresses as subject alternative names (what
 * browsers match), signed with SHA-256.
 *
 * <p>Written by hand because the JDK has no public API that makes a certificate (keytool's classes are internal to
 * {@code java.base}, reachable only with {@code --add-exports}, which turns off part of the class-data archive), and
 * BouncyCastle would put a second copy of a 9 MB library on the launcher's class path, beside the bundles', for this
 * alone. Until now keytool did it as a JVM of its own: half a second of CPU at every first start (about 45 s of the test
 * suite's). What is encoded here is only the fixed DER of one kind of certificate; keys, digests and signatures are the
 * JDK's. The result is checked by the JDK's own certificate parser in the tests and served to real TLS clients.
 */
final class SelfSignedX509 {

    /** ecdsa-with-SHA256 (RFC 5758), with no parameters. */
    private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
    private static final String COMMON_NAME = "2.5.4.3";
    private static final String ORGANIZATION = "2.5.4.10";
    private static final String SUBJECT_ALT_NAME = "2.5.29.17";
    private static final String BASIC_CONSTRAINTS = "2.5.29.19";

    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter GENERALIZED_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

    /** The key pair and the DER of its certificate. */
    record Made(KeyPair keys, byte[] certificate) {
    }

    private SelfSignedX509() {
    }

    static Made make(String host, List<String> dnsNames, List<InetAddress> addresses, Duration validity) throws GeneralSecurityException {
        SecureRandom random = new SecureRandom();
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
        KeyPair keys = generator.generateKeyPair();

        byte[] serial = new byte[16];
        random.nextBytes(serial);
        serial[0] = (byte) ((serial[0] & 0x3f) | 0x40); // positive, and its first byte not zero: minimal DER
        // most significant first, as X.500 orders names: read back (RFC 4514) as CN=<host>,O=Vessel (self-signed)
        byte[] name = Der.sequence(Der.set(Der.sequence(Der.oid(ORGANIZATION), Der.utf8("Vessel (self-signed)"))),
                Der.set(Der.sequence(Der.oid(COMMON_NAME), Der.utf8(host))));
        Instant notBefore = Instant.now().minusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.SECONDS); // a clock a little behind
        byte[] algorithm = Der.sequence(Der.oid(ECDSA_WITH_SHA256));

        ByteArrayOutputStream alternatives = new ByteArrayOutputStream();
        for (String dns : dnsNames) {
            alternatives.writeBytes(Der.tlv(0x82, dns.getBytes(StandardCharsets.US_ASCII))); // [2] dNSName, IA5String
        }
        for (InetAddress address : addresses) {
            alternatives.writeBytes(Der.tlv(0x87, address.getAddress())); // [7] iPAddress, 4 or 16 octets
        }
        byte[] extensions = Der.sequence(
                // not a CA: a leaf that signs nothing else (critical, as RFC 5280 recommends for this extension)
                Der.sequence(Der.oid(BASIC_CONSTRAINTS), Der.tlv(0x01, new byte[] {(byte) 0xff}), Der.tlv(0x04, Der.sequence())),
                Der.sequence(Der.oid(SUBJECT_ALT_NAME), Der.tlv(0x04, Der.tlv(0x30, alternatives.toByteArray()))));

        byte[] tbs = Der.sequence(
                Der.tlv(0xa0, Der.tlv(0x02, new byte[] {2})), // [0] version v3
                Der.tlv(0x02, serial),
                algorithm,
                name, // issuer: itself
                Der.sequence(time(notBefore), time(notBefore.plus(validity))),
                name,
                keys.getPublic().getEncoded(), // SubjectPublicKeyInfo, DER already
                Der.tlv(0xa3, extensions));

        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(keys.getPrivate(), random);
        signer.update(tbs);
        byte[] signature = signer.sign(); // ECDSA-Sig-Value, DER already
        return new Made(keys, Der.sequence(tbs, algorithm, Der.bits(signature)));
    }

    /** UTCTime until 2049, GeneralizedTime from 2050 on (RFC 5280, 4.1.2.5). */
    private static byte[] time(Instant at) {
        return at.atZone(ZoneOffset.UTC).getYear() < 2050
                ? Der.tlv(0x17, UTC_TIME.format(at).getBytes(StandardCharsets.US_ASCII))
                : Der.tlv(0x18, GENERALIZED_TIME.format(at).getBytes(StandardCharsets.US_ASCII));
    }
}
