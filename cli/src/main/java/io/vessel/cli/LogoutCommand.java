package io.vessel.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;

/** {@code vesselctl logout}: revokes the token {@code login} made and deletes the profile, so nothing usable is left. */
@Command(name = "logout", description = "Revoke the token 'vesselctl login' stored and delete the profile.")
final class LogoutCommand extends ApiCommand {

    @Override
    int run() {
        Vesselctl root = root();
        Path file = root.profilePath();
        Profile profile = Profile.read(file);
        if (profile.url() == null || profile.token() == null) {
            throw new CliException(ExitCode.NOT_FOUND, "not logged in (no profile at " + file + ")");
        }
        if (profile.tokenId() != null) {
            try (PanelClient client = new PanelClient(new Target(java.net.URI.create(profile.url()), null, profile.token(), profile.fingerprint()))) {
                PanelClient.Answer revoked = client.send("DELETE", "api/v1/me/tokens/" + encode(profile.tokenId()), null);
                if (revoked.status() >= 300 && revoked.status() != 401 && revoked.status() != 404) {
                    throw PanelClient.failure(revoked); // keep the profile: the token may still work
                }
            }
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new CliException(ExitCode.ERROR, "cannot delete " + file + ": " + e.getMessage());
        }
        out().note("Logged out of " + profile.url() + "; its token is revoked and " + file + " deleted.");
        return ExitCode.OK;
    }
}
