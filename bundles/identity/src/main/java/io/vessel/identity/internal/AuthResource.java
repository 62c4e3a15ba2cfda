package io.vessel.identity.internal;

import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code /api/v1/auth/login} and {@code /api/v1/auth/logout} ({@code ?everywhere=true} ends every session of the
 * account): browser sessions in an HttpOnly,
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
    public Response login(LoginRequest body, @Context UriInfo uri, @Context HttpServletRequest request) {
        if (body == null || body.username() == null || body.password() == null) {
            throw ProblemException.badRequest("Send {\"username\": \"…\", \"password\": \"…\"}.");
        }
        IdentityManager.Login login;
        try {
            login = identity.login(body.username(), body.password(), request == null ? null : request.getRemoteAddr())
                    .orElseThrow(() -> new ProblemException(401, "unauthorized", "Not logged in", "Wrong username or password."));
        } catch (IdentityManager.Throttled throttled) {
            long seconds = Math.max(1, throttled.wait.toSeconds());
            throw new ProblemException(429, "too-many-logins", "Too many failed logins",
                    "Too many failed logins from your address; try again in " + (seconds >= 120 ? seconds / 60 + " minutes" : seconds + " seconds") + ".");
        }
        return Response.ok(login.account()).cookie(cookie(login.token(), uri, (int) IdentityManager.SESSION_LIFETIME.getSeconds())).build();
    }

    @POST
    @Path("logout")
    public Response logout(@CookieParam(COOKIE) String token, @QueryParam("everywhere") boolean everywhere, @Context UriInfo uri) {
        identity.logout(token, everywhere);
        return Response.noContent().cookie(cookie("", uri, 0)).build();
    }

    private static NewCookie cookie(String value, UriInfo uri, int maxAge) {
        boolean tls = "https".equalsIgnoreCase(uri.getBaseUri().getScheme());
        return new NewCookie.Builder(COOKIE).value(value).path("/").httpOnly(true).secure(tls).maxAge(maxAge)
                .sameSite(NewCookie.SameSite.STRICT).build();
    }
}
