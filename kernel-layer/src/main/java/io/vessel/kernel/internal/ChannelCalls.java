package io.vessel.kernel.internal;

import io.vessel.kernel.api.NodeCall;
import io.vessel.kernel.api.NodeCalls;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.internal.channel.NodeChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Other bundles' {@link NodeCall}s over the node channel: asked by a panel ({@link #call}), answered here by the one
 * registered under the name ({@link #answer}, from {@link NodeEndpoints}, which has refused node agents already).
 */
final class ChannelCalls implements NodeCalls {

    private static final Logger LOG = LoggerFactory.getLogger(ChannelCalls.class);
    static final String PATH = "/calls/";
    /** A call's request is small (ids, a password): more is not read. */
    private static final int MAX_REQUEST = 1 << 20;

    private final Map<String, NodeCall> registered = new ConcurrentHashMap<>();
    private volatile NodeChannel channel;

    void channel(NodeChannel channel) {
        this.channel = channel;
    }

    void add(String name, NodeCall call) {
        registered.put(name, call);
    }

    void remove(String name, NodeCall call) {
        registered.remove(name, call);
    }

    @Override
    public InputStream call(UUID node, String name, byte[] request) throws IOException {
        NodeChannel nodes = channel;
        if (nodes == null) {
            throw new VeException(VeException.Kind.UNAVAILABLE, "this node has no node channel: node " + node + " cannot be reached");
        }
        HttpResponse<InputStream> answer;
        try {
            answer = nodes.send(node, "POST", PATH + name, "application/json", request);
        } catch (NodeChannel.Unavailable e) {
            throw new VeException(VeException.Kind.UNAVAILABLE, "node " + node + " cannot be reached over the node channel: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while asking node " + node);
        }
        if (answer.statusCode() == 422) {
            throw NodeEndpoints.refusal(NodeChannel.text(answer));
        }
        if (answer.statusCode() != 200) {
            String said = NodeChannel.text(answer);
            throw new IOException("node " + node + " answered " + answer.statusCode() + " to '" + name + "'" + (said.isBlank() ? "" : ": " + said.strip()));
        }
        return answer.body();
    }

    /** Answers a panel's call {@code name}; false when nothing here answers to it. */
    boolean answer(UUID caller, String name, InputStream body, NodeChannel.Reply reply) throws IOException {
        NodeCall call = registered.get(name);
        if (call == null) {
            return false;
        }
        LOG.info("Call for another node's panel name={} caller={}", name, caller);
        java.io.ByteArrayInputStream request = new java.io.ByteArrayInputStream(body.readNBytes(MAX_REQUEST));
        Answer answer = new Answer(reply);
        try {
            call.answer(request, answer);
        } catch (VeException e) {
            if (!answer.started()) {
                NodeEndpoints.refuse(reply, e);
                return true;
            }
            LOG.warn("Call failed after it answered name={} caller={}: {}", name, caller, e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.warn("Call failed name={} caller={}: {}", name, caller, e.toString());
            if (!answer.started()) {
                reply.send(500, "text/plain").close();
                return true;
            }
        }
        try {
            answer.close();
        } catch (IOException e) {
            LOG.debug("The panel hung up before the answer ended name={} caller={}", name, caller);
        }
        return true;
    }

    /** The answer's stream, begun (200) at its first byte, so that a call can still refuse until then. */
    private static final class Answer extends OutputStream {
        private final NodeChannel.Reply reply;
        private OutputStream out;
        private boolean closed;

        Answer(NodeChannel.Reply reply) {
            this.reply = reply;
        }

        boolean started() {
            return out != null;
        }

        private OutputStream out() throws IOException {
            if (closed) {
                throw new IOException("the answer is closed");
            }
            if (out == null) {
                out = reply.send(200, VesResource.NDJSON);
            }
            return out;
        }

        @Override
        public void write(int b) throws IOException {
            out().write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out().write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out().flush();
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                out().close();
                closed = true;
            }
        }
    }
}
