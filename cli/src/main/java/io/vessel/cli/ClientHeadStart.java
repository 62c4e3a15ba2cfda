package io.vessel.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The panel client, started on a second thread while picocli builds its command model on the first. In a cold JVM
 * both take about a tenth of a second (picocli reflects over the command's annotations; Jetty's client, its thread
 * pool and Jackson initialise their classes), and a short command such as {@code vesselctl ve list} is mostly those
 * two: done side by side, the command ends that much sooner. No library offers this; it is a few lines.
 *
 * <p>The client is made from what the command line says before picocli has read it (the root options' values found
 * by a scan of the arguments), so it is used only if picocli then reads the same values; otherwise it is thrown away
 * and the command makes its own, exactly as without a head start. Nothing is sent to the panel before the command
 * asks: the head start only opens the connection the first request will use (over HTTPS its handshake too, whose
 * pinned fingerprint the request checks as it would have), so a command that ends in a usage error has opened and
 * closed one connection, nothing more.
 */
final class ClientHeadStart {

    private static final List<String> NOT_TALKING = List.of("-h", "--help", "-V", "--version");
    private static final List<String> NOT_NOUNS_TALKING = List.of("help", "completion", "login", "logout");

    private final List<String> options;
    private final CompletableFuture<PanelClient> client = new CompletableFuture<>();
    private volatile boolean taken;

    private ClientHeadStart(List<String> options) {
        this.options = options;
    }

    /**
     * A head start for a command whose first word is {@code noun}, or null when the command will not talk to the
     * panel. Told by the word, not by the noun's class: reading the nouns' annotations is itself a good part of the
     * time the head start is there to overlap.
     */
    static ClientHeadStart begin(String noun, String[] args) {
        if (noun == null || NOT_NOUNS_TALKING.contains(noun) || ownArguments(args).anyMatch(NOT_TALKING::contains)) {
            return null; // nothing to talk to, or help; login and logout make clients of their own
        }
        ClientHeadStart start = new ClientHeadStart(rootOptions(args));
        Thread thread = new Thread(start::make, "vesselctl-client");
        thread.setDaemon(true);
        thread.start();
        return start;
    }

    private void make() {
        PanelClient made;
        try {
            made = new PanelClient(Target.resolve(options.get(0), options.get(1), options.get(2), options.get(3),
                    Profile.read(options.get(4) != null ? Path.of(options.get(4)) : Profile.defaultPath())));
        } catch (RuntimeException | Error e) {
            client.completeExceptionally(e);
            return;
        }
        client.complete(made);
        try {
            // a connection ready in the pool for the command's first request (connected, nothing sent)
            made.http().resolveDestination(made.request("GET", "api/v1/health")).getConnectionPool().preCreateConnections(1);
            // then, while the command is sent, what comes after it: Jackson's first parse initialises its classes
            Json.MAPPER.readTree("[{\"id\":1,\"state\":\"RUNNING\"}]");
        } catch (java.io.IOException | RuntimeException e) {
            // only a warm-up: the answer's own parse says what is wrong, if anything is
        }
    }

    /**
     * The client, if picocli read the same root options the scan found; its failure (no panel found, a bad URL) is
     * the command's as it would have been. Null when the options differ: the caller makes its own.
     */
    PanelClient take(String url, String socket, String token, String fingerprint, Path profile) {
        if (!options.equals(Arrays.asList(url, socket, token, fingerprint, profile == null ? null : profile.toString()))) {
            return null;
        }
        taken = true;
        try {
            return client.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw e;
        }
    }

    /** A client made and not taken (help, a usage error, other options) is stopped: no thread outlives the command. */
    void discardUnlessTaken() {
        if (!taken) {
            client.thenAccept(PanelClient::close).exceptionally(e -> null).join();
        }
    }

    /** The values of the root's options that pick the panel, as picocli would read them: --url, --socket, --token, --fingerprint, --profile. */
    static List<String> rootOptions(String[] args) {
        String[] found = new String[5];
        List<String> names = List.of("--url", "--socket", "--token", "--fingerprint", "--profile");
        List<String> own = ownArguments(args).toList();
        for (int i = 0; i < own.size(); i++) {
            String arg = own.get(i);
            int equals = arg.indexOf('=');
            int index = names.indexOf(equals > 0 ? arg.substring(0, equals) : arg);
            if (index < 0) {
                continue;
            }
            if (equals > 0) {
                found[index] = arg.substring(equals + 1);
            } else if (i + 1 < own.size()) {
                found[index] = own.get(++i);
            }
        }
        return Arrays.asList(found);
    }

    /** The arguments before {@code --}: what follows is a command's own (ve exec 101 -- uname --help). */
    private static java.util.stream.Stream<String> ownArguments(String[] args) {
        return Arrays.stream(args).takeWhile(arg -> !arg.equals("--"));
    }
}
