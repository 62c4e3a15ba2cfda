package io.vessel.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;

class SelfSignedX509Test {

    @Test
    void theJdkReadsTheCertificateAsOneForTheHostItsNamesAndAddressesSignedByItsOwnKey() throws Exception {
        SelfSignedX509.Made made = SelfSignedX509.make("panel.example.net", List.of("localhost", "panel.example.net"),
                List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")), Duration.ofDays(3650));

        X509Certificate certificate = parse(made.certificate());
        certificate.verify(made.keys().getPublic()); // signed by the key it certifies
        assertEquals(made.keys().getPublic(), certificate.getPublicKey());
        assertEquals(3, certificate.getVersion());
        assertEquals("SHA256withECDSA", certificate.getSigAlgName());
        assertEquals("CN=panel.example.net,O=Vessel (self-signed)", certificate.getSubjectX500Principal().getName());
        assertEquals(certificate.getSubjectX500Principal(), certificate.getIssuerX500Principal());
        assertEquals(-1, certificate.getBasicConstraints(), "a leaf, not a CA");
        certificate.checkValidity(); // valid now
        certificate.checkValidity(Date.from(Instant.now().plus(Duration.ofDays(3640))));
        assertTrue(certificate.getNotAfter().toInstant().isBefore(Instant.now().plus(Duration.ofDays(3651))));
        assertEquals(List.of(List.of(2, "localhost"), List.of(2, "panel.example.net"), List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1")),
                certificate.getSubjectAlternativeNames().stream().toList());
        assertTrue(certificate.getSerialNumber().signum() > 0);
    }

    @Test
    void twoCertificatesHaveTheirOwnKeysAndSerials() throws Exception {
        SelfSignedX509.Made one = SelfSignedX509.make("localhost", List.of("localhost"), List.of(), Duration.ofDays(1));
        SelfSignedX509.Made two = SelfSignedX509.make("localhost", List.of("localhost"), List.of(), Duration.ofDays(1));
        assertTrue(!parse(one.certificate()).getSerialNumber().equals(parse(two.certificate()).getSerialNumber()));
        assertTrue(!one.keys().getPublic().equals(two.keys().getPublic()));
    }

    @Test
    void validityBeyond2049IsAGeneralizedTime() throws Exception {
        X509Certificate certificate = parse(SelfSignedX509.make("localhost", List.of("localhost"), List.of(), Duration.ofDays(365 * 40)).certificate());
        assertTrue(certificate.getNotAfter().toInstant().isAfter(Instant.parse("2050-01-01T00:00:00Z")));
    }

    @Test
    void derLengthsAndObjectIdentifiersAreEncodedAsX690Says() {
        assertArrayEquals(new byte[] {0x04, 0x01, 0x07}, Der.tlv(0x04, new byte[] {7}));
        byte[] longValue = Der.tlv(0x04, new byte[200]);
        assertArrayEquals(new byte[] {0x04, (byte) 0x81, (byte) 200}, java.util.Arrays.copyOf(longValue, 3));
        byte[] longer = Der.tlv(0x04, new byte[300]);
        assertArrayEquals(new byte[] {0x04, (byte) 0x82, 0x01, 0x2c}, java.util.Arrays.copyOf(longer, 4));
        // ecdsa-with-SHA256 as RFC 5758 prints it
        assertArrayEquals(new byte[] {0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x04, 0x03, 0x02}, Der.oid("1.2.840.10045.4.3.2"));
    }

    private static X509Certificate parse(byte[] der) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }
}
