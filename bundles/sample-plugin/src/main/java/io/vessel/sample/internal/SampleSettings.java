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

    @ObjectClassDefinition(name = "Vessel sample plugin", description = "What the sample plugin says, and the key of a service it calls")
    public @interface Config {
        @org.osgi.service.metatype.annotations.AttributeDefinition(name = "Greeting", description = "The word the plugin greets with")
        String greeting() default "Hello";

        @org.osgi.service.metatype.annotations.AttributeDefinition(name = "Greetings kept (days)", min = "1", max = "3650")
        int keep_days() default 90;

        @org.osgi.service.metatype.annotations.AttributeDefinition(name = "API key", description = "A secret: never shown back, stored encrypted",
                type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD, required = false)
        String api_key() default "";

        @org.osgi.service.metatype.annotations.AttributeDefinition(name = "Webhook on VE start", description = "URL told (JSON POST) whenever a VE starts",
                required = false)
        String webhook_url() default "";

        @org.osgi.service.metatype.annotations.AttributeDefinition(name = "Fail on start", description = "For tests: the component throws")
        boolean fail_on_start() default false;
    }

    private final String greeting;
    private final int keepDays;
    private final boolean apiKeySet;

    @Activate
    public SampleSettings(Config config) {
        if (config.fail_on_start()) {
            throw new IllegalStateException("sample plugin told to fail on start");
        }
        this.greeting = config.greeting();
        this.keepDays = config.keep_days();
        this.apiKeySet = !config.api_key().isEmpty();
    }

    @GET
    @RequiresPermission("sample.read")
    public Map<String, Object> settings() {
        return Map.of("greeting", greeting, "keepDays", keepDays, "apiKeySet", apiKeySet);
    }
}
