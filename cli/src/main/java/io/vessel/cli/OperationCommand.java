package io.vessel.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vesselctl operation …}: long operations (create, start, backup, …) and their progress. */
@Command(name = "operation", aliases = "op", description = "Long operations: list, show, wait.",
        subcommands = {OperationCommand.ListOperations.class, OperationCommand.Show.class, OperationCommand.Wait.class})
final class OperationCommand {

    static final List<Output.Column> COLUMNS = List.of(Output.Column.of("ID", "/id"), Output.Column.of("KIND", "/kind"),
            Output.Column.of("TARGET", "/target"), Output.Column.of("STATE", "/state"),
            new Output.Column("PROGRESS", o -> o.path("progress").asInt() + "%"), Output.Column.of("CREATED", "/createdAt"),
            new Output.Column("MESSAGE", o -> o.path("error").asText(o.path("message").asText(""))));

    private OperationCommand() {
    }

    @Command(name = "list", aliases = "ls", description = "Recent operations, newest first.")
    static final class ListOperations extends ApiCommand {
        @Option(names = "--limit", defaultValue = "50", paramLabel = "N")
        int limit;

        @Override
        int run() {
            out().list(client().call("GET", "api/v1/operations?limit=" + limit, null).json(), "/id", COLUMNS);
            return ExitCode.OK;
        }
    }

    @Command(name = "show", description = "Show an operation.")
    static final class Show extends ApiCommand.Shower {
        @Parameters(paramLabel = "ID")
        String id;

        Show() {
            super("api/v1/operations", "/id");
        }

        @Override
        String key() {
            return id;
        }
    }

    @Command(name = "wait", description = "Wait for an operation to end; exit 5 if it failed.")
    static final class Wait extends ApiCommand {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        int run() {
            var operation = client().call("GET", "api/v1/operations/" + encode(id), null).json();
            out().object(new OperationWaiter(client(), root().err(), root().terminal()).await(operation, out().human()), "/id");
            return ExitCode.OK;
        }
    }
}
