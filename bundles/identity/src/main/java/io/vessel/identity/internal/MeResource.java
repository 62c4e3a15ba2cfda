package io.vessel.identity.internal;

import io.vessel.identity.api.Account;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code GET /api/v1/me}: the account of the caller's session. */
@Component(service = MeResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("me")
@Produces(MediaType.APPLICATION_JSON)
public final class MeResource {

    private final IdentityManager identity;

    @Activate
    public MeResource(@Reference IdentityManager identity) {
        this.identity = identity;
    }

    @GET
    public Account me(@CookieParam(AuthResource.COOKIE) String token) {
        return identity.accountOfSession(token)
                .orElseThrow(() -> new ProblemException(401, "unauthorized", "Not logged in", "Log in with POST /api/v1/auth/login."));
    }
}
