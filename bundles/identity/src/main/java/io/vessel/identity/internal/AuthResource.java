package io.vessel.identity.internal;

import io.vessel.api.security.PublicEndpoint;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Logging in and out, and resetting a forgotten password. Browser sessions live in an HttpOnly, SameSite=Strict
 * cookie (Secure when the panel is reached over TLS).
 */
@Component(service = AuthResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("auth")
@Produces(MediaType.APPLICATION_JSON)
@PublicEndpoint
public final class AuthResource {

    static final String COOKIE = "vessel_session";
    /** While an admin acts as someone, their own session waits here (sent only to {@code /api/v1/auth}). */
    static final String ADMIN_COOKIE = "vessel_admin_session";

    /** Body of {@code POST /api/v1/auth/login}; {@code totp} for accounts with two-factor authentication. */
    public record LoginRequest(String username, String password, String totp) {
    }

    /** Body of {@code POST /api/v1/auth/password-reset}: the username or e-mail address of the account. */
    public record ResetRequest(String username) {
    }

    /** Body of {@code POST /api/v1/auth/password-reset/confirm}. */
    public record ResetConfirmation(String token, String password) {
    }

    /** Body of {@code POST /api/v1/auth/login-link} (and {@code …/peek}): the link's secret, and a code where the account uses 2FA. */
    public record LinkLogin(String token, String totp) {
    }

    private final IdentityManager identity;
    private final PasswordResets resets;
    private final LoginLinks links;

    @Activate
    public AuthResource(@Reference IdentityManager identity, @Reference PasswordResets resets, @Reference LoginLinks links) {
        this.identity = identity;
        this.resets = resets;
        this.links = links;
    }

    /** Whose account a one-time login link opens (the portal asks before the user confirms); nothing is used up. */
    @POST
    @Path("login-link/peek")
    @Consumes(MediaType.APPLICATION_JSON)
    public LoginLinks.LinkTarget peekLoginLink(LinkLogin body) {
        return links.peek(body == null ? null : body.token()).orElseThrow(LoginRefused::linkInvalid);
    }

    /**
     * Logs in with a one-time login link the user confirmed (a same-origin {@code POST} from the portal's
     * confirmation page, never the link's {@code GET}); sets the session cookie like a login.
     */
    @POST
    @Path("login-link")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response loginByLink(LinkLogin body, @Context UriInfo uri, @Context HttpServletRequest request) {
        IdentityManager.Login login = links.redeem(body == null ? null : body.token(), body == null ? null : body.totp(), clientAddress(request));
        return Response.ok(login.account()).cookie(cookie(login.token(), uri, (int) IdentityManager.SESSION_LIFETIME.getSeconds())).build();
    }

    /** Logs in; answers the account and sets the session cookie. */
    @POST
    @Path("login")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response login(LoginRequest body, @Context UriInfo uri, @Context HttpServletRequest request) {
        if (body == null || body.username() == null || body.password() == null) {
            throw ProblemException.badRequest("Send {\"username\": \"…\", \"password\": \"…\"} (and \"totp\" when asked for it).");
        }
        IdentityManager.Login login = identity.login(body.username(), body.password(), body.totp(), clientAddress(request));
        return Response.ok(login.account()).cookie(cookie(login.token(), uri, (int) IdentityManager.SESSION_LIFETIME.getSeconds())).build();
    }

    /** What {@code GET /api/v1/auth/session} answers: whether the browser's session cookie is valid. */
    public record SessionState(boolean loggedIn) {
    }

    /**
     * Whether the caller's session cookie is valid, without an error status when it is not: the web UI asks this on
     * every page load.
     */
    @GET
    @Path("session")
    public SessionState session(@CookieParam(COOKIE) String token) {
        return new SessionState(token != null && identity.callerOfSession(token).isPresent());
    }

    /** Ends the session, or with {@code everywhere=true} every session of the account. */
    @POST
    @Path("logout")
    public Response logout(@CookieParam(COOKIE) String token, @QueryParam("everywhere") boolean everywhere, @Context UriInfo uri,
                           @Context HttpServletRequest request) {
        identity.logout(token, everywhere, clientAddress(request));
        return Response.noContent().cookie(cookie("", uri, 0), adminCookie("", uri, 0)).build();
    }

    /**
     * Ends acting as another account (impersonation) and goes back to the admin's own session when it is still
     * valid; {@code loggedIn} says whether it was (otherwise the admin logs in again).
     */
    @POST
    @Path("impersonation/end")
    public Response endImpersonation(@CookieParam(COOKIE) String token, @CookieParam(ADMIN_COOKIE) String adminToken, @Context UriInfo uri,
                                     @Context HttpServletRequest request) {
        AuthenticatedCaller acting = token == null ? null : identity.callerOfSession(token).orElse(null);
        if (acting == null || acting.impersonator().isEmpty()) {
            throw ProblemException.badRequest("You are not acting as another account.");
        }
        Optional<String> back = identity.endImpersonation(acting, token, adminToken, clientAddress(request));
        int lifetime = (int) IdentityManager.SESSION_LIFETIME.getSeconds();
        return Response.ok(new SessionState(back.isPresent()))
                .cookie(cookie(back.orElse(""), uri, back.isPresent() ? lifetime : 0), adminCookie("", uri, 0)).build();
    }

    /**
     * Sends a reset link to the account's e-mail address, if there is such an account with an address. Always 202,
     * so the answer does not tell which usernames exist.
     */
    @POST
    @Path("password-reset")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response requestReset(ResetRequest body, @Context UriInfo uri, @Context HttpServletRequest request) {
        if (body == null || body.username() == null || body.username().isBlank() || body.username().length() > 254) {
            throw ProblemException.invalid("Send {\"username\": \"…\"} with your username or e-mail address.",
                    List.of(new Problem.FieldError("username", "required")));
        }
        resets.requestByUser(body.username().strip(), uri.getBaseUri(), clientAddress(request));
        return Response.accepted().build();
    }

    /** Sets a new password with a reset token; every session of the account ends. */
    @POST
    @Path("password-reset/confirm")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response confirmReset(ResetConfirmation body, @Context HttpServletRequest request) {
        if (body == null || body.token() == null || body.password() == null) {
            throw ProblemException.badRequest("Send {\"token\": \"…\", \"password\": \"…\"}.");
        }
        try {
            IdentityManager.checkPassword(body.password());
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("The new password must be 12 to 1024 characters.", List.of(new Problem.FieldError("password", e.getMessage())));
        }
        if (!resets.complete(body.token(), body.password(), clientAddress(request))) {
            throw new ProblemException(400, "reset-invalid", "Reset link not valid",
                    "The reset link is wrong, used or expired; ask for a new one.");
        }
        return Response.noContent().build();
    }

    static String clientAddress(HttpServletRequest request) {
        Object address = request == null ? null : request.getAttribute(ApiWhiteboard.CLIENT_ADDRESS);
        return address == null ? "unknown" : address.toString();
    }

    static NewCookie cookie(String value, UriInfo uri, int maxAge) {
        return cookie(COOKIE, "/", value, uri, maxAge);
    }

    static NewCookie adminCookie(String value, UriInfo uri, int maxAge) {
        return cookie(ADMIN_COOKIE, uri.getBaseUri().getPath().replaceAll("/$", "") + "/auth", value, uri, maxAge);
    }

    private static NewCookie cookie(String name, String path, String value, UriInfo uri, int maxAge) {
        boolean tls = "https".equalsIgnoreCase(uri.getBaseUri().getScheme());
        return new NewCookie.Builder(name).value(value).path(path).httpOnly(true).secure(tls).maxAge(maxAge)
                .sameSite(NewCookie.SameSite.STRICT).build();
    }
}
