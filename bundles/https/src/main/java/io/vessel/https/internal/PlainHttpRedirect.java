package io.vessel.https.internal;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.util.regex.Pattern;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * With HTTPS on, plain HTTP only redirects there ({@code 308}, so the method and body are kept), except from the
 * machine itself when {@code http.loopback.plain} allows it (a reverse proxy, scripts on the host, the launcher's
 * readiness check). Nothing is served in clear to the network: no passwords, tokens or session cookies.
 */
@Component(service = Filter.class, property = {
        "osgi.http.whiteboard.filter.pattern=/*",
        "osgi.http.whiteboard.filter.name=vessel-https-redirect",
        "service.ranking:Integer=1000"})
public final class PlainHttpRedirect implements Filter {

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}\\]");

    private final int httpsPort;
    private final boolean loopbackPlain;

    @Activate
    public PlainHttpRedirect(BundleContext context) {
        String port = context.getProperty("vessel.https.port");
        this.httpsPort = port == null ? 0 : Integer.parseInt(port);
        this.loopbackPlain = !"false".equals(context.getProperty("vessel.http.loopback.plain"));
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        // the host's local socket is not the network: nothing on it travels where TLS would protect it
        boolean local = request.getAttribute(io.vessel.api.platform.LocalPeer.ATTRIBUTE) != null;
        if (httpsPort <= 0 || request.isSecure() || local || loopbackPlain && loopback(request.getRemoteAddr())) {
            chain.doFilter(request, response);
            return;
        }
        HttpServletRequest http = (HttpServletRequest) request;
        HttpServletResponse out = (HttpServletResponse) response;
        String host = hostOf(http.getHeader("Host"));
        String query = http.getQueryString();
        String target = "https://" + host + (httpsPort == 443 ? "" : ":" + httpsPort) + http.getRequestURI() + (query == null ? "" : "?" + query);
        out.setStatus(308);
        out.setHeader("Location", target);
        out.setContentType("text/plain;charset=utf-8");
        out.getWriter().write("This panel is served over HTTPS: " + target + "\n");
    }

    /** The host the client asked for, without its port; anything odd becomes localhost (no header injection). */
    static String hostOf(String header) {
        if (header == null) {
            return "localhost";
        }
        String host = header.strip();
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            host = end < 0 ? "" : host.substring(0, end + 1);
        } else if (host.contains(":")) {
            host = host.substring(0, host.indexOf(':'));
        }
        return HOST.matcher(host).matches() ? host : "localhost";
    }

    static boolean loopback(String address) {
        try {
            return address != null && InetAddress.getByName(address.replaceAll("^\\[|\\]$", "")).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }
}
