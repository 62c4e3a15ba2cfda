package io.vessel.kernel.internal;

import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.kernel.api.IpPool;
import io.vessel.kernel.api.NetworkService;
import io.vessel.kernel.api.NewIpPool;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import io.vessel.api.security.Caller;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.function.Supplier;

/** {@code /api/v1/ip-pools}: the addresses a provider hands to VEs. Admin-only until the identity layer. */
@Path("ip-pools")
@Produces(MediaType.APPLICATION_JSON)
public final class IpPoolsResource {

    private final Supplier<NetworkService> network;

    IpPoolsResource(Supplier<NetworkService> network) {
        this.network = network;
    }

    @GET
    @RequiresPermission(Permissions.IPPOOL_READ)
    public List<IpPool> listIpPools(@Context SecurityContext security) {
        Caller caller = Caller.of(security);
        return VesResource.call(() -> network.get().pools()).stream().filter(p -> p.owner() == null || caller.sees(p.owner()))
                .map(p -> forCaller(p, caller)).toList();
    }

    /** The nodes a pool reaches are the provider's business: shown to those who may see nodes only. */
    private static IpPool forCaller(IpPool p, Caller caller) {
        return caller.may(Permissions.NODE_READ) || p.nodes().isEmpty() ? p : new IpPool(p.name(), p.cidr(), p.gateway(), p.mode(), p.excluded(),
                p.dns(), p.capacity(), p.allocated(), p.createdAt(), p.owner(), List.of());
    }

    @GET
    @Path("{name}")
    @RequiresPermission(value = Permissions.IPPOOL_READ, object = "ip-pool", idParam = "name")
    public IpPool getIpPool(@PathParam("name") String name, @Context SecurityContext security) {
        return VesResource.call(() -> network.get().pool(name)).map(p -> forCaller(p, Caller.of(security)))
                .orElseThrow(() -> ProblemException.notFound("There is no IP pool " + name + "."));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(Permissions.IPPOOL_MANAGE)
    public Response createIpPool(NewIpPool body, @Context SecurityContext security) {
        if (body == null) {
            throw ProblemException.invalid("Send a JSON body such as {\"name\": \"public-v4\", \"cidr\": \"192.0.2.0/24\", \"mode\": \"NAT\"}.",
                    List.of(new Problem.FieldError("name", "required")));
        }
        if (body.nodes() != null && !body.nodes().isEmpty() && !Caller.of(security).may(Permissions.NODE_READ)) {
            throw new ProblemException(403, "forbidden", "Not allowed", "Only your provider says which nodes a pool reaches (permission node.read).");
        }
        if (body.owner() != null && !body.owner().isBlank() && !Caller.of(security).sees(body.owner().strip())) {
            throw ProblemException.invalid("There is no tenant " + body.owner() + ".", List.of(new Problem.FieldError("owner", "unknown tenant")));
        }
        IpPool pool = VesResource.call(() -> network.get().createPool(body));
        return Response.created(URI.create("/api/v1/ip-pools/" + pool.name())).entity(pool).build();
    }

    @DELETE
    @Path("{name}")
    @RequiresPermission(value = Permissions.IPPOOL_MANAGE, object = "ip-pool", idParam = "name")
    public Response deleteIpPool(@PathParam("name") String name) {
        VesResource.call(() -> {
            network.get().deletePool(name);
            return null;
        });
        return Response.noContent().build();
    }
}
