package io.vessel.api.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a resource method needs: a permission and, when it acts on one object, the kind of object and the path
 * parameter naming it. Put on the method (or on the class for all its methods).
 *
 * <p>Checked before the method runs: without the permission the caller gets 403; when {@link #object()} is set
 * and the object does not exist or belongs to a tenant outside the caller's view, the caller gets the same 404 in
 * both cases, so another tenant's objects cannot be discovered.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface RequiresPermission {

    /** A permission name such as {@code ve.power}; see {@link Permissions}. */
    String value();

    /** The kind of object the method acts on, as registered by an {@link ObjectOwnership}; empty for none. */
    String object() default "";

    /** The path parameter holding the object's id. */
    String idParam() default "id";
}
