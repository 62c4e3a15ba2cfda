package io.vessel.banner.internal;

import io.vessel.api.security.RequiresPermission;
import io.vessel.samples.banner.Banner;
import io.vessel.web.api.ApiWhiteboard;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** {@code /api/v1/banner}: the panel's welcome banner, framed by the library this plugin needs. */
@Component(service = BannerResource.class, property = ApiWhiteboard.RESOURCE + "=true")
@Path("banner")
@Produces(MediaType.APPLICATION_JSON)
public final class BannerResource {

    @GET
    @RequiresPermission("banner.read")
    public Map<String, String> banner() {
        return Map.of("banner", Banner.frame(List.of("Welcome to Vessel", "served by the banner plugin")));
    }
}
