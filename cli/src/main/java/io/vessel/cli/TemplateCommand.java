package io.vessel.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vesselctl template …}: the OS templates VEs are made from. */
@Command(name = "template", description = "OS templates: list, build with debootstrap, import a root file system archive, retire.",
        subcommands = {TemplateCommand.ListTemplates.class, TemplateCommand.Show.class, TemplateCommand.Build.class, TemplateCommand.Import.class,
                TemplateCommand.Retire.class})
final class TemplateCommand {

    static final List<Output.Column> COLUMNS = List.of(Output.Column.of("NAME", "/name"), Output.Column.of("VERSION", "/version"),
            Output.Column.of("STATE", "/state"), Output.Column.of("OS", "/osName"), Output.Column.of("INIT", "/initSystem"),
            new Output.Column("SIZE", t -> Sizes.format(t.path("sizeBytes").asLong())), Output.Column.of("VES", "/vesUsing"),
            new Output.Column("RETIRED", t -> t.path("retired").asBoolean() ? "yes" : ""));

    private TemplateCommand() {
    }

    @Command(name = "list", aliases = "ls", description = "List templates.")
    static final class ListTemplates extends ApiCommand.Lister {
        ListTemplates() {
            super("api/v1/templates", "/name", COLUMNS);
        }
    }

    @Command(name = "show", description = "Show a template.")
    static final class Show extends ApiCommand.Shower {
        @Parameters(paramLabel = "NAME")
        String name;

        Show() {
            super("api/v1/templates", "/name");
        }

        @Override
        String key() {
            return name;
        }
    }

    @Command(name = "build", description = "Build a template with debootstrap, e.g. --suite bookworm --packages openssh-server.")
    static final class Build extends ApiCommand.Operation {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--source", defaultValue = "debootstrap", paramLabel = "KIND", description = "How it is built (default: debootstrap).")
        String source;
        @Option(names = "--suite", paramLabel = "SUITE", description = "Distribution release, e.g. bookworm.")
        String suite;
        @Option(names = "--variant", paramLabel = "VARIANT", description = "debootstrap variant, e.g. minbase.")
        String variant;
        @Option(names = "--mirror", paramLabel = "URL")
        String mirror;
        @Option(names = "--packages", split = ",", paramLabel = "PKG", description = "Extra packages, comma-separated.")
        List<String> packages;
        @Option(names = "--init", paramLabel = "INIT", description = "Init system, e.g. systemd.")
        String init;
        @Option(names = "--description", paramLabel = "TEXT")
        String description;
        @Option(names = "--owner", paramLabel = "TENANT", description = "A tenant's own template (default: everyone's).")
        String owner;

        @Override
        int run() {
            ObjectNode body = object().put("name", name).put("source", source);
            VeCommand.putIfSet(body, "suite", suite);
            VeCommand.putIfSet(body, "variant", variant);
            VeCommand.putIfSet(body, "mirror", mirror);
            VeCommand.putIfSet(body, "init", init);
            VeCommand.putIfSet(body, "description", description);
            VeCommand.putIfSet(body, "owner", owner);
            if (packages != null) {
                ArrayNode list = body.putArray("packages");
                packages.forEach(list::add);
            }
            report(follow(client().call("POST", "api/v1/templates", body)), "/name");
            return ExitCode.OK;
        }
    }

    @Command(name = "import", description = "Import a root file system archive (.tar, .tar.gz, .tar.xz, .tar.zst) as a template.")
    static final class Import extends ApiCommand.Operation {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1", paramLabel = "ARCHIVE")
        Path archive;
        @Option(names = "--init", paramLabel = "PATH", description = "The init to run, e.g. /sbin/init.")
        String init;
        @Option(names = "--description", paramLabel = "TEXT")
        String description;
        @Option(names = "--owner", paramLabel = "TENANT")
        String owner;

        @Override
        int run() {
            if (!Files.isRegularFile(archive)) {
                throw new CliException(ExitCode.USAGE, archive + ": no such file");
            }
            StringBuilder query = new StringBuilder("api/v1/templates/import?name=" + encode(name) + "&filename=" + encode(archive.getFileName().toString()));
            if (init != null) {
                query.append("&init=").append(encode(init));
            }
            if (description != null) {
                query.append("&description=").append(encode(description));
            }
            if (owner != null) {
                query.append("&owner=").append(encode(owner));
            }
            try (InputStream in = Files.newInputStream(archive)) {
                report(follow(client().upload("POST", query.toString(), "application/octet-stream", in)), "/name");
            } catch (IOException e) {
                throw new CliException(ExitCode.ERROR, "cannot read " + archive + ": " + e.getMessage());
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "retire", description = "Retire a template: no new VEs from it; VEs made from it carry on (--undo brings it back).")
    static final class Retire extends ApiCommand {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--undo", description = "Offer it again.")
        boolean undo;

        @Override
        int run() {
            out().object(client().call("PATCH", "api/v1/templates/" + encode(name), object().put("retired", !undo)).json(), "/name");
            return ExitCode.OK;
        }
    }
}
