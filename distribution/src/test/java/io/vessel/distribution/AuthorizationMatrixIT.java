package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint the running panel registers (read from its generated OpenAPI document, so new endpoints are
 * covered automatically) × every built-in role × the caller's own and another tenant's object.
 *
 * <p>The expectations below are written by hand: which roles may call each endpoint. An endpoint without an
 * expectation, or an expectation without an endpoint, fails the test. For each endpoint and role:
 * <ul>
 *   <li>a role that may not call it gets 403 (on its own object: the refusal is about the permission);</li>
 *   <li>a role that may call it gets, for another tenant's object, the same 404 as for an object that does not
 *       exist; and for its own object anything but 401/403 and the access filter's 404 (bodies are sent invalid
 *       where an endpoint takes one, so nothing is changed; deletions get a fresh object of their own).</li>
 * </ul>
 */
@org.junit.jupiter.api.parallel.ResourceLock(PanelProcess.VE_INTERFACES)
class AuthorizationMatrixIT {

    /** P provider admin, R reseller admin, O customer owner, M customer member, A auditor (provider level). */
    private static final Map<String, String> EXPECTED = new LinkedHashMap<>();

    static {
        for (String publicEndpoint : List.of("POST /auth/login", "POST /auth/logout", "POST /auth/impersonation/end", "GET /auth/session", "POST /auth/password-reset",
                "POST /auth/password-reset/confirm", "GET /health", "GET /openapi.json", "POST /auth/login-link", "POST /auth/login-link/peek",
                "POST /nodes/join")) {
            EXPECTED.put(publicEndpoint, "public");
        }
        for (String self : List.of("GET /me", "POST /me/password", "POST /me/2fa", "POST /me/2fa/confirm", "DELETE /me/2fa",
                "GET /me/security-log", "GET /me/tokens", "POST /me/tokens", "DELETE /me/tokens/{tokenId}", "GET /events", "GET /ui/contributions", "GET /me/notifications", "PUT /me/notifications")) {
            EXPECTED.put(self, "PROMA");
        }
        // plugins run as root: only the provider's administrators see or manage them
        for (String plugins : List.of("GET /plugins", "POST /plugins", "PUT /plugins/{name}", "GET /plugins/{name}", "POST /plugins/{name}/disable", "POST /plugins/{name}/enable", "PUT /plugins/{name}/hook-time-limit",
                "DELETE /plugins/{name}", "GET /plugins/{name}/settings", "PUT /plugins/{name}/settings/{pid}", "GET /scheduled-tasks", "POST /scheduled-tasks/{name}/run",
                "GET /plugins/catalogue", "POST /plugins/catalogue/{name}/install")) {
            EXPECTED.put(plugins, "P");
        }
        for (String webhooks : List.of("GET /webhooks", "POST /webhooks", "DELETE /webhooks/{id}", "GET /webhooks/{id}/deliveries",
                "POST /webhooks/{id}/ping")) {
            EXPECTED.put(webhooks, "PRO");
        }
        EXPECTED.put("GET /tenants", "PROA");
        EXPECTED.put("POST /tenants", "PR");
        EXPECTED.put("GET /tenants/{id}", "PROA");
        EXPECTED.put("PATCH /tenants/{id}", "PR");
        EXPECTED.put("DELETE /tenants/{id}", "PR");
        EXPECTED.put("GET /accounts", "PROA");
        EXPECTED.put("POST /accounts", "PRO");
        EXPECTED.put("GET /accounts/{id}", "PROA");
        EXPECTED.put("PATCH /accounts/{id}", "PRO");
        EXPECTED.put("DELETE /accounts/{id}", "PRO");
        EXPECTED.put("POST /accounts/{id}/impersonate", "PR");
        EXPECTED.put("POST /accounts/{id}/password-reset", "PRO");
        EXPECTED.put("GET /roles", "PROA");
        EXPECTED.put("GET /roles/permissions", "PROA");
        EXPECTED.put("POST /roles", "PRO");
        EXPECTED.put("GET /roles/{id}", "PROA");
        EXPECTED.put("PATCH /roles/{id}", "PRO");
        EXPECTED.put("DELETE /roles/{id}", "PRO");
        EXPECTED.put("GET /audit", "PRA");
        EXPECTED.put("GET /operations", "PROMA");
        EXPECTED.put("GET /operations/{id}", "PROMA");
        EXPECTED.put("GET /ves", "PROMA");
        EXPECTED.put("POST /ves", "PR");
        EXPECTED.put("GET /ves/{id}", "PROMA");
        EXPECTED.put("PATCH /ves/{id}", "PRO");
        EXPECTED.put("DELETE /ves/{id}", "PR");
        for (String power : List.of("start", "stop", "restart", "kill", "suspend", "resume", "exec")) {
            EXPECTED.put("POST /ves/{id}/" + power, "PROM");
        }
        EXPECTED.put("POST /ves/{id}/reinstall", "PRO");
        EXPECTED.put("POST /ves/{id}/password", "PRO");
        EXPECTED.put("POST /ves/{id}/migrate", "P");
        EXPECTED.put("GET /ves/{id}/usage", "PROMA");
        EXPECTED.put("GET /ves/{id}/backups", "PROMA");
        EXPECTED.put("GET /ves/{id}/backups/{backup}", "PROMA");
        EXPECTED.put("GET /ves/{id}/backups/{backup}/files", "PROMA");
        EXPECTED.put("GET /ves/{id}/backups/{backup}/download", "PROMA");
        EXPECTED.put("POST /ves/{id}/backups", "PRO");
        EXPECTED.put("DELETE /ves/{id}/backups/{backup}", "PRO");
        EXPECTED.put("POST /ves/{id}/backups/{backup}/restore", "PRO");
        EXPECTED.put("GET /ves/{id}/backup-schedule", "PROMA");
        EXPECTED.put("PUT /ves/{id}/backup-schedule", "PRO");
        EXPECTED.put("DELETE /ves/{id}/backup-schedule", "PRO");
        EXPECTED.put("GET /backup-targets", "P");
        EXPECTED.put("GET /backup-repositories", "P");
        EXPECTED.put("GET /panel-backups", "P");
        EXPECTED.put("GET /backups", "PROMA");
        EXPECTED.put("DELETE /backups/{backup}", "PRO");
        EXPECTED.put("POST /backups/{backup}/restore", "PR");
        EXPECTED.put("POST /panel-backups", "P");
        EXPECTED.put("POST /backup-repositories/{repository}/check", "P");
        EXPECTED.put("DELETE /backup-repositories/{repository}", "P");
        EXPECTED.put("GET /ves/{id}/ssh-keys", "PROMA");
        EXPECTED.put("POST /ves/{id}/ssh-keys", "PRO");
        EXPECTED.put("DELETE /ves/{id}/ssh-keys/{keyId}", "PRO");
        EXPECTED.put("GET /ves/{id}/ips", "PROMA");
        EXPECTED.put("POST /ves/{id}/ips", "PR");
        EXPECTED.put("DELETE /ves/{id}/ips/{address}", "PR");
        EXPECTED.put("GET /ves/{id}/port-forwards", "PROMA");
        EXPECTED.put("POST /ves/{id}/port-forwards", "PR");
        EXPECTED.put("DELETE /ves/{id}/port-forwards/{protocol}/{hostPort}", "PR");
        EXPECTED.put("GET /templates", "PROMA");
        EXPECTED.put("GET /templates/{name}", "PROMA");
        EXPECTED.put("GET /templates/{name}/{version}", "PROMA");
        EXPECTED.put("POST /templates", "P");
        EXPECTED.put("POST /templates/import", "P");
        EXPECTED.put("PATCH /templates/{name}", "P");
        EXPECTED.put("DELETE /templates/{name}/{version}", "P");
        EXPECTED.put("GET /ip-pools", "PRA");
        EXPECTED.put("GET /ip-pools/{name}", "PRA");
        EXPECTED.put("POST /ip-pools", "P");
        EXPECTED.put("DELETE /ip-pools/{name}", "P");
        EXPECTED.put("GET /nodes", "PA");
        EXPECTED.put("GET /nodes/{id}", "PA");
        EXPECTED.put("PATCH /nodes/{id}", "P");
        EXPECTED.put("DELETE /nodes/{id}/certificate", "P");
        EXPECTED.put("POST /nodes/{id}/drain", "P");
        EXPECTED.put("POST /nodes/enrolments", "P");
        EXPECTED.put("GET /nodes/enrolments", "P");
        EXPECTED.put("DELETE /nodes/enrolments/{id}", "P");
        EXPECTED.put("GET /metrics", "PA");
        // plans: sellers (the provider, resellers) manage their own; auditors read
        for (String read : List.of("GET /billing/plans", "GET /billing/plans/meters", "GET /billing/plans/{id}", "GET /billing/plans/{id}/versions", "GET /billing/plans/{id}/versions/{version}")) {
            EXPECTED.put(read, "PRA");
        }
        for (String manage : List.of("POST /billing/plans", "PUT /billing/plans/{id}", "POST /billing/plans/{id}/retire")) {
            EXPECTED.put(manage, "PR");
        }
        // billing accounts and subscriptions: customers read their own, sellers manage their customers'
        for (String read : List.of("GET /billing/accounts/{id}", "GET /billing/accounts/{id}/invoices/upcoming", "GET /billing/subscriptions",
                "GET /billing/subscriptions/{id}")) {
            EXPECTED.put(read, "PROA");
        }
        EXPECTED.put("GET /billing/accounts/{id}/payments", "PROA");
        EXPECTED.put("GET /billing/accounts/{id}/cost", "PROA");
        EXPECTED.put("PUT /billing/accounts/{id}/spending-limit", "PRO");
        EXPECTED.put("GET /billing/ves/{id}/cost", "PROA");
        EXPECTED.put("GET /billing/ves/{id}/cost/daily", "PROA");
        for (String manage : List.of("PUT /billing/accounts/{id}", "POST /billing/subscriptions", "POST /billing/subscriptions/{id}/cancel",
                "POST /billing/subscriptions/{id}/change", "POST /billing/accounts/{id}/payments", "POST /billing/subscriptions/{id}/pause",
                "POST /billing/subscriptions/{id}/resume")) {
            EXPECTED.put(manage, "PR");
        }
        EXPECTED.put("GET /billing/clock", "P");
        // customers order for themselves; their sellers see, approve and refuse. Sellers' administrators hold billing.order
        // too (the provider's hold every permission; a reseller's role covers its customers' roles, or it could not manage
        // their accounts): the endpoints refuse them as sellers (403) once their body is read, so the matrix's invalid
        // bodies get a 400 first
        for (String self : List.of("GET /billing/orders/plans", "GET /billing/orders/change-preview")) {
            EXPECTED.put(self, "O");
        }
        for (String self : List.of("POST /billing/orders", "POST /billing/orders/change", "POST /billing/orders/cancel")) {
            EXPECTED.put(self, "PRO");
        }
        EXPECTED.put("GET /billing/orders", "PROA");
        EXPECTED.put("GET /billing/orders/{id}", "PROA");
        EXPECTED.put("POST /billing/orders/{id}/approve", "PR");
        EXPECTED.put("POST /billing/orders/{id}/reject", "PR");
        EXPECTED.put("PUT /billing/plans/{id}/ordering", "PR");
        EXPECTED.put("GET /billing/revenue", "PRA");
        EXPECTED.put("GET /billing/dunning", "PROA");
        EXPECTED.put("PUT /billing/accounts/{id}/dunning-pause", "PR");
        EXPECTED.put("POST /billing/runs", "PR");
        EXPECTED.put("GET /billing/runs", "PROA");
        EXPECTED.put("GET /billing/runs/{id}", "PROA");
        EXPECTED.put("POST /billing/dunning", "PR");
        EXPECTED.put("GET /billing/tax-settings", "PRA");
        EXPECTED.put("PUT /billing/tax-settings", "PR");
        EXPECTED.put("GET /billing/invoice-settings", "PRA");
        EXPECTED.put("PUT /billing/invoice-settings", "PR");
        EXPECTED.put("GET /billing/invoices", "PROA");
        EXPECTED.put("GET /billing/invoices/{id}", "PROA");
        EXPECTED.put("GET /billing/invoices/{id}/pdf", "PROA");
        EXPECTED.put("GET /billing/invoices/export", "PROA");
        EXPECTED.put("GET /billing/payments/export", "PROA");
        EXPECTED.put("POST /billing/invoices/{id}/credit-notes", "PR");
        EXPECTED.put("POST /billing/clock", "P");
        // payments: customers pay their own (through a gateway); sellers refund their customers'
        EXPECTED.put("GET /billing/gateways", "PROA");
        EXPECTED.put("POST /billing/gateways/{gateway}/webhook", "public");
        EXPECTED.put("GET /billing/gateways/{gateway}/credentials", "PR");
        EXPECTED.put("PUT /billing/gateways/{gateway}/credentials", "PR");
        EXPECTED.put("DELETE /billing/gateways/{gateway}/credentials", "PR");
        EXPECTED.put("POST /billing/checkouts", "PRO");
        EXPECTED.put("GET /billing/checkouts/{id}", "PRO");
        EXPECTED.put("GET /billing/payments/{id}", "PROA");
        EXPECTED.put("GET /billing/payments/{id}/refunds", "PROA");
        EXPECTED.put("POST /billing/payments/{id}/refunds", "PR");
        EXPECTED.put("GET /billing/resellers/{id}/terms", "PROA");
        EXPECTED.put("PUT /billing/resellers/{id}/terms", "PR");
        // an external billing system (a seller's token with provisioning): each seller reaches only its own services
        for (String provisioning : List.of("GET /provisioning/test", "GET /provisioning/services", "POST /provisioning/services",
                "GET /provisioning/services/{serviceId}", "POST /provisioning/services/{serviceId}/suspend",
                "POST /provisioning/services/{serviceId}/unsuspend", "POST /provisioning/services/{serviceId}/terminate",
                "POST /provisioning/services/{serviceId}/change-package", "POST /provisioning/services/{serviceId}/password",
                "POST /provisioning/services/{serviceId}/login-link", "GET /provisioning/services/{serviceId}/usage", "GET /provisioning/usage")) {
            EXPECTED.put(provisioning, "PR");
        }
    }

