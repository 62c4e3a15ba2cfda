package io.vessel.web.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.web.api.Problem;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;

/**
 * The error page for everything the HTTP server refuses before the API sees it (ambiguous or malformed URIs,
 * oversized headers…): a problem document instead of Jetty's HTML page. Server errors never show their message.
 */
final class ErrorPageServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private final transient ObjectMapper mapper;

    ErrorPageServlet(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer i ? i : response.getStatus();
        Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String path = uri == null ? request.getRequestURI() : uri.toString();
        String detail = status >= 500 || message == null || message.toString().isBlank()
                ? (status >= 500 ? "The server could not answer this request." : "The request was refused.")
                : "The request was refused: " + message.toString().replaceAll("[^\\p{Print}]", "?") + ".";
        Problem problem = new Problem("https://vessel.dev/problems/" + (status >= 500 ? "server-error" : "bad-request"),
                status >= 500 ? "Server error" : "Bad request", status, detail, path, List.of());
        ProblemServlet.write(response, mapper, problem);
    }
}
