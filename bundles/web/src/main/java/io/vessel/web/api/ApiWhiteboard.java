package io.vessel.web.api;

/** Service properties by which bundles contribute to the REST API (names as in the OSGi JAX-RS whiteboard). */
public interface ApiWhiteboard {

    /** Mark a service object as a JAX-RS root resource, e.g. {@code @Component(property = RESOURCE + "=true")}. */
    String RESOURCE = "osgi.jaxrs.resource";

    /** Mark a service object as a JAX-RS provider: filter, exception mapper, message body reader or writer. */
    String EXTENSION = "osgi.jaxrs.extension";

    /** Path under which all contributed resources are served. */
    String BASE_PATH = "/api/v1";

    /**
     * Request property holding the client's address as text (filters read it with
     * {@code ContainerRequestContext#getProperty}); resources may also inject {@code HttpServletRequest}.
     */
    String CLIENT_ADDRESS = "io.vessel.web.clientAddress";

    /** Media type of every error response. */
    String PROBLEM_JSON = "application/problem+json";

    /**
     * Event topic posted after the REST API was rebuilt; {@link #REBUILT_AS_OF} is the {@code System.nanoTime()}
     * before which every registered resource is now served.
     */
    String REBUILT_TOPIC = "io/vessel/web/API_REBUILT";

    /** Property of {@link #REBUILT_TOPIC}. */
    String REBUILT_AS_OF = "asOfNanos";
}
