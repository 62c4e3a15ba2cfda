package io.vessel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vesselctl node …}: the servers the panel runs VEs on. */
@Command(name = "node", description = "Nodes: list, show.", subcommands = {NodeCommand.ListNodes.class, NodeCommand.Show.class})
final class NodeCommand {

    private NodeCommand() {
    }

    @Command(name = "list", aliases = "ls", description = "List nodes.")
    static final class ListNodes extends ApiCommand {
        @Override
        int run() {
            out().list(client().call("GET", "api/v1/nodes", null).json(), "/node/id", List.of(Output.Column.of("ID", "/node/id"),
                    Output.Column.of("HOSTNAME", "/node/hostname"), new Output.Column("LOCAL", n -> n.path("local").asBoolean() ? "yes" : ""),
                    Output.Column.of("CPUS", "/status/cpus"), Output.Column.of("LOAD", "/status/load1"),
                    new Output.Column("MEMORY", n -> Sizes.format(n.at("/status/memoryTotalBytes").asLong())),
                    Output.Column.of("KERNEL", "/capabilities/kernelRelease"), Output.Column.of("STARTED", "/node/lastStartedAt")));
            return ExitCode.OK;
        }
    }

    @Command(name = "show", description = "Show a node: capabilities, load, memory, storage (default: this panel's own).")
    static final class Show extends ApiCommand {
        @Parameters(paramLabel = "ID", arity = "0..1")
        String id;

        @Override
        int run() {
            JsonNode node;
            if (id != null) {
                node = client().call("GET", "api/v1/nodes/" + encode(id), null).json();
            } else {
                node = null;
                for (JsonNode n : client().call("GET", "api/v1/nodes", null).json()) {
                    if (n.path("local").asBoolean()) {
                        node = n;
                    }
                }
                if (node == null) {
                    throw new CliException(ExitCode.NOT_FOUND, "no local node");
                }
            }
            out().object(node, "/node/id");
            return ExitCode.OK;
        }
    }
}
