package io.vessel.kernel.internal;

import io.vessel.kernel.api.VeConsole;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.internal.channel.NodeChannel;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shell of a VE on another node, reached over the node channel: what the browser console (and any other user of
 * {@link VeConsole}) attaches to when the VE is not on this node.
 *
 * <p>The JDK's HTTP client sends a request's whole body before it reads the answer, so one exchange cannot carry
 * both directions. The terminal's output is one long answer ({@link ConsoleFrames}: the session's id first, then
 * output, then the exit status); keystrokes, sizes and the hang-up are short requests naming that session, which
 * the node accepts from the node that opened it only.
 */
final class RemoteConsole implements VeConsole {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteConsole.class);

    private final NodeChannel channel;
    private final UUID node;
    private final int ve;
    private final String session;
    private final DataInputStream frames;
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile Integer exitCode;
    private volatile boolean closed;
    private final InputStream output = new Output();
    private final OutputStream input = new Input();

    private RemoteConsole(NodeChannel channel, UUID node, int ve, String session, DataInputStream frames) {
        this.channel = channel;
        this.node = node;
        this.ve = ve;
        this.session = session;
        this.frames = frames;
    }

    /** Opens a shell in VE {@code ve} on node {@code node}; refused as that node's kernel refuses it. */
    static RemoteConsole open(NodeChannel channel, UUID node, int ve, int columns, int rows) {
        if (channel == null) {
            throw new VeException(VeException.Kind.CONFLICT, "VE " + ve + " runs on node " + node + ", and VE support is still starting on this node");
        }
        try {
            HttpResponse<InputStream> answer = channel.send(node, "POST", "/ves/" + ve + "/console?columns=" + columns + "&rows=" + rows,
                    "application/octet-stream", (byte[]) null);
            if (answer.statusCode() == 422) {
                throw NodeEndpoints.refusal(NodeChannel.text(answer));
            }
            if (answer.statusCode() != 200) {
                NodeChannel.text(answer);
                throw new VeException(VeException.Kind.FAILED, null, "VE " + ve + "'s node " + node + " answered " + answer.statusCode()
                        + " to opening a console", null);
            }
            DataInputStream frames = new DataInputStream(answer.body());
            String session = ConsoleFrames.readSession(frames);
            LOG.info("Console opened on another node ve={} node={} session={}", ve, node, session);
            return new RemoteConsole(channel, node, ve, session, frames);
        } catch (NodeChannel.Unavailable e) {
            throw new VeException(VeException.Kind.CONFLICT, "VE " + ve + " runs on node " + node
                    + ", which this panel cannot reach over the node channel: " + e.getMessage());
        } catch (IOException e) {
            throw new VeException(VeException.Kind.FAILED, null, "VE " + ve + "'s node " + node + " did not open a console: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VeException(VeException.Kind.FAILED, null, "interrupted while opening a console in VE " + ve, e);
        }
    }

    @Override
    public InputStream output() {
        return output;
    }

    @Override
    public OutputStream input() {
        return input;
    }

    @Override
    public void resize(int columns, int rows) {
        call("POST", "/consoles/" + session + "/resize?columns=" + columns + "&rows=" + rows, null);
    }

    @Override
    public OptionalInt exitCode() {
        Integer code = exitCode;
        return code == null ? OptionalInt.empty() : OptionalInt.of(code);
    }

    @Override
    public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return exitCode();
    }

    /** Hangs the terminal up on its node (the node would not notice a closed answer while the shell is silent). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ended.getCount() > 0) {
            call("DELETE", "/consoles/" + session, null);
        }
        try {
            frames.close();
        } catch (IOException e) {
            LOG.debug("Closing a remote console's output failed ve={}: {}", ve, e.getMessage());
        }
        ended.countDown();
    }

    /** A request about this session, whose failure the terminal can do without (a size, the hang-up). */
    private void call(String method, String path, byte[] body) {
        try {
            request(method, path, body);
        } catch (IOException e) {
            LOG.debug("Remote console request failed ve={} path={}: {}", ve, path, e.getMessage());
        }
    }

    /** Sends a request about this session; an answer other than 200 is an IOException naming it. */
    private void request(String method, String path, byte[] body) throws IOException {
        try {
            HttpResponse<InputStream> answer = channel.send(node, method, path, "application/octet-stream", body);
            String text = NodeChannel.text(answer);
            if (answer.statusCode() != 200) {
                throw new IOException("the node refused " + method + " " + path + ": " + answer.statusCode() + " " + text.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** The terminal's output, unwrapped from its frames; ends with the shell. */
    private final class Output extends InputStream {
        private int remaining;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            try {
                while (remaining == 0) {
                    int type = frames.read();
                    if (type == ConsoleFrames.OUTPUT) {
                        remaining = frames.readInt();
                    } else if (type == ConsoleFrames.EXIT) {
                        exitCode = frames.readInt();
                        ended.countDown();
                        return -1;
                    } else {
                        ended.countDown(); // the node or the connection went away: no exit status to tell
                        return -1;
                    }
                }
                int n = frames.read(buffer, offset, Math.min(length, remaining));
                if (n < 0) {
                    throw new EOFException("the node's console answer ended within a frame");
                }
                remaining -= n;
                return n;
            } catch (EOFException e) {
                ended.countDown();
                return -1;
            }
        }

        @Override
        public void close() throws IOException {
            frames.close();
        }
    }

    /** Keystrokes: gathered until flushed, then sent in one request. */
    private final class Input extends OutputStream {
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            pending.write(b);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            pending.write(bytes, offset, length);
        }

        @Override
        public synchronized void flush() throws IOException {
            if (pending.size() == 0) {
                return;
            }
            byte[] keys = pending.toByteArray();
            pending.reset();
            request("POST", "/consoles/" + session + "/input", keys);
        }
    }
}
