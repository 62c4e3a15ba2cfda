package io.vessel.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vesselctl billing …}: plans, invoices and accounts, read from the billing API. */
@Command(name = "billing", description = "Billing: plans, invoices, a customer's account.",
        subcommands = {BillingCommand.Plans.class, BillingCommand.Invoices.class, BillingCommand.Invoice.class, BillingCommand.Account.class})
final class BillingCommand {

    private BillingCommand() {
    }

    @Command(name = "plans", description = "List plans.")
    static final class Plans extends ApiCommand {
        @Override
        int run() {
            out().list(client().call("GET", "api/v1/billing/plans", null).json(), "/id", List.of(Output.Column.of("ID", "/id"),
                    Output.Column.of("CODE", "/code"), Output.Column.of("NAME", "/definition/name"), Output.Column.of("VERSION", "/version"),
                    new Output.Column("PRICE", p -> p.at("/definition/price").asText() + " " + p.at("/definition/currency").asText()),
                    Output.Column.of("PERIOD", "/definition/period"), Output.Column.of("RETIRED", "/retiredAt")));
            return ExitCode.OK;
        }
    }

    @Command(name = "invoices", description = "List invoices (of one customer with --tenant).")
    static final class Invoices extends ApiCommand {
        @Option(names = "--tenant", paramLabel = "TENANT")
        String tenant;

        @Override
        int run() {
            out().list(client().call("GET", "api/v1/billing/invoices" + (tenant == null ? "" : "?tenant=" + encode(tenant)), null).json(), "/id",
                    List.of(Output.Column.of("ID", "/id"), Output.Column.of("NUMBER", "/number"), Output.Column.of("KIND", "/kind"),
                            Output.Column.of("TENANT", "/tenant"), Output.Column.of("ISSUED", "/issuedAt"),
                            new Output.Column("TOTAL", i -> i.path("total").asText() + " " + i.path("currency").asText()),
                            new Output.Column("DUE", i -> i.path("amountDue").asText()), Output.Column.of("DUE AT", "/dueAt")));
            return ExitCode.OK;
        }
    }

    @Command(name = "invoice", description = "Show an invoice with its lines.")
    static final class Invoice extends ApiCommand.Shower {
        @Parameters(paramLabel = "ID")
        String id;

        Invoice() {
            super("api/v1/billing/invoices", "/id");
        }

        @Override
        String key() {
            return id;
        }
    }

    @Command(name = "account", description = "Show a customer's billing account: balance, currency, dunning.")
    static final class Account extends ApiCommand.Shower {
        @Parameters(paramLabel = "TENANT")
        String tenant;

        Account() {
            super("api/v1/billing/accounts", "/tenant");
        }

        @Override
        String key() {
            return tenant;
        }
    }
}
