/**
 * Contributing to Vessel's REST API.
 *
 * <p>Register a JAX-RS resource as an OSGi service with {@code osgi.jaxrs.resource=true} (see
 * {@link io.vessel.web.api.ApiWhiteboard}); its {@code @Path} is relative to {@code /api/v1}. Throw
 * {@link io.vessel.web.api.ProblemException} for errors a client should see: every error leaves the API as an
 * RFC 9457 {@code application/problem+json} document, never as a stack trace.
 */
@org.osgi.annotation.versioning.Version("1.7.0")
package io.vessel.web.api;
