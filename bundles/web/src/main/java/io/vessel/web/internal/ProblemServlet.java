package io.vessel.web.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;

/**
 * The default servlet: anything no other servlet claims is a 404 problem document rather than Jetty's HTML page.
 */
final class ProblemServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private final transient ObjectMapper mapper;

    ProblemServlet(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getRequestURI();
        Problem problem = new Problem("https://vessel.dev/problems/not-found", "Not found", 404,
                "There is nothing at " + path + ". The API lives under " + ApiWhiteboard.BASE_PATH + ".", path, List.of());
        write(response, mapper, problem);
    }

    /** Answers with {@code problem} as {@code application/problem+json}, its status the response's. */
    static void write(HttpServletResponse response, ObjectMapper mapper, Problem problem) throws IOException {
        response.setStatus(problem.status());
        response.setContentType(ApiWhiteboard.PROBLEM_JSON);
        response.setCharacterEncoding("UTF-8");
        mapper.writeValue(response.getOutputStream(), problem);
    }
}
