package io.vessel.api.security;

/**
 * A fresh second-factor confirmation for dangerous actions (installing code that runs as root): the caller types
 * a current code from their authenticator app even though their session is already logged in. Offered by the
 * identity bundle.
 */
public interface SecondFactor {

    /** Whether the account has two-factor authentication set up. */
    boolean enrolled(String accountId);

    /**
     * Whether {@code code} is a current TOTP code of the account not used before (it is used up, as at login).
     * Recovery codes are not accepted here: they are for getting in, not for confirming.
     */
    boolean confirm(String accountId, String code);

    /**
     * Whether the account confirmed a code within {@code window}, so that a series of dangerous actions needs one
     * code, as "sudo mode" does, instead of one per 30-second step.
     */
    boolean confirmedWithin(String accountId, java.time.Duration window);
}
