package io.vessel.sample.internal;

import io.vessel.api.security.RequiresPermission;
import io.vessel.web.api.ApiWhiteboard;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Shows how a plugin is configured: {@code sample.*} lines in vessel.conf arrive as the PID
 * {@code io.vessel.sample}. Exists only while such configuration exists. {@code sample.fail.on.start = true}
 * makes it fail on purpose, so tests can see where component failures are reported.
 */
@Component(service = SampleSettings.class, property = ApiWhiteboard.RESOURCE + "=true",
        configurationPid = "io.vessel.sample", configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = SampleSettings.Config.class)
@Path("sample/settings")
@Produces(MediaType.APPLICATION_JSON)
public final class SampleSettings {

    @ObjectClassDefinition(name = "Vessel sample plugin")
    public @interface Config {
        String greeting() default "Hello";

        boolean fail_on_start() default false;
    }

    private final String greeting;

    @Activate
    public SampleSettings(Config config) {
        if (config.fail_on_start()) {
            throw new IllegalStateException("sample plugin told to fail on start");
        }
        this.greeting = config.greeting();
    }

    @GET
    @RequiresPermission("sample.read")
    public Map<String, String> settings() {
        return Map.of("greeting", greeting);
    }
}
