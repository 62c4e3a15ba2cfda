package io.vessel.web.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.servlet.ServletContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servlet behind {@code /api/v1}. It delegates to a Jersey container and, when the set of resources
 * changes, builds a new container beside it, swaps atomically and retires the old one once the requests it is
 * serving have finished. (Jersey's own {@code reload} shuts the old application down under running requests.)
 *
 * <p>While Jersey works, the thread context class loader is this bundle's: Jersey and HK2 look up their own
 * services through it, and in OSGi the caller's loader is Jetty's.
 */
final class ApiServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ApiServlet.class);

    /** A Jersey container and the number of requests it is serving. */
    private static final class Generation {
        final ServletContainer container;
        final AtomicInteger inFlight = new AtomicInteger();

        Generation(ServletContainer container) {
            this.container = container;
        }
    }

    private final transient ScheduledExecutorService retirer;
    private final transient ObjectMapper mapper;
    private final transient ClientAddresses clients;
    private transient volatile boolean initialized;
    private transient volatile Generation current;

    /**
     * Serves nothing but "starting" (503) until the first {@link #replace}: at start-up the whiteboard builds
     * Jersey once, after the burst of bundles registering their resources, instead of once per arrival.
     */
    ApiServlet(ObjectMapper mapper, ScheduledExecutorService retirer, ClientAddresses clients) {
        this.mapper = mapper;
        this.retirer = retirer;
        this.clients = clients;
    }

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        initialized = true;
    }

    /** Jetty has initialised the servlet, so a Jersey container can be started inside it. */
    boolean isInitialized() {
        return initialized;
    }

    /** Whether a Jersey application serves requests yet. */
    boolean isServing() {
        return current != null;
    }

    /** Serves future requests from a container built on {@code config}. */
    void replace(ResourceConfig config) throws ServletException {
        Generation next = start(config);
        Generation previous = current;
        current = next;
        if (previous != null) {
            retire(previous, 0);
        }
    }

    private Generation start(ResourceConfig config) throws ServletException {
        ClassLoader previous = swapContextLoader();
        try {
            ServletContainer container = new ServletContainer(config);
            container.init(getServletConfig());
            return new Generation(container);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    private void retire(Generation generation, int attempt) {
        if (generation.inFlight.get() > 0 && attempt < 600) {
            retirer.schedule(() -> retire(generation, attempt + 1), 100, TimeUnit.MILLISECONDS);
            return;
        }
        try {
            generation.container.destroy();
        } catch (RuntimeException e) {
            LOG.warn("Retiring a previous REST application failed: {}", e.getMessage());
        }
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
        // through the host's local socket there is no network address: the peer's user stands in for it (audit, throttling)
        request.setAttribute(ApiWhiteboard.CLIENT_ADDRESS, io.vessel.api.platform.LocalPeer.of(request.getAttribute(io.vessel.api.platform.LocalPeer.ATTRIBUTE))
                .map(peer -> "local:" + peer.user()).orElseGet(() -> clients.clientOf(request.getRemoteAddr(), request.getHeaders("X-Forwarded-For"))));
        Generation generation = enter(); // counted from here: nothing that can fail stands between this and the finally
        if (generation == null) {
            starting(request, response);
            return;
        }
        ClassLoader previous = swapContextLoader();
        try {
            generation.container.service(request, response);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
            generation.inFlight.decrementAndGet();
        }
    }

    /**
     * The generation that serves this request, counted in flight; null before the first. Counted first and then
     * checked to be still the current one: a request that read {@code current} just before a rebuild replaced it and
     * counted itself only after {@link #retire} had looked would be served by a destroyed container.
     */
    private Generation enter() {
        while (true) {
            Generation generation = current;
            if (generation == null) {
                return null;
            }
            generation.inFlight.incrementAndGet();
            if (generation == current) {
                return generation; // any retire of it looks after this count
            }
            generation.inFlight.decrementAndGet(); // replaced meanwhile: the new one serves it
        }
    }

    /** Health checks and clients alike hear "not yet, ask again in a second" while the panel starts. */
    private void starting(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Problem problem = new Problem("https://vessel.dev/problems/starting", "Starting", 503,
                "The panel is starting and does not serve the API yet. Try again in a moment.", request.getRequestURI(), List.of());
        response.setHeader("Retry-After", "1");
        ProblemServlet.write(response, mapper, problem);
    }

    @Override
    public void destroy() {
        Generation generation = current;
        current = null;
        if (generation != null) {
            generation.container.destroy();
        }
        super.destroy();
    }

    private static ClassLoader swapContextLoader() {
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(ApiServlet.class.getClassLoader());
        return previous;
    }
}
