package io.vessel.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The payment gateway SPI, proven with a real plugin ({@code vessel-testpay-plugin}) speaking real HTTP to a local
 * fake payment service with hosted checkout pages and signed webhooks: a declined card, a paid invoice, a
 * redelivered webhook counted once, forged webhooks refused, a refund through the gateway (and its own webhook not
 * counted twice), a chargeback that reopens the invoice and brings dunning to a real suspension of the customer's
 * VE, which paying again lifts; a top-up; and an unreachable gateway answered with a problem, nothing half-written.
 */
class BillingPaymentsIT {

    private static final String SECRET = "whsec-test-4f1c";
    private static final String GOOD_CARD = "4242424242424242";
    private static final String DECLINED_CARD = "4000000000000002";

    @Test
    void customersPayThroughAGatewayPluginAndRefundsAndChargebacksReachTheLedger() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-payments");
        try (FakePaymentService testpay = new FakePaymentService(SECRET)) {
            Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\ntestpay.api.url = " + testpay.url()
                    + "\ntestpay.secret = " + SECRET + "\n");
            try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
                panel.installPlugin(PanelProcess.TESTPAY_PLUGIN, "testpay");
                // one answer for both: the plugin's start is followed by File Install's refresh, which may restart it once
                PanelProcess.poll(Duration.ofSeconds(30), () -> "Card (TestPay)".equals(panel.get("/api/v1/billing/gateways").json().path(0)
                        .path("name").asText(null)), "the gateway, named Card (TestPay)");

