package io.vessel.api.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class OutboundAddressesTest {

    private final OutboundAddresses none = new OutboundAddresses(List.of());

    @Test
    void internalDestinationsAreRefusedByDefault() {
        for (String host : List.of("127.0.0.1", "localhost", "::1", "169.254.169.254", "fe80::1", "10.1.2.3", "172.16.0.1", "192.168.1.1",
                "100.64.0.1", "fd00::1", "0.0.0.0", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "224.0.0.1")) {
            assertThrows(OutboundAddresses.Refused.class, () -> none.resolve(host), host);
        }
    }

    @Test
    void publicDestinationsAreReachedAtTheAddressThatWasChecked() throws Exception {
        assertEquals("203.0.113.7", none.resolve("203.0.113.7").getHostAddress());
        assertEquals("2001:db8:0:0:0:0:0:1", none.resolve("2001:db8::1").getHostAddress());
    }

    @Test
    void theProviderAllowsItsOwnNetworks() throws Exception {
        OutboundAddresses allowing = new OutboundAddresses(List.of("10.20.0.0/16", "fd00:1::/32"));
        assertEquals("10.20.3.4", allowing.resolve("10.20.3.4").getHostAddress());
        assertThrows(OutboundAddresses.Refused.class, () -> allowing.resolve("10.21.0.1"));
        allowing.resolve("fd00:1::5");
        assertThrows(IllegalArgumentException.class, () -> new OutboundAddresses(List.of("intranet.example/8")));
    }
}
