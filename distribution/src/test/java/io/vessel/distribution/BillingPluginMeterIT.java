package io.vessel.distribution;

import static io.vessel.distribution.BillingApi.move;
import static io.vessel.distribution.BillingApi.run;
import static io.vessel.distribution.PanelLifecycleIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A meter a plugin adds (the sample plugin's {@code sample.greetings}): plans charge for it once it is registered,
 * each complete period is rated from the plugin's usage events, usage reported late for a rated period is billed as a
 * correction on the next invoice, and usage older than the correction window is refused with a clear reason.
 */
class BillingPluginMeterIT {

    @Test
    void aPluginsMeterIsBilledPerPeriodAndLateUsageBecomesACorrection() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-plugin-meter");
        Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\n");
        try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
            String plan = "{\"code\":\"greeter\",\"name\":\"Greeter\",\"currency\":\"EUR\",\"period\":\"MONTH\",\"price\":\"3.00\",\"charges\":[{\"meter\":"
                    + "\"sample.greetings\",\"included\":\"2\",\"price\":{\"model\":\"perUnit\",\"unitPrice\":\"0.25\"}}]}";
            PanelProcess.Response unknown = panel.post("/api/v1/billing/plans", plan);
            assertProblem(unknown, 422, null);
            assertTrue(unknown.body().contains("charges[0].meter"), "no such meter before the plugin comes: " + unknown.body());

            panel.installPlugin(HotDeployIT.PLUGIN, "sample");
            PanelProcess.poll(Duration.ofSeconds(30), () -> panel.post("/api/v1/billing/plans", plan).status() == 201, "the plugin's meter");
            String planId = panel.get("/api/v1/billing/plans").json().get(0).get("id").asText();
            PanelProcess.poll(Duration.ofSeconds(30), () -> panel.get("/api/v1/sample/greetings").status() == 200, "the plugin's greetings");

            String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Greeter\",\"kind\":\"CUSTOMER\"}"));
            assertEquals(200, panel.send(java.net.http.HttpRequest.newBuilder(panel.uri("/api/v1/billing/accounts/" + customer))
                    .header("Content-Type", "application/json").PUT(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"currency\":\"EUR\",\"anchorDay\":1,\"timeZone\":\"UTC\"}"))).status());
            move(panel, "2027-03-10T00:00:00Z");
            assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + planId + "\"}").status());
            for (int day = 11; day <= 15; day++) {
                greet(panel, customer, "2027-03-" + day + "T12:00:00Z");
            }

            // March is over: its greetings are billed in arrears, two of them included
            move(panel, "2027-04-01T01:00:00Z");
            assertEquals(1, run(panel).size());
            JsonNode usage = line(panel, customer, "usage");
            assertEquals("Greetings sent, 2 included", usage.get("description").asText());
            assertEquals("5", usage.get("quantity").asText());
            assertEquals("0.75", usage.get("amount").asText());
            assertEquals(List.of(), run(panel), "rated once");

            // a greeting of 20 March imported late: the next invoice corrects March by its cost
            greet(panel, customer, "2027-03-20T08:00:00Z");
            assertEquals(1, run(panel).size());
            JsonNode correction = line(panel, customer, "correction");
            assertEquals("Correction: Greetings sent, 2027-03-10 to 2027-04-01", correction.get("description").asText());
            assertEquals("1", correction.get("quantity").asText());
            assertEquals("0.25", correction.get("amount").asText());
            assertEquals(List.of(), run(panel), "corrected once");

            // usage of a period closed for corrections is refused, saying why
            PanelProcess.Response tooLate = panel.post("/api/v1/sample/greetings", "{\"message\":\"hi\",\"guest\":\"old\",\"tenant\":\"" + customer
                    + "\",\"at\":\"2027-01-15T00:00:00Z\"}");
            assertProblem(tooLate, 400, null);
            assertTrue(tooLate.body().contains("closed for corrections"), tooLate.body());
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    private static void greet(PanelProcess panel, String tenant, String at) {
        PanelProcess.Response r = panel.post("/api/v1/sample/greetings", "{\"message\":\"hello\",\"guest\":\"g\",\"tenant\":\"" + tenant
                + "\",\"at\":\"" + at + "\"}");
        assertEquals(201, r.status(), r.toString());
    }

    /** The line of that kind on the customer's newest invoice. */
    private static JsonNode line(PanelProcess panel, String tenant, String kind) {
        JsonNode list = panel.get("/api/v1/billing/invoices?tenant=" + tenant).json();
        JsonNode invoice = panel.get("/api/v1/billing/invoices/" + list.get(list.size() - 1).get("id").asText()).json();
        for (JsonNode line : invoice.get("lines")) {
            if (line.get("kind").asText().equals(kind)) {
                return line;
            }
        }
        throw new AssertionError("no " + kind + " line: " + invoice);
    }
}
