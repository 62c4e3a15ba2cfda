package io.vessel.backup.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.vessel.api.operation.OperationService.Progress;
import io.vessel.kernel.api.NodeCalls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@link VeWork} on a VE of another node: asked of that node ({@link NodeBackups}) over the node channel, its
 * progress passed on as it comes.
 */
final class NodeVeWork implements VeWork {

    private final NodeCalls calls;
    private final UUID node;

    NodeVeWork(NodeCalls calls, UUID node) {
        this.calls = calls;
        this.node = node;
    }

    @Override
    public Slot hold(Progress progress) {
        return Slot.NONE; // the VE's node waits for a slot of its own
    }

    @Override
    public Taken backUp(int veId, UUID backupId, Repo repo, Progress progress) throws Exception {
        Map<String, Object> request = request("backup", veId, repo);
        request.put("backup", backupId.toString());
        JsonNode done = ask(request, progress);
        NodeBackups.SummaryLine summary = NodeBackups.JSON.treeToValue(done.get("summary"), NodeBackups.SummaryLine.class);
        return new Taken(summary.summary(), done.path("frozenMs").asLong());
    }

    @Override
    public void restore(int veId, Repo repo, String snapshotId, long bytesTotal, Progress progress) throws Exception {
        Map<String, Object> request = request("restore", veId, repo);
        request.put("snapshot", snapshotId);
        request.put("bytesTotal", bytesTotal);
        ask(request, progress);
    }

    @Override
    public long restoreFiles(int veId, Repo repo, String snapshotId, List<String> paths, List<Restic.Entry> entries, String directory,
                             Progress progress) throws Exception {
        Map<String, Object> request = request("restore-files", veId, repo);
        request.put("snapshot", snapshotId);
        request.put("paths", paths);
        request.put("entries", entries.stream().map(NodeBackups.EntryLine::of).toList());
        request.put("directory", directory);
        return ask(request, progress).path("written").asLong();
    }

    private static Map<String, Object> request(String action, int veId, Repo repo) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("action", action);
        request.put("ve", veId);
        request.put("target", repo.target());
        request.put("tenant", repo.tenant());
        request.put("location", repo.location().location());
        request.put("keyId", repo.keyId());
        request.put("password", repo.password());
        return request;
    }

    /** Asks the node; passes its progress on; answers its last line (what it did), or throws what failed there. */
    private JsonNode ask(Map<String, Object> request, Progress progress) throws IOException {
        try (InputStream answer = calls.call(node, NodeBackups.CALL, NodeBackups.JSON.writeValueAsBytes(request));
             BufferedReader lines = new BufferedReader(new InputStreamReader(answer, StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode read = NodeBackups.JSON.readTree(line);
                if (read.has("error")) {
                    throw new IOException("on node " + node + ": " + read.get("error").asText());
                }
                if (!read.has("progress")) {
                    return read;
                }
                progress.update(read.get("progress").asInt(), read.path("message").asText());
            }
        }
        throw new IOException("node " + node + " stopped answering before the work was done (it may have stopped); nothing was changed there"
                + " that a new attempt does not redo");
    }
}
