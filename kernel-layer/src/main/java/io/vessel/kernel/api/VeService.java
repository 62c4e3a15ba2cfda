package io.vessel.kernel.api;

import java.util.List;
import java.util.Optional;

/**
 * The VE lifecycle. Methods block until done and throw {@link VeException}; the REST layer runs the long ones
 * as operations. Each method either completes or leaves the VE as it was.
 */
public interface VeService {

    List<VirtualEnvironment> list();

    Optional<VirtualEnvironment> find(int id);

    /** Checks a creation request and reserves its id without doing the work yet (state CREATING). */
    VirtualEnvironment prepare(NewVe request);

    /** Builds the private area of a prepared VE; on failure removes every trace of it. */
    VirtualEnvironment create(int id);

    VirtualEnvironment start(int id);

    /** SIGTERM to the VE's init, then SIGKILL after {@code timeoutSeconds}. */
    VirtualEnvironment stop(int id, int timeoutSeconds);

    VirtualEnvironment restart(int id, int timeoutSeconds);

    VirtualEnvironment kill(int id);

    VirtualEnvironment suspend(int id);

    VirtualEnvironment resume(int id);

    void destroy(int id);

    /**
     * Replaces the VE's file system with a fresh copy of a template (its own when {@code template} is null),
     * keeping id, host name, addresses and limits. The VE must be stopped. Everything in it is lost.
     */
    VirtualEnvironment reinstall(int id, String template);

    /** Sets root's password inside a running VE. The password is never logged or stored by the panel. */
    void setRootPassword(int id, String password);

    /**
     * Changes limits (null fields stay as they are) and the host name; applied at once to a running VE, without
     * a restart. A disk quota below what the VE already uses is refused.
     */
    VirtualEnvironment update(int id, String hostname, VeLimits limits);

    /**
     * As {@link #update(int, String, VeLimits)}, also granting or withdrawing features (null: as they are); features
     * take effect at the VE's next start.
     */
    default VirtualEnvironment update(int id, String hostname, VeLimits limits, VeFeatures features) {
        if (features != null) {
            throw new VeException(VeException.Kind.UNAVAILABLE, "features cannot be changed on this node");
        }
        return update(id, hostname, limits);
    }

    /** Disk bytes the VE's file system uses now. */
    long diskUsed(int id);

    ExecResult exec(int id, ExecRequest request);

    /**
     * As {@link #exec(int, ExecRequest)}, handing the output to {@code output} as it comes instead of keeping it:
     * for output of any size. The result carries the exit status and byte counts.
     */
    ExecResult exec(int id, ExecRequest request, ExecOutput output);

    /**
     * A login shell as root in a running VE on a terminal of {@code columns} x {@code rows} ({@code vzctl
     * enter}): bash where the VE has it, sh otherwise. The caller closes it.
     */
    VeConsole enter(int id, int columns, int rows);

    /** The SSH public keys the VE's root accepts. */
    List<SshKey> sshKeys(int id);

    /**
     * Adds an OpenSSH public key line to the VE's root ({@code /root/.ssh/authorized_keys}): at once when the VE
     * runs, otherwise at its next start. Adding a key it has already is answered with that key.
     */
    SshKey addSshKey(int id, String publicKey);

    /** Removes a key by its id; the VE's file follows at once when it runs, otherwise at its next start. */
    void removeSshKey(int id, String keyId);

    /** Throws unless a new VE (or a reinstall) could use {@code template} now: known, ready, not retired. */
    void checkTemplate(String template);

    /**
     * Throws as {@link #update(int, String, VeLimits, VeFeatures)} would for what can be judged without the VE's node
     * (host name, limits, features, the plugins' hooks), so a change for a VE on another node is refused at once.
     *
     * @since 2.12
     */
    default void checkUpdate(int id, String hostname, VeLimits changes, VeFeatures features) {
    }

    /**
     * Throws unless {@code template} can be given to VE {@code id} by a reinstall, on the VE's own node.
     *
     * @since 2.12
     */
    default void checkTemplate(String template, int id) {
        checkTemplate(template);
    }

