package io.vessel.portal.internal;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Map;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Component;

/**
 * Serves the portal's files from this bundle at {@code /portal}, with the headers a panel handling other people's
 * servers must send: a Content-Security-Policy without inline scripts, no framing, no referrer (nothing about a
 * tenant leaks into other sites' logs), no MIME sniffing. {@code /portal} and {@code /portal/} answer the app.
 */
@Component(service = Servlet.class, property = {
        "osgi.http.whiteboard.servlet.name=vessel-portal",
        "osgi.http.whiteboard.servlet.pattern=/portal/*",
        "osgi.http.whiteboard.servlet.pattern=/portal"})
public final class PortalServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
            + "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    private static final Pattern SAFE_PATH = Pattern.compile("(/[A-Za-z0-9_-][A-Za-z0-9._-]*)+");
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "svg", "image/svg+xml", "png", "image/png", "ico", "image/x-icon", "json", "application/json");

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo();
        if (path == null || path.equals("/")) {
            path = "/index.html";
        }
        securityHeaders(response);
        URL file = SAFE_PATH.matcher(path).matches() && !path.contains("..") ? getClass().getResource("/portal" + path) : null;
        String extension = path.substring(path.lastIndexOf('.') + 1);
        if (file == null || !TYPES.containsKey(extension)) {
            response.sendError(404);
            return;
        }
        response.setContentType(TYPES.get(extension));
        // the app shell always fresh, so a new version is picked up at once; its parts may be cached briefly
        response.setHeader("Cache-Control", extension.equals("html") ? "no-cache" : "max-age=300");
        try (InputStream in = file.openStream()) {
            in.transferTo(response.getOutputStream());
        }
    }

    static void securityHeaders(HttpServletResponse response) {
        response.setHeader("Content-Security-Policy", CSP);
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    }
}
