package io.vessel.web.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vessel.api.security.PublicEndpoint;
import io.vessel.api.security.RequiresPermission;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointDeclarationsTest {

    @Path("things")
    public static class Forgetful {
        @GET
        @RequiresPermission("thing.read")
        public String list() {
            return "";
        }

        @POST
        public String create() {
            return "";
        }

        @Path("{id}/parts")
        public Object locator() {
            return null;
        }

        public String helper() {
            return "";
        }
    }

    @Path("open")
    @PublicEndpoint
    public static class Open {
        @GET
        public String hello() {
            return "";
        }
    }

    @Path("guarded")
    @RequiresPermission("guarded.read")
    public static class Guarded {
        @GET
        public String get() {
            return "";
        }
    }

    @Test
    void everyEndpointWithoutADeclarationIsNamed() {
        assertEquals(List.of("create", "locator"), EndpointDeclarations.undeclared(Forgetful.class).stream().sorted().toList());
    }

    @Test
    void aDeclarationOnTheClassCoversItsMethods() {
        assertEquals(List.of(), EndpointDeclarations.undeclared(Open.class));
        assertEquals(List.of(), EndpointDeclarations.undeclared(Guarded.class));
    }
}
