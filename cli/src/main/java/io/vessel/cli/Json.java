package io.vessel.cli;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The one Jackson mapper of vesselctl, in a class of its own: made when first used, not when the panel client's class
 * is, because making it costs a cold JVM about as much as starting the client does, and the client's head start
 * ({@link ClientHeadStart}) is worth most when it is not held up by it.
 */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }
}
