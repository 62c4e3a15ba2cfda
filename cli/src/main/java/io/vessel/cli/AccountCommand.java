package io.vessel.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vesselctl account …}: the people who log in. */
@Command(name = "account", description = "Accounts: list, create, delete.",
        subcommands = {AccountCommand.ListAccounts.class, AccountCommand.Create.class, AccountCommand.Delete.class})
final class AccountCommand {

    static final List<Output.Column> COLUMNS = List.of(Output.Column.of("ID", "/id"), Output.Column.of("USERNAME", "/username"),
            Output.Column.of("ROLE", "/role"), Output.Column.of("TENANT", "/tenantId"),
            new Output.Column("2FA", a -> a.path("twoFactor").asBoolean() ? "yes" : ""), Output.Column.of("LAST LOGIN", "/lastLoginAt"));

    private AccountCommand() {
    }

    @Command(name = "list", aliases = "ls", description = "List the accounts you can see.")
    static final class ListAccounts extends ApiCommand.Lister {
        ListAccounts() {
            super("api/v1/accounts", "/id", COLUMNS);
        }
    }

    @Command(name = "create", description = "Create an account; its password is typed (or piped with --password-stdin).")
    static final class Create extends ApiCommand {
        @Parameters(paramLabel = "USERNAME")
        String username;
        @Option(names = "--tenant", required = true, paramLabel = "TENANT")
        String tenant;
        @Option(names = "--role", required = true, paramLabel = "ROLE", description = "e.g. customer-owner, customer-member, provider-admin.")
        String role;
        @Option(names = "--email", paramLabel = "ADDRESS")
        String email;
        @Option(names = "--password-stdin", description = "Read the password from standard input.")
        boolean passwordStdin;

        @Override
        int run() {
            ObjectNode body = object().put("tenantId", tenant).put("username", username).put("role", role)
                    .put("password", Secrets.read("Password for " + username + ": ", passwordStdin));
            VeCommand.putIfSet(body, "email", email);
            out().object(client().call("POST", "api/v1/accounts", body).json(), "/id");
            return ExitCode.OK;
        }
    }

    @Command(name = "delete", aliases = "rm", description = "Delete an account.")
    static final class Delete extends ApiCommand.Deleter {
        @Parameters(paramLabel = "ID")
        String id;

        Delete() {
            super("api/v1/accounts", "Account");
        }

        @Override
        String key() {
            return id;
        }
    }
}
