package io.vessel.identity.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** PID {@code io.vessel.identity} ({@code identity.*} in vessel.conf). */
@ObjectClassDefinition(name = "Vessel identity")
public @interface IdentityConfig {

    String PID = "io.vessel.identity";

    @AttributeDefinition(description = "Failed logins for one account from one address before that address must wait")
    int max_failures_per_account() default 5;

    @AttributeDefinition(description = "Failed logins from one address, any accounts, before it must wait")
    int max_failures_per_address() default 20;

    @AttributeDefinition(description = "Seconds failed logins count against an address (and the longest it waits)")
    int lockout_seconds() default 900;
}
