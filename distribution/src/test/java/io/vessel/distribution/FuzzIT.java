package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A generated pass of bad input over every endpoint of the running panel (from its OpenAPI document): malformed
 * JSON, wrong types, huge strings, unicode, negative and overflowing numbers, unknown fields, odd path and query
 * values. Whatever comes in, the answer is never a 500, never a stack trace, and every error is problem+json.
 * Sent as the provider admin, who may call everything, so the input reaches the code behind the guard.
 */
class FuzzIT {

    private static final String HUGE = "x".repeat(100_000);
    private static final String UNICODE = "Zoë 名前 🚀 \u202e\u0000 \ud83d";
    private static final List<String> PATH_VALUES = List.of("-1", "0", "99999999999999999999", "1e3", "%E2%98%83", "a'b\"c", "..%2F..%2Fetc",
            "%3Cscript%3E", "x".repeat(3000), "00000000-0000-0000-0000-000000000000", "NaN");
    private static final List<String> QUERY_VALUES = List.of("-1", "99999999999999999999", "abc", "", "1e400", UNICODE, "x".repeat(5000));
    private static final List<String> RAW_BODIES = List.of("{", "[]", "\"text\"", "123", "null", "{\"a\":", "{}}", "\u0000", "{\"unknown\":1}",
            "[" + "[".repeat(5000) + "]".repeat(5000) + "]", "{\"a\":\"" + HUGE + "\"}");

    @TempDir
    Path work;

    @Test
    void badInputNeverBreaksAnyEndpoint() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        try (PanelProcess panel = new PanelProcess(work, Map.of()).start()) {
            JsonNode doc = panel.get("/api/v1/openapi.json").json();
            JsonNode schemas = doc.at("/components/schemas");
            List<String> failures = new ArrayList<>();
            int sent = 0;
            for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
                Map.Entry<String, JsonNode> path = paths.next();
                for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                    Map.Entry<String, JsonNode> op = ops.next();
                    String method = op.getKey().toUpperCase();
                    if (path.getKey().equals("/events") || path.getKey().equals("/auth/logout")) {
                        continue; // a stream that never ends; logging out would end the admin's own session
                    }
                    for (Probe probe : probes(path.getKey(), method, op.getValue(), schemas)) {
                        PanelProcess.Response r;
                        try {
                            r = send(panel, method, probe);
                        } catch (java.io.UncheckedIOException closed) {
                            // twice a connection closed without an answer (under the load of a parallel test class): once
                            // more after a pause, and named if that fails too, so the request that broke it is known
                            Thread.sleep(500);
                            try {
                                r = send(panel, method, probe);
                            } catch (java.io.UncheckedIOException again) {
                                failures.add(method + " " + probe.path() + (probe.body() == null ? "" : " body=" + abbreviate(probe.body()))
                                        + ": no answer (" + again.getMessage() + ")");
                                continue;
                            }
                        }
                        sent++;
                        String problem = verdict(r);
                        if (problem != null) {
                            failures.add(method + " " + probe.path() + (probe.body() == null ? "" : " body=" + abbreviate(probe.body()))
                                    + ": " + problem + " → " + r.status() + " " + abbreviate(r.body()));
                        }
                    }
                }
            }
            assertTrue(failures.isEmpty(), failures.size() + " of " + sent + " requests answered badly:\n" + String.join("\n", failures));
            assertTrue(sent > 500, "sent " + sent);
            String log = Files.readString(panel.logDir.resolve("vessel.log"));
            assertTrue(!log.contains("Operation failed unexpectedly"), "no operation crashed");
        }
    }

    private static String verdict(PanelProcess.Response r) {
        if (r.status() >= 500) {
            return "server error";
        }
        if (r.body().contains("Exception") || r.body().contains("\tat ") || r.body().contains("at io.vessel")) {
            return "stack trace or exception name leaked";
        }
        if (r.status() >= 400 && !r.contentType().startsWith("application/problem+json")) {
            return "error is not problem+json (" + r.contentType() + ")";
        }
        return null;
    }

    private record Probe(String path, String body) {
    }

    private static List<Probe> probes(String template, String method, JsonNode op, JsonNode schemas) {
        List<Probe> probes = new ArrayList<>();
        String base = "/api/v1" + template;
        boolean hasBody = op.has("requestBody");
        // odd path values, one parameter at a time (others get a plausible value)
        if (template.contains("{")) {
            for (String value : PATH_VALUES) {
                probes.add(new Probe(base.replaceAll("\\{[^}]+}", value), hasBody ? "{}" : null));
            }
        }
        String plausible = base.replaceAll("\\{[^}]+}", "101");
        // odd query values
        for (JsonNode parameter : op.path("parameters")) {
            if (parameter.get("in").asText().equals("query")) {
                for (String value : QUERY_VALUES) {
                    probes.add(new Probe(plausible + "?" + parameter.get("name").asText() + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8),
                            hasBody ? "{}" : null));
                }
            }
        }
        if (!hasBody) {
            return probes;
        }
        RAW_BODIES.forEach(body -> probes.add(new Probe(plausible, body)));
        // every property of the body's schema with wrong types and hostile values
        JsonNode schema = resolve(op.at("/requestBody/content/application~1json/schema"), schemas);
        for (Iterator<Map.Entry<String, JsonNode>> props = schema.path("properties").fields(); props.hasNext(); ) {
            Map.Entry<String, JsonNode> prop = props.next();
            for (Object value : hostileValues(resolve(prop.getValue(), schemas))) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put(prop.getKey(), value);
                probes.add(new Probe(plausible, PanelProcess.JSON.valueToTree(body).toString()));
            }
        }
        return probes;
    }

    private static List<Object> hostileValues(JsonNode schema) {
        List<Object> values = new ArrayList<>(List.of(HUGE, UNICODE, -1, Long.MAX_VALUE, new java.math.BigInteger("99999999999999999999999"),
                1e308, true, List.of(1, 2), Map.of("nested", Map.of("deeper", HUGE))));
        values.add(null);
        if ("object".equals(schema.path("type").asText())) {
            ObjectNode wrongTypes = PanelProcess.JSON.createObjectNode();
            schema.path("properties").fieldNames().forEachRemaining(name -> wrongTypes.put(name, "not-" + name));
            values.add(wrongTypes);
        }
        return values;
    }

    private static JsonNode resolve(JsonNode schema, JsonNode schemas) {
        if (schema.has("$ref")) {
            return schemas.path(schema.get("$ref").asText().replace("#/components/schemas/", ""));
        }
        return schema;
    }

    private static PanelProcess.Response send(PanelProcess panel, String method, Probe probe) {
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(panel.uri(probe.path()));
        } catch (IllegalArgumentException unsendable) {
            return new PanelProcess.Response(400, "application/problem+json", "", Map.of()); // the client refuses to send it at all
        }
        if (probe.body() != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, probe.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(probe.body()));
        return probe.path().startsWith("/api/v1/auth/") ? panel.anonymous(request) : panel.send(request);
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }
}
