package io.vessel.identity.api;

import java.util.Optional;

/** Accounts and the sessions they log in with. */
public interface IdentityService {

    /** The account a session token belongs to, while the session lasts. */
    Optional<Account> accountOfSession(String token);

    Optional<Account> byUsername(String username);
}
