package io.vessel.identity.internal;

import java.net.URI;

/**
 * Whether a request carrying the session cookie comes from the panel's own pages (CSRF, cross-site WebSocket
 * hijacking). Browsers send {@code Origin} with every cross-site POST and WebSocket handshake, and modern ones
 * {@code Sec-Fetch-Site}; requests with neither (scripts, curl) carry no ambient browser credentials to abuse.
 */
final class SameOrigin {

    private SameOrigin() {
    }

    /** {@code self} is how the request reached the panel: scheme, host and port. */
    static boolean check(String origin, String secFetchSite, URI self) {
        if ("cross-site".equalsIgnoreCase(secFetchSite)) {
            return false;
        }
        if (origin == null) {
            return true;
        }
        try {
            URI o = URI.create(origin);
            return o.getHost() != null && self.getHost() != null && o.getHost().equalsIgnoreCase(self.getHost()) && port(o) == port(self);
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }
}
