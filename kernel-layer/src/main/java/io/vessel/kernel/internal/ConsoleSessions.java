package io.vessel.kernel.internal;

import io.vessel.kernel.api.VeConsole;
import io.vessel.kernel.api.VeService;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of consoles opened by other nodes' panels ({@link RemoteConsole}): each shell's output is pumped
 * into its answer by a thread of its own (a console may stay open for hours; it must not hold one of the channel's
 * few serving threads), and its keystrokes, sizes and hang-up arrive as requests naming the session. A session
 * answers only the node that opened it, and its id is random, so one panel cannot type into another's console.
 */
final class ConsoleSessions {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleSessions.class);
    /** Most keystrokes taken in one request: a paste, not a file. */
    private static final int MOST_INPUT = 64 * 1024;
    static final String TYPE = "application/vnd.vessel.console";

    private record Session(UUID caller, int ve, VeConsole console) {
    }

    private final VeService ves;
    private final Map<String, Session> open = new ConcurrentHashMap<>();

    ConsoleSessions(VeService ves) {
        this.ves = ves;
    }

    /** Opens a shell in VE {@code ve} for node {@code caller}'s panel and streams it into {@code answer}. */
    void open(UUID caller, int ve, int columns, int rows, io.vessel.kernel.internal.channel.NodeChannel.Reply reply) throws IOException {
        VeConsole console = ves.enter(ve, columns, rows); // a refusal goes back as the kernel's
        String id = UUID.randomUUID().toString();
        open.put(id, new Session(caller, ve, console));
        DataOutputStream out;
        try {
            out = new DataOutputStream(reply.sendKeptOpen(200, TYPE));
            ConsoleFrames.writeSession(out, id);
        } catch (IOException | RuntimeException e) {
            open.remove(id);
            console.close();
            throw e;
        }
        LOG.info("Console opened for another node's panel ve={} caller={} session={}", ve, caller, id);
        Thread pump = new Thread(() -> pump(id, console, out), "vessel-channel-console-" + ve);
        pump.setDaemon(true);
        pump.start();
    }

    private void pump(String id, VeConsole console, DataOutputStream out) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream shell = console.output()) {
            for (int n = shell.read(buffer); n > 0; n = shell.read(buffer)) {
                ConsoleFrames.writeOutput(out, buffer, n);
            }
            ConsoleFrames.writeExit(out, console.awaitExit(Duration.ofSeconds(2)).orElse(-1));
        } catch (IOException e) {
            LOG.debug("Console for another node's panel ended session={}: {}", id, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            end(id, console, out);
        }
    }

    private void end(String id, VeConsole console, OutputStream out) {
        open.remove(id);
        console.close();
        try {
            out.close();
        } catch (IOException e) {
            LOG.debug("Closing a console answer failed session={}: {}", id, e.getMessage());
        }
    }

    /** Keystrokes for a session; false when {@code caller} has no such session. */
    boolean type(UUID caller, String id, InputStream keys) throws IOException {
        Session session = of(caller, id);
        if (session == null) {
            return false;
        }
        byte[] bytes = keys.readNBytes(MOST_INPUT);
        OutputStream in = session.console().input();
        in.write(bytes);
        in.flush();
        return true;
    }

    boolean resize(UUID caller, String id, int columns, int rows) {
        Session session = of(caller, id);
        if (session == null) {
            return false;
        }
        session.console().resize(Math.max(20, Math.min(500, columns)), Math.max(5, Math.min(200, rows)));
        return true;
    }

    /** Hangs up: the shell ends, its pump sends the exit status and closes the answer. */
    boolean hangUp(UUID caller, String id) {
        Session session = of(caller, id);
        if (session == null) {
            return false;
        }
        LOG.info("Console hung up by another node's panel ve={} caller={} session={}", session.ve(), caller, id);
        session.console().close();
        return true;
    }

    private Session of(UUID caller, String id) {
        Session session = open.get(id);
        return session != null && session.caller().equals(caller) ? session : null;
    }

    /** Every console still open, when the node stops. */
    void closeAll() {
        open.values().forEach(s -> s.console().close());
        open.clear();
    }
}
