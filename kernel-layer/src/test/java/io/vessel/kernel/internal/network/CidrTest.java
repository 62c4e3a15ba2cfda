package io.vessel.kernel.internal.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class CidrTest {

    @Test
    void ipv4NetworksNumberTheirAddresses() {
        Cidr net = Cidr.parse("192.0.2.0/24");
        assertEquals(BigInteger.valueOf(256), net.size());
        assertEquals("192.0.2.1", Cidr.text(net.at(BigInteger.ONE)));
        assertTrue(net.contains(Cidr.address("192.0.2.200")));
        assertFalse(net.contains(Cidr.address("192.0.3.1")));
        assertFalse(net.usable(BigInteger.ZERO), "network address");
        assertFalse(net.usable(BigInteger.valueOf(255)), "broadcast");
        assertTrue(net.usable(BigInteger.valueOf(254)));
    }

    @Test
    void ipv6NetworksAndCanonicalText() {
        Cidr net = Cidr.parse("2001:DB8::/64");
        assertEquals("2001:db8::/64", net.toString());
        assertEquals("2001:db8::ffff", Cidr.text(net.at(BigInteger.valueOf(0xffff))));
        assertEquals("2001:db8:0:1::1", Cidr.text(Cidr.address("2001:db8:0:1:0:0:0:1")));
        assertTrue(net.usable(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE)), "IPv6 has no broadcast");
    }

    @Test
    void malformedNetworksAreRefused() {
        assertNull(Cidr.parse("192.0.2.1/24"), "host bits set");
        assertNull(Cidr.parse("192.0.2.0"));
        assertNull(Cidr.parse("192.0.2.0/33"));
        assertNull(Cidr.parse("example.com/24"), "never a name to resolve");
        assertNull(Cidr.parse("300.0.0.0/8"));
    }
}
