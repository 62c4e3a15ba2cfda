package io.vessel.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vesselctl backup …}: VE backups. */
@Command(name = "backup", description = "VE backups: list, create, restore, delete.",
        subcommands = {BackupCommand.ListBackups.class, BackupCommand.Create.class, BackupCommand.Restore.class, BackupCommand.Delete.class})
final class BackupCommand {

    static final List<Output.Column> COLUMNS = List.of(Output.Column.of("ID", "/id"), Output.Column.of("VE", "/ve"), Output.Column.of("STATE", "/state"),
            Output.Column.of("CREATED", "/createdAt"), new Output.Column("SIZE", b -> Sizes.format(b.path("bytesTotal").asLong())),
            new Output.Column("ADDED", b -> Sizes.format(b.path("bytesAdded").asLong())), Output.Column.of("TARGET", "/target"),
            Output.Column.of("NOTE", "/note"));

    private BackupCommand() {
    }

    @Command(name = "list", aliases = "ls", description = "List backups (of one VE with --ve).")
    static final class ListBackups extends ApiCommand {
        @Option(names = "--ve", paramLabel = "ID")
        Integer ve;

        @Override
        int run() {
            out().list(client().call("GET", ve == null ? "api/v1/backups" : VeCommand.path(ve) + "/backups", null).json(), "/id", COLUMNS);
            return ExitCode.OK;
        }
    }

    @Command(name = "create", description = "Back a VE up now.")
    static final class Create extends ApiCommand.Operation {
        @Parameters(paramLabel = "VE")
        int ve;
        @Option(names = "--target", paramLabel = "NAME", description = "Backup target (default: the VE's own).")
        String target;
        @Option(names = "--note", paramLabel = "TEXT")
        String note;

        @Override
        int run() {
            ObjectNode body = object();
            VeCommand.putIfSet(body, "target", target);
            VeCommand.putIfSet(body, "note", note);
            report(follow(client().call("POST", VeCommand.path(ve) + "/backups", body)), "/id");
            return ExitCode.OK;
        }
    }

    @Command(name = "restore", description = {"Restore a backup: the whole VE (stopped, replaced), as a new VE with --new-ve,",
            "or single files and folders into the running VE with --path."})
    static final class Restore extends ApiCommand.Operation {
        @Parameters(index = "0", paramLabel = "VE")
        int ve;
        @Parameters(index = "1", paramLabel = "BACKUP")
        String backup;
        @Option(names = "--new-ve", description = "Into a new VE instead of over this one.")
        boolean newVe;
        @Option(names = "--path", paramLabel = "PATH", description = "A file or folder to put back (repeatable).")
        List<String> paths;
        @Option(names = "--into", paramLabel = "DIR", description = "Put the paths under this folder instead of their own places.")
        String into;

        @Override
        int run() {
            ObjectNode body = object();
            if (newVe) {
                body.put("newVe", true);
            }
            if (paths != null) {
                ArrayNode list = body.putArray("paths");
                paths.forEach(list::add);
            }
            VeCommand.putIfSet(body, "into", into);
            report(follow(client().call("POST", VeCommand.path(ve) + "/backups/" + encode(backup) + "/restore", body)), "/id");
            return ExitCode.OK;
        }
    }

    @Command(name = "delete", aliases = "rm", description = "Delete a backup.")
    static final class Delete extends ApiCommand.Operation {
        @Parameters(index = "0", paramLabel = "VE")
        int ve;
        @Parameters(index = "1", paramLabel = "BACKUP")
        String backup;

        @Override
        int run() {
            follow(client().call("DELETE", VeCommand.path(ve) + "/backups/" + encode(backup), null));
            out().note("Backup " + backup + " deleted.");
            return ExitCode.OK;
        }
    }
}
