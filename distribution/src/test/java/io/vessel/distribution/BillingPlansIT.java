package io.vessel.distribution;

import static io.vessel.distribution.BillingApi.put;
import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Plans with immutable versions, on the embedded database and on PostgreSQL: amounts travel as decimal strings and
 * come back exactly; editing makes a new version while the old one stays as it was; bad plans are refused naming
 * every wrong field and leave nothing behind; each seller (provider, reseller) has its own plans and codes.
 */
class BillingPlansIT {

    static final String PLAN = """
            {"code": "vps-s", "name": "VPS S", "currency": "EUR", "period": "MONTH", "price": "9.90", "setupFee": "4.99", "trialDays": 7,
             "quotas": {"memoryMiB": 2048, "diskGiB": 40, "cpuWeight": 100, "processes": 512, "trafficGiB": 2000, "trafficPolicy": "THROTTLE",
                        "throttleMbit": 10, "ipv4": 1, "ves": 1, "backupSlots": 2},
             "charges": [{"meter": "network.egress.gib", "included": "2000",
                          "price": {"model": "graduated", "tiers": [{"upTo": "1000", "unitPrice": "0.010000"}, {"unitPrice": "0.0055"}]}},
                         {"meter": "cpu.seconds", "price": {"model": "package", "blockSize": "3600", "blockPrice": "0.02"}}]}
            """;

