package io.vessel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code vesselctl ve enter ID}: an interactive shell in the VE, over the same console WebSocket as the portal's
 * terminal ({@code /ws/ves/{id}/console}): the local terminal in raw mode, keystrokes out as binary frames, the
 * shell's output in, the window size sent at the start and on every {@code SIGWINCH}; vesselctl exits with the
 * shell's exit status.
 */
@Command(name = "enter", description = {"An interactive shell in a running VE; exits with the shell's status.",
        "The session ends when the shell exits (type exit or press Ctrl-D)."})
public final class VeConsole extends ApiCommand {

    @Parameters(paramLabel = "ID")
    int id;

    @Override
    int run() {
        PanelClient client = client();
        Target target = client.target();
        String scheme = "https".equals(target.base().getScheme()) ? "wss" : "ws";
        URI base = target.base();
        URI uri = URI.create(scheme + "://" + base.getRawAuthority() + base.getRawPath() + "ws/ves/" + id + "/console");
        WebSocketClient sockets = new WebSocketClient(client.http());
        Terminal terminal = null;
        Attributes saved = null;
        try {
            sockets.start();
            terminal = TerminalBuilder.builder().system(true).streams(System.in, root().out()).build();
            Shell shell = new Shell();
            ClientUpgradeRequest upgrade = new ClientUpgradeRequest();
            if (target.token() != null) {
                upgrade.setHeader("Authorization", "Bearer " + target.token());
            }
            Session session;
            try {
                session = sockets.connect(shell, uri, upgrade).get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw refused(e.getCause());
            }
            saved = terminal.enterRawMode();
            Terminal t = terminal;
            resize(session, t.getSize());
            terminal.handle(Terminal.Signal.WINCH, signal -> resize(session, t.getSize()));
            Thread keys = new Thread(() -> pump(t.input(), session), "vesselctl-keys");
            keys.setDaemon(true);
            keys.start();
            OutputStream screen = terminal.output();
            shell.screen = screen;
            try {
                return shell.exit.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof CliException failure ? failure : new CliException(ExitCode.ERROR, "console: " + e.getCause());
            }
        } catch (CliException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.ERROR, "interrupted");
        } catch (Exception e) {
            throw new CliException(ExitCode.ERROR, "console: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } finally {
            if (terminal != null) {
                if (saved != null) {
                    terminal.setAttributes(saved);
                }
                try {
                    terminal.close();
                } catch (IOException ignored) {
                    // the terminal is ours alone
                }
            }
            try {
                sockets.stop();
            } catch (Exception ignored) {
                // the process is ending
            }
        }
    }

    /** The handshake's refusal as the API would say it: 404 for another tenant's or a missing VE, 403, 409, … */
    private CliException refused(Throwable cause) {
        if (cause instanceof org.eclipse.jetty.websocket.api.exceptions.UpgradeException upgrade && upgrade.getResponseStatusCode() > 0) {
            int status = upgrade.getResponseStatusCode();
            String what = status == 404 ? "there is no VE " + id : status == 409 ? "VE " + id + " is not running" : "the panel refused the console (HTTP " + status + ")";
            return new CliException(ExitCode.ofStatus(status), what);
        }
        return new CliException(ExitCode.ERROR, "console: " + (cause == null ? "no connection" : cause.getMessage()));
    }

    private static void resize(Session session, Size size) {
        if (session.isOpen() && size.getColumns() > 0 && size.getRows() > 0) {
            session.sendText("{\"type\":\"resize\",\"columns\":" + size.getColumns() + ",\"rows\":" + size.getRows() + "}", Callback.NOOP);
        }
    }

    /** Keystrokes to the shell, each chunk sent before the next is read. */
    private static void pump(InputStream keys, Session session) {
        byte[] buffer = new byte[4096];
        try {
            for (int n; session.isOpen() && (n = keys.read(buffer)) >= 0; ) {
                if (n == 0) {
                    continue;
                }
                Callback.Completable sent = new Callback.Completable();
                session.sendBinary(ByteBuffer.wrap(Arrays.copyOf(buffer, n)), sent);
                sent.get(30, TimeUnit.SECONDS);
            }
        } catch (Exception stopped) {
            // the shell ended or the connection went: the main thread reports which
        }
    }

    /** The shell's side: output to the screen, and the exit status when it ends. */
    public static final class Shell implements Session.Listener.AutoDemanding {
        final CompletableFuture<Integer> exit = new CompletableFuture<>();
        volatile OutputStream screen;
        private final java.io.ByteArrayOutputStream early = new java.io.ByteArrayOutputStream();

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            byte[] data = new byte[payload.remaining()];
            payload.get(data);
            try {
                OutputStream out = screen;
                synchronized (this) {
                    if (out == null) {
                        early.write(data); // before the terminal is raw: kept, shown with the next output
                    } else {
                        if (early.size() > 0) {
                            out.write(early.toByteArray());
                            early.reset();
                        }
                        out.write(data);
                        out.flush();
                    }
                }
                callback.succeed();
            } catch (IOException e) {
                callback.fail(e);
            }
        }

        @Override
        public void onWebSocketText(String message) {
            try {
                JsonNode m = Json.MAPPER.readTree(message);
                if ("exit".equals(m.path("type").asText())) {
                    exit.complete(m.path("code").asInt());
                }
            } catch (IOException ignored) {
                // not a message of the console protocol
            }
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            exit.completeExceptionally(new CliException(ExitCode.ERROR, "the console closed" + (reason == null || reason.isBlank() ? "" : ": " + reason)));
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            exit.completeExceptionally(new CliException(ExitCode.ERROR, "console: " + cause.getMessage()));
        }
    }
}
