package io.vessel.backup.internal;

import io.vessel.api.operation.OperationService.Progress;
import io.vessel.backup.api.BackupTarget;
import java.util.List;
import java.util.UUID;

/**
 * The part of a backup or a restore that works on a VE's files, done where the VE lives: on this node
 * ({@link LocalVeWork}), or on the VE's own node, asked over the node channel ({@link NodeVeWork}). Everything else
 * (the database's records, repository leases, retention, listings) stays with the panel.
 */
interface VeWork {

    /** A tenant's repository as restic reaches it, and what another node needs to reach the same one. */
    record Repo(String target, String tenant, BackupTarget.Repository location, String keyId, String password) {
    }

    /** A place among the backups running at once where the work is done ({@code backup.concurrency}); closing gives it back. */
    interface Slot extends AutoCloseable {
        /** No slot: the work is not done here. */
        Slot NONE = () -> { };

        @Override
        void close();
    }

    /**
     * Waits for a slot where the work on the VE's files runs (telling {@code progress} while it waits): this node's,
     * when it is done here; none for a VE of another node, whose node waits for one of its own.
     */
    Slot hold(Progress progress) throws InterruptedException;

    /** What a backup did, and how long the VE was frozen for its snapshot. */
    record Taken(Restic.Summary summary, long frozenMs) {
    }

    /** Runs the VE's pre-backup script, snapshots the VE and has restic read the snapshot as the VE sees it. */
    Taken backUp(int veId, UUID backupId, Repo repo, Progress progress) throws Exception;

    /**
     * Restores the whole VE in place: the snapshot is written into a fresh tree the VE does not see, then the VE is
     * stopped (if it runs), the tree swapped in and the VE started again. A failure leaves the VE as it was.
     */
    void restore(int veId, Repo repo, String snapshotId, long bytesTotal, Progress progress) throws Exception;

    /** Writes files and directories of a snapshot into the running VE below {@code directory}; answers the bytes written. */
    long restoreFiles(int veId, Repo repo, String snapshotId, List<String> paths, List<Restic.Entry> entries, String directory,
                      Progress progress) throws Exception;
}
