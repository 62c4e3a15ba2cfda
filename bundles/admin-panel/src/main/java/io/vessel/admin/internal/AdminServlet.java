package io.vessel.admin.internal;

import io.vessel.web.api.UiServlet;
import jakarta.servlet.Servlet;
import org.osgi.service.component.annotations.Component;

/** The admin panel's files at {@code /admin}. */
@Component(service = Servlet.class, property = {
        "osgi.http.whiteboard.servlet.name=vessel-admin",
        "osgi.http.whiteboard.servlet.pattern=/admin/*",
        "osgi.http.whiteboard.servlet.pattern=/admin"})
public final class AdminServlet extends UiServlet {

    private static final long serialVersionUID = 1L;

    public AdminServlet() {
        super("/admin");
    }
}
