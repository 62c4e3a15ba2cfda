package io.vessel.web.internal;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.vessel.web.api.ApiWhiteboard;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every exception that leaves a resource into an RFC 9457 problem document. Unexpected exceptions are
 * logged with a reference the user can quote; the client sees the reference, never the stack trace.
 */
final class ProblemMapper implements ExceptionMapper<Throwable> {

    private static final Logger LOG = LoggerFactory.getLogger(ProblemMapper.class);
    private static final String TYPE_BASE = "https://vessel.dev/problems/";

    @Context
    private UriInfo uriInfo;

    /** Whether every component serves; until then a path no resource answers may just not be registered yet. */
    private final java.util.function.BooleanSupplier ready;

    ProblemMapper(java.util.function.BooleanSupplier ready) {
        this.ready = ready;
    }

    ProblemMapper() {
        this(() -> true);
    }

    @Override
    public Response toResponse(Throwable exception) {
        if (exception instanceof NotFoundException && !ready.getAsBoolean()) {
            exception = ProblemException.starting("The panel is starting and " + path() + " is not in service yet; try again in a moment.");
        }
        Problem problem = toProblem(exception, path());
        Response.ResponseBuilder response = Response.status(problem.status()).type(ApiWhiteboard.PROBLEM_JSON).entity(problem);
        if (exception instanceof ProblemException pe && pe.retryAfterSeconds() > 0) {
            response.header("Retry-After", pe.retryAfterSeconds());
        }
        if (problem.status() == 401) {
            // RFC 9110 asks every 401 to name a scheme; Bearer, so browsers show no password dialog of their own
            response.header("WWW-Authenticate", "Bearer realm=\"vessel\"");
        }
        return response.build();
    }

    private String path() {
        try {
            return uriInfo == null ? null : uriInfo.getRequestUri().getRawPath();
        } catch (RuntimeException outsideRequest) {
            return null;
        }
    }

    Problem toProblem(Throwable exception, String path) {
        if (exception instanceof ProblemException pe) {
            return pe.toProblem(path);
        }
        JsonProcessingException json = findCause(exception, JsonProcessingException.class);
        if (json != null) {
            return jsonProblem(json, path);
        }
        if (exception instanceof NotFoundException) {
            return problem(404, "not-found", "Not found", "There is no API endpoint at " + path + ".", path);
        }
        if (exception instanceof NotAllowedException) {
            String allowed = ((WebApplicationException) exception).getResponse().getAllowedMethods().stream()
                    .sorted().collect(Collectors.joining(", "));
            return problem(405, "method-not-allowed", "Method not allowed",
                    "This endpoint does not accept that method; allowed: " + allowed + ".", path);
        }
        if (exception instanceof NotSupportedException) {
            return problem(415, "unsupported-media-type", "Unsupported media type",
                    "Send the request body as application/json.", path);
        }
        if (exception instanceof NotAcceptableException) {
            return problem(406, "not-acceptable", "Not acceptable",
                    "This endpoint answers with application/json; adjust the Accept header.", path);
        }
        if (exception instanceof WebApplicationException wae) {
            int status = wae.getResponse().getStatus();
            if (status < 500) {
                Response.StatusType type = wae.getResponse().getStatusInfo();
                String kind = type.getReasonPhrase().toLowerCase(Locale.ROOT).replace(' ', '-');
                return problem(status, kind, type.getReasonPhrase(), readable(wae.getMessage(), type.getReasonPhrase()), path);
            }
        }
        String reference = UUID.randomUUID().toString().substring(0, 8);
        LOG.error("Unhandled error reference={} path={}", reference, path, exception);
        return problem(500, "internal", "Internal error",
                "The panel could not complete this request. Quote reference " + reference + " to your provider.", path);
    }

    private static Problem jsonProblem(JsonProcessingException e, String path) {
        if (e instanceof JsonParseException || !(e instanceof JsonMappingException)) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            return problem(400, "malformed-json", "Malformed JSON",
                    "The request body is not valid JSON" + where + ": " + firstLine(e.getOriginalMessage()) + ".", path);
        }
        JsonMappingException mapping = (JsonMappingException) e;
        String field = fieldPath(mapping.getPath());
        String message;
        if (e instanceof UnrecognizedPropertyException unknown) {
            String known = unknown.getKnownPropertyIds() == null ? "" : unknown.getKnownPropertyIds().stream()
                    .map(String::valueOf).sorted().collect(Collectors.joining(", "));
            message = "unknown field" + (known.isEmpty() ? "" : "; expected one of: " + known);
        } else if (e instanceof InvalidFormatException invalid) {
            message = "'" + abbreviate(String.valueOf(invalid.getValue())) + "' is not a valid " + typeName(invalid.getTargetType());
        } else if (e instanceof MismatchedInputException mismatched && mismatched.getTargetType() != null) {
            message = "expected " + typeName(mismatched.getTargetType());
        } else {
            message = firstLine(mapping.getOriginalMessage());
        }
        if (field.isEmpty()) {
            return problem(400, "validation", "Invalid input", "The request body is not what this endpoint expects: " + message + ".", path);
        }
        return new Problem(TYPE_BASE + "validation", "Invalid input", 400,
                "Field '" + field + "': " + message + ".", path, List.of(new Problem.FieldError(field, message)));
    }

    private static String fieldPath(List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : refs) {
            if (ref.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String typeName(Class<?> type) {
        if (type == null) {
            return "value";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class
                || type == short.class || type == Short.class || type == java.math.BigInteger.class) {
            return "integer";
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class
                || type == java.math.BigDecimal.class) {
            return "number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "boolean (true or false)";
        }
        if (type == String.class) {
            return "string";
        }
        if (type.isEnum()) {
            Object[] constants = type.getEnumConstants();
            return "value; expected one of: " + java.util.Arrays.stream(constants).map(String::valueOf).collect(Collectors.joining(", "));
        }
        if (type.isArray() || java.util.Collection.class.isAssignableFrom(type)) {
            return "array";
        }
        return "object";
    }

    private static Problem problem(int status, String kind, String title, String detail, String path) {
        return new Problem(TYPE_BASE + kind, title, status, detail, path, List.of());
    }

    private static String readable(String message, String fallback) {
        if (message == null || message.startsWith("HTTP ")) {
            return fallback + ".";
        }
        return firstLine(message);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return abbreviate((nl < 0 ? s : s.substring(0, nl)).trim());
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }

    private static <T extends Throwable> T findCause(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }
}
