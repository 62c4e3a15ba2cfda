package io.vessel.identity.internal;

import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code /api/v1/auth/login} and {@code /api/v1/auth/logout}: browser sessions in an HttpOnly,
 * SameSite=Strict cookie (Secure when the panel is reached over TLS).
 */
@Component(service = AuthResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("auth")
@Produces(MediaType.APPLICATION_JSON)
public final class AuthResource {

    static final String COOKIE = "vessel_session";

    /** Body of {@code POST /api/v1/auth/login}. */
    public record LoginRequest(String username, String password) {
    }

    private final IdentityManager identity;

    @Activate
    public AuthResource(@Reference IdentityManager identity) {
        this.identity = identity;
    }

    @POST
    @Path("login")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response login(LoginRequest body, @Context UriInfo uri, @Context HttpHeaders headers) {
        if (body == null || body.username() == null || body.password() == null) {
            throw ProblemException.badRequest("Send {\"username\": \"…\", \"password\": \"…\"}.");
        }
        IdentityManager.Login login = identity.login(body.username(), body.password(), null)
                .orElseThrow(() -> new ProblemException(401, "unauthorized", "Not logged in", "Wrong username or password."));
        return Response.ok(login.account()).cookie(cookie(login.token(), uri, (int) IdentityManager.SESSION_LIFETIME.getSeconds())).build();
    }

    @POST
    @Path("logout")
    public Response logout(@CookieParam(COOKIE) String token, @Context UriInfo uri) {
        identity.logout(token);
        return Response.noContent().cookie(cookie("", uri, 0)).build();
    }

    private static NewCookie cookie(String value, UriInfo uri, int maxAge) {
        boolean tls = "https".equalsIgnoreCase(uri.getBaseUri().getScheme());
        return new NewCookie.Builder(COOKIE).value(value).path("/").httpOnly(true).secure(tls).maxAge(maxAge)
                .sameSite(NewCookie.SameSite.STRICT).build();
    }
}
