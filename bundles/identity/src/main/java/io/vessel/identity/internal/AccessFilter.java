package io.vessel.identity.internal;

import io.vessel.api.platform.LocalPeer;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.SecurityContext;
import java.security.Principal;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Guards one resource method: who is calling (session cookie or bearer token), whether they may (permission), and
 * whether the object in the path is theirs to see (otherwise 404, exactly as if it did not exist).
 */
final class AccessFilter implements ContainerRequestFilter {

    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private static final Map<String, String> KIND_NAMES = Map.of("ve", "VE", "ip-pool", "IP pool");

    private final AccessControl control;
    private final RequiresPermission requirement;
    private final String template;

    AccessFilter(AccessControl control, RequiresPermission requirement, String template) {
        this.control = control;
        this.requirement = requirement;
        this.template = template;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        Object address = request.getProperty(ApiWhiteboard.CLIENT_ADDRESS);
        String ip = address == null ? "unknown" : address.toString();
        Cookie cookie = request.getCookies().get(AuthResource.COOKIE);
        Optional<LocalPeer> peer = LocalPeer.of(request.getProperty(LocalPeer.ATTRIBUTE));
        AuthenticatedCaller caller = control.authenticate(request.getHeaderString("Authorization"), cookie == null ? null : cookie.getValue(), ip, peer);
        // no browser reaches the host's local socket, so nothing there can be a forged cross-site request
        if (caller.tokenId() == null && peer.isEmpty() && !SAFE_METHODS.contains(request.getMethod()) && !SameOrigin.check(request.getHeaderString("Origin"),
                request.getHeaderString("Sec-Fetch-Site"), request.getUriInfo().getBaseUri())) {
            throw new ProblemException(403, "forbidden", "Cross-site request refused",
                    "A state-changing request with the session cookie must come from the panel's own pages.");
        }
        AccessControl.refuseIfSuspended(caller);
        request.setSecurityContext(CallerContext.of(caller, request, peer));
        if (requirement == null) {
            throw new ProblemException(403, "forbidden", "Not allowed", "The endpoint " + template + " declares no permission and stays closed.");
        }
        if (caller.mustEnrol2fa() && !Permissions.SELF.equals(requirement.value())) {
            throw new ProblemException(403, "two-factor-required", "Two-factor authentication required",
                    "Your organisation requires two-factor authentication: set it up with POST /api/v1/me/2fa before using anything else.");
        }
        if (!caller.may(requirement.value())) {
            throw new ProblemException(403, "forbidden", "Not allowed",
                    "You do not have the permission " + requirement.value() + (caller.tokenScope() != null ? " (in your role and in this token's scope)." : "."));
        }
        if (!requirement.object().isEmpty()) {
            checkOwnership(request, caller);
        }
    }

    private void checkOwnership(ContainerRequestContext request, AuthenticatedCaller caller) {
        String kind = requirement.object();
        String id = request.getUriInfo().getPathParameters().getFirst(requirement.idParam());
        if (control.ownership(kind).isEmpty()) {
            throw new ProblemException(503, "unavailable", "Unavailable", "The " + KIND_NAMES.getOrDefault(kind, kind) + " service is not running.");
        }
        if (!control.sees(caller, kind, id)) {
            // the same answer whether it does not exist or belongs to someone else
            throw ProblemException.notFound("There is no " + KIND_NAMES.getOrDefault(kind, kind) + " " + id + ".");
        }
    }


    /** Hands the caller to resources through the standard JAX-RS interface. */
    record CallerContext(AuthenticatedCaller caller, boolean secure, String scheme) implements SecurityContext {

        /** How the caller came: a token, a session, or root on the host (the local socket, which is as private as TLS). */
        static CallerContext of(AuthenticatedCaller caller, ContainerRequestContext request, Optional<LocalPeer> peer) {
            boolean tls = "https".equalsIgnoreCase(request.getUriInfo().getBaseUri().getScheme()) || peer.isPresent();
            String scheme = caller.tokenId() != null ? "Bearer" : LocalPeer.HOST_ROOT.equals(caller.username()) && peer.map(LocalPeer::root).orElse(false)
                    && request.getHeaderString("Authorization") == null ? LocalPeer.HOST_ROOT_SCHEME : "Session";
            return new CallerContext(caller, tls, scheme);
        }

        @Override
        public Principal getUserPrincipal() {
            return caller;
        }

        @Override
        public boolean isUserInRole(String role) {
            return caller.role().equals(role);
        }

        @Override
        public boolean isSecure() {
            return secure;
        }

        @Override
        public String getAuthenticationScheme() {
            return scheme;
        }
    }
}
