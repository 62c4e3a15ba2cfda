package io.vessel.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vesselctl ve ssh-key list|add|remove ID …}: keys that log in as root in the VE. */
@Command(name = "ssh-key", description = "SSH keys that log in as root in a VE.",
        subcommands = {VeSshKeyCommand.ListKeys.class, VeSshKeyCommand.Add.class, VeSshKeyCommand.Remove.class})
final class VeSshKeyCommand {

    private VeSshKeyCommand() {
    }

    @Command(name = "list", aliases = "ls", description = "List a VE's SSH keys.")
    static final class ListKeys extends ApiCommand {
        @Parameters(paramLabel = "ID")
        int ve;

        @Override
        int run() {
            out().list(client().call("GET", VeCommand.path(ve) + "/ssh-keys", null).json(), "/id",
                    List.of(Output.Column.of("ID", "/id"), Output.Column.of("TYPE", "/type"), Output.Column.of("FINGERPRINT", "/fingerprint"),
                            Output.Column.of("COMMENT", "/comment")));
            return ExitCode.OK;
        }
    }

    @Command(name = "add", description = "Add a public key: the key itself, or a file such as ~/.ssh/id_ed25519.pub.")
    static final class Add extends ApiCommand {
        @Parameters(index = "0", paramLabel = "ID")
        int ve;
        @Parameters(index = "1", paramLabel = "KEY|FILE")
        String key;

        @Override
        int run() {
            String publicKey = key;
            Path file = Path.of(key.replaceFirst("^~", System.getProperty("user.home")));
            if (!key.startsWith("ssh-") && !key.startsWith("ecdsa-") && Files.isRegularFile(file)) {
                try {
                    publicKey = Files.readString(file).strip();
                } catch (IOException e) {
                    throw new CliException(ExitCode.ERROR, "cannot read " + file + ": " + e.getMessage());
                }
            }
            out().object(client().call("POST", VeCommand.path(ve) + "/ssh-keys", object().put("publicKey", publicKey)).json(), "/id");
            return ExitCode.OK;
        }
    }

    @Command(name = "remove", aliases = "rm", description = "Remove a key by its id.")
    static final class Remove extends ApiCommand {
        @Parameters(index = "0", paramLabel = "ID")
        int ve;
        @Parameters(index = "1", paramLabel = "KEY-ID")
        String keyId;

        @Override
        int run() {
            client().call("DELETE", VeCommand.path(ve) + "/ssh-keys/" + encode(keyId), null);
            out().note("Key " + keyId + " removed from VE " + ve + ".");
            return ExitCode.OK;
        }
    }
}
