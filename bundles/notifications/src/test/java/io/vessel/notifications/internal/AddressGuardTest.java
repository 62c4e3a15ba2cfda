package io.vessel.notifications.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.net.URI;
import org.junit.jupiter.api.Test;

class AddressGuardTest {

    private final AddressGuard strict = AddressGuard.allowing("");

    @Test
    void privateLoopbackLinkLocalAndReservedAddressesAreRefused() throws Exception {
        for (String address : new String[] {"10.1.2.3", "127.0.0.1", "169.254.169.254", "172.16.5.4", "192.168.1.1", "100.64.1.1", "0.0.0.0",
                "::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "224.0.0.1"}) {
            assertEquals(false, AddressGuard.isPublic(InetAddress.getByName(address)), address);
        }
        for (String address : new String[] {"93.184.215.14", "1.1.1.1", "2606:4700:4700::1111"}) {
            assertEquals(true, AddressGuard.isPublic(InetAddress.getByName(address)), address);
        }
    }

    @Test
    void theUrlMustBeHttpsToAPublicAddressUnlessItsNetworkIsAllowed() {
        assertNull(strict.refusal(URI.create("https://93.184.215.14/hook")));
        assertEquals("the address must be an https:// URL", strict.refusal(URI.create("http://93.184.215.14/hook")));
        assertEquals("10.0.0.5 resolves to 10.0.0.5, which is not a public address", strict.refusal(URI.create("https://10.0.0.5/")));
        assertEquals("the address must not contain a user name or password", strict.refusal(URI.create("https://a:b@93.184.215.14/")));
        AddressGuard lan = AddressGuard.allowing("10.0.0.0/8, 127.0.0.1");
        assertNull(lan.refusal(URI.create("http://10.0.0.5:8080/hook")), "an allowed network may even be plain http");
        assertNull(lan.refusal(URI.create("http://127.0.0.1/")));
        assertEquals("127.0.0.2 resolves to 127.0.0.2, which is not a public address", lan.refusal(URI.create("https://127.0.0.2/")));
    }
}
