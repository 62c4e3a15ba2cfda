package io.vessel.backup.internal;

import io.vessel.api.operation.OperationService.Progress;
import io.vessel.kernel.api.ExecRequest;
import io.vessel.kernel.api.ExecResult;
import io.vessel.kernel.api.VeRestore;
import io.vessel.kernel.api.VeService;
import io.vessel.kernel.api.VeSnapshot;
import io.vessel.kernel.api.VeState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link VeWork} on the VEs of this node, with this node's kernel layer and restic. */
final class LocalVeWork implements VeWork {

    private static final Logger LOG = LoggerFactory.getLogger(LocalVeWork.class);
    /** Where a VE keeps the script that readies its files for a backup (flushes a database, say). */
    static final String PRE_BACKUP = "/etc/vessel/pre-backup";

    private final VeService ves;
    private final Restic restic;
    private final Duration timeLimit;
    private final Duration preBackupTimeout;
    /** This node's {@code backup.concurrency}, and how progress names the node while waiting for it. */
    private final java.util.concurrent.Semaphore slots;
    private final String node;

    LocalVeWork(VeService ves, Restic restic, Duration timeLimit, Duration preBackupTimeout, java.util.concurrent.Semaphore slots, String node) {
        this.ves = ves;
        this.restic = restic;
        this.timeLimit = timeLimit;
        this.preBackupTimeout = preBackupTimeout;
        this.slots = slots;
        this.node = node;
    }

    @Override
    public Slot hold(Progress progress) throws InterruptedException {
        progress.update(0, "waiting for a free backup slot on " + node);
        slots.acquire();
        return slots::release;
    }

    @Override
    public Taken backUp(int veId, UUID backupId, Repo repo, Progress progress) throws Exception {
        preBackup(veId, backupId, progress);
        progress.update(1, "taking a snapshot of VE " + veId);
        VeSnapshot snapshot = ves.snapshot(veId);
        try {
            Path view = ves.viewAsVeSees(snapshot);
            progress.update(2, "reading VE " + veId + "'s files");
            Restic.Summary summary = restic.backup(repo.location(), repo.password(), view, true, BackupService.HOST, List.of("ve=" + veId, "backup=" + backupId),
                    p -> progress.update(2 + (int) Math.min(95, Math.round(p.fraction() * 95)), describe(p)));
            return new Taken(summary, snapshot.frozen().toMillis());
        } finally {
            release(snapshot);
        }
    }

    /**
     * Runs the VE's own {@value #PRE_BACKUP}, when it has one and runs: as any command run in the VE ({@code runc
     * exec}), so with exactly the VE's own privileges, limits and view, never more. A script that fails or overruns
     * fails the backup: the tenant said its files are not ready.
     */
    private void preBackup(int veId, UUID backupId, Progress progress) throws IOException {
        boolean running = ves.find(veId).map(v -> v.state() == VeState.RUNNING).orElse(false);
        if (!running || !ves.isExecutableFile(veId, PRE_BACKUP)) {
            return;
        }
        progress.update(1, "running the VE's " + PRE_BACKUP);
        long started = System.nanoTime();
        ExecResult result = ves.exec(veId, new ExecRequest(List.of(PRE_BACKUP), Map.of("VESSEL_BACKUP", backupId.toString()), null,
                (int) Math.max(1, Math.min(3600, preBackupTimeout.toSeconds()))));
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        if (result.timedOut()) {
            throw new IOException("the VE's " + PRE_BACKUP + " did not finish within " + preBackupTimeout.toSeconds() + " s");
        }
        if (result.exitCode() != 0) {
            String said = result.stderr().isBlank() ? result.stdout() : result.stderr();
            String first = said.strip().length() > 300 ? said.strip().substring(0, 300) : said.strip();
            throw new IOException("the VE's " + PRE_BACKUP + " exited with status " + result.exitCode() + (first.isEmpty() ? "" : ": " + first));
        }
        LOG.info("Pre-backup script ran ve={} backup={} tookMs={}", veId, backupId, tookMs);
    }

    private void release(VeSnapshot snapshot) {
        try {
            ves.releaseSnapshot(snapshot);
        } catch (RuntimeException e) {
            // the kernel layer deletes snapshots nobody holds at its next start
            LOG.error("Snapshot not released ve={} snapshot={}: {}", snapshot.veId(), snapshot.name(), e.toString());
        }
    }

