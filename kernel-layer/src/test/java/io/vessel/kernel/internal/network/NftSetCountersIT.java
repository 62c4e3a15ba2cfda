package io.vessel.kernel.internal.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.NoSuchFileException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The netlink read of a counter set gives exactly what {@code nft} shows, over a dump of many datagrams. */
class NftSetCountersIT {

    private final String table = "vessel-nlt" + (System.nanoTime() % 100000);

    @AfterEach
    void dropTable() throws Exception {
        try {
            HostCommands.nft("delete table bridge " + table + "\n");
        } catch (java.io.IOException gone) {
            // never made
        }
    }

    @Test
    void readsEveryElementsCounterAsNftDoes() throws Exception {
        StringBuilder script = new StringBuilder("add table bridge " + table + "\n"
                + "add set bridge " + table + " traffic_out { type ifname; flags dynamic; counter; size 65536; }\n");
        for (int i = 1; i <= 1500; i++) { // more than one datagram's worth
            script.append("add element bridge ").append(table).append(" traffic_out { \"vh").append(i).append("\" counter packets ")
                    .append(i).append(" bytes ").append(i * 1_000_003L * 4099).append(" }\n");
        }
        script.append("add element bridge ").append(table).append(" traffic_out { \"eth0\" counter packets 1 bytes 64 }\n");
        HostCommands.nft(script.toString());

        Map<String, NftSetCounters.Counter> read = NftSetCounters.read(7, table, "traffic_out");

        Map<String, NftSetCounters.Counter> shown = new HashMap<>();
        JsonNode json = new ObjectMapper().readTree(HostCommands.run(List.of("nft", "-j", "list", "set", "bridge", table, "traffic_out")));
        for (JsonNode item : json.path("nftables")) {
            for (JsonNode element : item.path("set").path("elem")) {
                JsonNode e = element.path("elem");
                shown.put(e.path("val").asText(), new NftSetCounters.Counter(e.path("counter").path("bytes").asLong(),
                        e.path("counter").path("packets").asLong()));
            }
        }
        assertEquals(1501, shown.size());
        assertEquals(shown, read);
        assertEquals(new NftSetCounters.Counter(1500 * 1_000_003L * 4099, 1500), read.get("vh1500"), "64-bit counters in full");
    }

    @Test
    void aSetThatDoesNotExistSaysSo() {
        assertThrows(NoSuchFileException.class, () -> NftSetCounters.read(7, table, "traffic_in"));
    }
}
