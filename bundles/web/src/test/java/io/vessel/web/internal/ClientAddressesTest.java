package io.vessel.web.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressesTest {

    private final ClientAddresses behindBalancer = ClientAddresses.trusting("10.0.0.5", "10.0.1.0/24", "fd00:1::/64");

    private String client(ClientAddresses addresses, String remote, String... forwardedFor) {
        return addresses.clientOf(remote, Collections.enumeration(List.of(forwardedFor)));
    }

    @Test
    void withoutTrustedProxiesTheHeaderIsIgnored() {
        ClientAddresses none = ClientAddresses.trusting();
        assertFalse(none.trustsAnyone());
        assertEquals("198.51.100.7", client(none, "198.51.100.7", "203.0.113.1"));
    }

    @Test
    void aTrustedBalancerNamesTheClient() {
        assertEquals("203.0.113.1", client(behindBalancer, "10.0.0.5", "203.0.113.1"));
        assertEquals("203.0.113.1", client(behindBalancer, "10.0.1.77", "203.0.113.1"), "a network of proxies");
        assertEquals("2001:db8:0:0:0:0:0:9", client(behindBalancer, "fd00:1:0:0:0:0:0:2", "2001:db8::9").replace("::", ":0:0:0:0:0:"),
                "IPv6 proxies and clients");
    }

    @Test
    void aSenderThatIsNoTrustedProxyCannotNameAnotherAddress() {
        assertEquals("198.51.100.7", client(behindBalancer, "198.51.100.7", "203.0.113.1"), "the spoofed header counts for nothing");
        assertEquals("10.0.0.6", client(behindBalancer, "10.0.0.6", "203.0.113.1"), "10.0.0.6 is not 10.0.0.5");
    }

    @Test
    void whatTheClientWroteItselfIsNotBelieved() {
        // the client sent "X-Forwarded-For: 192.0.2.66", the balancer appended what it saw
        assertEquals("203.0.113.1", client(behindBalancer, "10.0.0.5", "192.0.2.66, 203.0.113.1"));
        assertEquals("203.0.113.1", client(behindBalancer, "10.0.0.5", "192.0.2.66", "203.0.113.1"), "over two header lines too");
        // a chain of two trusted proxies: the nearest untrusted hop is the client
        assertEquals("203.0.113.1", client(behindBalancer, "10.0.0.5", "192.0.2.66, 203.0.113.1, 10.0.1.9"));
    }

    @Test
    void garbageAndHostNamesStopTheWalkAndAreNeverLookedUp() {
        assertEquals("10.0.0.5", client(behindBalancer, "10.0.0.5", "evil.example.com"));
        assertEquals("203.0.113.1", client(behindBalancer, "10.0.0.5", "not an address, 203.0.113.1"));
        assertEquals("10.0.0.5", client(behindBalancer, "10.0.0.5"), "no header: the proxy itself");
    }

    @Test
    void aTypoInTheListIsRefusedWithTheEntry() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClientAddresses.trusting("10.0.0.0/33"));
        assertTrue(e.getMessage().contains("10.0.0.0/33"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClientAddresses.trusting("balancer.example.com"));
    }
}