    @Override
    public void restore(int veId, Repo repo, String snapshotId, long bytesTotal, Progress progress) throws Exception {
        VeRestore restore = ves.beginRestore(veId);
        try (RestoreProgress watcher = new RestoreProgress(restore.path(), bytesTotal,
                (written, total) -> progress.update(total <= 0 ? 0 : (int) Math.min(90, written * 90 / total),
                        "restored " + BackupService.size(written) + " of " + BackupService.size(total)))) {
            restic.restore(repo.location(), repo.password(), snapshotId, restore.path());
        } catch (IOException | RuntimeException e) {
            ves.abandonRestore(restore);
            throw e;
        }
        boolean wasRunning = ves.find(veId).map(v -> v.state() == VeState.RUNNING).orElse(false);
        try {
            if (wasRunning) {
                progress.update(92, "stopping VE " + veId + " to swap in its restored files");
                ves.stop(veId, 30);
            }
            progress.update(95, "swapping in the restored files");
            ves.finishRestore(restore);
        } catch (RuntimeException e) {
            ves.abandonRestore(restore);
            throw e;
        } finally {
            if (wasRunning) {
                ves.start(veId);
            }
        }
    }

    @Override
    public long restoreFiles(int veId, Repo repo, String snapshotId, List<String> paths, List<Restic.Entry> entries, String directory,
                             Progress progress) throws Exception {
        java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
        for (int i = 0; i < paths.size(); i++) {
            String path = paths.get(i);
            Restic.Entry entry = entries.get(i);
            int done = i * 100 / paths.size();
            progress.update(done, "restoring " + path);
            Process dump = restic.dump(repo.location(), repo.password(), snapshotId, path, false).get(0);
            try (InputStream counted = new CountingStream(dump.getInputStream(), n -> progress.update(done,
                    "restoring " + path + ": " + BackupService.size(written.addAndGet(n)) + " written"))) {
                InputStream archive = "dir".equals(entry.type()) ? counted : SingleFileTar.of(path, entry, counted);
                ExecResult extracted = ves.extractInto(veId, directory, archive, timeLimit);
                if (extracted.timedOut()) {
                    throw new IOException("restoring " + path + " took longer than " + timeLimit.toHours() + " h");
                }
                if (extracted.exitCode() != 0) {
                    throw new IOException("writing " + path + " into the VE failed: " + BackupService.clip(extracted.stderr().isBlank()
                            ? "exit status " + extracted.exitCode() : extracted.stderr()));
                }
                if (dump.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) && dump.exitValue() != 0) {
                    throw new IOException("restic could not read " + path + " from the backup (exit status " + dump.exitValue() + ")");
                }
            } finally {
                dump.destroy(); // at once when the extraction failed: nobody reads what restic still writes
            }
        }
        return written.get();
    }

    static String describe(Restic.Progress p) {
        StringBuilder text = new StringBuilder("backed up ").append(BackupService.size(p.bytesDone())).append(" of ")
                .append(BackupService.size(p.totalBytes())).append(", ").append(p.filesDone()).append(" of ").append(p.totalFiles()).append(" files");
        if (p.secondsRemaining() != null && p.secondsRemaining() > 0) {
            long s = p.secondsRemaining();
            text.append(", about ").append(s >= 120 ? (s / 60) + " min" : s + " s").append(" left");
        }
        return text.toString();
    }

    /** A stream that tells how many bytes went through, at most every 4 MiB. */
    private static final class CountingStream extends java.io.FilterInputStream {
        private final java.util.function.LongConsumer counted;
        private long pending;

        CountingStream(InputStream in, java.util.function.LongConsumer counted) {
            super(in);
            this.counted = counted;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            add(b < 0 ? 0 : 1);
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            add(Math.max(0, n));
            return n;
        }

        // synchronized: the extractor's feeding thread reads, the operation's thread closes
        private synchronized void add(long n) {
            pending += n;
            if (pending >= 4 << 20) {
                counted.accept(pending);
                pending = 0;
            }
        }

        @Override
        public synchronized void close() throws IOException {
            counted.accept(pending);
            pending = 0;
            super.close();
        }
    }
}
