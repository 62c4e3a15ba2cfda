package io.vessel.billing.api;

/** A price, plan or amount that cannot be used; {@code field} names what is wrong, for a 422 problem's field errors. */
public final class InvalidPriceException extends IllegalArgumentException {

    private final String field;

    public InvalidPriceException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
