package io.vessel.plugins.internal;

import io.vessel.api.security.RequiresPermission;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Bundle;

/** {@code /api/v1/plugins/{name}/settings}: a plugin's settings forms, and saving one. */
@Path("plugins/{name}/settings")
@Produces(MediaType.APPLICATION_JSON)
public final class PluginSettingsResource {

    /** Body of {@code PUT .../settings/{pid}}: attribute id → value (null resets; a password left empty is kept). */
    public record SettingsChange(Map<String, Object> values) {
    }

    private final PluginSettings settings;

    PluginSettingsResource(PluginSettings settings) {
        this.settings = settings;
    }

    @GET
    @RequiresPermission(PluginsResource.READ)
    public List<PluginSettings.Form> pluginSettings(@PathParam("name") String name, @Context SecurityContext security) {
        try {
            return settings.forms(plugin(name, security));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @PUT
    @Path("{pid}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(PluginsResource.MANAGE)
    public PluginSettings.Form changePluginSettings(@PathParam("name") String name, @PathParam("pid") String pid, SettingsChange body,
                                                    @Context SecurityContext security) {
        Bundle bundle = plugin(name, security);
        if (body == null || body.values() == null) {
            throw ProblemException.invalid("Send {\"values\": {\"greeting\": \"Hello\"}}.", List.of(new Problem.FieldError("values", "required")));
        }
        try {
            return settings.update(bundle, pid, body.values());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Bundle plugin(String name, SecurityContext security) {
        PluginsResource.providerOnly(security);
        return settings.plugin(name).orElseThrow(() -> ProblemException.notFound("There is no running plugin " + name + "."));
    }
}
