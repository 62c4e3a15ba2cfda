package io.vessel.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which panel a command talks to, and as whom: a URL with a token (options, then {@code VESSEL_URL}/{@code
 * VESSEL_TOKEN}, then the profile), or, without a URL, the panel's local socket on this host — found under {@code
 * /run/vessel/<node>/panel.sock} when exactly one panel runs here — where root needs no token.
 */
record Target(URI base, Path socket, String token, String fingerprint) {

    static final Path RUNTIME_ROOT = Path.of("/run/vessel");

    static Target resolve(String url, String socket, String token, String fingerprint, Profile profile) {
        String chosenToken = first(token, System.getenv("VESSEL_TOKEN"), profile.token());
        String chosenFingerprint = first(fingerprint, System.getenv("VESSEL_FINGERPRINT"), profile.fingerprint());
        String chosenSocket = first(socket, System.getenv("VESSEL_SOCKET"));
        String chosenUrl = chosenSocket != null ? null : first(url, System.getenv("VESSEL_URL"), profile.url());
        if (chosenUrl != null) {
            return new Target(base(chosenUrl), null, chosenToken, chosenFingerprint);
        }
        Path path = chosenSocket != null ? Path.of(chosenSocket) : findSocket(RUNTIME_ROOT);
        return new Target(URI.create("http://localhost/"), path, chosenToken, null);
    }

    private static URI base(String url) {
        try {
            URI uri = URI.create(url.endsWith("/") ? url : url + "/");
            if (uri.getScheme() == null || !List.of("http", "https").contains(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--url: \"" + url + "\" is not a panel URL (e.g. https://panel.example.net:8443)");
        }
    }

    /**
     * The one panel socket under {@code root}. A panel that was killed (or crashed) leaves its socket file behind;
     * where there are several, the ones nothing listens on any more are left out, so a stale socket never makes
     * root choose between a panel and a corpse.
     */
    static Path findSocket(Path root) {
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (DirectoryStream<Path> nodes = Files.newDirectoryStream(root)) {
                for (Path node : nodes) {
                    Path candidate = node.resolve("panel.sock");
                    if (Files.exists(candidate)) {
                        found.add(candidate);
                    }
                }
            } catch (IOException e) {
                throw new CliException(ExitCode.ERROR, "cannot look for the panel's socket in " + root + ": " + e.getMessage());
            }
        }
        if (found.isEmpty()) {
            throw new CliException(ExitCode.ERROR, "no panel runs on this host (no " + root + "/*/panel.sock): give --url and --token,"
                    + " or run vesselctl login");
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        List<Path> answering = found.stream().filter(Target::listening).sorted().toList();
        if (answering.isEmpty()) {
            throw new CliException(ExitCode.ERROR, "no panel runs on this host: nothing listens on " + found
                    + " (left by panels that were killed)");
        }
        if (answering.size() > 1) {
            throw new CliException(ExitCode.USAGE, "several panels run on this host; choose one with --socket: " + answering);
        }
        return answering.get(0);
    }

    /**
     * Whether a process listens on the socket: only a refused connection says no (a socket this user may not open
     * may still be a live panel's, which then answers the request itself with what this user may do).
     */
    private static boolean listening(Path socket) {
        try (java.nio.channels.SocketChannel channel = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            channel.connect(java.net.UnixDomainSocketAddress.of(socket));
            return true;
        } catch (java.net.ConnectException refused) {
            return false;
        } catch (IOException other) {
            return true;
        }
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    /** How the target reads in messages. */
    String describe() {
        return socket != null ? socket.toString() : base.toString();
    }
}
