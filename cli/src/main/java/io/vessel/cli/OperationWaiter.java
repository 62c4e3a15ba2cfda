package io.vessel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;

/**
 * Follows a long operation until it ends: a progress bar redrawn in place on a terminal, plain lines (one per change
 * of progress or message) when the output is piped or logged. The operation's final state decides the exit code:
 * {@code FAILED} is {@link ExitCode#OPERATION_FAILED} with the operation's own error.
 */
final class OperationWaiter {

    private static final long POLL_MILLIS = 250;

    private final PanelClient client;
    private final PrintStream err;
    private final boolean terminal;

    OperationWaiter(PanelClient client, PrintStream err, boolean terminal) {
        this.client = client;
        this.err = err;
        this.terminal = terminal;
    }

    /** Waits for the operation and answers its last state; throws for a failed or cancelled one. */
    JsonNode await(JsonNode operation, boolean showProgress) {
        String id = operation.path("id").asText();
        String last = "";
        JsonNode current = operation;
        while (!finished(current)) {
            if (showProgress) {
                last = show(current, last);
            }
            sleep();
            current = client.call("GET", "api/v1/operations/" + id, null).json();
        }
        if (showProgress) {
            show(current, last);
            if (terminal) {
                err.println();
            }
        }
        if (!"SUCCEEDED".equals(current.path("state").asText())) {
            String error = current.path("error").asText(current.path("message").asText(""));
            throw new CliException(ExitCode.OPERATION_FAILED, current.path("kind").asText("operation") + " " + current.path("state").asText().toLowerCase()
                    + (error.isBlank() ? "" : ": " + error));
        }
        return current;
    }

    static boolean finished(JsonNode operation) {
        String state = operation.path("state").asText();
        return state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED");
    }

    private String show(JsonNode operation, String last) {
        int progress = operation.path("progress").asInt();
        String message = operation.path("message").asText("");
        String kind = operation.path("kind").asText("operation");
        if (terminal) {
            int filled = Math.max(0, Math.min(30, progress * 30 / 100));
            String line = String.format("\r%-14s [%s%s] %3d%% %s", kind, "#".repeat(filled), " ".repeat(30 - filled), progress, message);
            err.print(line.length() > 120 ? line.substring(0, 120) : line + " ".repeat(Math.max(0, last.length() - line.length())));
            err.flush();
            return line;
        }
        String line = kind + " " + operation.path("state").asText() + " " + progress + "%" + (message.isBlank() ? "" : " " + message);
        if (!line.equals(last)) {
            err.println(line);
        }
        return line;
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.ERROR, "interrupted while waiting");
        }
    }
}
