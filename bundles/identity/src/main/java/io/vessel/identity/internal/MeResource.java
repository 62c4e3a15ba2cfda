package io.vessel.identity.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.identity.api.Account;
import io.vessel.identity.api.Tenant;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code /api/v1/me}: the caller's own account: profile, password, two-factor authentication, API tokens and
 * security log. Everyone logged in may use it (permission {@code self}), also while their tenant still requires
 * them to set up 2FA.
 */
@Component(service = MeResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("me")
@Produces(MediaType.APPLICATION_JSON)
@RequiresPermission(Permissions.SELF)
public final class MeResource {

    private final IdentityManager identity;
    private final Roles roles;
    private final TwoFactor twoFactor;
    private final ApiTokens tokens;
    private final AuditLog audit;
    private final Tenancy tenancy;

    @Activate
    public MeResource(@Reference IdentityManager identity, @Reference Roles roles, @Reference TwoFactor twoFactor, @Reference ApiTokens tokens,
                      @Reference AuditLog audit, @Reference Tenancy tenancy) {
        this.identity = identity;
        this.roles = roles;
        this.twoFactor = twoFactor;
        this.tokens = tokens;
        this.audit = audit;
        this.tenancy = tenancy;
    }

    /**
     * The caller: account, tenant, effective permissions, who is impersonating (if anyone), and whether 2FA must
     * still be set up.
     */
    public record Me(Account account, Tenant tenant, Set<String> permissions, String impersonator, boolean twoFactorRequired,
                     boolean mustEnrolTwoFactor) {
    }

    @GET
    public Me me(@Context SecurityContext security) {
        AuthenticatedCaller caller = caller(security);
        Account account = identity.account(caller.account()).orElseThrow();
        Set<String> permissions = roles.expand(caller.permissions());
        if (caller.tokenScope() != null) {
            permissions.retainAll(caller.tokenScope());
        }
        return new Me(account, tenancy.find(caller.tenant()).orElse(null), permissions, caller.impersonator().orElse(null),
                tenancy.requires2fa(caller.tenant()), caller.mustEnrol2fa());
    }

    /** Body of {@code POST /api/v1/me/password}. */
    public record PasswordChange(String current, String password) {
    }

    /** Changes the password (the current one is checked); the caller's other sessions end. */
    @POST
    @Path("password")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response changePassword(@CookieParam(AuthResource.COOKIE) String token, PasswordChange body, @Context SecurityContext security,
                                   @Context HttpServletRequest request) {
        if (body == null) {
            throw ProblemException.badRequest("Send {\"current\": \"…\", \"password\": \"…\"}.");
        }
        boolean changed;
        try {
            changed = identity.changePassword(caller(security).account(), token, body.current(), body.password(), AuthResource.clientAddress(request));
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("The new password must be 12 to 1024 characters.", List.of(new Problem.FieldError("password", e.getMessage())));
        }
        if (!changed) {
            throw new ProblemException(403, "forbidden", "Password not changed", "The current password is wrong.");
        }
        return Response.noContent().build();
    }

    /** Starts enrolment: the secret and the otpauth URI for the authenticator app (the QR code shows the URI). */
    @POST
    @Path("2fa")
    public TwoFactor.Enrolment enrolTwoFactor(@Context SecurityContext security) {
        try {
            return twoFactor.enrol(caller(security).account());
        } catch (IllegalStateException e) {
            throw ProblemException.conflict(capitalized(e.getMessage()) + ".");
        }
    }

    /** Body of {@code POST /api/v1/me/2fa/confirm}. */
    public record Confirmation(String totp) {
    }

    /** What confirming 2FA answers: the recovery codes, shown once. */
    public record RecoveryCodes(List<String> recoveryCodes) {
    }

    /** Switches 2FA on with a code from the app; answers ten one-time recovery codes. */
    @POST
    @Path("2fa/confirm")
    @Consumes(MediaType.APPLICATION_JSON)
    public RecoveryCodes confirmTwoFactor(Confirmation body, @Context SecurityContext security, @Context HttpServletRequest request) {
        if (body == null || body.totp() == null) {
            throw ProblemException.invalid("Send {\"totp\": \"123456\"} with the code your app shows.", List.of(new Problem.FieldError("totp", "required")));
        }
        try {
            return new RecoveryCodes(twoFactor.confirm(caller(security).account(), body.totp(), AuthResource.clientAddress(request)));
        } catch (IllegalStateException e) {
            throw ProblemException.conflict(capitalized(e.getMessage()) + ".");
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("The code does not match.", List.of(new Problem.FieldError("totp", e.getMessage().replaceFirst("^totp: ", ""))));
        }
    }

    /** Body of {@code DELETE /api/v1/me/2fa}: the password, so a left-open browser cannot switch 2FA off. */
    public record Disable(String password) {
    }

    /** Switches 2FA off, unless the caller's tenant requires it. */
    @DELETE
    @Path("2fa")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response disableTwoFactor(Disable body, @Context SecurityContext security, @Context HttpServletRequest request) {
        AuthenticatedCaller caller = caller(security);
        if (tenancy.requires2fa(caller.tenant())) {
            throw ProblemException.conflict("Your organisation requires two-factor authentication; it cannot be switched off.");
        }
        if (body == null || body.password() == null || !identity.passwordMatches(caller.account(), body.password())) {
            throw new ProblemException(403, "forbidden", "Not switched off", "The password is wrong.");
        }
        twoFactor.disable(caller.account(), AuthResource.clientAddress(request));
        return Response.noContent().build();
    }

    /** The caller's security log: logins (also failed ones), password and 2FA changes, token creation and use. */
    @GET
    @Path("security-log")
    public List<AuditLog.Event> securityLog(@QueryParam("limit") @DefaultValue("100") int limit, @Context SecurityContext security) {
        if (limit < 1 || limit > 1000) {
            throw ProblemException.invalid("limit must be between 1 and 1000.", List.of(new Problem.FieldError("limit", "between 1 and 1000")));
        }
        return audit.securityLog(caller(security).account(), limit);
    }

    /** Body of {@code POST /api/v1/me/tokens}. */
    public record TokenRequest(String name, Set<String> permissions, Instant expiresAt, List<String> allowedIps) {
    }

    @GET
    @Path("tokens")
    public List<ApiTokens.TokenView> listTokens(@Context SecurityContext security) {
        return tokens.of(caller(security).account());
    }

    /** Creates an API token; the answer holds its secret, which is not shown again. */
    @POST
    @Path("tokens")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response createToken(TokenRequest body, @Context SecurityContext security, @Context HttpServletRequest request) {
        if (body == null) {
            throw ProblemException.badRequest("Send {\"name\": \"deploy script\", \"permissions\": [\"ve.read\", \"ve.power\"]}.");
        }
        AuthenticatedCaller caller = caller(security);
        if (caller.tokenScope() != null) {
            throw new ProblemException(403, "forbidden", "Not allowed", "API tokens cannot create more tokens; log in to make one.");
        }
        try {
            ApiTokens.NewToken created = tokens.create(caller, body.name(), body.permissions(), body.expiresAt(), body.allowedIps(),
                    AuthResource.clientAddress(request));
            return Response.status(201).entity(created).build();
        } catch (IllegalArgumentException e) {
            throw InvalidInput.of("The token was not created: ", e);
        }
    }

    @DELETE
    @Path("tokens/{tokenId}")
    public Response revokeToken(@PathParam("tokenId") String tokenId, @Context SecurityContext security, @Context HttpServletRequest request) {
        UUID id = IdentityObjects.uuid(tokenId).orElseThrow(() -> ProblemException.notFound("There is no token " + tokenId + "."));
        if (!tokens.revoke(caller(security), id, AuthResource.clientAddress(request))) {
            throw ProblemException.notFound("There is no token " + tokenId + ".");
        }
        return Response.noContent().build();
    }

    static AuthenticatedCaller caller(SecurityContext security) {
        return (AuthenticatedCaller) Caller.of(security);
    }

    static String capitalized(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
