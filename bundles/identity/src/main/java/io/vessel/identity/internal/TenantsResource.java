package io.vessel.identity.internal;

import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.identity.api.Tenant;
import io.vessel.identity.api.TenantKind;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code /api/v1/tenants}: the provider's resellers and customers, and resellers' customers. A caller sees their
 * own tenant and those below it, and changes only those below it (nobody suspends or deletes their own tenant).
 */
@Component(service = TenantsResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("tenants")
@Produces(MediaType.APPLICATION_JSON)
public final class TenantsResource {

    private final Tenancy tenancy;
    private final IdentityAdministrator administration;

    @Activate
    public TenantsResource(@Reference Tenancy tenancy, @Reference IdentityAdministrator administration) {
        this.tenancy = tenancy;
        this.administration = administration;
    }

    /** Body of {@code POST /api/v1/tenants}; {@code parentId} defaults to the caller's tenant. */
    public record NewTenant(String name, TenantKind kind, UUID parentId, Boolean require2fa) {
    }

    /**
     * Body of {@code PATCH /api/v1/tenants/{id}}: absent fields stay. {@code suspended: true} needs a
     * {@code suspendedReason}; accounts of a suspended tenant (and of those below it) cannot log in.
     */
    public record TenantChange(String name, Boolean require2fa, Boolean suspended, String suspendedReason) {
    }

    @GET
    @RequiresPermission(Permissions.TENANT_READ)
    public List<Tenant> listTenants(@Context SecurityContext security) {
        return tenancy.subtree(MeResource.caller(security).tenant());
    }

    @GET
    @Path("{id}")
    @RequiresPermission(value = Permissions.TENANT_READ, object = "tenant")
    public Tenant getTenant(@PathParam("id") String id) {
        return tenancy.find(UUID.fromString(id)).orElseThrow();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(Permissions.TENANT_MANAGE)
    public Response createTenant(NewTenant body, @Context SecurityContext security) {
        AuthenticatedCaller caller = MeResource.caller(security);
        if (body == null || body.name() == null || body.name().isBlank() || body.name().length() > 100) {
            throw ProblemException.invalid("Send {\"name\": \"Acme Ltd\", \"kind\": \"CUSTOMER\"}: a name of 1 to 100 characters.",
                    List.of(new Problem.FieldError("name", "1 to 100 characters")));
        }
        if (body.kind() == null || body.kind() == TenantKind.PROVIDER) {
            throw ProblemException.invalid("kind must be RESELLER or CUSTOMER.", List.of(new Problem.FieldError("kind", "RESELLER or CUSTOMER")));
        }
        UUID parent = body.parentId() == null ? caller.tenant() : body.parentId();
        if (!caller.sees(parent.toString())) {
            throw ProblemException.invalid("There is no tenant " + parent + ".", List.of(new Problem.FieldError("parentId", "unknown")));
        }
        Tenant created;
        try {
            created = tenancy.create(parent, body.kind(), body.name().strip());
        } catch (IllegalArgumentException e) {
            throw ProblemException.unprocessable("The tenant was not created: " + e.getMessage() + ".");
        }
        if (Boolean.TRUE.equals(body.require2fa())) {
            created = tenancy.change(created.id(), t -> t.require2fa(true));
        }
        return Response.created(URI.create("/api/v1/tenants/" + created.id())).entity(created).build();
    }

    @PATCH
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = Permissions.TENANT_MANAGE, object = "tenant")
    public Tenant changeTenant(@PathParam("id") String id, TenantChange body, @Context SecurityContext security) {
        UUID tenant = UUID.fromString(id);
        AuthenticatedCaller caller = MeResource.caller(security);
        if (body == null) {
            throw ProblemException.badRequest("Send the fields to change, e.g. {\"suspended\": true, \"suspendedReason\": \"unpaid invoice\"}.");
        }
        boolean own = tenant.equals(caller.tenant());
        if (own && (body.suspended() != null || body.require2fa() != null)) {
            throw new ProblemException(403, "forbidden", "Not allowed", "Your own tenant's suspension and 2FA rule are set by the tenant above it.");
        }
        if (body.name() != null && (body.name().isBlank() || body.name().length() > 100)) {
            throw ProblemException.invalid("name must be 1 to 100 characters.", List.of(new Problem.FieldError("name", "1 to 100 characters")));
        }
        if (Boolean.TRUE.equals(body.suspended()) && (body.suspendedReason() == null || body.suspendedReason().isBlank()
                || body.suspendedReason().length() > 500)) {
            throw ProblemException.invalid("Say why the tenant is suspended (suspendedReason, up to 500 characters); its users will see it.",
                    List.of(new Problem.FieldError("suspendedReason", "required when suspending")));
        }
        return tenancy.change(tenant, t -> {
            if (body.name() != null) {
                t.rename(body.name().strip());
            }
            if (body.require2fa() != null) {
                t.require2fa(body.require2fa());
            }
            if (Boolean.TRUE.equals(body.suspended())) {
                t.suspend(body.suspendedReason().strip(), Tenancy.now());
            } else if (Boolean.FALSE.equals(body.suspended())) {
                t.unsuspend();
            }
        });
    }

    /** Deletes a tenant with nothing below it and owning nothing (VEs, templates, pools…); its accounts go with it. */
    @DELETE
    @Path("{id}")
    @RequiresPermission(value = Permissions.TENANT_MANAGE, object = "tenant")
    public Response deleteTenant(@PathParam("id") String id, @Context SecurityContext security) {
        UUID tenant = UUID.fromString(id);
        AuthenticatedCaller caller = MeResource.caller(security);
        if (tenant.equals(caller.tenant())) {
            throw new ProblemException(403, "forbidden", "Not allowed", "You cannot delete your own tenant.");
        }
        administration.stillOwned(tenant).ifPresent(owned -> {
            throw ProblemException.conflict("The tenant still owns " + owned + "; remove them first.");
        });
        try {
            administration.deleteOwningNothing(tenant);
        } catch (IllegalStateException e) {
            throw ProblemException.conflict("The tenant was not deleted: " + e.getMessage() + ".");
        }
        return Response.noContent().build();
    }
}
