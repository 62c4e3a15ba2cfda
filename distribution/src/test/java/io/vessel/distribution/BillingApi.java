package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

/** What the billing tests ask the panel again and again, as the provider's administrator. */
final class BillingApi {

    private BillingApi() {
    }

    /** A billing run now; the numbers of the documents it made. */
    static List<String> run(PanelProcess panel) {
        PanelProcess.Response r = panel.post("/api/v1/billing/runs", "");
        assertEquals(200, r.status(), r.toString());
        List<String> numbers = new ArrayList<>();
        r.json().get("documents").forEach(n -> numbers.add(n.asText()));
        return numbers;
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
}
