package io.vessel.web.api;

import java.util.List;

/**
 * Throw from a resource to answer with a problem document. The message becomes the problem's {@code detail}.
 */
public class ProblemException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private static final String TYPE_BASE = "https://vessel.dev/problems/";

    private final int status;
    private final String type;
    private final String title;
    private final transient List<Problem.FieldError> errors;

    public ProblemException(int status, String kind, String title, String detail, List<Problem.FieldError> errors) {
        super(detail);
        this.status = status;
        this.type = TYPE_BASE + kind;
        this.title = title;
        this.errors = errors == null ? List.of() : List.copyOf(errors);
    }

    public ProblemException(int status, String kind, String title, String detail) {
        this(status, kind, title, detail, List.of());
    }

    /** 400: the request is malformed. */
    public static ProblemException badRequest(String detail) {
        return new ProblemException(400, "bad-request", "Bad request", detail);
    }

    /** 400 with field errors. */
    public static ProblemException invalid(String detail, List<Problem.FieldError> errors) {
        return new ProblemException(400, "validation", "Invalid input", detail, errors);
    }

    /** 404: no such object, or not one the caller may see; the two must look the same. */
    public static ProblemException notFound(String detail) {
        return new ProblemException(404, "not-found", "Not found", detail);
    }

    /** 409: the object is in the wrong state for this action. */
    public static ProblemException conflict(String detail) {
        return new ProblemException(409, "conflict", "Conflict", detail);
    }

    /** 422: well-formed but semantically wrong (e.g. an address outside the pool). */
    public static ProblemException unprocessable(String detail) {
        return new ProblemException(422, "unprocessable", "Unprocessable request", detail);
    }

    /**
     * 503 with {@code Retry-After: 1}: the panel is still starting (or restarting) and this part of the API is not in
     * service yet. Clients that retry get the real answer a moment later, instead of a 404 that reads as "gone".
     */
    public static ProblemException starting(String detail) {
        return new ProblemException(503, "starting", "Starting", detail) {
            private static final long serialVersionUID = 1L;

            @Override
            public long retryAfterSeconds() {
                return 1;
            }
        };
    }

    public int status() {
        return status;
    }

    /** Seconds a client should wait before trying again ({@code Retry-After}, with 429 and 503); 0: none. */
    public long retryAfterSeconds() {
        return 0;
    }

    public Problem toProblem(String instance) {
        return new Problem(type, title, status, getMessage(), instance, errors);
    }
}
