package io.vessel.identity.internal;

import io.vessel.identity.api.Account;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.ProblemException;
import io.vessel.web.api.Problem;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.core.Response;
import java.util.List;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code GET /api/v1/me}: the account of the caller's session; {@code POST /api/v1/me/password} changes its password. */
@Component(service = MeResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("me")
@Produces(MediaType.APPLICATION_JSON)
public final class MeResource {

    private final IdentityManager identity;

    @Activate
    public MeResource(@Reference IdentityManager identity) {
        this.identity = identity;
    }

    /** Body of {@code POST /api/v1/me/password}. */
    public record PasswordChange(String current, String password) {
    }

    @POST
    @Path("password")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response changePassword(@CookieParam(AuthResource.COOKIE) String token, PasswordChange body) {
        if (body == null) {
            throw ProblemException.badRequest("Send {\"current\": \"…\", \"password\": \"…\"}.");
        }
        boolean changed;
        try {
            changed = identity.changePassword(token, body.current(), body.password());
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("The new password must be 12 to 1024 characters.", List.of(new Problem.FieldError("password", e.getMessage())));
        }
        if (!changed) {
            throw new ProblemException(403, "forbidden", "Password not changed", "The current password is wrong.");
        }
        return Response.noContent().build();
    }

    @GET
    public Account me(@CookieParam(AuthResource.COOKIE) String token) {
        return identity.accountOfSession(token)
                .orElseThrow(() -> new ProblemException(401, "unauthorized", "Not logged in", "Log in with POST /api/v1/auth/login."));
    }
}
