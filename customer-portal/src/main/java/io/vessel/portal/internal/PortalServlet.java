package io.vessel.portal.internal;

import io.vessel.web.api.UiServlet;
import jakarta.servlet.Servlet;
import org.osgi.service.component.annotations.Component;

/** The customer portal's files at {@code /portal}. */
@Component(service = Servlet.class, property = {
        "osgi.http.whiteboard.servlet.name=vessel-portal",
        "osgi.http.whiteboard.servlet.pattern=/portal/*",
        "osgi.http.whiteboard.servlet.pattern=/portal"})
public final class PortalServlet extends UiServlet {

    private static final long serialVersionUID = 1L;

    public PortalServlet() {
        super("/portal");
    }
}
