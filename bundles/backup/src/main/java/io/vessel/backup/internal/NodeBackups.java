package io.vessel.backup.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.api.operation.OperationService;
import io.vessel.backup.api.BackupTarget;
import io.vessel.kernel.api.NodeCall;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.api.VeService;
import io.vessel.kernel.api.VirtualEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of backups of its VEs asked by a panel of another node ({@link NodeVeWork}): the VE's files are
 * here, so the snapshot, restic's reading of it, and restores into the VE happen here, with this node's restic in its
 * own work group, under this node's {@code backup.concurrency}. The panel keeps the records, the repository's lease
 * and its key; the request brings the repository's password over the node channel (never through the database), and
 * this node reaches the target with its own configuration of it ({@code backup.sftp.*}, the same as the panels'), which
 * must name the same repository as the panel's does.
 *
 * <p>The answer is lines of JSON: progress while the work goes on, then what it did, or an error. A panel that hangs
 * up (it stopped) ends the work at its next line: restic is killed and the snapshot released.
 */
@Component(service = NodeCall.class, property = NodeCall.NAME + "=" + NodeBackups.CALL, configurationPid = "io.vessel.backup",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class NodeBackups implements NodeCall {

    private static final Logger LOG = LoggerFactory.getLogger(NodeBackups.class);
    static final String CALL = "backup";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "[a-z0-9][a-z0-9-]{0,63}";

    /** What a panel asks. */
    record Request(String action, int ve, String backup, String target, String tenant, String location, String keyId, String password,
                   String snapshot, long bytesTotal, List<String> paths, List<EntryLine> entries, String directory) {
    }

    /** A file or directory of a snapshot as restic listed it, on the wire. */
    record EntryLine(String name, String type, String path, long size, String permissions, int uid, int gid, String modified) {
        static EntryLine of(Restic.Entry e) {
            return new EntryLine(e.name(), e.type(), e.path(), e.size(), e.permissions(), e.uid(), e.gid(), e.modified() == null ? null : e.modified().toString());
        }

        Restic.Entry entry() {
            return new Restic.Entry(name, type, path, size, permissions, uid, gid, modified == null ? null : Instant.parse(modified));
        }
    }

    /** restic's summary of a backup, on the wire. */
    record SummaryLine(String snapshotId, long filesNew, long filesChanged, long filesUnmodified, long dataAdded, long totalFiles, long totalBytes,
                       long tookMs, boolean complete) {
        static SummaryLine of(Restic.Summary s) {
            return new SummaryLine(s.snapshotId(), s.filesNew(), s.filesChanged(), s.filesUnmodified(), s.dataAdded(), s.totalFiles(), s.totalBytes(),
                    s.took().toMillis(), s.complete());
        }

        Restic.Summary summary() {
            return new Restic.Summary(snapshotId, filesNew, filesChanged, filesUnmodified, dataAdded, totalFiles, totalBytes, Duration.ofMillis(tookMs), complete);
        }
    }

    private final VeService ves;
    private final String node;
    private final Restic restic;
    private final Duration timeLimit;
    private final Duration preBackupTimeout;
    private final Optional<SftpTarget> sftp;
    private final Semaphore slots;

    @Activate
    public NodeBackups(BundleContext context, @Reference VeService ves,
                       @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
                       io.vessel.kernel.api.HostWork hostWork, BackupService.Config config) throws IOException {
        this.ves = ves;
        this.node = String.valueOf(context.getProperty("vessel.node.id"));
        Path data = BackupService.dataDir(context);
        this.timeLimit = io.vessel.api.platform.SettingDurations.parse("backup.time.limit", config.time_limit());
        this.restic = BackupService.restic(config, BackupService.caches(data), timeLimit, hostWork);
        this.preBackupTimeout = io.vessel.api.platform.SettingDurations.parse("backup.pre.backup.timeout", config.pre_backup_timeout());
        this.sftp = BackupService.sftp(config, data);
        this.slots = new Semaphore(Math.max(1, config.concurrency()), true);
    }

    /** Whether the VEs' own nodes reach {@code target} as the panels do (a directory on one server is reached by that server alone). */
    static boolean everyNodeReaches(BackupTarget target) {
        return target instanceof SftpTarget;
    }

    @Override
    public void answer(InputStream in, OutputStream out) throws IOException {
        Request request;
        try {
            request = JSON.readValue(in, Request.class);
        } catch (IOException e) {
            throw new VeException(VeException.Kind.INVALID, "the panel's backup request cannot be read: " + e.getMessage());
        }
        if (!List.of("backup", "restore", "restore-files").contains(String.valueOf(request.action()))) {
            throw new VeException(VeException.Kind.INVALID, "node " + node + " does no backup work '" + request.action() + "'");
        }
        VirtualEnvironment ve = ves.find(request.ve()).orElseThrow(() -> new VeException(VeException.Kind.NOT_FOUND,
                "VE " + request.ve() + " is not on node " + node));
        if (ve.node() != null && !ve.node().toString().equals(node)) {
            throw new VeException(VeException.Kind.CONFLICT, "VE " + request.ve() + " runs on node " + ve.node() + " now, not on node " + node);
        }
        VeWork.Repo repo = repo(request);
        Restic mine = restic.forCall();
        LocalVeWork work = new LocalVeWork(ves, mine, timeLimit, preBackupTimeout, slots, "node " + node);
        Lines lines = new Lines(out, mine);
        VeWork.Slot slot;
        try {
            slot = work.hold(lines);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lines.error("node " + node + " is stopping");
            return;
        }
        LOG.info("Backup work for a panel action={} ve={} target={}", request.action(), request.ve(), request.target());
        try {
            Map<String, Object> done = new LinkedHashMap<>();
            switch (request.action()) {
                case "backup" -> {
                    VeWork.Taken taken = work.backUp(request.ve(), UUID.fromString(request.backup()), repo, lines);
                    done.put("summary", SummaryLine.of(taken.summary()));
                    done.put("frozenMs", taken.frozenMs());
                }
                case "restore" -> {
                    work.restore(request.ve(), repo, request.snapshot(), request.bytesTotal(), lines);
                    done.put("restored", true);
                }
                default -> done.put("written", work.restoreFiles(request.ve(), repo, request.snapshot(), request.paths(),
                        request.entries().stream().map(EntryLine::entry).toList(), request.directory(), lines));
            }
            lines.write(done);
        } catch (UncheckedIOException hungUp) {
            LOG.warn("The panel hung up; backup work ended action={} ve={}", request.action(), request.ve());
        } catch (Exception e) {
            if (lines.hungUp) {
                LOG.warn("The panel hung up; backup work ended action={} ve={}", request.action(), request.ve());
                return;
            }
            LOG.warn("Backup work failed action={} ve={}: {}", request.action(), request.ve(), e.toString());
            lines.error(BackupService.userMessage(e, "the " + request.action()));
        } finally {
            slot.close();
        }
    }

    /** The repository the panel names, as this node reaches it: the same one, or a refusal that says how they differ. */
    private VeWork.Repo repo(Request request) {
        if (!String.valueOf(request.tenant()).matches(TENANT) || request.password() == null || request.password().isEmpty()) {
            throw new VeException(VeException.Kind.INVALID, "the panel's backup request names no repository");
        }
        SftpTarget target = sftp.filter(t -> t.id().equals(request.target())).orElseThrow(() -> new VeException(VeException.Kind.UNAVAILABLE,
                "node " + node + " has no backup target '" + request.target() + "': give it the panels' backup." + request.target()
                        + ".* settings in its vessel.conf (its VEs are backed up by the node itself)"));
        BackupTarget.Repository location = target.repository(request.tenant());
        if (!location.location().equals(request.location())) {
            throw new VeException(VeException.Kind.CONFLICT, "node " + node + "'s backup target " + target.id() + " is configured unlike the panel's: its"
                    + " repository would be " + location.location() + ", the panel's is " + request.location() + "; give it the panels' backup."
                    + target.id() + ".* settings");
        }
        restic.hintKey(location.location(), request.keyId());
        return new VeWork.Repo(request.target(), request.tenant(), location, request.keyId(), request.password());
    }

    /**
     * The answer, a line of JSON at a time. A panel that hung up ends the work: its restic processes are killed (also
     * from a thread that only reports progress, a restore's), and the work's thread gets {@link UncheckedIOException}.
     */
    private static final class Lines implements OperationService.Progress {
        private final OutputStream out;
        private final Restic restic;
        private volatile boolean hungUp;

        Lines(OutputStream out, Restic restic) {
            this.out = out;
            this.restic = restic;
        }

        @Override
        public void update(int percent, String message) {
            progress(percent, message);
        }

        void progress(int percent, String message) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("progress", percent);
            line.put("message", message);
            write(line);
        }

        void error(String message) {
            try {
                write(Map.of("error", message));
            } catch (UncheckedIOException hungUp) {
                // nobody is listening any more
            }
        }

        synchronized void write(Map<String, Object> line) {
            try {
                out.write(JSON.writeValueAsBytes(line));
                out.write('\n');
                out.flush();
            } catch (IOException e) {
                hungUp = true;
                restic.cancel();
                throw new UncheckedIOException(e);
            }
        }
    }
}
