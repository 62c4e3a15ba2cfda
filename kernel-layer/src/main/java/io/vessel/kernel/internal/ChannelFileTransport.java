package io.vessel.kernel.internal;

import io.vessel.kernel.internal.channel.NodeChannel;
import io.vessel.kernel.internal.storage.StorageDriver;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A VE's files to another node over the node channel: the pool's send of the snapshot streamed as the request body
 * of {@code PUT /ves/{id}/files} on the target, which receives it ({@link NodeEndpoints}); nothing is staged on
 * this node's disk on the way.
 */
final class ChannelFileTransport implements VeManager.FileTransport, TemplateCatalog.Fetcher, TemplateCatalog.Uploader {

    private final Supplier<NodeChannel> channel;
    private final StorageDriver storage;

    ChannelFileTransport(Supplier<NodeChannel> channel, StorageDriver storage) {
        this.channel = channel;
        this.storage = storage;
    }

    @Override
    public long send(int veId, UUID target, String snapshotName, String parent, boolean last) throws IOException {
        NodeChannel nodes = channel();
        Process send = storage.sendSnapshot(snapshotName, parent);
        java.util.concurrent.atomic.LongAdder bytes = new java.util.concurrent.atomic.LongAdder();
        InputStream counted = new java.io.FilterInputStream(send.getInputStream()) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    bytes.increment();
                }
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                if (n > 0) {
                    bytes.add(n);
                }
                return n;
            }
        };
        try {
            HttpResponse<InputStream> answer = nodes.send(target, "PUT", "/ves/" + veId + "/files?name=" + snapshotName
                    + (parent == null ? "" : "&parent=" + parent) + "&last=" + last, "application/octet-stream",
                    HttpRequest.BodyPublishers.ofInputStream(() -> counted));
            String text = NodeChannel.text(answer);
            if (!send.waitFor(1, TimeUnit.MINUTES) || send.exitValue() != 0) {
                throw new IOException("the pool's send of the snapshot failed (see this node's log)");
            }
            requireOk(answer.statusCode(), text, target);
            return bytes.sum();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending", e);
        } finally {
            if (send.isAlive()) {
                send.destroyForcibly();
            }
        }
    }

    @Override
    public VeManager.HandOver handOver(int veId, UUID target, boolean start) throws IOException {
        NodeChannel nodes = channel();
        try {
            HttpResponse<InputStream> answer = nodes.send(target, "POST", "/ves/" + veId + "/take-over?start=" + start, "application/json",
                    new byte[0]);
            String text = NodeChannel.text(answer);
            requireOk(answer.statusCode(), text, target);
            return NodeEndpoints.JSON.readValue(text, VeManager.HandOver.class);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while handing the VE over", e);
        }
    }

    @Override
    public java.util.Optional<String> prepareBase(int veId, UUID target, String name, String templateId, StorageDriver.TemplateBase base)
            throws IOException {
        NodeChannel nodes = channel();
        try {
            HttpResponse<InputStream> answer = nodes.send(target, "PUT", "/ves/" + veId + "/base", "application/json",
                    NodeEndpoints.JSON.writeValueAsBytes(new NodeEndpoints.BaseRequest(name, templateId, base.origin(), base.uuid(),
                            base.ctransid())));
            String text = NodeChannel.text(answer);
            if (answer.statusCode() == 404) {
                return java.util.Optional.of("node " + target + " runs an older version, which receives VEs whole");
            }
            requireOk(answer.statusCode(), text, target);
            NodeEndpoints.BaseAnswer prepared = NodeEndpoints.JSON.readValue(text, NodeEndpoints.BaseAnswer.class);
            return prepared.prepared() ? java.util.Optional.empty() : java.util.Optional.of(String.valueOf(prepared.reason()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking for a template base", e);
        }
    }

    /**
     * Copies template {@code id} from node {@code from}. A stream cut short fails btrfs receive, which leaves nothing;
     * the template arrives whole or not at all.
     */
    @Override
    public void fetch(String id, UUID from) throws IOException {
        NodeChannel nodes = channel();
        try {
            HttpResponse<InputStream> answer = nodes.send(from, "GET", "/templates/" + id + "/files", null, (byte[]) null);
            if (answer.statusCode() != 200) {
                String text = NodeChannel.text(answer);
                throw new IOException(answer.statusCode() == 422 ? NodeEndpoints.refusal(text).getMessage() : "node " + from + " answered "
                        + answer.statusCode());
            }
            try (InputStream stream = answer.body()) {
                storage.receiveTemplate(id, stream);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while copying", e);
        }
    }

    /** An uploaded template archive to the node that unpacks it ({@code PUT /templates/{id}/upload}); it checks it again. */
    @Override
    public void upload(String id, UUID to, java.nio.file.Path archive) throws IOException {
        NodeChannel nodes = channel();
        try {
            HttpResponse<InputStream> answer = nodes.send(to, "PUT", "/templates/" + id + "/upload", "application/octet-stream",
                    HttpRequest.BodyPublishers.ofFile(archive));
            requireOk(answer.statusCode(), NodeChannel.text(answer), to);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending the archive", e);
        }
    }

    private NodeChannel channel() throws NodeChannel.Unavailable {
        NodeChannel nodes = channel.get();
        if (nodes == null) {
            throw new NodeChannel.Unavailable("the node channel is not up on this node");
        }
        return nodes;
    }

    /** A node's answer other than 200 as the failure it is: its refusal's reason (422), else its status. */
    private static void requireOk(int status, String text, UUID node) throws IOException {
        if (status == 422) {
            throw new IOException(NodeEndpoints.refusal(text).getMessage());
        }
        if (status != 200) {
            throw new IOException("node " + node + " answered " + status);
        }
    }
}