    /**
     * Asks the plugins' lifecycle hooks ({@link io.vessel.kernel.api.hook.VeLifecycleHook}) now whether
     * {@code action} may happen to VE {@code id}, so that an API refuses at once, before it queues the action; it
     * throws as the action itself would (a refusal is UNPROCESSABLE or CONFLICT, with the plugin's reason). The
     * action, when it follows within ten minutes, does not ask them again. {@code template}: for a reinstall, the
     * template asked for (null: the VE's own). Create and limit changes ask in their own calls.
     */
    default void admit(io.vessel.kernel.api.hook.VeAction action, int id, String template) {
    }

    /** Throws when the action is not allowed in the VE's current state, so an API can refuse before queuing it. */
    void checkTransition(int id, VeState target);

    /**
     * A consistent read-only copy of the VE's file system for a backup: the pool's caches written out first, then,
     * if the VE runs, its processes frozen only for the instant of the snapshot and thawed at once (a suspended VE
     * stays suspended, a stopped one is not touched). Held until {@link #releaseSnapshot}; snapshots left by a
     * crash are deleted when the kernel layer starts. @since 2.8
     */
    default VeSnapshot snapshot(int id) {
        throw new VeException(VeException.Kind.FAILED, null, "this node cannot snapshot VEs", null);
    }

    /** Deletes a snapshot {@link #snapshot} made (and its {@link #viewAsVeSees view}); nothing when it is gone. @since 2.8 */
    default void releaseSnapshot(VeSnapshot snapshot) {
    }

    /**
     * Shows a snapshot as the VE sees its own files, read-only: owners and groups as inside the VE (0…65535), not
     * the host's shifted ids, so what a backup stores restores into any VE. Always at the same path for the same VE
     * (a backup tool finds the previous backup of that path and reads only what changed). Gone with
     * {@link #releaseSnapshot}; views left by a crash are detached when the kernel layer starts. @since 2.9
     */
    default java.nio.file.Path viewAsVeSees(VeSnapshot snapshot) {
        throw new VeException(VeException.Kind.FAILED, null, "this node cannot show snapshots", null);
    }

    /**
     * Begins a restore of VE {@code id}: a fresh, empty tree limited to the VE's disk quota, writable at
     * {@link VeRestore#path()} with the VE's own owners (written as {@code n}, stored as the VE's shifted ids), and
     * not yet seen by the VE. {@link #finishRestore} makes it the VE's file system; {@link #abandonRestore} drops
     * it. Restores a crash left are deleted when the kernel layer starts. @since 2.9
     */
    default VeRestore beginRestore(int id) {
        throw new VeException(VeException.Kind.FAILED, null, "this node cannot restore VEs", null);
    }

    /**
     * Makes the restored tree the VE's file system, replacing the old one in one step (a crash in between leaves the
     * old or the new tree, never a mix); the VE must be stopped. @since 2.9
     */
    default VirtualEnvironment finishRestore(VeRestore restore) {
        throw new VeException(VeException.Kind.FAILED, null, "this node cannot restore VEs", null);
    }

    /** Drops a restore that will not be finished; the VE keeps its file system. @since 2.9 */
    default void abandonRestore(VeRestore restore) {
    }

    /**
     * Extracts the tar stream {@code archive} into running VE {@code id} below its directory {@code directory}
     * (made when missing), as the VE's own root would: the host's static busybox {@code tar}, never a program of the
     * VE's, runs inside the VE's user and mount namespaces and cgroups with only the capabilities files need. Every
     * path resolves inside the VE's root, also a symbolic link the tenant plants or swaps while it runs, so the worst
     * a hostile tenant can do is to its own files; what it writes counts against the VE's quota. Files are replaced
     * (unlinked, never written through), owners kept as numbers. The result carries tar's exit status and what it
     * said; {@code timeout} ends it. The VE must be running. @since 2.10
     */
    default ExecResult extractInto(int id, String directory, java.io.InputStream archive, java.time.Duration timeout) {
        throw new VeException(VeException.Kind.FAILED, null, "this node cannot extract into VEs", null);
    }

    /**
     * Whether {@code path} in the VE's file system is a regular file with an execute bit, symbolic links followed
     * as inside the VE (never out of it); read from the host, nothing of the VE's runs. @since 2.10
     */
    default boolean isExecutableFile(int id, String path) {
        return false;
    }
}
