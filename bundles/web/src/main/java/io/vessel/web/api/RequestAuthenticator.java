package io.vessel.web.api;

import io.vessel.api.security.Caller;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Authenticates requests that do not pass through the REST API's filters: WebSocket upgrades (the VE console) and
 * downloads served by plain servlets. Implemented by the identity layer, with the same rules as the API: session
 * cookie (refused when the request comes from another site) or bearer token, suspension, and the object owner check.
 */
public interface RequestAuthenticator {

    /** The caller, or a {@link ProblemException} (401, 403) saying why not. */
    Caller authenticate(HttpServletRequest request);

    /**
     * Whether the caller holds {@code permission} and may see the object of {@code kind} with {@code id}; false means
     * answer 404 (or 403 when the permission is missing, see {@link Caller#may}).
     */
    boolean sees(Caller caller, String kind, String id);

    /** Records an action of an authenticated caller in the audit log, as the API does for its own requests. */
    void audit(Caller caller, HttpServletRequest request, String action, String target, int status, String detail);
}
