package io.vessel.web.internal;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** {@code GET /api/v1/openapi.json}: the API as it is right now, including endpoints of installed plugins. */
@Path("openapi.json")
@io.vessel.api.security.PublicEndpoint
public final class OpenApiResource {

    private final OpenApiGenerator generator;
    private final Supplier<List<Class<?>>> resourceClasses;
    private final String version;

    OpenApiResource(OpenApiGenerator generator, Supplier<List<Class<?>>> resourceClasses, String version) {
        this.generator = generator;
        this.resourceClasses = resourceClasses;
        this.version = version;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> openApiDocument() {
        return generator.generate(resourceClasses.get(), version);
    }
}
