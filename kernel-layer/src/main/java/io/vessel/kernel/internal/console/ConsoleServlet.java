package io.vessel.kernel.internal.console;

import io.vessel.api.security.Caller;
import io.vessel.api.security.Permissions;
import io.vessel.kernel.api.VeConsole;
import io.vessel.kernel.api.VeException;
import io.vessel.web.api.ProblemException;
import io.vessel.web.api.RequestAuthenticator;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.websocket.server.JettyServerUpgradeRequest;
import org.eclipse.jetty.ee10.websocket.server.JettyServerUpgradeResponse;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServlet;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServletFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ws(s)://host/ws/ves/{id}/console?columns=&rows=}: the browser's terminal on a VE. The handshake is checked
 * like an API call on {@code POST /api/v1/ves/{id}/exec} (permission {@code ve.exec}, the VE must be the caller's,
 * otherwise 404); then a login shell runs on a pseudo-terminal for as long as the socket is open.
 */
public final class ConsoleServlet extends JettyWebSocketServlet {

    /** Served under this prefix; the VE id and {@code /console} follow. */
    public static final String PATTERN = "/ws/ves/*";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleServlet.class);
    private static final Pattern PATH = Pattern.compile("/(\\d{1,9})/console");

    /** Opens a VE's shell wherever the VE is: here, or on another node over the node channel. */
    @FunctionalInterface
    public interface Opener {
        VeConsole open(int ve, int columns, int rows);
    }

    private final transient Opener consoles;
    private final transient Supplier<RequestAuthenticator> authenticator;

    public ConsoleServlet(Opener consoles, Supplier<RequestAuthenticator> authenticator) {
        this.consoles = consoles;
        this.authenticator = authenticator;
    }

    @Override
    protected void configure(JettyWebSocketServletFactory factory) {
        factory.setIdleTimeout(Duration.ofMinutes(30));
        factory.setMaxTextMessageSize(64 * 1024);
        factory.setMaxBinaryMessageSize(64 * 1024);
        factory.setCreator(this::open);
    }

    private Object open(JettyServerUpgradeRequest upgrade, JettyServerUpgradeResponse response) {
        HttpServletRequest request = upgrade.getHttpServletRequest();
        RequestAuthenticator auth = authenticator.get();
        Caller caller = null;
        try {
            if (auth == null) {
                throw new ProblemException(503, "unavailable", "Unavailable", "Logins are not available yet.");
            }
            caller = auth.authenticate(request);
            Matcher path = PATH.matcher(request.getPathInfo() == null ? "" : request.getPathInfo());
            if (!path.matches()) {
                throw ProblemException.notFound("There is no console at " + request.getRequestURI() + ".");
            }
            String id = path.group(1);
            if (!caller.may(Permissions.VE_EXEC)) {
                throw new ProblemException(403, "forbidden", "Not allowed", "You do not have the permission ve.exec.");
            }
            if (!auth.sees(caller, "ve", id)) {
                throw ProblemException.notFound("There is no VE " + id + ".");
            }
            int columns = size(request.getParameter("columns"), 80, 20, 500);
            int rows = size(request.getParameter("rows"), 24, 5, 200);
            VeConsole console = consoles.open(Integer.parseInt(id), columns, rows);
            LOG.info("Console opened ve={} user={} ip={} size={}x{}", id, caller.getName(), request.getRemoteAddr(), columns, rows);
            auth.audit(caller, request, "CONSOLE ves/{id}/console", "ves/" + id + "/console", 101, null);
            return new ConsoleEndpoint(console, Integer.parseInt(id), caller.getName());
        } catch (ProblemException e) {
            refuse(response, e.status(), e.getMessage());
            if (caller != null) {
                auth.audit(caller, request, "CONSOLE ves/{id}/console", request.getRequestURI(), e.status(), e.getMessage());
            }
        } catch (VeException e) {
            int status = e.kind() == VeException.Kind.NOT_FOUND ? 404 : 409;
            refuse(response, status, e.getMessage());
            auth.audit(caller, request, "CONSOLE ves/{id}/console", request.getRequestURI(), status, e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("Console could not be opened", e);
            refuse(response, 500, "The console could not be opened.");
        }
        return null;
    }

    private static int size(String value, int fallback, int min, int max) {
        if (value == null || !value.matches("\\d{1,4}")) {
            return fallback;
        }
        return Math.max(min, Math.min(max, Integer.parseInt(value)));
    }

    private static void refuse(JettyServerUpgradeResponse response, int status, String detail) {
        try {
            response.sendError(status, detail);
        } catch (IOException e) {
            LOG.debug("Refusing a console handshake failed: {}", e.getMessage());
        }
    }
}
