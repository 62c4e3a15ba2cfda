package io.vessel.identity.internal;

import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
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
import java.util.Set;
import java.util.UUID;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code /api/v1/roles}: the built-in roles and custom roles (named permission sets) usable in the caller's tenant,
 * and {@code /api/v1/roles/permissions}: every permission the running panel knows, plugins' included.
 */
@Component(service = RolesResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("roles")
@Produces(MediaType.APPLICATION_JSON)
public final class RolesResource {

    private final Roles roles;

    @Activate
    public RolesResource(@Reference Roles roles) {
        this.roles = roles;
    }

    /** Body of {@code POST /api/v1/roles} and {@code PATCH /api/v1/roles/{id}} (where only permissions change). */
    public record RoleRequest(String name, Set<String> permissions) {
    }

    @GET
    @RequiresPermission(Permissions.ROLE_READ)
    public List<Roles.RoleView> listRoles(@Context SecurityContext security) {
        return roles.usableIn(MeResource.caller(security).tenant());
    }

    @GET
    @Path("permissions")
    @RequiresPermission(Permissions.ROLE_READ)
    public Set<String> listPermissions() {
        return roles.known();
    }

    @GET
    @Path("{id}")
    @RequiresPermission(value = Permissions.ROLE_READ, object = "role")
    public Roles.RoleView getRole(@PathParam("id") String id) {
        return roles.custom(UUID.fromString(id)).orElseThrow();
    }

    /** Defines a custom role for the caller's tenant and those below it. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(Permissions.ROLE_MANAGE)
    public Response defineRole(RoleRequest body, @Context SecurityContext security) {
        AuthenticatedCaller caller = MeResource.caller(security);
        if (body == null) {
            throw ProblemException.badRequest("Send {\"name\": \"support\", \"permissions\": [\"ve.read\", \"ve.power\"]}.");
        }
        try {
            Roles.RoleView role = roles.define(caller.tenant(), body.name(), body.permissions(), caller::may);
            return Response.created(URI.create("/api/v1/roles/" + role.id())).entity(role).build();
        } catch (IllegalArgumentException e) {
            throw InvalidInput.of(e);
        } catch (SecurityException e) {
            throw new ProblemException(403, "forbidden", "Not allowed", MeResource.capitalized(e.getMessage()) + ".");
        } catch (IllegalStateException e) {
            throw ProblemException.conflict(MeResource.capitalized(e.getMessage()) + ".");
        }
    }

    @PATCH
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = Permissions.ROLE_MANAGE, object = "role")
    public Roles.RoleView changeRole(@PathParam("id") String id, RoleRequest body, @Context SecurityContext security) {
        AuthenticatedCaller caller = MeResource.caller(security);
        if (body == null || body.permissions() == null) {
            throw ProblemException.invalid("Send {\"permissions\": [\"…\"]}.", List.of(new Problem.FieldError("permissions", "required")));
        }
        try {
            return roles.redefine(UUID.fromString(id), body.permissions(), caller::may);
        } catch (IllegalArgumentException e) {
            throw InvalidInput.of(e);
        } catch (SecurityException e) {
            throw new ProblemException(403, "forbidden", "Not allowed", MeResource.capitalized(e.getMessage()) + ".");
        }
    }

    @DELETE
    @Path("{id}")
    @RequiresPermission(value = Permissions.ROLE_MANAGE, object = "role")
    public Response deleteRole(@PathParam("id") String id) {
        try {
            roles.delete(UUID.fromString(id));
        } catch (IllegalStateException e) {
            throw ProblemException.conflict(MeResource.capitalized(e.getMessage()) + "; give them another role first.");
        }
        return Response.noContent().build();
    }
}
