package io.vessel.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vesselctl plugin …}: plugin bundles. */
@Command(name = "plugin", description = "Plugins: list, install, upgrade, enable, disable, remove.",
        subcommands = {PluginCommand.ListPlugins.class, PluginCommand.Show.class, PluginCommand.Install.class, PluginCommand.Upgrade.class,
                PluginCommand.Enable.class, PluginCommand.Disable.class, PluginCommand.Remove.class})
final class PluginCommand {

    static final List<Output.Column> COLUMNS = List.of(Output.Column.of("NAME", "/name"), Output.Column.of("VERSION", "/version"),
            Output.Column.of("STATE", "/state"), Output.Column.of("KIND", "/kind"), Output.Column.of("VENDOR", "/vendor"),
            Output.Column.of("TITLE", "/title"), Output.Column.of("REASON", "/reason"));

    private PluginCommand() {
    }

    @Command(name = "list", aliases = "ls", description = "List plugins and their state.")
    static final class ListPlugins extends ApiCommand.Lister {
        ListPlugins() {
            super("api/v1/plugins", "/name", COLUMNS);
        }
    }

    @Command(name = "show", description = "Show a plugin.")
    static final class Show extends ApiCommand.Shower {
        @Parameters(paramLabel = "NAME")
        String name;

        Show() {
            super("api/v1/plugins", "/name");
        }

        @Override
        String key() {
            return name;
        }
    }

    /** Sends a plugin jar as the request body. */
    abstract static class Upload extends ApiCommand {
        int upload(String method, String path, Path jar) {
            if (!Files.isRegularFile(jar)) {
                throw new CliException(ExitCode.USAGE, jar + ": no such file");
            }
            try (InputStream in = Files.newInputStream(jar)) {
                out().object(client().upload(method, path, "application/java-archive", in).json(), "/name");
            } catch (IOException e) {
                throw new CliException(ExitCode.ERROR, "cannot read " + jar + ": " + e.getMessage());
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "install", description = "Install a plugin bundle (.jar).")
    static final class Install extends Upload {
        @Parameters(paramLabel = "JAR")
        Path jar;

        @Override
        int run() {
            return upload("POST", "api/v1/plugins", jar);
        }
    }

    @Command(name = "upgrade", description = "Replace an installed plugin with a newer jar.")
    static final class Upgrade extends Upload {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1", paramLabel = "JAR")
        Path jar;

        @Override
        int run() {
            return upload("PUT", "api/v1/plugins/" + encode(name), jar);
        }
    }

    @Command(name = "enable", description = "Enable a plugin.")
    static final class Enable extends ApiCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run() {
            out().object(client().call("POST", "api/v1/plugins/" + encode(name) + "/enable", null).json(), "/name");
            return ExitCode.OK;
        }
    }

    @Command(name = "disable", description = "Disable a plugin (it stays installed).")
    static final class Disable extends ApiCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run() {
            out().object(client().call("POST", "api/v1/plugins/" + encode(name) + "/disable", object()).json(), "/name");
            return ExitCode.OK;
        }
    }

    @Command(name = "remove", aliases = "rm", description = "Uninstall a plugin.")
    static final class Remove extends ApiCommand.Deleter {
        @Parameters(paramLabel = "NAME")
        String name;

        Remove() {
            super("api/v1/plugins", "Plugin");
        }

        @Override
        String key() {
            return name;
        }
    }
}
