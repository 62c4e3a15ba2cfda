package io.vessel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What every verb shares: the panel client and output of the root command, and submitting long operations. */
abstract class ApiCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        return run();
    }

    abstract int run();

    Vesselctl root() {
        return (Vesselctl) spec.root().userObject();
    }

    PanelClient client() {
        return root().client();
    }

    Output out() {
        return root().output();
    }

    static ObjectNode object() {
        return PanelClient.JSON.createObjectNode();
    }

    static String encode(String segment) {
        return java.net.URLEncoder.encode(segment, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A verb that starts a long operation, waited for unless {@code --no-wait}. */
    abstract static class Operation extends ApiCommand {

        @Option(names = "--wait", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Wait for the operation to finish, showing its progress (default); --no-wait prints the operation and returns.")
        boolean waitForIt;

        /**
         * Follows an answer that is an operation ({@code 202}): waits unless told not to and answers the operation's
         * final state (or as submitted, with {@code --no-wait}); any other answer is returned as it is.
         */
        JsonNode follow(PanelClient.Answer answer) {
            JsonNode body = answer.json();
            if (answer.status() != 202 || !body.has("state") || !body.has("kind")) {
                return body;
            }
            if (!waitForIt) {
                return body;
            }
            return new OperationWaiter(client(), root().err(), root().terminal()).await(body, out().human());
        }

        /** Prints an operation's outcome: the object it made or changed when it names one, else the operation. */
        void report(JsonNode operation, String idPointer) {
            String result = operation.path("result").asText("");
            if (waitForIt && result.startsWith("/api/v1/") && OperationWaiter.finished(operation)) {
                PanelClient.Answer made = client().get(result.substring(1));
                if (made.status() == 200) {
                    out().object(made.json(), idPointer);
                    return;
                }
            }
            out().object(operation, "/id");
        }
    }
}
