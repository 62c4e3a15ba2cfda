package io.vessel.testpay.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.billing.api.Money;
import io.vessel.billing.api.PaymentGateway;
import io.vessel.billing.api.PaymentGatewayException;
import io.vessel.billing.api.PaymentGatewayException.Reason;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The TestPay gateway: hosted checkout pages ({@code POST /payments} answers a {@code checkout_url}), refunds
 * ({@code POST /refunds}), and webhooks signed with HMAC-SHA256 of the body under the shared secret
 * ({@code X-TestPay-Signature}, hex). Configured as the plugin settings of PID {@code io.vessel.testpay}; the secret is
 * a password setting (stored encrypted, never shown back).
 */
@Component(service = PaymentGateway.class, configurationPid = "io.vessel.testpay", configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = PaymentGateway.ID + "=testpay")
@Designate(ocd = TestPayGateway.Config.class)
public final class TestPayGateway implements PaymentGateway {

    @ObjectClassDefinition(name = "TestPay", description = "The TestPay payment service (for tests and as a reference)")
    public @interface Config {
        @AttributeDefinition(name = "API URL", description = "The payment service's API, e.g. https://api.testpay.example")
        String api_url();

        @AttributeDefinition(name = "Secret", description = "API key and webhook signing secret", type = AttributeType.PASSWORD)
        String secret();
    }

    static final String SIGNATURE = "X-TestPay-Signature";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI api;
    private final String secret;

    @Activate
    public TestPayGateway(Config config) {
        String url = config.api_url();
        if (url == null || url.isBlank() || config.secret() == null || config.secret().isBlank()) {
            throw new IllegalArgumentException("TestPay needs its API URL and secret (settings api.url and secret)");
        }
        this.api = URI.create(url.endsWith("/") ? url : url + "/");
        this.secret = config.secret();
    }

    @Override
    public String displayName() {
        return "Card (TestPay)";
    }

    /** A reseller's own TestPay account: its API key (also its webhook secret) and, optionally, its own API URL. */
    @Override
    public List<CredentialField> sellerCredentials() {
        return List.of(new CredentialField("secret", "API key and webhook signing secret", true, true),
                new CredentialField("apiUrl", "API URL (when not the provider's)", false, false));
    }

    /** The API and secret to use: the seller's own when it gave them, else the plugin's settings. */
    private record Account(URI api, String secret) {
    }

    private Account account(Map<String, String> credentials) {
        if (credentials == null || credentials.get("secret") == null) {
            return new Account(api, secret);
        }
        String url = credentials.get("apiUrl");
        return new Account(url == null ? api : URI.create(url.endsWith("/") ? url : url + "/"), credentials.get("secret"));
    }

    @Override
    public Checkout checkout(CheckoutRequest request) throws PaymentGatewayException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("reference", request.paymentId().toString());
        body.put("amount", request.amount().amount().toPlainString());
        body.put("currency", request.amount().currency().getCurrencyCode());
        body.put("description", request.description());
        body.put("webhook_url", request.webhookUrl().toString());
        if (request.returnUrl() != null) {
            body.put("return_url", request.returnUrl().toString());
        }
        JsonNode answer = post(account(request.credentials()), "payments", body);
        String status = answer.path("status").asText();
        Outcome outcome = switch (status) {
            case "succeeded" -> Outcome.SUCCEEDED;
            case "failed" -> Outcome.DECLINED;
            default -> Outcome.PENDING;
        };
        String url = answer.path("checkout_url").asText(null);
        return new Checkout(answer.path("id").asText(), url == null ? null : URI.create(url), outcome, answer.path("message").asText(null));
    }

    @Override
    public Refund refund(RefundRequest request) throws PaymentGatewayException {
        JsonNode answer = post(account(request.credentials()), "refunds", Map.of("payment", request.paymentReference(), "amount", request.amount().amount().toPlainString(),
                "reference", request.refundId().toString()));
        Outcome outcome = "succeeded".equals(answer.path("status").asText()) ? Outcome.SUCCEEDED
                : "failed".equals(answer.path("status").asText()) ? Outcome.DECLINED : Outcome.PENDING;
        return new Refund(answer.path("id").asText(), outcome, answer.path("message").asText(null));
    }

    @Override
    public List<Event> webhook(WebhookCall call) throws PaymentGatewayException {
        String signature = call.header(SIGNATURE);
        byte[] expected = HexFormat.of().formatHex(hmac(account(call.credentials()).secret(), call.body())).getBytes(StandardCharsets.US_ASCII);
        if (signature == null || !MessageDigest.isEqual(expected, signature.strip().toLowerCase().getBytes(StandardCharsets.US_ASCII))) {
            throw new PaymentGatewayException(Reason.INVALID_SIGNATURE, "missing or wrong " + SIGNATURE, null);
        }
        JsonNode event;
        try {
            event = json.readTree(call.body());
        } catch (IOException e) {
            throw new PaymentGatewayException(Reason.REFUSED, "the event is not JSON", e);
        }
        Event.Kind kind = switch (event.path("type").asText()) {
            case "payment.succeeded" -> Event.Kind.PAYMENT_SUCCEEDED;
            case "payment.failed" -> Event.Kind.PAYMENT_FAILED;
            case "refund.succeeded" -> Event.Kind.REFUNDED;
            case "dispute.lost" -> Event.Kind.CHARGEBACK;
            default -> null; // an event this gateway does not act on
        };
        if (kind == null) {
            return List.of();
        }
        Money amount = event.hasNonNull("amount") ? new Money(new BigDecimal(event.path("amount").asText()),
                Money.currency(event.path("currency").asText())) : null;
        return List.of(new Event(event.path("id").asText(), kind, event.path("payment").asText(), event.path("refund").asText(null), amount,
                event.path("message").asText(null)));
    }

    private JsonNode post(Account account, String path, Map<String, Object> body) throws PaymentGatewayException {
        try {
            HttpRequest request = HttpRequest.newBuilder(account.api().resolve(path)).timeout(Duration.ofSeconds(15))
                    .header("Authorization", "Bearer " + account.secret()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body))).build();
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            JsonNode answer = response.body().length == 0 ? json.createObjectNode() : json.readTree(response.body());
            if (response.statusCode() == 402 || response.statusCode() == 400 || response.statusCode() == 422) {
                throw new PaymentGatewayException(Reason.REFUSED, answer.path("message").asText("refused by TestPay"), null);
            }
            if (response.statusCode() / 100 != 2) {
                throw new PaymentGatewayException(Reason.UNAVAILABLE, "TestPay answered " + response.statusCode(), null);
            }
            return answer;
        } catch (IOException e) {
            throw new PaymentGatewayException(Reason.UNAVAILABLE, "TestPay cannot be reached: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PaymentGatewayException(Reason.UNAVAILABLE, "interrupted", e);
        }
    }

    private static byte[] hmac(String secret, byte[] body) throws PaymentGatewayException {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new PaymentGatewayException(Reason.UNAVAILABLE, "no HMAC-SHA256: " + e.getMessage(), e);
        }
    }
}
