package io.vessel.operations.internal;

import io.vessel.api.operation.Operation;
import io.vessel.api.operation.OperationService;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.UUID;
import io.vessel.api.security.Caller;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.SecurityContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code /api/v1/operations}: what long-running actions are doing and how they ended. */
@Component(service = OperationsResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("operations")
@Produces(MediaType.APPLICATION_JSON)
public final class OperationsResource {

    private final OperationService operations;

    @Activate
    public OperationsResource(@Reference OperationService operations) {
        this.operations = operations;
    }

    /** The caller's operations (those on objects of their tenants), newest first. */
    @GET
    @RequiresPermission(Permissions.OPERATION_READ)
    public List<Operation> listOperations(@QueryParam("limit") @DefaultValue("100") int limit, @Context SecurityContext security) {
        if (limit < 1 || limit > 1000) {
            throw ProblemException.badRequest("limit must be between 1 and 1000.");
        }
        Caller caller = Caller.of(security);
        return caller.visibleTenants().map(tenants -> operations.recent(limit, tenants)).orElseGet(() -> operations.recent(limit));
    }

    @GET
    @Path("{id}")
    @RequiresPermission(value = Permissions.OPERATION_READ, object = "operation")
    public Operation getOperation(@PathParam("id") String id, @QueryParam("wait") @DefaultValue("0") int wait) {
        if (wait < 0 || wait > 60) {
            throw ProblemException.badRequest("wait must be between 0 and 60 seconds.");
        }
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("There is no operation " + id + ".");
        }
        java.util.Optional<Operation> operation;
        try {
            operation = wait == 0 ? operations.find(uuid) : operations.await(uuid, java.time.Duration.ofSeconds(wait));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            operation = operations.find(uuid);
        }
        return operation.orElseThrow(() -> ProblemException.notFound("There is no operation " + id + "."));
    }
}
