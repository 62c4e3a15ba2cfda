package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/** What the billing tests ask the panel again and again, as the provider's administrator. */
final class BillingApi {

    private BillingApi() {
    }

    /** A billing run now; the numbers of the documents it made. */
    static List<String> run(PanelProcess panel) {
        List<String> numbers = new ArrayList<>();
        billingRun(panel).get("documents").forEach(n -> numbers.add(n.asText()));
        return numbers;
    }

    /** A billing run now, asked for as the provider's administrator and waited for: the run (documents, failed accounts). */
    static JsonNode billingRun(PanelProcess panel) {
        return billingRun(panel::get, panel::post);
    }

    /** A billing run now, asked for by {@code as} (a reseller's administrator: over its customers) and waited for. */
    static JsonNode billingRun(PanelProcess.As as) {
        return billingRun(as::get, as::post);
    }

    private static JsonNode billingRun(Function<String, PanelProcess.Response> get, BiFunction<String, String, PanelProcess.Response> post) {
        PanelProcess.Response asked = post.apply("/api/v1/billing/runs", "");
        assertEquals(202, asked.status(), asked.toString());
        String operation = asked.json().get("id").asText();
        long deadline = System.nanoTime() + java.time.Duration.ofMinutes(3).toNanos();
        JsonNode state;
        do {
            state = get.apply("/api/v1/operations/" + operation + "?wait=20").json();
        } while (!List.of("SUCCEEDED", "FAILED").contains(state.get("state").asText()) && System.nanoTime() < deadline);
        assertEquals("SUCCEEDED", state.get("state").asText(), state.toString());
        PanelProcess.Response run = get.apply(state.get("result").asText());
        assertEquals(200, run.status(), run.toString());
        assertEquals("DONE", run.json().get("state").asText(), run.toString());
        return run.json();
    }

    /** Billing's test clock to {@code to} (an instant; it only moves forward). */
    static void move(PanelProcess panel, String to) {
        PanelProcess.Response moved = panel.post("/api/v1/billing/clock", "{\"to\":\"" + to + "\"}");
        assertEquals(200, moved.status(), moved.toString());
    }

    static PanelProcess.Response put(PanelProcess panel, String path, String body) {
        return panel.send(java.net.http.HttpRequest.newBuilder(panel.uri(path)).header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A customer billed in EUR (UTC, anchored on the 1st) with an owner account {@code owner} / {@code Owner-Password-1}. */
    static String customerWithOwner(PanelProcess panel, String name, String owner) {
        String id = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"" + name + "\",\"kind\":\"CUSTOMER\"}"));
        PanelProcess.Response account = put(panel, "/api/v1/billing/accounts/" + id, "{\"currency\":\"EUR\",\"anchorDay\":1,\"timeZone\":\"UTC\"}");
        if (account.status() != 200) {
            throw new AssertionError("billing account: " + account);
        }
        panel.createAccount(id, owner, "customer-owner", "Owner-Password-1");
        return id;
    }
}