                String customer = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Card Payer\",\"kind\":\"CUSTOMER\"}"));
                int ve = NetworkIT.createVe(panel, "{\"template\":\"busybox\",\"hostname\":\"shop\",\"owner\":\"" + customer + "\"}");
                VeLifecycleIT.awaitOperation(panel, panel.post("/api/v1/ves/" + ve + "/start", ""));
                String plan = PanelProcess.createdId(panel.post("/api/v1/billing/plans",
                        "{\"code\":\"shop\",\"name\":\"Shop\",\"currency\":\"EUR\",\"period\":\"MONTH\",\"price\":\"12.00\"}"));
                assertEquals(201, panel.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan + "\"}").status());
                assertEquals(1, BillingApi.run(panel).size());
                panel.createAccount(customer, "payer", "customer-owner", "Payer-Password-1");
                PanelProcess.As payer = panel.login("payer", "Payer-Password-1");
                JsonNode invoice = payer.get("/api/v1/billing/invoices").json().get(0);
                String invoiceId = invoice.get("id").asText();
                String due = invoice.get("amountDue").asText(); // the first month prorated from today
                assertEquals(invoice.get("total").asText(), due);
                String rest = new java.math.BigDecimal(due).subtract(new java.math.BigDecimal("2.00")).toPlainString();

                // a declined card: the checkout ends DECLINED with the gateway's words, nothing is paid
                JsonNode declined = checkout(payer, customer, ",\"invoice\":\"" + invoiceId + "\"");
                assertEquals("PENDING", declined.get("state").asText());
                assertEquals(due, testpay.lastPayment().get("amount").asText(), "the gateway was asked for what is due");
                testpay.payOnHostedPage(declined.get("redirect").asText(), DECLINED_CARD);
                JsonNode afterDecline = payer.get("/api/v1/billing/checkouts/" + declined.get("id").asText()).json();
                assertEquals("DECLINED", afterDecline.get("state").asText(), afterDecline.toString());
                assertEquals("Your card was declined.", afterDecline.get("message").asText());
                assertEquals(due, amountDue(payer, invoiceId));

                // a good card pays the invoice
                JsonNode paid = checkout(payer, customer, ",\"invoice\":\"" + invoiceId + "\"");
                JsonNode succeeded = testpay.payOnHostedPage(paid.get("redirect").asText(), GOOD_CARD);
                JsonNode afterPay = payer.get("/api/v1/billing/checkouts/" + paid.get("id").asText()).json();
                assertEquals("SUCCEEDED", afterPay.get("state").asText(), afterPay.toString());
                assertEquals("0.00", amountDue(payer, invoiceId));
                String payment = afterPay.get("payment").asText();

                // the gateway delivers the same event again: counted once
                assertEquals(0, testpay.deliver(succeeded).json().get("applied").asInt());
                assertEquals(1, panel.get("/api/v1/billing/accounts/" + customer + "/payments").json().size());
                assertEquals("0.00", amountDue(payer, invoiceId));

                // forged calls: no signature, a wrong one, a tampered body under the real one
                ObjectNode forged = succeeded.deepCopy();
                forged.put("id", "evt_forged").put("amount", "500.00");
                assertProblem(testpay.deliver(forged, null), 400);
                assertProblem(testpay.deliver(forged, "00" + testpay.sign(forged).substring(2)), 400);
                assertProblem(testpay.deliverRaw(PanelProcess.JSON.writeValueAsBytes(forged), testpay.sign(succeeded)), 400);
                assertEquals(1, panel.get("/api/v1/billing/accounts/" + customer + "/payments").json().size());

                // refunds: the customer may not; more than was paid is refused; 2.00 goes back through the gateway and the invoice is open for it
                assertEquals(403, payer.post("/api/v1/billing/payments/" + payment + "/refunds", "{\"amount\":\"2.00\"}").status());
                PanelProcess.Response tooMuch = panel.post("/api/v1/billing/payments/" + payment + "/refunds", "{\"amount\":\"50.00\"}");
                assertProblem(tooMuch, 422);
                assertTrue(tooMuch.body().contains(due), tooMuch.body());
                PanelProcess.Response refunded = panel.post("/api/v1/billing/payments/" + payment + "/refunds", "{\"amount\":\"2.00\",\"reason\":\"goodwill\"}");
                assertEquals(201, refunded.status(), refunded.toString());
                assertEquals("2.00", testpay.lastRefund().get("amount").asText());
                assertEquals(refunded.json().get("gatewayReference").asText(), testpay.lastRefundId());
                assertEquals(1, testpay.refunds(), "one refund request");
                assertEquals("2.00", amountDue(payer, invoiceId));
                assertEquals("2.00", panel.get("/api/v1/billing/payments/" + payment).json().get("refunded").asText(),
                        "the gateway's own refund webhook did not count it again");

                // a chargeback of the rest: the invoice is open again, dunning takes it up and suspends the VE
                testpay.dispute(paid.get("id").asText(), succeeded.get("payment").asText(), rest);
                assertEquals(due, amountDue(payer, invoiceId));
                assertEquals(200, panel.post("/api/v1/billing/clock", "{\"by\":\"P23D\"}").status());
                panel.post("/api/v1/billing/dunning", "");
                assertEquals("SUSPENDED", panel.get("/api/v1/ves/" + ve).json().get("state").asText());

                // paying again runs the VE again
                JsonNode again = checkout(payer, customer, "");
                assertEquals(due, testpay.lastPayment().get("amount").asText(), "everything due");
                testpay.payOnHostedPage(again.get("redirect").asText(), GOOD_CARD);
                PanelProcess.poll(Duration.ofSeconds(60), () -> "RUNNING".equals(panel.get("/api/v1/ves/" + ve).json().get("state").asText()),
                        "the VE runs again");

                // a top-up of the balance
                JsonNode topUp = checkout(payer, customer, ",\"amount\":\"5.00\"");
                testpay.payOnHostedPage(topUp.get("redirect").asText(), GOOD_CARD);
                assertEquals("5.00", payer.get("/api/v1/billing/accounts/" + customer).json().get("balance").asText());

                // another tenant's checkout and payment look like nothing
                String other = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Other\",\"kind\":\"CUSTOMER\"}"));
                panel.createAccount(other, "other", "customer-owner", "Other-Password-1");
                PanelProcess.As stranger = panel.login("other", "Other-Password-1");
                assertEquals(404, stranger.get("/api/v1/billing/checkouts/" + topUp.get("id").asText()).status());
                assertEquals(404, stranger.get("/api/v1/billing/payments/" + payment).status());
                assertEquals(404, stranger.post("/api/v1/billing/checkouts", "{\"account\":\"" + customer + "\",\"gateway\":\"testpay\",\"amount\":\"1.00\"}").status());

                // the gateway cannot be reached: a problem, and the attempt is recorded as declined, nothing paid
                testpay.close();
                PanelProcess.Response unreachable = payer.post("/api/v1/billing/checkouts", "{\"account\":\"" + customer + "\",\"gateway\":\"testpay\","
                        + "\"amount\":\"1.00\"}");
                assertProblem(unreachable, 502);
                assertEquals("5.00", payer.get("/api/v1/billing/accounts/" + customer).json().get("balance").asText());
            }
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    /**
     * A reseller takes its customers' payments into its own account at the payment service: its credentials are
     * sealed at rest and never shown back, its customers' checkouts, refunds and webhooks use them, and calls signed
     * with anybody else's secret — or verified for another seller — never touch its payments.
     */
    @Test
    void aResellerTakesItsCustomersPaymentsIntoItsOwnGatewayAccount() throws Exception {
        Path work = PanelProcess.passableWorkDir("vessel-payments-reseller");
        String resellerSecret = "whsec-reseller-9d2e77";
        try (FakePaymentService providers = new FakePaymentService(SECRET); FakePaymentService own = new FakePaymentService(resellerSecret)) {
            Path conf = Files.writeString(work.resolve("vessel.conf"), "billing.test.clock = true\ntestpay.api.url = " + providers.url()
                    + "\ntestpay.secret = " + SECRET + "\n");
            try (PanelProcess panel = new PanelProcess(work, PanelProcess.env("VESSEL_CONF", conf.toString())).start()) {
                panel.installPlugin(PanelProcess.TESTPAY_PLUGIN, "testpay");
                PanelProcess.poll(Duration.ofSeconds(30), () -> panel.get("/api/v1/billing/gateways").body().contains("\"testpay\""), "the gateway");
                String reseller = PanelProcess.createdId(panel.post("/api/v1/tenants", "{\"name\":\"Own Till Hosting\",\"kind\":\"RESELLER\"}"));
                panel.createAccount(reseller, "till", "reseller-admin", "Till-Password-1");
                PanelProcess.As till = panel.login("till", "Till-Password-1");

                // what the gateway takes; nonsense refused; the secret never shown back, nor kept in clear
                JsonNode offered = till.get("/api/v1/billing/gateways/testpay/credentials").json();
                assertEquals("[]", offered.get("set").toString(), offered.toString());
                assertTrue(offered.get("fields").toString().contains("\"secret\""), offered.toString());
                assertProblem(till.send("PUT", "/api/v1/billing/gateways/testpay/credentials", "{\"apiUrl\":\"" + own.url() + "\"}"), 422);
                assertProblem(till.send("PUT", "/api/v1/billing/gateways/testpay/credentials", "{\"secret\":\"x\",\"colour\":\"red\"}"), 422);
                PanelProcess.Response set = till.send("PUT", "/api/v1/billing/gateways/testpay/credentials", "{\"secret\":\"" + resellerSecret
                        + "\",\"apiUrl\":\"" + own.url() + "\"}");
                assertEquals(200, set.status(), set.toString());
                assertEquals("[\"apiUrl\",\"secret\"]", set.json().get("set").toString());
                assertTrue(!set.body().contains(resellerSecret) && !till.get("/api/v1/billing/gateways/testpay/credentials").body().contains(resellerSecret));
                assertNoFileHolds(work, resellerSecret);

                // its customer pays into the reseller's account
                String plan = PanelProcess.createdId(till.post("/api/v1/billing/plans",
                        "{\"code\":\"own\",\"name\":\"Own\",\"currency\":\"EUR\",\"period\":\"MONTH\",\"price\":\"9.00\"}"));
                String customer = PanelProcess.createdId(till.post("/api/v1/tenants", "{\"name\":\"Reseller's Shop\",\"kind\":\"CUSTOMER\"}"));
                assertEquals(201, till.post("/api/v1/billing/subscriptions", "{\"tenant\":\"" + customer + "\",\"plan\":\"" + plan + "\"}").status());
                assertEquals(1, BillingApi.run(panel).size());
                panel.createAccount(customer, "shopper", "customer-owner", "Shopper-Password-1");
                PanelProcess.As shopper = panel.login("shopper", "Shopper-Password-1");
                String invoiceId = shopper.get("/api/v1/billing/invoices").json().get(0).get("id").asText();
                JsonNode paying = checkout(shopper, customer, ",\"invoice\":\"" + invoiceId + "\"");
                assertNotNull(own.lastPayment(), "the reseller's account was asked");
                assertEquals(null, providers.lastPayment(), "the provider's account was not");
                assertTrue(own.lastPayment().get("webhook_url").asText().endsWith("?seller=" + reseller), own.lastPayment().toString());
                JsonNode succeeded = own.payOnHostedPage(paying.get("redirect").asText(), GOOD_CARD);
                assertEquals("0.00", amountDue(shopper, invoiceId));

                // the provider's secret does not sign for the reseller's account, and the provider's own webhook does not reach its payments
                ObjectNode reversal = succeeded.deepCopy();
                reversal.put("id", "evt_cross").put("type", "dispute.lost");
                String sellerHook = own.lastPayment().get("webhook_url").asText();
                String providerHook = sellerHook.substring(0, sellerHook.indexOf('?'));
                assertProblem(own.deliverTo(sellerHook, reversal, providers.sign(reversal)), 400);
                assertEquals(0, own.deliverTo(providerHook, reversal, providers.sign(reversal)).json().get("applied").asInt());
                assertProblem(own.deliverTo(providerHook + "?seller=" + java.util.UUID.randomUUID(), reversal, own.sign(reversal)), 400);
                assertEquals("0.00", amountDue(shopper, invoiceId), "nothing was taken back");

                // a refund goes back through the reseller's account
                String payment = shopper.get("/api/v1/billing/checkouts/" + paying.get("id").asText()).json().get("payment").asText();
                PanelProcess.Response refunded = till.post("/api/v1/billing/payments/" + payment + "/refunds", "{\"amount\":\"1.00\",\"reason\":\"goodwill\"}");
                assertEquals(201, refunded.status(), refunded.toString());
                assertEquals(1, own.refunds());
                assertEquals(0, providers.refunds());

                // without its credentials, the next checkout goes to the provider's account again
                assertEquals(200, till.send("DELETE", "/api/v1/billing/gateways/testpay/credentials", null).status());
                checkout(shopper, customer, ",\"amount\":\"5.00\"");
                assertNotNull(providers.lastPayment());
            }
        } finally {
            PluginsIT.deleteTree(work);
        }
    }

    /** No file of the panel's (database, logs) holds {@code secret} in clear; the VEs' storage is not the panel's. */
    private static void assertNoFileHolds(Path work, String secret) throws IOException {
        byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
        try (var files = Files.walk(work)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.toString().contains("/storage/")).toList()) {
                byte[] bytes = Files.readAllBytes(f);
                for (int i = 0; i + needle.length <= bytes.length; i++) {
                    if (java.util.Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length)) {
                        throw new AssertionError(f + " holds the secret in clear");
                    }
                }
            }
        }
    }

    private static JsonNode checkout(PanelProcess.As payer, String account, String more) {
        PanelProcess.Response r = payer.post("/api/v1/billing/checkouts", "{\"account\":\"" + account + "\",\"gateway\":\"testpay\"" + more + "}");
        assertEquals(201, r.status(), r.toString());
        assertNotNull(r.json().get("redirect").asText(null), r.toString());
        return r.json();
    }

    private static String amountDue(PanelProcess.As as, String invoice) {
        return as.get("/api/v1/billing/invoices/" + invoice).json().get("amountDue").asText();
    }

    private static void assertProblem(PanelProcess.Response r, int status) {
        assertEquals(status, r.status(), r.toString());
        assertTrue(r.contentType().startsWith("application/problem+json"), r.toString());
    }

    /**
     * A payment service as a gateway plugin meets it: an API for payments and refunds (bearer key), hosted checkout
     * pages, and webhooks it signs (HMAC-SHA256 of the body, hex, in {@code X-TestPay-Signature}).
     */
    static final class FakePaymentService implements AutoCloseable {
        private final String secret;
        private final HttpServer server;
        private final HttpClient client = HttpClient.newHttpClient();
        private final Map<String, ObjectNode> payments = new ConcurrentHashMap<>();
        private final Map<String, String> byReference = new ConcurrentHashMap<>();
        private final List<ObjectNode> refundRequests = new CopyOnWriteArrayList<>();
        private final AtomicInteger ids = new AtomicInteger();
        private volatile ObjectNode lastPayment;
        private volatile String lastRefundId;

        FakePaymentService(String secret) throws IOException {
            this.secret = secret;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/payments", this::createPayment);
            server.createContext("/refunds", this::refund);
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
        }

        private void createPayment(HttpExchange exchange) throws IOException {
            if (!("Bearer " + secret).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                answer(exchange, 401, "{\"message\":\"bad key\"}");
                return;
            }
            ObjectNode request = (ObjectNode) PanelProcess.JSON.readTree(exchange.getRequestBody());
            lastPayment = request;
            String id = byReference.computeIfAbsent(request.get("reference").asText(), r -> "pay_" + ids.incrementAndGet()); // idempotent
            payments.put(id, request);
            answer(exchange, 201, "{\"id\":\"" + id + "\",\"status\":\"pending\",\"checkout_url\":\"" + url() + "checkout/" + id + "\"}");
        }

        private void refund(HttpExchange exchange) throws IOException {
            ObjectNode request = (ObjectNode) PanelProcess.JSON.readTree(exchange.getRequestBody());
            refundRequests.add(request);
            String id = "re_" + ids.incrementAndGet();
            lastRefundId = id;
            answer(exchange, 201, "{\"id\":\"" + id + "\",\"status\":\"succeeded\"}");
            // and, as real services do, the webhook about it too
            ObjectNode event = event("refund.succeeded", request.get("payment").asText(), request.get("amount").asText());
            event.put("refund", id);
            new Thread(() -> deliver(event), "testpay-webhook").start();
        }

        /** The customer's browser on the hosted page: enters a card; the service then tells the panel. Returns the event. */
        JsonNode payOnHostedPage(String checkoutUrl, String card) {
            String id = checkoutUrl.substring(checkoutUrl.lastIndexOf('/') + 1);
            ObjectNode payment = payments.get(id);
            ObjectNode event = card.equals(GOOD_CARD) ? event("payment.succeeded", id, payment.get("amount").asText())
                    : event("payment.failed", id, payment.get("amount").asText()).put("message", "Your card was declined.");
            PanelProcess.Response r = deliver(event);
            assertEquals(200, r.status(), r.toString());
            return event;
        }

        void dispute(String checkout, String paymentId, String amount) {
            PanelProcess.Response r = deliver(event("dispute.lost", paymentId, amount));
            assertEquals(200, r.status(), r.toString());
            assertEquals(1, r.json().get("applied").asInt(), "the chargeback of checkout " + checkout);
        }

        private ObjectNode event(String type, String payment, String amount) {
            ObjectNode event = PanelProcess.JSON.createObjectNode();
            event.put("id", "evt_" + ids.incrementAndGet()).put("type", type).put("payment", payment).put("amount", amount)
                    .put("currency", payments.get(payment).get("currency").asText());
            return event;
        }

        PanelProcess.Response deliver(JsonNode event) {
            return deliver(event, sign(event));
        }

        PanelProcess.Response deliver(JsonNode event, String signature) {
            try {
                return deliverRaw(PanelProcess.JSON.writeValueAsBytes(event), signature);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        PanelProcess.Response deliverRaw(byte[] body, String signature) {
            return deliverTo(payments.values().iterator().next().get("webhook_url").asText(), body, signature);
        }

        /** A call to any webhook URL, as anybody on the internet may make. */
        PanelProcess.Response deliverTo(String webhook, JsonNode event, String signature) {
            try {
                return deliverTo(webhook, PanelProcess.JSON.writeValueAsBytes(event), signature);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private PanelProcess.Response deliverTo(String webhook, byte[] body, String signature) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(webhook)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            if (signature != null) {
                b.header("X-TestPay-Signature", signature);
            }
            try {
                HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
                return new PanelProcess.Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(), r.headers().map());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        String sign(JsonNode event) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                return HexFormat.of().formatHex(mac.doFinal(PanelProcess.JSON.writeValueAsBytes(event)));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        JsonNode lastPayment() {
            return lastPayment;
        }

        JsonNode lastRefund() {
            return refundRequests.get(refundRequests.size() - 1);
        }

        String lastRefundId() {
            return lastRefundId;
        }

        int refunds() {
            return refundRequests.size();
        }

        private static void answer(HttpExchange exchange, int status, String json) throws IOException {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
