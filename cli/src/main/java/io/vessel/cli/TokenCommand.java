package io.vessel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vesselctl token …}: API tokens of the account vesselctl acts as. */
@Command(name = "token", description = "Your API tokens: list, create, revoke.",
        subcommands = {TokenCommand.ListTokens.class, TokenCommand.Create.class, TokenCommand.Revoke.class})
final class TokenCommand {

    static final List<Output.Column> COLUMNS = List.of(Output.Column.of("ID", "/id"), Output.Column.of("NAME", "/name"),
            Output.Column.of("PERMISSIONS", "/permissions"), Output.Column.of("EXPIRES", "/expiresAt"), Output.Column.of("LAST USED", "/lastUsedAt"),
            Output.Column.of("REVOKED", "/revokedAt"));

    private TokenCommand() {
    }

    @Command(name = "list", aliases = "ls", description = "List your tokens (never their secrets).")
    static final class ListTokens extends ApiCommand.Lister {
        ListTokens() {
            super("api/v1/me/tokens", "/id", COLUMNS);
        }
    }

    @Command(name = "create", description = {"Create a token; its secret is shown once.",
            "Without --permissions it may do everything your account may."})
    static final class Create extends ApiCommand {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--permissions", split = ",", paramLabel = "PERMISSION", description = "e.g. ve.read,ve.power.")
        List<String> permissions;
        @Option(names = "--expires", paramLabel = "INSTANT", description = "e.g. 2027-06-30T00:00:00Z.")
        String expires;
        @Option(names = "--allow-ip", split = ",", paramLabel = "CIDR", description = "Only from these addresses.")
        List<String> allowedIps;

        @Override
        int run() {
            JsonNode made = create(client(), name, permissions, expires, allowedIps);
            if (out().human()) {
                root().out().println("Token " + made.at("/token/id").asText() + " created. Its secret, shown once:");
                root().out().println(made.path("secret").asText());
            } else {
                out().object(made, "/secret");
            }
            return ExitCode.OK;
        }
    }

    static JsonNode create(PanelClient client, String name, List<String> permissions, String expires, List<String> allowedIps) {
        ObjectNode body = ApiCommand.object().put("name", name);
        ArrayNode granted = body.putArray("permissions");
        if (permissions == null || permissions.isEmpty()) {
            client.call("GET", "api/v1/me", null).json().path("permissions").forEach(granted::add);
        } else {
            permissions.forEach(granted::add);
        }
        VeCommand.putIfSet(body, "expiresAt", expires);
        if (allowedIps != null) {
            ArrayNode ips = body.putArray("allowedIps");
            allowedIps.forEach(ips::add);
        }
        return client.call("POST", "api/v1/me/tokens", body).json();
    }

    @Command(name = "revoke", aliases = "rm", description = "Revoke a token.")
    static final class Revoke extends ApiCommand {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        int run() {
            client().call("DELETE", "api/v1/me/tokens/" + encode(id), null);
            out().note("Token " + id + " revoked.");
            return ExitCode.OK;
        }
    }
}
