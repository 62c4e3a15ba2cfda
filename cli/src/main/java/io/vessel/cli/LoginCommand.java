package io.vessel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vesselctl login}: logs in once with a username and password (and a two-factor code when the account has
 * one), makes an API token for this machine with the account's permissions, and stores URL, token and certificate
 * fingerprint in the profile (0600), so later commands need none of them. The password is never stored.
 */
@Command(name = "login", description = {"Log in to a panel and store an API token for later commands in ~/.config/vessel/cli.conf.",
        "Example: vesselctl login --url https://panel.example.net:8443 --username admin --fingerprint AB:CD:…"})
final class LoginCommand extends ApiCommand {

    @Option(names = {"-u", "--username"}, required = true, paramLabel = "NAME")
    String username;

    @Option(names = "--password-stdin", description = "Read the password from standard input.")
    boolean passwordStdin;

    @Option(names = "--totp", paramLabel = "CODE", description = "The current two-factor code, if the account uses two-factor authentication.")
    String totp;

    @Option(names = "--token-name", paramLabel = "NAME", description = "Name of the token made (default: vesselctl@<this host>).")
    String tokenName;

    @Override
    int run() {
        Vesselctl root = root();
        Target found = Target.resolve(root.url, null, null, root.fingerprint, Profile.read(root.profilePath()));
        if (found.socket() != null) {
            throw new CliException(ExitCode.USAGE, "login needs the panel's --url (on the panel's host, root needs no login)");
        }
        // without any token a profile or the environment holds: this is the login that makes one
        try (PanelClient client = new PanelClient(new Target(found.base(), null, null, found.fingerprint()))) {
            return login(root, client);
        }
    }

    private int login(Vesselctl root, PanelClient client) {
        String password = Secrets.read("Password for " + username + ": ", passwordStdin);
        var body = object().put("username", username).put("password", password);
        VeCommand.putIfSet(body, "totp", totp);
        client.call("POST", "api/v1/auth/login", body);
        URI base = client.target().base();
        JsonNode token = TokenCommand.create(client, tokenName != null ? tokenName : "vesselctl@" + hostName(), null, null, null);
        new Profile(base.toString(), token.path("secret").asText(), root.fingerprint == null ? null : PanelClient.normalise(root.fingerprint),
                token.at("/token/id").asText()).write(root.profilePath());
        client.send("POST", "api/v1/auth/logout", null);
        out().note("Logged in to " + base + " as " + username + "; token " + token.at("/token/id").asText() + " stored in " + root.profilePath() + ".");
        return ExitCode.OK;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