    /**
     * A schema of its own for each test on PostgreSQL, dropped when the test run ends: not after one class, as the
     * classes sharing {@link #databases()} run side by side and one's end must not drop another's schemas.
     */
    private static final List<String> SCHEMAS = new java.util.concurrent.CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(BillingPlansIT::dropSchemas, "drop-test-schemas"));
    }

    private static void dropSchemas() {
        try (Connection c = DriverManager.getConnection(PanelLifecycleIT.PG_URL, "postgres", ""); Statement s = c.createStatement()) {
            for (String schema : SCHEMAS) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        } catch (java.sql.SQLException e) {
            System.err.println("test schemas not dropped: " + e.getMessage());
        }
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> databases() {
        String schema = "it_billing_" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        SCHEMAS.add(schema);
        return java.util.stream.Stream.of(org.junit.jupiter.params.provider.Arguments.of("embedded", Map.of()),
                org.junit.jupiter.params.provider.Arguments.of("postgresql", PanelProcess.env("VESSEL_DB_URL", PanelLifecycleIT.PG_URL,
                        "VESSEL_DB_USER", "postgres", "VESSEL_DB_SCHEMA", schema)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void plansKeepEveryVersionExactlyAndEachSellerHasItsOwn(String database, Map<String, String> env, @TempDir Path work) throws Exception {
        try (PanelProcess panel = new PanelProcess(work, env).start()) {
            PanelProcess.Response created = panel.post("/api/v1/billing/plans", PLAN);
            assertEquals(201, created.status(), created.toString());
            JsonNode plan = created.json();
            String id = plan.get("id").asText();
            assertEquals(1, plan.get("version").asInt());
            assertEquals("provider", plan.get("seller").asText());
            JsonNode d = plan.get("definition");
            assertEquals("9.90", d.get("price").asText(), "amounts are decimal strings, exactly as sent");
            assertTrue(d.get("price").isTextual());
            assertEquals("0.010000", d.at("/charges/0/price/tiers/0/unitPrice").asText());
            assertEquals("THROTTLE", d.at("/quotas/trafficPolicy").asText());
            assertEquals("admin", plan.get("versionCreatedBy").asText());

            // editing makes version 2; version 1 stays exactly as it was
            PanelProcess.Response changed = put(panel, "/api/v1/billing/plans/" + id, PLAN.replace("\"9.90\"", "\"11.50\"").replace("VPS S", "VPS S+"));
            assertEquals(200, changed.status(), changed.toString());
            assertEquals(2, changed.json().get("version").asInt());
            assertEquals("11.50", changed.json().at("/definition/price").asText());
            assertEquals("9.90", panel.get("/api/v1/billing/plans/" + id + "/versions/1").json().at("/definition/price").asText());
            assertEquals("VPS S+", panel.get("/api/v1/billing/plans/" + id).json().at("/definition/name").asText());
            assertEquals(List.of(2, 1), versions(panel.get("/api/v1/billing/plans/" + id + "/versions").json()));
            assertProblem(panel.get("/api/v1/billing/plans/" + id + "/versions/7"), 404, null);
            assertProblem(put(panel, "/api/v1/billing/plans/" + id, PLAN.replace("\"EUR\"", "\"USD\"")), 422, null);
            assertProblem(panel.post("/api/v1/billing/plans", PLAN), 409, null);

            // a reseller sells plans of its own, with its own codes; it does not see the provider's
            String reseller = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Hosting Reseller\",\"kind\":\"RESELLER\"}"));
            panel.createAccount(reseller, "seller", "reseller-admin", "Seller-Password-1");
            PanelProcess.As seller = panel.login("seller", "Seller-Password-1");
            PanelProcess.Response own = seller.post("/api/v1/billing/plans", PLAN.replace("\"9.90\"", "\"14.00\""));
            assertEquals(201, own.status(), own.toString());
            assertEquals(reseller, own.json().get("seller").asText());
            assertEquals(1, seller.get("/api/v1/billing/plans").json().size(), "the reseller lists its own plan only");
            assertProblem(seller.get("/api/v1/billing/plans/" + id), 404, null);
            assertEquals(2, panel.get("/api/v1/billing/plans").json().size(), "the provider sees both");
            String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Shop\",\"kind\":\"CUSTOMER\"}"));
            panel.createAccount(customer, "buyer", "customer-owner", "Buyer-Password-1");
            assertProblem(panel.login("buyer", "Buyer-Password-1").get("/api/v1/billing/plans"), 403, null);

            // retired: no new version
            assertEquals(200, panel.post("/api/v1/billing/plans/" + id + "/retire", "").status());
            assertProblem(put(panel, "/api/v1/billing/plans/" + id, PLAN), 409, null);
            assertTrue(panel.get("/api/v1/billing/plans/" + id).json().hasNonNull("retiredAt"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aBadPlanIsRefusedNamingEveryWrongFieldAndNothingIsWritten(String database, Map<String, String> env, @TempDir Path work) throws Exception {
        try (PanelProcess panel = new PanelProcess(work, env).start()) {
            String bad = """
                    {"code": "Bad Code", "name": "", "currency": "XYZ", "period": "WEEK", "price": "-1", "monthlyCap": "5",
                     "quotas": {"memoryMiB": -5, "trafficGiB": 100, "trafficPolicy": "THROTTLE"},
                     "charges": [{"meter": "network.egress.gib", "price": {"model": "graduated",
                                  "tiers": [{"upTo": "100", "unitPrice": "0.01"}, {"upTo": "50", "unitPrice": "0.02"}, {"unitPrice": "0.01"}]}},
                                 {"meter": "coffee.cups", "price": {"model": "perUnit", "unitPrice": "1"}},
                                 {"meter": "cpu.seconds", "price": {"model": "perUnit", "unitPrice": "0.0000001"}}]}
                    """;
            PanelProcess.Response refused = panel.post("/api/v1/billing/plans", bad);
            assertProblem(refused, 422, null);
            List<String> fields = new ArrayList<>();
            refused.json().get("errors").forEach(e -> fields.add(e.get("field").asText()));
            assertEquals(List.of("code", "name", "currency", "period", "price", "monthlyCap", "quotas.memoryMiB", "quotas.throttleMbit",
                    "charges[0].price.tiers[1].upTo", "charges[1].meter", "charges[2].price.unitPrice"), fields, refused.body());
            assertTrue(refused.json().get("detail").asText().contains("charges[0].price.tiers[1].upTo tiers overlap: 50 is not above 100"), refused.body());
            assertEquals("[]", panel.get("/api/v1/billing/plans").json().toString(), "nothing half-written");
        }
    }

    private static List<Integer> versions(JsonNode list) {
        List<Integer> out = new ArrayList<>();
        list.forEach(v -> out.add(v.get("version").asInt()));
        return out;
    }
}
