package io.vessel.kernel.internal;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** {@code /api/v1/templates}: what VEs can be created from. */
@Path("templates")
@Produces(MediaType.APPLICATION_JSON)
public final class TemplatesResource {

    /** A template that can be named in {@code POST /api/v1/ves}. */
    public record TemplateView(String name, String description) {
    }

    private final KernelComponent.VeServiceHandle ves;

    TemplatesResource(KernelComponent.VeServiceHandle ves) {
        this.ves = ves;
    }

    @GET
    public List<TemplateView> listTemplates() {
        return VesResource.call(() -> ves.get().templates()).stream()
                .map(name -> new TemplateView(name, "busybox".equals(name)
                        ? "Minimal system from the host's static busybox, with an init that stops cleanly" : name))
                .toList();
    }
}