    private static final String PASSWORD = "Matrix-Password-1";
    private static final HttpClient STREAMING = HttpClient.newHttpClient();

    @TempDir
    Path work;

    private PanelProcess panel;
    private final Map<Character, PanelProcess.As> callers = new LinkedHashMap<>();
    /** Per role and object kind: the id of an object the role owns, and of one it must not see (null: none). */
    private final Map<String, String> own = new LinkedHashMap<>();
    private final Map<String, String> foreign = new LinkedHashMap<>();
    private String tenantA;
    private String tenantB;
    private String tenantR;
    private String node;
    private String provider;
    private int pools;

    @Test
    void everyEndpointAnswersEveryRoleAsExpected() throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        try (PanelProcess p = new PanelProcess(work, Map.of()).start()) {
            panel = p;
            setUp();
            JsonNode paths = panel.get("/api/v1/openapi.json").json().get("paths");
            Set<String> registered = new TreeSet<>();
            List<String> failures = new ArrayList<>();
            int checked = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> path = it.next();
                for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                    Map.Entry<String, JsonNode> op = ops.next();
                    String endpoint = op.getKey().toUpperCase() + " " + path.getKey();
                    registered.add(endpoint);
                    String expected = EXPECTED.get(endpoint);
                    if (expected == null) {
                        failures.add(endpoint + ": no expectation in this test (add one)");
                        continue;
                    }
                    if (expected.equals("public")) {
                        assertTrue(op.getValue().get("security").isEmpty(), endpoint + " is documented as public");
                        continue;
                    }
                    assertTrue(op.getValue().hasNonNull("x-permission"), endpoint + " documents its permission");
                    checked += check(endpoint, path.getKey(), op.getKey().toUpperCase(), op.getValue(), expected, failures);
                }
            }
            // the privileged-VE rule (docs/security.md): only the provider admin creates one, and never for a customer
            for (Map.Entry<Character, PanelProcess.As> caller : callers.entrySet()) {
                boolean provider = caller.getKey() == 'P';
                PanelProcess.Response r = caller.getValue().post("/api/v1/ves", provider
                        ? "{\"template\":\"busybox\",\"privileged\":true,\"owner\":\"" + tenantA + "\"}"
                        : "{\"template\":\"busybox\",\"privileged\":true}");
                checked++;
                if (r.status() != (provider ? 422 : 403)) {
                    failures.add("POST /ves privileged as " + caller.getKey() + ": expected " + (provider ? 422 : 403) + ", got " + r.status() + " " + r.body());
                }
            }
            Set<String> stale = new TreeSet<>(EXPECTED.keySet());
            stale.removeAll(registered);
            stale.forEach(e -> failures.add(e + ": expected but not registered"));
            assertTrue(failures.isEmpty(), failures.size() + " of " + checked + " checks failed:\n" + String.join("\n", failures));
            assertTrue(checked > 300, "checked " + checked);
        }
    }

    private int check(String endpoint, String template, String method, JsonNode op, String allowedRoles, List<String> failures) {
        String kind = op.hasNonNull("x-object") ? op.get("x-object").asText() : null;
        String bodyType = op.has("requestBody") ? op.at("/requestBody/content").fieldNames().next() : null;
        int checks = 0;
        for (Map.Entry<Character, PanelProcess.As> caller : callers.entrySet()) {
            char role = caller.getKey();
            boolean allowed = allowedRoles.indexOf(role) >= 0;
            String ownId = kind == null ? null : own.get(role + kind);
            if (!allowed) {
                PanelProcess.Response r = call(caller.getValue(), method, path(template, kind, ownId), bodyType);
                checks++;
                if (r.status() != 403) {
                    failures.add(endpoint + " as " + role + " (not allowed): expected 403, got " + r.status() + " " + r.body());
                }
                continue;
            }
            if (kind != null && foreign.get(role + kind) != null) {
                String foreignId = foreign.get(role + kind);
                PanelProcess.Response r = call(caller.getValue(), method, path(template, kind, foreignId), bodyType);
                PanelProcess.Response missing = call(caller.getValue(), method, path(template, kind, missingId(kind)), bodyType);
                checks += 2;
                if (r.status() != 404 || missing.status() != 404) {
                    failures.add(endpoint + " as " + role + " on another tenant's " + kind + ": expected 404 like a missing one, got "
                            + r.status() + " / " + missing.status() + " " + r.body());
                } else if (!r.json().get("detail").asText().replace(foreignId, "X").equals(missing.json().get("detail").asText()
                        .replace(missingId(kind), "X"))) {
                    failures.add(endpoint + " as " + role + ": another tenant's object answers differently from a missing one: "
                            + r.body() + " vs " + missing.body());
                }
            }
            String target = method.equals("DELETE") && kind != null ? fresh(kind, role) : ownId;
            PanelProcess.Response r = call(caller.getValue(), method, path(template, kind, target), bodyType);
            checks++;
            boolean filtered = r.status() == 404 && kind != null && r.json().get("detail").asText().equals(filterAnswer(kind, target));
            // plugin uploads are off on this panel (a setting, not a permission): that refusal comes after the guard
            boolean uploadsOff = r.status() == 403 && r.body().contains("\"title\":\"Uploads are off\"");
            if (r.status() == 401 || r.status() == 403 && !uploadsOff || filtered || r.status() >= 500) {
                failures.add(endpoint + " as " + role + " (allowed) on its own object: got " + r.status() + " " + r.body());
            }
        }
        return checks;
    }

    private PanelProcess.Response call(PanelProcess.As as, String method, String path, String bodyType) {
        if (path.equals("/api/v1/events")) {
            return openStream(as);
        }
        if (bodyType == null) {
            return as.send(method, path, method.equals("GET") || method.equals("DELETE") ? null : "");
        }
        // an unknown field (or, for uploads, bytes that are no archive) makes every body invalid: the request passes
        // the guard, then changes nothing
        return as.send(method, path, bodyType.equals("application/json") ? "{\"matrixProbe\": true}" : "not an archive", bodyType);
    }

    /** The event stream never ends: look at the status and headers, then hang up. */
    private PanelProcess.Response openStream(PanelProcess.As as) {
        try {
            HttpResponse<java.io.InputStream> r = STREAMING.send(HttpRequest.newBuilder(panel.uri("/api/v1/events")).header(as.header(), as.value())
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            String body = r.statusCode() == 200 ? "" : new String(r.body().readAllBytes());
            r.body().close();
            return new PanelProcess.Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), body, r.headers().map());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** What the access filter answers for an object the caller may not see. */
    private static String filterAnswer(String kind, String id) {
        return "There is no " + switch (kind) {
            case "ve" -> "VE";
            case "ip-pool" -> "IP pool";
            default -> kind;
        } + " " + id + ".";
    }

    private static String idParam(String kind) {
        return kind.equals("template") || kind.equals("ip-pool") ? "{name}" : "{id}";
    }

    private String path(String template, String kind, String id) {
        String p = template;
        if (kind != null && id != null) {
            p = p.replace(idParam(kind), id);
        }
        return "/api/v1" + p.replace("{id}", node).replace("{tokenId}", UUID.randomUUID().toString()).replace("{name}", nameFor(template))
                .replace("{version}", "999").replace("{serviceId}", "matrix-no-such-service").replace("{pid}", "no.such.pid").replace("{keyId}", "0".repeat(64)).replace("{address}", "10.99.99.99").replace("{protocol}", "tcp").replace("{hostPort}", "9999")
                .replace("{gateway}", "testpay").replace("{backup}", UUID.randomUUID().toString())
                .replace("{repository}", UUID.randomUUID().toString());
    }

    private static String nameFor(String template) {
        return template.startsWith("/ip-pools") ? "matrix-pool" : "busybox";
    }

    private static String missingId(String kind) {
        return switch (kind) {
            case "ve" -> "999999";
            default -> "00000000-0000-4000-8000-000000000000";
        };
    }

    // ---- the world the matrix runs in ---------------------------------------------------------------------

    private void setUp() {
        node = panel.get("/api/v1/nodes").json().get(0).at("/node/id").asText();
        tenantR = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Reseller R\",\"kind\":\"RESELLER\"}"));
        tenantA = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Customer A\",\"kind\":\"CUSTOMER\"}"));
        tenantB = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Customer B\",\"kind\":\"CUSTOMER\",\"parentId\":\"" + tenantR + "\"}"));
        provider = panel.get("/api/v1/me").json().at("/tenant/id").asText();

        account(provider, "auditor1", "auditor");
        account(tenantR, "reseller1", "reseller-admin");
        String ownerA = account(tenantA, "ownerA", "customer-owner");
        String memberA = account(tenantA, "memberA", "customer-member");
        String ownerB = account(tenantB, "ownerB", "customer-owner");
        callers.put('P', new PanelProcess.As(panel, "Cookie", adminCookie()));
        callers.put('R', panel.login("reseller1", PASSWORD));
        callers.put('O', panel.login("ownerA", PASSWORD));
        callers.put('M', panel.login("memberA", PASSWORD));
        callers.put('A', panel.login("auditor1", PASSWORD));

        String veA = ve(tenantA);
        String veB = ve(tenantB);
        String opA = findOperation(veA);
        String opB = findOperation(veB);
        String roleA = PanelProcess.createdId(callers.get('O').post("/api/v1/roles", "{\"name\":\"support-a\",\"permissions\":[\"ve.read\"]}"));
        String roleB = PanelProcess.createdId(callers.get('R').post("/api/v1/roles", "{\"name\":\"support-b\",\"permissions\":[\"ve.read\"]}"));
        assertEquals(201, panel.post("/api/v1/ip-pools", "{\"name\":\"matrix-pool\",\"cidr\":\"10.77.0.0/24\"}").status());

        // webhooks belong to the tenant of whoever makes them (a public address literal: nothing is resolved)
        String webhookA = webhookOf('O');
        String webhookR = webhookOf('R');

        // plans belong to the seller that made them (no quotas: the matrix makes and deletes VEs of these customers)
        String open = "{\"code\":\"matrix\",\"name\":\"Matrix\",\"currency\":\"EUR\",\"period\":\"MONTH\",\"price\":\"1.00\"}";
        String planP = PanelProcess.createdId(callers.get('P').post("/api/v1/billing/plans", open));
        String planR = PanelProcess.createdId(callers.get('R').post("/api/v1/billing/plans", open));
        for (char role : "POMA".toCharArray()) {
            own.put(role + "plan", planP);
        }
        own.put("Rplan", planR);
        foreign.put("Rplan", planP);
        String subscriptionA = PanelProcess.createdId(callers.get('P').post("/api/v1/billing/subscriptions",
                "{\"tenant\":\"" + tenantA + "\",\"plan\":\"" + planP + "\"}"));
        String subscriptionB = PanelProcess.createdId(callers.get('R').post("/api/v1/billing/subscriptions",
                "{\"tenant\":\"" + tenantB + "\",\"plan\":\"" + planR + "\"}"));
        for (char role : "POMA".toCharArray()) {
            own.put(role + "billing-account", tenantA);
            own.put(role + "subscription", subscriptionA);
        }
        own.put("Rbilling-account", tenantB);
        own.put("Rsubscription", subscriptionB);
        String runP = BillingApi.billingRun(callers.get('P')).get("id").asText();
        String runR = BillingApi.billingRun(callers.get('R')).get("id").asText();
        for (char role : "PA".toCharArray()) {
            own.put(role + "billing-run", runP);
        }
        own.put("Rbilling-run", runR);
        for (char role : "ROM".toCharArray()) {
            foreign.put(role + "billing-run", runP);
        }
        String invoiceA = callers.get('P').get("/api/v1/billing/invoices?tenant=" + tenantA).json().get(0).get("id").asText();
        String invoiceB = callers.get('P').get("/api/v1/billing/invoices?tenant=" + tenantB).json().get(0).get("id").asText();
        for (char role : "POMA".toCharArray()) {
            own.put(role + "invoice", invoiceA);
        }
        own.put("Rinvoice", invoiceB);
        foreign.put("Rinvoice", invoiceA);
        foreign.put("Oinvoice", invoiceB);
        foreign.put("Minvoice", invoiceB);
        String paymentA = PanelProcess.createdId(callers.get('P').post("/api/v1/billing/accounts/" + tenantA + "/payments",
                "{\"amount\":\"1.00\",\"method\":\"BANK_TRANSFER\"}"));
        String paymentB = PanelProcess.createdId(callers.get('R').post("/api/v1/billing/accounts/" + tenantB + "/payments",
                "{\"amount\":\"1.00\",\"method\":\"BANK_TRANSFER\"}"));
        for (char role : "POMA".toCharArray()) {
            own.put(role + "billing-payment", paymentA);
        }
        own.put("Rbilling-payment", paymentB);
        for (char role : "OMR".toCharArray()) {
            foreign.put(role + "billing-payment", role == 'R' ? paymentA : paymentB);
            foreign.put(role + "billing-account", role == 'R' ? tenantA : tenantB);
            foreign.put(role + "subscription", role == 'R' ? subscriptionA : subscriptionB);
        }

        // orders: each customer's owner orders a VE on its seller's plan (made at once: both have subscribed before)
        assertEquals(202, callers.get('O').post("/api/v1/billing/orders", "{\"plan\":\"" + planP + "\",\"template\":\"busybox\"}").status());
        String orderA = callers.get('O').get("/api/v1/billing/orders").json().get(0).get("id").asText();
        PanelProcess.As ownerBCaller = panel.login("ownerB", PASSWORD);
        assertEquals(202, ownerBCaller.post("/api/v1/billing/orders", "{\"plan\":\"" + planR + "\",\"template\":\"busybox\"}").status());
        String orderB = ownerBCaller.get("/api/v1/billing/orders").json().get(0).get("id").asText();
        for (char role : "POMA".toCharArray()) {
            own.put(role + "billing-order", orderA);
        }
        own.put("Rbilling-order", orderB);
        foreign.put("Obilling-order", orderB);
        foreign.put("Mbilling-order", orderB);
        foreign.put("Rbilling-order", orderA);

        // own objects: what each role works on; foreign: what lies outside its part of the tree
        for (char role : "PROMA".toCharArray()) {
            own.put(role + "template", "busybox");
            own.put(role + "ip-pool", "matrix-pool");
        }
        for (char role : "PAOM".toCharArray()) {
            own.put(role + "ve", veA);
            own.put(role + "operation", opA);
            own.put(role + "tenant", tenantA);
            own.put(role + "account", memberA);
            own.put(role + "role", roleA);
        }
        for (char role : "POM".toCharArray()) {
            own.put(role + "webhook", webhookA);
        }
        own.put("Rwebhook", webhookR);
        foreign.put("Owebhook", webhookR);
        foreign.put("Rwebhook", webhookA);
        own.put("Pve", veA);
        own.put("Rve", veB);
        own.put("Roperation", opB);
        own.put("Rtenant", tenantB);
        own.put("Raccount", ownerB);
        own.put("Rrole", roleB);
        for (char role : "OM".toCharArray()) {
            foreign.put(role + "ve", veB);
            foreign.put(role + "operation", opB);
            foreign.put(role + "tenant", tenantB);
            foreign.put(role + "account", ownerB);
            foreign.put(role + "role", roleB);
        }
        foreign.put("Rve", veA);
        foreign.put("Roperation", opA);
        foreign.put("Rtenant", tenantA);
        foreign.put("Raccount", ownerA);
        foreign.put("Rrole", roleA);
    }

    private String webhookOf(char role) {
        return PanelProcess.createdId(callers.get(role).post("/api/v1/webhooks", "{\"url\":\"https://93.184.215.14/hook\",\"events\":[\"ve.*\"]}"));
    }

    /** A throwaway object of the role's own, for deletions. */
    private String fresh(String kind, char role) {
        String tenant = role == 'R' ? tenantB : tenantA;
        return switch (kind) {
            case "ve" -> ve(tenant);
            case "webhook" -> webhookOf(role);
            case "tenant" -> PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Throwaway\",\"kind\":\"CUSTOMER\",\"parentId\":\""
                    + (role == 'R' ? tenantR : provider) + "\"}"));
            case "account" -> account(tenant, "gone" + UUID.randomUUID().toString().substring(0, 8), "customer-member");
            case "role" -> roleIn(tenant);
            case "ip-pool" -> {
                String name = "gone-" + UUID.randomUUID().toString().substring(0, 8);
                assertEquals(201, panel.post("/api/v1/ip-pools", "{\"name\":\"" + name + "\",\"cidr\":\"10." + (100 + pools++)
                        + ".0.0/24\"}").status());
                yield name;
            }
            default -> own.get(role + kind);
        };
    }

    private String roleIn(String tenant) {
        PanelProcess.As definer = tenant.equals(tenantB) ? callers.get('R') : callers.get('O');
        return PanelProcess.createdId(definer.post("/api/v1/roles", "{\"name\":\"gone-" + UUID.randomUUID().toString().substring(0, 8) + "\",\"permissions\":[\"ve.read\"]}"));
    }

    private String account(String tenant, String username, String role) {
        return panel.createAccount(tenant, username, role, PASSWORD);
    }

    private String ve(String owner) {
        JsonNode done = VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves", "{\"template\":\"busybox\",\"owner\":\"" + owner + "\"}"));
        return done.get("result").asText().replace("/api/v1/ves/", "");
    }

    private String findOperation(String ve) {
        for (JsonNode op : panel.get("/api/v1/operations?limit=1000").json()) {
            if (op.get("target").asText().equals("ve/" + ve)) {
                return op.get("id").asText();
            }
        }
        throw new AssertionError("no operation on ve " + ve);
    }

    private String adminCookie() {
        PanelProcess.Response login = panel.post("/api/v1/auth/login", "{\"username\":\"admin\",\"password\":\"" + PanelProcess.ADMIN_PASSWORD + "\"}");
        String cookie = login.header("Set-Cookie");
        return cookie.substring(0, cookie.indexOf(';'));
    }

}
