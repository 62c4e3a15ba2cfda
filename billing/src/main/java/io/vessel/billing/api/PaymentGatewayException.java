package io.vessel.billing.api;

/** A payment gateway could not do what was asked; the message is fit for the customer or the administrator. */
public class PaymentGatewayException extends Exception {

    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** A webhook call the gateway did not sign. */
        INVALID_SIGNATURE,
        /** The gateway refused (a declined card, an unsupported currency, a refund larger than the payment). */
        REFUSED,
        /** The gateway could not be reached or failed; trying again later may work. */
        UNAVAILABLE
    }

    private final Reason reason;

    public PaymentGatewayException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
