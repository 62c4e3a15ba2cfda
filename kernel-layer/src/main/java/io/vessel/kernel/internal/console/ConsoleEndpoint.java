package io.vessel.kernel.internal.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.kernel.api.VeConsole;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One browser terminal attached to one VE shell. Keystrokes arrive as binary frames (or text frames
 * {@code {"type":"input","data":"…"}}); {@code {"type":"resize","columns":120,"rows":40}} resizes the terminal.
 * What the terminal shows goes out as binary frames, each sent before the next is read (the browser's pace limits
 * the shell's). When the shell ends the client gets {@code {"type":"exit","code":0}} and the socket closes; when
 * the socket closes first, the terminal is hung up.
 */
public final class ConsoleEndpoint implements Session.Listener.AutoDemanding {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleEndpoint.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final VeConsole console;
    private final int ve;
    private final String user;
    private volatile Session session;

    ConsoleEndpoint(VeConsole console, int ve, String user) {
        this.console = console;
        this.ve = ve;
        this.user = user;
    }

    @Override
    public void onWebSocketOpen(Session opened) {
        this.session = opened;
        Thread pump = new Thread(this::pumpOutput, "vessel-console-" + ve);
        pump.setDaemon(true);
        pump.start();
    }

    private void pumpOutput() {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream out = console.output()) {
            for (int n = out.read(buffer); n > 0; n = out.read(buffer)) {
                Callback.Completable sent = new Callback.Completable();
                session.sendBinary(ByteBuffer.wrap(Arrays.copyOf(buffer, n)), sent);
                sent.get(30, TimeUnit.SECONDS);
            }
        } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.debug("Console output ended ve={}: {}", ve, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int code = -1;
        try {
            code = console.awaitExit(java.time.Duration.ofSeconds(2)).orElse(-1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Session s = session;
        if (s != null && s.isOpen()) {
            s.sendText("{\"type\":\"exit\",\"code\":" + code + "}", Callback.from(() -> s.close(1000, "the shell ended", Callback.NOOP),
                    failure -> s.close(1000, "the shell ended", Callback.NOOP)));
        }
        console.close();
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        type(bytes);
        callback.succeed();
    }

    @Override
    public void onWebSocketText(String message) {
        try {
            JsonNode m = JSON.readTree(message);
            switch (m.path("type").asText()) {
                case "input" -> type(m.path("data").asText().getBytes(StandardCharsets.UTF_8));
                case "resize" -> console.resize(Math.max(20, Math.min(500, m.path("columns").asInt(80))),
                        Math.max(5, Math.min(200, m.path("rows").asInt(24))));
                default -> LOG.debug("Console message ignored ve={} type={}", ve, m.path("type").asText());
            }
        } catch (IOException e) {
            LOG.debug("Console message is not JSON ve={}", ve);
        }
    }

    private void type(byte[] keys) {
        try {
            OutputStream in = console.input();
            in.write(keys);
            in.flush();
        } catch (IOException e) {
            LOG.debug("Console input failed ve={}: {}", ve, e.getMessage());
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        LOG.info("Console closed ve={} user={} status={}", ve, user, statusCode);
        console.close();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        LOG.debug("Console socket failed ve={}: {}", ve, cause.getMessage());
        console.close();
    }
}
