package io.vessel.web.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpenApiGeneratorTest {

    public enum State { RUNNING, STOPPED }

    public record Ve(int id, String hostname, State state, Instant createdAt, List<String> addresses) {
    }

    public record NewVe(String template) {
    }

    @Path("ves")
    @Produces(MediaType.APPLICATION_JSON)
    public static class VesResource {
        @GET
        public List<Ve> listVes(@QueryParam("state") State state) {
            return List.of();
        }

        @POST
        @Consumes(MediaType.APPLICATION_JSON)
        public Ve createVe(NewVe body) {
            return null;
        }

        @GET
        @Path("{id}")
        @io.vessel.api.security.RequiresPermission(value = "ve.read", object = "ve")
        public Ve getVe(@PathParam("id") int id) {
            return null;
        }

        @DELETE
        @Path("{id}")
        public void destroyVe(@PathParam("id") int id) {
        }
    }

    private final ObjectMapper mapper = JsonMapperFactory.create();

    @Test
    void documentsPathsParametersBodiesAndSchemas() {
        Map<String, Object> doc = new OpenApiGenerator(mapper).generate(List.of(VesResource.class), "1.2.3");
        JsonNode api = mapper.valueToTree(doc);

        assertEquals("1.2.3", api.at("/info/version").asText());
        assertEquals("List ves", api.at("/paths/~1ves/get/summary").asText());
        assertEquals("state", api.at("/paths/~1ves/get/parameters/0/name").asText());
        assertEquals("query", api.at("/paths/~1ves/get/parameters/0/in").asText());
        assertEquals("#/components/schemas/NewVe",
                api.at("/paths/~1ves/post/requestBody/content/application~1json/schema/$ref").asText());
        assertEquals("path", api.at("/paths/~1ves~1{id}/get/parameters/0/in").asText());
        assertTrue(api.at("/paths/~1ves~1{id}/delete/responses/204").isObject());
        assertEquals("#/components/schemas/Problem",
                api.at("/paths/~1ves~1{id}/get/responses/default/content/application~1problem+json/schema/$ref").asText());

        // who may call it, and how it refuses
        assertEquals("ve.read", api.at("/paths/~1ves~1{id}/get/x-permission").asText());
        assertEquals("ve", api.at("/paths/~1ves~1{id}/get/x-object").asText());
        assertTrue(api.at("/paths/~1ves~1{id}/get/security/0").has("session"));
        assertTrue(api.at("/paths/~1ves~1{id}/get/security/1").has("bearer"));
        for (String status : List.of("401", "403", "404")) {
            assertTrue(api.at("/paths/~1ves~1{id}/get/responses/" + status).isObject(), status);
        }
        assertEquals("http", api.at("/components/securitySchemes/bearer/type").asText());
        assertEquals("cookie", api.at("/components/securitySchemes/session/in").asText());

        JsonNode ve = api.at("/components/schemas/Ve/properties");
        assertEquals("integer", ve.at("/id/type").asText());
        assertEquals("date-time", ve.at("/createdAt/format").asText());
        assertEquals("RUNNING", ve.at("/state/enum/0").asText());
        assertEquals("string", ve.at("/addresses/items/type").asText());
    }
}
