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
        return Json.MAPPER.createObjectNode();
    }

    static String encode(String segment) {
        return java.net.URLEncoder.encode(segment, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** {@code list}: a collection of the API as a table (or JSON, YAML, ids). */
    abstract static class Lister extends ApiCommand {
        private final String path;
        private final String idPointer;
        private final java.util.List<Output.Column> columns;

        Lister(String path, String idPointer, java.util.List<Output.Column> columns) {
            this.path = path;
            this.idPointer = idPointer;
            this.columns = columns;
        }

        @Override
        int run() {
            out().list(client().call("GET", path, null).json(), idPointer, columns);
            return ExitCode.OK;
        }
    }

    /** {@code show}: one object of the API, by the key the subclass's parameter holds. */
    abstract static class Shower extends ApiCommand {
        private final String path;
        private final String idPointer;

        Shower(String path, String idPointer) {
            this.path = path;
            this.idPointer = idPointer;
        }

        abstract String key();

        @Override
        int run() {
            out().object(client().call("GET", path + "/" + encode(key()), null).json(), idPointer);
            return ExitCode.OK;
        }
    }

    /** {@code delete}: one object of the API gone, said in a line. */
    abstract static class Deleter extends ApiCommand {
        private final String path;
        private final String what;

        Deleter(String path, String what) {
            this.path = path;
            this.what = what;
        }

        abstract String key();

        @Override
        int run() {
            client().call("DELETE", path + "/" + encode(key()), null);
            out().note(what + " " + key() + " deleted.");
            return ExitCode.OK;
        }
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
