package io.vessel.web.api;

import java.util.List;

/**
 * An RFC 9457 problem document.
 *
 * @param type     URI reference naming the kind of problem, e.g. {@code https://vessel.dev/problems/validation}
 * @param title    short summary of the kind of problem, the same for every occurrence
 * @param status   HTTP status
 * @param detail   what went wrong this time, in a sentence a user can act on
 * @param instance the request path
 * @param errors   for validation problems: which fields are wrong and why; otherwise empty
 */
public record Problem(String type, String title, int status, String detail, String instance, List<FieldError> errors) {

    public Problem {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    /** One invalid input field. {@code field} is a dotted path into the request body or a parameter name. */
    public record FieldError(String field, String message) {
    }
}
