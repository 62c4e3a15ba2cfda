package io.vessel.web.internal;

import io.vessel.api.security.PublicEndpoint;
import io.vessel.api.security.RequiresPermission;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * Every resource method must say who may call it: {@link RequiresPermission} or {@link PublicEndpoint}, on the
 * method or its class. A resource with an undeclared method is not served at all, so a new endpoint cannot be
 * forgotten by the access checks.
 */
final class EndpointDeclarations {

    private EndpointDeclarations() {
    }

    /** The public endpoint methods of {@code type} that declare nothing. */
    static List<String> undeclared(Class<?> type) {
        List<String> missing = new ArrayList<>();
        boolean classDeclares = type.isAnnotationPresent(RequiresPermission.class) || type.isAnnotationPresent(PublicEndpoint.class);
        for (Method method : type.getMethods()) {
            if (Modifier.isStatic(method.getModifiers()) || !isEndpoint(method)) {
                continue;
            }
            boolean declares = method.isAnnotationPresent(RequiresPermission.class) || method.isAnnotationPresent(PublicEndpoint.class);
            if (!declares && !classDeclares) {
                missing.add(method.getName());
            }
        }
        return missing;
    }

    private static boolean isEndpoint(Method method) {
        if (method.isAnnotationPresent(Path.class)) {
            return true; // a resource method or a sub-resource locator
        }
        for (Annotation a : method.getAnnotations()) {
            if (a.annotationType().isAnnotationPresent(HttpMethod.class)) {
                return true;
            }
        }
        return false;
    }
}
