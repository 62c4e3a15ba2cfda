package io.vessel.web.api;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Serves a web UI's files from the bundle of the subclass, under {@code root} in the bundle (e.g. {@code /portal}),
 * with the headers a panel handling other people's servers must send: a Content-Security-Policy without inline
 * scripts, no framing, no referrer (nothing about a tenant leaks into other sites' logs), no MIME sniffing. A request
 * for the root itself answers {@code index.html}. Register a subclass with the whiteboard patterns {@code /x} and
 * {@code /x/*}.
 */
public abstract class UiServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    /** Styles may be inline: terminal and chart libraries set them; scripts may not. */
    public static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    private static final Pattern SAFE_PATH = Pattern.compile("(/[A-Za-z0-9_-][A-Za-z0-9._-]*)+");
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "svg", "image/svg+xml", "png", "image/png", "ico", "image/x-icon", "json", "application/json");

    private final String root;

    protected UiServlet(String root) {
        this.root = root;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo();
        if (path == null || path.equals("/")) {
            path = "/index.html";
        }
        serve(response, path, p -> getClass().getResource(root + p));
    }

    /**
     * Answers a UI file: {@code path} (starting with {@code /}) is checked to be a plain relative name of a known
     * type before {@code lookup} resolves it; anything else is a 404. Sends the security headers either way.
     */
    public static void serve(HttpServletResponse response, String path, java.util.function.Function<String, URL> lookup) throws IOException {
        securityHeaders(response);
        URL file = SAFE_PATH.matcher(path).matches() && !path.contains("..") ? lookup.apply(path) : null;
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

    private static void securityHeaders(HttpServletResponse response) {
        response.setHeader("Content-Security-Policy", CSP);
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    }
}
