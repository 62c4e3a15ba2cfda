package io.vessel.identity.internal;

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
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code /api/v1/accounts}: the people and scripts of the caller's tenant and of those below it. Nobody gives a
 * role holding permissions they lack, nor changes or deletes their own account here ({@code /me} is for that).
 */
@Component(service = AccountsResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("accounts")
@Produces(MediaType.APPLICATION_JSON)
public final class AccountsResource {

    static final String EMAIL = "[^@\\s]{1,64}@[^@\\s]{1,189}";

    private final IdentityManager identity;
    private final Tenancy tenancy;
    private final Roles roles;
    private final PasswordResets resets;

    @Activate
    public AccountsResource(@Reference IdentityManager identity, @Reference Tenancy tenancy, @Reference Roles roles,
                            @Reference PasswordResets resets) {
        this.identity = identity;
        this.tenancy = tenancy;
        this.roles = roles;
        this.resets = resets;
    }

    /** Body of {@code POST /api/v1/accounts}; {@code tenantId} defaults to the caller's tenant. */
    public record NewAccount(UUID tenantId, String username, String email, String role, String password) {
    }

    /** Body of {@code PATCH /api/v1/accounts/{id}}. */
    public record AccountChange(String email, String role) {
    }

    @GET
    @RequiresPermission(Permissions.ACCOUNT_READ)
    public List<Account> listAccounts(@QueryParam("tenant") String tenant, @Context SecurityContext security) {
        AuthenticatedCaller caller = MeResource.caller(security);
        if (tenant != null) {
            UUID id = IdentityObjects.uuid(tenant).filter(t -> caller.sees(t.toString()))
                    .orElseThrow(() -> ProblemException.invalid("There is no tenant " + tenant + ".", List.of(new Problem.FieldError("tenant", "unknown"))));
            return identity.accountsIn(List.of(id));
        }
        return identity.accountsIn(tenancy.subtree(caller.tenant()).stream().map(Tenant::id).toList());
    }

    @GET
    @Path("{id}")
    @RequiresPermission(value = Permissions.ACCOUNT_READ, object = "account")
    public Account getAccount(@PathParam("id") String id) {
        return identity.account(UUID.fromString(id)).orElseThrow();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(Permissions.ACCOUNT_MANAGE)
    public Response createAccount(NewAccount body, @Context SecurityContext security) {
        AuthenticatedCaller caller = MeResource.caller(security);
        if (body == null || body.username() == null || body.role() == null || body.password() == null) {
            throw ProblemException.invalid("Send {\"username\": \"…\", \"role\": \"customer-owner\", \"password\": \"…\"} (and tenantId, email).",
                    List.of(new Problem.FieldError("username", "required"), new Problem.FieldError("role", "required"),
                            new Problem.FieldError("password", "required")));
        }
        UUID tenant = body.tenantId() == null ? caller.tenant() : body.tenantId();
        if (!caller.sees(tenant.toString())) {
            throw ProblemException.invalid("There is no tenant " + tenant + ".", List.of(new Problem.FieldError("tenantId", "unknown")));
        }
        checkEmail(body.email());
        checkRoleWithin(caller, body.role(), tenant);
        try {
            Account created = identity.createAccount(tenant, body.username(), body.email(), body.role(), body.password());
            return Response.created(URI.create("/api/v1/accounts/" + created.id())).entity(created).build();
        } catch (IllegalArgumentException e) {
            throw InvalidInput.of(e);
        } catch (IllegalStateException e) {
            throw ProblemException.conflict(MeResource.capitalized(e.getMessage()) + ".");
        }
    }

    @PATCH
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = Permissions.ACCOUNT_MANAGE, object = "account")
    public Account changeAccount(@PathParam("id") String id, AccountChange body, @Context SecurityContext security) {
        AuthenticatedCaller caller = MeResource.caller(security);
        UUID account = notSelf(caller, id);
        if (body == null) {
            throw ProblemException.badRequest("Send the fields to change: {\"email\": \"…\"} or {\"role\": \"…\"}.");
        }
        if (body.email() != null && !body.email().isEmpty()) {
            checkEmail(body.email());
        }
        if (body.role() != null) {
            checkRoleWithin(caller, body.role(), identity.account(account).orElseThrow().tenantId());
        }
        checkTargetWithin(caller, account);
        try {
            return identity.changeAccount(account, body.email(), body.role());
        } catch (IllegalArgumentException e) {
            throw InvalidInput.of(e);
        }
    }

    @DELETE
    @Path("{id}")
    @RequiresPermission(value = Permissions.ACCOUNT_MANAGE, object = "account")
    public Response deleteAccount(@PathParam("id") String id, @Context SecurityContext security) {
        AuthenticatedCaller caller = MeResource.caller(security);
        UUID account = notSelf(caller, id);
        checkTargetWithin(caller, account);
        identity.deleteAccount(account);
        return Response.noContent().build();
    }

    /**
     * Starts a session as the account (for support); audited with the admin's name, and the panel shows a banner.
     * Only accounts of tenants below the caller's can be impersonated.
     */
    @POST
    @Path("{id}/impersonate")
    @RequiresPermission(value = Permissions.IMPERSONATE, object = "account")
    public Response impersonate(@PathParam("id") String id, @CookieParam(AuthResource.COOKIE) String adminSession,
                                @Context SecurityContext security, @Context UriInfo uri, @Context HttpServletRequest request) {
        AuthenticatedCaller caller = MeResource.caller(security);
        Account target = identity.account(notSelf(caller, id)).orElseThrow();
        if (target.tenantId().equals(caller.tenant())) {
            throw new ProblemException(403, "forbidden", "Not allowed", "Only accounts of tenants below yours can be impersonated.");
        }
        if (caller.tokenScope() != null) {
            throw new ProblemException(403, "forbidden", "Not allowed", "Impersonation needs a logged-in admin, not an API token.");
        }
        IdentityManager.Login login = identity.impersonate(caller, target.id(), AuthResource.clientAddress(request));
        int lifetime = (int) IdentityManager.SESSION_LIFETIME.getSeconds();
        // the admin's own session is kept aside so that ending the impersonation goes back to it
        return Response.ok(login.account()).cookie(AuthResource.cookie(login.token(), uri, lifetime),
                AuthResource.adminCookie(adminSession == null ? "" : adminSession, uri, adminSession == null ? 0 : lifetime)).build();
    }

    /** A one-time password reset token for the account, to hand over (valid 30 minutes; shown once). */
    @POST
    @Path("{id}/password-reset")
    @RequiresPermission(value = Permissions.ACCOUNT_MANAGE, object = "account")
    public PasswordResets.ResetToken resetPassword(@PathParam("id") String id, @Context SecurityContext security) {
        AuthenticatedCaller caller = MeResource.caller(security);
        UUID account = notSelf(caller, id);
        checkTargetWithin(caller, account);
        return resets.issue(account);
    }

    private static UUID notSelf(AuthenticatedCaller caller, String id) {
        UUID account = UUID.fromString(id);
        if (account.equals(caller.account())) {
            throw new ProblemException(403, "forbidden", "Not allowed", "Use /api/v1/me for your own account.");
        }
        return account;
    }

    /** Nobody changes an account that holds permissions they lack (an owner cannot reset their provider's password). */
    private void checkTargetWithin(AuthenticatedCaller caller, UUID account) {
        Account target = identity.account(account).orElseThrow();
        if (!roles.permissions(target.role(), target.tenantId()).stream().allMatch(caller::may)) {
            throw new ProblemException(403, "forbidden", "Not allowed", "That account holds permissions you do not have.");
        }
    }

    private void checkRoleWithin(AuthenticatedCaller caller, String role, UUID tenant) {
        if (!roles.assignable(role, tenant)) {
            throw ProblemException.invalid("The role " + role + " cannot be given to accounts of that tenant.",
                    List.of(new Problem.FieldError("role", "not available for this tenant")));
        }
        if (!roles.permissions(role, tenant).stream().allMatch(caller::may)) {
            throw new ProblemException(403, "forbidden", "Not allowed", "You cannot give the role " + role + ": it holds permissions you do not have.");
        }
    }

    private static void checkEmail(String email) {
        if (email != null && !email.matches(EMAIL)) {
            throw ProblemException.invalid("email is not an e-mail address.", List.of(new Problem.FieldError("email", "an address like name@example.com")));
        }
    }
}
