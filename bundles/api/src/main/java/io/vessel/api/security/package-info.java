/**
 * Who is calling and what they may do, for every bundle that serves the API.
 *
 * <p>Every JAX-RS resource method declares what it needs with {@link io.vessel.api.security.RequiresPermission}
 * (or {@link io.vessel.api.security.PublicEndpoint} for the few a stranger must reach); a method without a
 * declaration is not served. When the declaration names an object kind, the identity layer asks that kind's
 * {@link io.vessel.api.security.ObjectOwnership} which tenant owns the object in the path and answers 404 when it
 * is not the caller's to see, before the resource runs. Resources obtain the {@link io.vessel.api.security.Caller}
 * from JAX-RS's {@code SecurityContext#getUserPrincipal()} to filter lists and to stamp new objects with a tenant.
 */
@org.osgi.annotation.versioning.Version("1.8.0")
package io.vessel.api.security;
