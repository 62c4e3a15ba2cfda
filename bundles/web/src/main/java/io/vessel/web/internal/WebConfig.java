package io.vessel.web.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@code io.vessel.web} ({@code web.*} in vessel.conf). */
@ObjectClassDefinition(name = "Vessel web")
public @interface WebConfig {

    String PID = "io.vessel.web";

    @AttributeDefinition(description = "Health checks without which the panel is not ready (health answers 503 until they register)")
    String[] required_checks() default {"database", "kernel", "identity"};

    @AttributeDefinition(description = "Load balancers and reverse proxies whose X-Forwarded-For names the client (addresses or networks, "
            + "comma-separated, e.g. 10.0.0.5, 10.0.1.0/24); from anywhere else the header is ignored. Empty: none")
    String[] trusted_proxies() default {};
}
