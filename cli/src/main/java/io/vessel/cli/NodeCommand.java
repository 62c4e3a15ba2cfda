package io.vessel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vesselctl node …}: the servers the panel runs VEs on. */
@Command(name = "node", description = "Nodes: list, show, drain; enrol a new server and join it.", subcommands = {NodeCommand.ListNodes.class,
        NodeCommand.Show.class, NodeCommand.Drain.class, NodeCommand.Enrol.class, NodeCommand.Enrolments.class, NodeCommand.Withdraw.class,
        NodeJoin.class})
final class NodeCommand {

    private NodeCommand() {
    }

    @Command(name = "list", aliases = "ls", description = "List nodes.")
    static final class ListNodes extends ApiCommand {
        @Override
        int run() {
            out().list(client().call("GET", "api/v1/nodes", null).json(), "/node/id", List.of(Output.Column.of("ID", "/node/id"),
                    Output.Column.of("HOSTNAME", "/node/hostname"), new Output.Column("LOCAL", n -> n.path("local").asBoolean() ? "yes" : ""),
                    Output.Column.of("HEALTH", "/node/health"),
                    Output.Column.of("MODE", "/mode"),
                    new Output.Column("ROLE", ListNodes::role),
                    Output.Column.of("CPUS", "/status/cpus"), Output.Column.of("LOAD", "/status/load1"),
                    new Output.Column("MEMORY", n -> Sizes.format(n.at("/status/memoryTotalBytes").asLong())),
                    Output.Column.of("VESSEL", "/node/version"), Output.Column.of("KERNEL", "/capabilities/kernelRelease"),
                    Output.Column.of("STARTED", "/node/lastStartedAt")));
            return ExitCode.OK;
        }

        /** agent (VEs only), panel (no VEs) or panel+ves (both, the single-server default); older panels record no role. */
        private static String role(com.fasterxml.jackson.databind.JsonNode n) {
            String recorded = n.at("/node/role").asText("");
            if (recorded.equals("node-agent") || n.at("/channel/agent").asBoolean()) {
                return "agent";
            }
            return recorded.equals("panel") ? "panel" : "panel+ves";
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

    @Command(name = "drain", description = "Maintenance: keep new VEs off a node and move each of its VEs to the other nodes.")
    static final class Drain extends ApiCommand.Operation {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        int run() {
            JsonNode operation = follow(client().call("POST", "api/v1/nodes/" + encode(id) + "/drain", null));
            if (out().quiet()) {
                root().out().println(operation.path("id").asText());
            } else if (out().human()) {
                out().note(waitForIt ? operation.path("message").asText("drained") : "drain submitted (operation " + operation.path("id").asText() + ")");
            } else {
                out().structured(operation);
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "enrol", description = {"Create a one-time token (valid an hour) for a new server to join, and print the command to run there.",
            "With --readmit ID: readmit a node that was shut out."})
    static final class Enrol extends ApiCommand {
        @picocli.CommandLine.Option(names = "--readmit", paramLabel = "ID", description = "The node to readmit.")
        String readmit;

        @Override
        int run() {
            JsonNode enrolment = client().call("POST", "api/v1/nodes/enrolments", readmit == null ? java.util.Map.of()
                    : java.util.Map.of("node", readmit)).json();
            if (out().quiet()) {
                root().out().println(enrolment.path("token").asText());
            } else if (out().human()) {
                root().out().println("Run this on the new server within the hour (the token works once and is not shown again):");
                root().out().println();
                root().out().println("  " + enrolment.path("command").asText());
                root().out().println();
                root().out().println("Enrolment " + enrolment.path("id").asText() + ", valid until " + enrolment.path("expiresAt").asText() + ".");
            } else {
                out().structured(enrolment);
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "enrolments", description = "List the enrolments of the last 30 days.")
    static final class Enrolments extends ApiCommand {
        @Override
        int run() {
            out().list(client().call("GET", "api/v1/nodes/enrolments", null).json(), "/id", List.of(Output.Column.of("ID", "/id"),
                    Output.Column.of("STATE", "/state"), Output.Column.of("READMITS", "/node"), Output.Column.of("BY", "/createdBy"),
                    Output.Column.of("EXPIRES", "/expiresAt"), Output.Column.of("USED BY", "/usedByNode"), Output.Column.of("FROM", "/usedFrom")));
            return ExitCode.OK;
        }
    }

    @Command(name = "withdraw", description = "Withdraw an enrolment token not spent yet.")
    static final class Withdraw extends ApiCommand {
        @Parameters(paramLabel = "ENROLMENT")
        String id;

        @Override
        int run() {
            client().call("DELETE", "api/v1/nodes/enrolments/" + encode(id), null);
            out().note("enrolment " + id + " withdrawn");
            return ExitCode.OK;
        }
    }
}
