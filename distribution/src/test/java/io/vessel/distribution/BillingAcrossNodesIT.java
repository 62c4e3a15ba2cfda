package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Billing over VEs of a node agent, which runs no billing of its own: an overdue invoice suspends the customer's VE
 * on the agent's server (really frozen there), the customer cannot run it again by itself through the panel, and
 * paying runs it again at once.
 */
@org.junit.jupiter.api.parallel.ResourceLock(PanelProcess.VE_INTERFACES)
class BillingAcrossNodesIT {

    @Test
    void anOverdueInvoiceSuspendsTheCustomersVeOnANodeAgentAndPayingRunsItAgain(@TempDir Path work) throws Exception {
        String schema = "it_billnodes_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Map<String, String> env = PanelProcess.env("VESSEL_DB_URL", PanelLifecycleIT.PG_URL, "VESSEL_DB_USER", "postgres", "VESSEL_DB_SCHEMA", schema);
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Path one = Files.createDirectory(work.resolve("one"), NodeHealthIT.passable());
        Path two = Files.createDirectory(work.resolve("two"), NodeHealthIT.passable());
        // node b on a server of its own (its own network and /sys); each node's channel at an address the other reaches
        try (NodeNetwork server = new NodeNetwork("vtest-bill", 60);
             PanelProcess panel = new PanelProcess(one, withConf(env, Files.writeString(work.resolve("one.conf"),
                     NodeAgentIT.channel(server.hostAddress) + "billing.test.clock = true\n"))).start();
             PanelProcess agent = new PanelProcess(two, withConf(Map.of(), Files.writeString(work.resolve("two.conf"), NodeAgentIT.channel(server.nodeAddress))))) {
            String nodeB = NodeAgentIT.joinAgent(panel, agent, server);

            String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Far Payer\",\"kind\":\"CUSTOMER\"}"));
            int web = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"far\",\"owner\":\"" + customer + "\",\"node\":\"" + nodeB + "\"}");
            VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + web + "/start", ""));
            assertEquals(nodeB, panel.get("/api/v1/ves/" + web).json().get("node").asText());
            assertEquals(201, panel.post("/api/v1/ip-pools", "{\"name\":\"far\",\"cidr\":\"10.231.61.0/24\",\"mode\":\"NAT\"}").status());
            String ip = panel.post("/api/v1/ves/" + web + "/ips", "{\"pool\":\"far\"}").json().get("address").asText();
            assertTrue(server.inside("ip", "-o", "link").contains(agent.bridge()), "node b's bridge is on its own server: " + server.inside("ip", "-o", "link"));
            assertTrue(server.inside("ip", "-o", "addr").contains("10.231.61.1/24"), "the pool's gateway on node b: " + server.inside("ip", "-o", "addr"));
            assertFalse(PanelProcess.host("ip", "-o", "link").contains(agent.bridge() + ":"), "not on the host's");
            String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans",
                    "{\"code\":\"vps\",\"name\":\"VPS\",\"currency\":\"EUR\",\"period\":\"MONTH\",\"price\":\"12.00\"}"));
            assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan + "\"}").status());
            assertEquals(1, BillingApi.run(panel).size());

            // 22 days on (8 past due): the VE on node b is suspended — frozen by node b's kernel, not only marked
            assertEquals(200, panel.post("/api/v1/billing/clock", "{\"by\":\"P22D\"}").status());
            List<String> actions = new ArrayList<>();
            panel.post("/api/v1/billing/dunning", "").json().forEach(o -> o.get("actions").forEach(a -> actions.add(a.asText())));
            assertTrue(actions.contains("suspend"), actions.toString());
            PanelProcess.poll(Duration.ofSeconds(30), () -> "SUSPENDED".equals(state(panel, web)), "the VE on node b suspended");
            assertEquals("FROZEN", frozen(agent, web), "node b's kernel froze the VE");

            // the customer cannot run it again by itself: the panel asks billing before it sends anything to node b
            panel.createAccount(customer, "far", "customer-owner", "Far-Password-1");
            PanelProcess.As far = panel.login("far", "Far-Password-1");
            PanelProcess.Response resumed = far.post("/api/v1/ves/" + web + "/resume", "");
            assertEquals(409, resumed.status(), resumed.toString());
            assertTrue(resumed.json().get("detail").asText().contains("overdue invoice"), resumed.toString());
            assertEquals("SUSPENDED", state(panel, web));
            assertEquals("FROZEN", frozen(agent, web));

            // paying runs it again at once, on node b
            JsonNode invoice = far.get("/api/v1/billing/invoices").json().get(0);
            assertEquals(201, panel.post("/api/v1/billing/accounts/" + customer + "/payments", "{\"amount\":\"" + invoice.get("amountDue").asText()
                    + "\",\"method\":\"BANK_TRANSFER\",\"invoice\":\"" + invoice.get("id").asText() + "\"}").status());
            PanelProcess.poll(Duration.ofSeconds(60), () -> "RUNNING".equals(state(panel, web)), "the VE runs again");
            assertEquals("THAWED", frozen(agent, web));
            // on node b's own network: the VE reaches its gateway there, and not node b's uplink (the provider's network)
            assertEquals(0, ping(panel, web, "10.231.61.1"), "the VE (" + ip + ") reaches its gateway on node b");
            assertEquals(1, ping(panel, web, server.hostAddress), "node b's uplink network is out of the VE's reach");
            PanelProcess.Response exec = panel.post("/api/v1/ves/" + web + "/exec", "{\"command\":[\"echo\",\"back\"],\"timeoutSeconds\":10}");
            assertEquals(200, exec.status(), exec.toString());
            assertTrue(exec.body().contains("back"), exec.body());
        }
    }

    private static Map<String, String> withConf(Map<String, String> env, Path conf) {
        Map<String, String> with = new HashMap<>(env);
        with.put("VESSEL_CONF", conf.toString());
        return with;
    }

    private static int ping(PanelProcess panel, int ve, String address) {
        PanelProcess.Response ping = panel.post("/api/v1/ves/" + ve + "/exec", "{\"command\":[\"ping\",\"-c\",\"1\",\"-W\",\"3\",\"" + address
                + "\"],\"timeoutSeconds\":15}");
        assertEquals(200, ping.status(), ping.body());
        return ping.json().get("exitCode").asInt();
    }

    private static String state(PanelProcess panel, int ve) {
        return panel.get("/api/v1/ves/" + ve).json().get("state").asText();
    }

    /** The freezer state of VE {@code ve}'s cgroup on the agent's server, as its kernel has it (cgroup v1 here). */
    private static String frozen(PanelProcess agent, int ve) throws java.io.IOException {
        String node = Files.readString(agent.dataDir.resolve("node-id")).strip().substring(0, 8);
        return Files.readString(Path.of("/sys/fs/cgroup/freezer/vessel", node, "ve-" + ve, "freezer.state")).strip();
    }
}
