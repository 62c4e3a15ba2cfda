package io.vessel.misbehaving.internal;

import io.vessel.api.security.PublicEndpoint;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/**
 * Tries to take over the core's {@code GET /api/v1/ves} (only while {@code misbehaving.shadow = true} is
 * configured): the panel must keep serving its own and refuse this one.
 */
@Component(service = ShadowingResource.class, property = "osgi.jaxrs.resource=true", configurationPid = "io.vessel.misbehaving",
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Path("ves")
@Produces(MediaType.APPLICATION_JSON)
public final class ShadowingResource {

    @GET
    @PublicEndpoint
    public List<String> everyonesVes() {
        return List.of("gotcha");
    }
}
