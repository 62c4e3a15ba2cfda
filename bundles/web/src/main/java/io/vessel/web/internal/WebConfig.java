package io.vessel.web.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@code io.vessel.web} ({@code web.*} in vessel.conf). */
@ObjectClassDefinition(name = "Vessel web")
public @interface WebConfig {

    String PID = "io.vessel.web";

    @AttributeDefinition(description = "Health checks without which the panel is not ready (health answers 503 until they register)")
    String[] required_checks() default {"database", "kernel", "identity"};
}
