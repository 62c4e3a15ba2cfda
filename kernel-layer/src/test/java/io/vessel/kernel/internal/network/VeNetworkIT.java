package io.vessel.kernel.internal.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vessel.kernel.api.IpPoolMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two installations on one host (a second node, a test's panel) each with a VE of the same id: the VEs' host
 * interfaces share a name ({@code vh<id>}), and neither installation may take the other's VE off its network.
 */
class VeNetworkIT {

    private final long suffix = System.nanoTime() % 10000;
    private final String bridgeOne = "vnt" + suffix + "a";
    private final String bridgeTwo = "vnt" + suffix + "b";
    /** An id no panel of the suite hands out at the same time (theirs start at 101). */
    private final int ve = 90000 + (int) suffix;
    private final List<Process> namespaces = new ArrayList<>();

    @AfterEach
    void removeWhatTheNetworksMade() {
        namespaces.forEach(Process::destroyForcibly);
        for (String bridge : List.of(bridgeOne, bridgeTwo)) {
            for (String table : List.of("bridge vessel-" + bridge, "inet vessel-host-" + bridge, "ip vessel-nat-" + bridge)) {
                try {
                    HostCommands.nft("delete table " + table + "\n");
                } catch (IOException never) {
                    // not made
                }
            }
            try {
                HostCommands.ip("link", "del", bridge);
            } catch (IOException never) {
                // not made
            }
        }
        try {
            HostCommands.ip("link", "del", VeNetwork.hostInterface(ve));
        } catch (IOException gone) {
            // went with its namespace
        }
    }

    @Test
    void aVeOfTheSameIdElsewhereOnTheHostKeepsItsInterface() throws Exception {
        VeNetwork one = new VeNetwork(bridgeOne, 1);
        VeNetwork two = new VeNetwork(bridgeTwo, 2);
        int pidOne = namespace();
        int pidTwo = namespace();
        one.attach(ve, pidOne, List.of(address("10.231.90.2", "10.231.90.0/24", "10.231.90.1")), 0, 0);

        IOException refused = assertThrows(IOException.class,
                () -> two.attach(ve, pidTwo, List.of(address("10.231.91.2", "10.231.91.0/24", "10.231.91.1")), 0, 0));
        assertTrue(refused.getMessage().contains("another installation"), refused.getMessage());
        assertTrue(HostCommands.ipIn(pidOne, "-4", "addr", "show", "dev", "eth0").contains("10.231.90.2/24"),
                "the first installation's VE is still on its network");
        assertEquals(bridgeOne, master(VeNetwork.hostInterface(ve)));

        // an address given to the running VE of the second: its own interface is missing, the other's is no stand-in
        assertThrows(IOException.class, () -> two.update(ve, pidTwo, List.of(address("10.231.91.3", "10.231.91.0/24", "10.231.91.1")), 0, 0));
        assertTrue(HostCommands.ipIn(pidOne, "-4", "addr", "show", "dev", "eth0").contains("10.231.90.2/24"));
        assertFalse(HostCommands.ipIn(pidTwo, "-4", "addr", "show").contains("10.231.91."), "nothing half-done in the second VE");

        // the second installation's VE stopping leaves the first's interface alone; the first's own detach removes it
        two.detach(ve);
        assertEquals(bridgeOne, master(VeNetwork.hostInterface(ve)));
        one.detach(ve);
        assertFalse(Files.exists(Path.of("/sys/class/net", VeNetwork.hostInterface(ve))));
    }

    @Test
    void anInterfaceLeftOnNoBridgeIsTakenOverWhenTheVeGetsItsFirstAddress() throws Exception {
        VeNetwork one = new VeNetwork(bridgeOne, 1);
        int stale = namespace();
        HostCommands.ip("link", "add", VeNetwork.hostInterface(ve), "type", "veth", "peer", "name", "eth0", "netns", String.valueOf(stale));
        int pid = namespace();

        // CI's case: a running VE given its first address while the interface of a deleted VE of the same id lingers
        // (an orphan TCP socket keeps a namespace alive for minutes)
        one.update(ve, pid, List.of(address("10.231.90.2", "10.231.90.0/24", "10.231.90.1")), 0, 0);

        assertTrue(HostCommands.ipIn(pid, "-4", "addr", "show", "dev", "eth0").contains("10.231.90.2/24"));
        assertEquals(bridgeOne, master(VeNetwork.hostInterface(ve)));
        one.detach(ve);
    }

    /** A process in a network namespace of its own, standing in for a VE's init. */
    private int namespace() throws IOException {
        Process p = new ProcessBuilder("unshare", "--net", "sleep", "120").start();
        namespaces.add(p);
        // unshare execs sleep in the same process once the namespace is made: wait for that
        for (int i = 0; i < 100 && !Files.readString(Path.of("/proc", String.valueOf(p.pid()), "comm")).strip().equals("sleep"); i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        return (int) p.pid();
    }

    private static IpPools.PoolAddress address(String address, String network, String gateway) {
        return new IpPools.PoolAddress(address, Cidr.parse(network), gateway, IpPoolMode.NAT, List.of());
    }

    private static String master(String port) throws IOException {
        return Files.readSymbolicLink(Path.of("/sys/class/net", port, "master")).getFileName().toString();
    }
}
