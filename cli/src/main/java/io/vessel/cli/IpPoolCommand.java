package io.vessel.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vesselctl ip-pool …}: the address pools VEs take their addresses from. */
@Command(name = "ip-pool", description = "IP address pools: list, show, create, delete.",
        subcommands = {IpPoolCommand.ListPools.class, IpPoolCommand.Show.class, IpPoolCommand.Create.class, IpPoolCommand.Delete.class})
final class IpPoolCommand {

    static final List<Output.Column> COLUMNS = List.of(Output.Column.of("NAME", "/name"), Output.Column.of("CIDR", "/cidr"),
            Output.Column.of("GATEWAY", "/gateway"), Output.Column.of("MODE", "/mode"), Output.Column.of("USED", "/allocated"),
            Output.Column.of("SIZE", "/capacity"), Output.Column.of("OWNER", "/owner"),
            new Output.Column("NODES", p -> p.path("nodes").isEmpty() ? "all" : java.util.stream.StreamSupport.stream(p.path("nodes").spliterator(), false)
                    .map(n -> n.asText().substring(0, Math.min(8, n.asText().length()))).collect(java.util.stream.Collectors.joining(","))));

    private IpPoolCommand() {
    }

    @Command(name = "list", aliases = "ls", description = "List pools.")
    static final class ListPools extends ApiCommand.Lister {
        ListPools() {
            super("api/v1/ip-pools", "/name", COLUMNS);
        }
    }

    @Command(name = "show", description = "Show a pool and its addresses.")
    static final class Show extends ApiCommand.Shower {
        @Parameters(paramLabel = "NAME")
        String name;

        Show() {
            super("api/v1/ip-pools", "/name");
        }

        @Override
        String key() {
            return name;
        }
    }

    @Command(name = "create", description = "Create a pool, e.g. vesselctl ip-pool create lan 10.20.0.0/24 --mode NAT.")
    static final class Create extends ApiCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1", paramLabel = "CIDR")
        String cidr;
        @Option(names = "--gateway", paramLabel = "ADDRESS")
        String gateway;
        @Option(names = "--mode", paramLabel = "MODE", description = "NAT or ROUTED.")
        String mode;
        @Option(names = "--exclude", split = ",", paramLabel = "ADDRESS", description = "Addresses never handed out.")
        List<String> excluded;
        @Option(names = "--dns", split = ",", paramLabel = "ADDRESS", description = "Resolvers VEs are given.")
        List<String> dns;
        @Option(names = "--owner", paramLabel = "TENANT", description = "A reseller's or customer's own pool.")
        String owner;
        @Option(names = "--nodes", split = ",", paramLabel = "NODE", description = "The nodes (ids) the pool's network reaches; default: every node.")
        List<String> nodes;

        @Override
        int run() {
            ObjectNode body = object().put("name", name).put("cidr", cidr);
            VeCommand.putIfSet(body, "gateway", gateway);
            VeCommand.putIfSet(body, "mode", mode);
            VeCommand.putIfSet(body, "owner", owner);
            if (excluded != null) {
                ArrayNode list = body.putArray("excluded");
                excluded.forEach(list::add);
            }
            if (dns != null) {
                ArrayNode list = body.putArray("dns");
                dns.forEach(list::add);
            }
            if (nodes != null) {
                ArrayNode list = body.putArray("nodes");
                nodes.forEach(list::add);
            }
            out().object(client().call("POST", "api/v1/ip-pools", body).json(), "/name");
            return ExitCode.OK;
        }
    }

    @Command(name = "delete", aliases = "rm", description = "Delete a pool no VE uses.")
    static final class Delete extends ApiCommand.Deleter {
        @Parameters(paramLabel = "NAME")
        String name;

        Delete() {
            super("api/v1/ip-pools", "IP pool");
        }

        @Override
        String key() {
            return name;
        }
    }
}
