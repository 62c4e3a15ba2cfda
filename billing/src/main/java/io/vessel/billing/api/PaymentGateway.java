package io.vessel.billing.api;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * A payment service provider, added by a plugin and registered as an OSGi service with {@link #ID}. Card data never
 * touches Vessel: a checkout sends the customer to the gateway's hosted page (or charges a method the gateway keeps),
 * and the gateway reports outcomes through its webhook, which the panel serves at
 * {@code /api/v1/billing/gateways/{id}/webhook} and hands to {@link #webhook} to verify and read. The panel calls a
 * gateway on the plugin's own threads with a time limit, keeps every payment's state, applies money to invoices and
 * processes each webhook event once (gateways retry deliveries); a gateway only speaks its provider's protocol.
 */
public interface PaymentGateway {

    /** Service property: the gateway's id, in URLs and records, e.g. {@code stripe} (lower-case letters, digits, '-'). */
    String ID = "vessel.payment.gateway";

    /** The name customers see, e.g. "Card (Stripe)". */
    String displayName();

    /**
     * The credentials a seller (a reseller) may give to take payments into its own account at the payment service
     * rather than the provider's (empty: the gateway only works with its plugin settings). When a seller has given
     * them, every request for its customers carries them in {@code credentials}, and its webhook calls come to a URL
     * of its own and carry them too, so the gateway checks signatures with the seller's secret.
     */
    default List<CredentialField> sellerCredentials() {
        return List.of();
    }

    /** A credential a seller gives: its key in {@code credentials}, a label, whether it is secret (never shown back). */
    record CredentialField(String name, String label, boolean secret, boolean required) {
    }

    /**
     * Starts a payment of {@code request.amount()}. {@code request.paymentId()} is Vessel's id of the attempt and the
     * idempotency key: the same id must never charge twice.
     */
    Checkout checkout(CheckoutRequest request) throws PaymentGatewayException;

    /** Gives back (part of) a payment the gateway took; {@code request.refundId()} is the idempotency key. */
    Refund refund(RefundRequest request) throws PaymentGatewayException;

    /**
     * Verifies a webhook call (its signature: the caller is anybody on the internet) and reads the events in it.
     *
     * @throws PaymentGatewayException with {@link PaymentGatewayException.Reason#INVALID_SIGNATURE} for a call the
     *                                 gateway did not sign
     */
    List<Event> webhook(WebhookCall call) throws PaymentGatewayException;

    /** What a checkout or a refund came to at once. */
    enum Outcome {
        /** Waiting for the customer or the gateway; the webhook tells the end. */
        PENDING,
        SUCCEEDED,
        DECLINED
    }

    /**
     * @param paymentId  Vessel's id of this attempt (idempotency key)
     * @param tenantId   who pays
     * @param amount     how much, in the account's currency
     * @param webhookUrl where the gateway reports the outcome
     * @param returnUrl  where the hosted page sends the customer back to
     * @param credentials the seller's own credentials ({@link #sellerCredentials}); empty: the plugin's settings
     */
    record CheckoutRequest(UUID paymentId, UUID tenantId, Money amount, String description, URI webhookUrl, URI returnUrl,
                           Map<String, String> credentials) {
    }

    /**
     * @param reference the gateway's id of the payment (webhook events name it)
     * @param redirect  the hosted page to send the customer to (null when nothing is left for the customer to do)
     */
    record Checkout(String reference, URI redirect, Outcome outcome, String message) {
    }

    /** @param credentials the credentials the payment was taken with (empty: the plugin's settings) */
    record RefundRequest(UUID refundId, String paymentReference, Money amount, String reason, Map<String, String> credentials) {
    }

    record Refund(String reference, Outcome outcome, String message) {
    }

    /**
     * A webhook call as received: header names in lower case, the body's bytes untouched (signatures cover them), and
     * the credentials of the seller whose webhook URL was called (empty: the plugin's settings).
     */
    record WebhookCall(Map<String, List<String>> headers, byte[] body, Map<String, String> credentials) {

        /** The first value of a header, or null. */
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    /**
     * Something that happened to a payment.
     *
     * @param id               the gateway's event id: an event is processed once however often it is delivered
     * @param paymentReference the {@link Checkout#reference} of the payment it concerns
     * @param refundReference  for {@code REFUNDED}: the {@link Refund#reference} (a refund Vessel asked for is then
     *                         not counted twice); else null
     * @param amount           how much it concerns (for a refund or a chargeback: how much went back)
     */
    record Event(String id, Kind kind, String paymentReference, String refundReference, Money amount, String message) {

        public enum Kind {
            PAYMENT_SUCCEEDED,
            PAYMENT_FAILED,
            /** Money given back through the gateway (also when started from the gateway's own dashboard). */
            REFUNDED,
            /** The card holder's bank took the money back: the invoices it paid are open again. */
            CHARGEBACK
        }
    }
}
