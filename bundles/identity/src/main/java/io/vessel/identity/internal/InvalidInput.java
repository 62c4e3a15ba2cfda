package io.vessel.identity.internal;

import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import java.util.List;

/**
 * The identity layer's checks say what is wrong as {@code "field: what"}; this turns such a message into the 400
 * problem naming the field.
 */
final class InvalidInput {

    private InvalidInput() {
    }

    static ProblemException of(IllegalArgumentException e) {
        return of("", e);
    }

    /** With {@code prefix} before the sentence, e.g. "The token was not created: ". */
    static ProblemException of(String prefix, IllegalArgumentException e) {
        String message = e.getMessage();
        String field = message.contains(":") ? message.substring(0, message.indexOf(':')) : "body";
        String sentence = prefix.isEmpty() ? MeResource.capitalized(message) : prefix + message;
        return ProblemException.invalid(sentence + ".", List.of(new Problem.FieldError(field, message)));
    }
}
