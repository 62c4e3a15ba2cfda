package io.vessel.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vesselctl tenant …}: resellers and customers. */
@Command(name = "tenant", description = "Tenants (resellers and customers): list, show, create, delete.",
        subcommands = {TenantCommand.ListTenants.class, TenantCommand.Show.class, TenantCommand.Create.class, TenantCommand.Delete.class})
final class TenantCommand {

    static final List<Output.Column> COLUMNS = List.of(Output.Column.of("ID", "/id"), Output.Column.of("KIND", "/kind"),
            Output.Column.of("NAME", "/name"), Output.Column.of("PARENT", "/parentId"), Output.Column.of("SUSPENDED", "/suspendedReason"));

    private TenantCommand() {
    }

    @Command(name = "list", aliases = "ls", description = "List the tenants you can see.")
    static final class ListTenants extends ApiCommand.Lister {
        ListTenants() {
            super("api/v1/tenants", "/id", COLUMNS);
        }
    }

    @Command(name = "show", description = "Show a tenant.")
    static final class Show extends ApiCommand.Shower {
        @Parameters(paramLabel = "ID")
        String id;

        Show() {
            super("api/v1/tenants", "/id");
        }

        @Override
        String key() {
            return id;
        }
    }

    @Command(name = "create", description = "Create a customer (or with --kind RESELLER a reseller).")
    static final class Create extends ApiCommand {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--kind", defaultValue = "CUSTOMER", paramLabel = "KIND", description = "CUSTOMER (default) or RESELLER.")
        String kind;
        @Option(names = "--parent", paramLabel = "TENANT", description = "The reseller it belongs to.")
        String parent;
        @Option(names = "--require-2fa", description = "Its accounts must use two-factor authentication.")
        boolean require2fa;

        @Override
        int run() {
            ObjectNode body = object().put("name", name).put("kind", kind.toUpperCase(java.util.Locale.ROOT));
            VeCommand.putIfSet(body, "parentId", parent);
            if (require2fa) {
                body.put("require2fa", true);
            }
            out().object(client().call("POST", "api/v1/tenants", body).json(), "/id");
            return ExitCode.OK;
        }
    }

    @Command(name = "delete", aliases = "rm", description = "Delete a tenant that owns nothing any more.")
    static final class Delete extends ApiCommand.Deleter {
        @Parameters(paramLabel = "ID")
        String id;

        Delete() {
            super("api/v1/tenants", "Tenant");
        }

        @Override
        String key() {
            return id;
        }
    }
}
