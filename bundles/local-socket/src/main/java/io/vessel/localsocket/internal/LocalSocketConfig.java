package io.vessel.localsocket.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** PID {@code io.vessel.local} ({@code local.*} in vessel.conf). */
@ObjectClassDefinition(name = "Vessel local socket")
public @interface LocalSocketConfig {

    String PID = "io.vessel.local";

    @AttributeDefinition(description = "Where the API's Unix socket is made; empty: /run/vessel/<node>/panel.sock")
    String socket_path() default "";

    @AttributeDefinition(description = "Group that may connect to the socket (mode 0660); when the host has no such group, root only (0600)")
    String socket_group() default "vessel";
}
