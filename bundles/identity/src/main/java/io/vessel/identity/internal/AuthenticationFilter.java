package io.vessel.identity.internal;

import io.vessel.api.platform.HealthCheck;
import io.vessel.api.platform.HealthReport;
import io.vessel.identity.api.Account;
import io.vessel.identity.api.Role;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.ProblemException;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Cookie;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Every API request needs a logged-in account, except the few a stranger must reach (health for load balancers,
 * the API description, logging in). Until tenancy and permissions arrive, the API is the provider admin's.
 * State-changing requests authenticated by the browser's cookie must come from the panel's own origin (CSRF).
 *
 * <p>Registered as a health check too: the panel counts as ready only once this filter guards the API.
 */
@Component(service = {AuthenticationFilter.class, HealthCheck.class},
        property = {ApiWhiteboard.EXTENSION + "=true", HealthCheck.NAME_PROPERTY + "=identity"})
@Priority(Priorities.AUTHENTICATION)
public final class AuthenticationFilter implements ContainerRequestFilter, HealthCheck {

    /** Paths (under /api/v1) open to everyone. */
    static final Set<String> PUBLIC = Set.of("health", "openapi.json", "auth/login", "auth/logout");
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

    private final IdentityManager identity;

    @Activate
    public AuthenticationFilter(@Reference IdentityManager identity) {
        this.identity = identity;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath().replaceFirst("^/+", "").replaceFirst("/+$", "");
        if (PUBLIC.contains(path)) {
            return;
        }
        Cookie cookie = request.getCookies().get(AuthResource.COOKIE);
        Optional<Account> account = cookie == null ? Optional.empty() : identity.accountOfSession(cookie.getValue());
        if (account.isEmpty()) {
            throw new ProblemException(401, "unauthorized", "Not logged in", "Log in with POST /api/v1/auth/login.");
        }
        if (!SAFE_METHODS.contains(request.getMethod()) && !sameOrigin(request)) {
            throw new ProblemException(403, "forbidden", "Cross-site request refused",
                    "A state-changing request with the session cookie must come from the panel's own pages.");
        }
        if (account.get().role() != Role.PROVIDER_ADMIN) {
            throw new ProblemException(403, "forbidden", "Not allowed", "Only provider admins use this endpoint for now.");
        }
    }

    /** No Origin (scripts, curl) or the panel's own; browsers send Origin with every cross-site POST. */
    private static boolean sameOrigin(ContainerRequestContext request) {
        String origin = request.getHeaderString("Origin");
        if (origin == null) {
            return true;
        }
        try {
            URI o = URI.create(origin);
            URI self = request.getUriInfo().getBaseUri();
            return o.getHost() != null && o.getHost().equalsIgnoreCase(self.getHost()) && port(o) == port(self);
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    @Override
    public HealthReport check() {
        return HealthReport.up("accounts and sessions guard the API", Map.of());
    }
}
