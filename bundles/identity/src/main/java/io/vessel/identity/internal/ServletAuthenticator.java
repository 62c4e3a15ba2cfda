package io.vessel.identity.internal;

import io.vessel.api.platform.LocalPeer;
import io.vessel.api.security.Caller;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.ProblemException;
import io.vessel.web.api.RequestAuthenticator;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The access rules of {@link AccessFilter} for plain servlets. A WebSocket handshake carries the browser's cookie
 * from any page that opens it, so with a cookie the {@code Origin} must be the panel's own (cross-site WebSocket
 * hijacking); scripts use bearer tokens.
 */
@Component(service = RequestAuthenticator.class)
public final class ServletAuthenticator implements RequestAuthenticator {

    private final AccessControl access;
    private final AuditLog audit;

    @Activate
    public ServletAuthenticator(@Reference AccessControl access, @Reference AuditLog audit) {
        this.access = access;
        this.audit = audit;
    }

    @Override
    public Caller authenticate(HttpServletRequest request) {
        Object address = request.getAttribute(ApiWhiteboard.CLIENT_ADDRESS);
        String ip = address != null ? address.toString() : request.getRemoteAddr();
        String session = null;
        for (Cookie cookie : request.getCookies() == null ? new Cookie[0] : request.getCookies()) {
            if (AuthResource.COOKIE.equals(cookie.getName())) {
                session = cookie.getValue();
            }
        }
        java.util.Optional<LocalPeer> peer = LocalPeer.of(request.getAttribute(LocalPeer.ATTRIBUTE));
        AuthenticatedCaller caller = access.authenticate(request.getHeader("Authorization"), session, ip, peer);
        if (caller.tokenId() == null && peer.isEmpty() && !SameOrigin.check(request.getHeader("Origin"), request.getHeader("Sec-Fetch-Site"), self(request))) {
            throw new ProblemException(403, "forbidden", "Cross-site request refused", "The console opens only from the panel's own pages.");
        }
        AccessControl.refuseIfSuspended(caller);
        if (caller.mustEnrol2fa()) {
            throw new ProblemException(403, "two-factor-required", "Two-factor authentication required",
                    "Your organisation requires two-factor authentication: set it up first.");
        }
        return caller;
    }

    @Override
    public boolean sees(Caller caller, String kind, String id) {
        return caller instanceof AuthenticatedCaller c && access.sees(c, kind, id);
    }

    @Override
    public void audit(Caller caller, HttpServletRequest request, String action, String target, int status, String detail) {
        if (caller instanceof AuthenticatedCaller c) {
            Object address = request.getAttribute(ApiWhiteboard.CLIENT_ADDRESS);
            audit.record(new AuditLog.Entry(Tenancy.now(), AuditLog.CHANGE, action, c.account(), c.username(), c.impersonator().orElse(null),
                    c.tenant(), null, target, address != null ? address.toString() : request.getRemoteAddr(), status, detail));
        }
    }

    /** How the request reached the panel; a Host header that is no host name counts as nobody's origin. */
    private static URI self(HttpServletRequest request) {
        String host = request.getHeader("Host") == null ? request.getServerName() : request.getHeader("Host");
        try {
            return URI.create(request.getScheme() + "://" + host);
        } catch (IllegalArgumentException malformed) {
            return URI.create(request.getScheme() + "://invalid.invalid");
        }
    }
}
