package io.vessel.kernel.internal;

import io.vessel.kernel.api.ExecRequest;
import io.vessel.kernel.api.ExecResult;
import io.vessel.kernel.api.NewVe;
import io.vessel.kernel.api.Node;
import io.vessel.kernel.api.NodeHealth;
import io.vessel.kernel.api.NodeService;
import io.vessel.kernel.api.VeConsole;
import io.vessel.kernel.api.SshKey;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.api.VeFeatures;
import io.vessel.kernel.api.VeException.Kind;
import io.vessel.kernel.api.VeLimits;
import io.vessel.kernel.api.VeService;
import io.vessel.kernel.api.VeState;
import io.vessel.kernel.api.VirtualEnvironment;
import io.vessel.kernel.api.hook.VeAction;
import io.vessel.kernel.api.hook.VeLifecycleEvent;
import io.vessel.kernel.internal.cgroup.CgroupDriver;
import io.vessel.kernel.internal.network.IpPools;
import io.vessel.kernel.internal.network.VeNetwork;
import io.vessel.kernel.internal.cgroup.CpuSet;
import io.vessel.kernel.internal.runtime.OciBundle;
import io.vessel.kernel.internal.runtime.RuncRuntime;
import io.vessel.kernel.internal.storage.StorageDriver;
import io.vessel.kernel.api.Template;
import io.vessel.kernel.internal.template.IdShift;
import io.vessel.kernel.internal.template.InitSystem;
import io.vessel.kernel.internal.linux.Fd;
import io.vessel.kernel.internal.ve.StatfsAgent;
import io.vessel.kernel.internal.ve.StatfsHelpers;
import io.vessel.kernel.internal.ve.VeNamespaces;
import io.vessel.kernel.internal.ve.VeRootFiles;
import io.vessel.kernel.internal.ve.VeRootMounts;
import io.vessel.persistence.api.Database;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import io.vessel.kernel.api.NodeOvercommit;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VE lifecycle on this node: database record, private area in the storage pool, OCI bundle and runtime.
 * Actions on one VE are serialised; every action either completes or puts things back as they were.
 */
final class VeManager implements VeService {

    static final int MIN_ID = 1;
    static final int MAX_ID = 65534; // the VE's uid range (id * 65536) must fit in 32 bits
    private static final int FIRST_AUTO_ID = 101;
    private static final Pattern HOSTNAME = Pattern.compile("(?=.{1,64}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*");
    private static final Logger LOG = LoggerFactory.getLogger(VeManager.class);

    /** For every transaction that may write VE records: forgets the cached copies when it ends. */
    private final Database database;
    /** For the two pure reads below only. */
    private final Database reads;
    private final VeReadCache cache = new VeReadCache();
    /** The plugins' lifecycle hooks (none until the kernel component hands them over). */
    private volatile VeHooks hooks = new VeHooks(() -> null);
    /** Actions the hooks already allowed when an API admitted them (key action:id), until when (nanoTime). */
    private final Map<String, Long> admissions = new ConcurrentHashMap<>();
    private static final Duration ADMISSION_VALID = Duration.ofMinutes(10);
    private final UUID8 node;
    private final StorageDriver storage;
    private final RuncRuntime runtime;
    private final Path bundles;
    private final TemplateCatalog templates;
    private final CgroupDriver cgroups;
    private final BitSet hostCpus;
    private final boolean ioWeightSupported;
    private final Map<Integer, ReentrantLock> locks = new ConcurrentHashMap<>();
    /** Every node's health, for what VEs on other nodes are reported as. */
    private final NodeService nodes;

    /** The node's id and its short form used in container and cgroup names. */
    record UUID8(java.util.UUID id) {
        String shortId() {
            return id.toString().substring(0, 8);
        }
    }

    /**
     * What the VE's template boots, if this node can boot it: systemd 256 and later refuse cgroup v1 controllers.
     */
    private InitSystem bootable(String template, int version) {
        InitSystem boots = templates.initSystem(template, version);
        String refusal = cgroups.version().equals("v1") ? boots.refusedOnCgroupV1() : null;
        if (refusal != null) {
            throw new VeException(Kind.UNPROCESSABLE, "template", "template " + template + "@" + version + " cannot run on this node: "
                    + refusal, null);
        }
        return boots;
    }

    /** The helpers that show VEs their disk quota in {@code df}; null: VEs see the pool's size. */
    private volatile StatfsHelpers statfs;

    void useStatfsAgent(StatfsAgent agent) {
        this.statfs = new StatfsHelpers(agent, roots.nodeDir());
    }

    /**
     * Starts the VE's statfs helper and returns the socket its listener goes to, or null when there is none to start:
     * no helper for this host, or a storage driver without quota files (the VE's {@code df} then shows the pool).
     */
    private String startStatfsHelper(int id) throws IOException {
        java.util.Optional<Path> quota = statfs == null ? java.util.Optional.empty() : storage.quotaFiles(id);
        if (quota.isEmpty()) {
            return null;
        }
        statfs.start(id, quota.get());
        return statfs.socket(id).toString();
    }

    /** What a VE that no longer runs leaves under the node's runtime root: its root's bind mount and its statfs helper. */
    private void releaseRuntime(int id, boolean destroyed) {
        statfsLost.remove(id);
        roots.release(id);
        if (statfs != null) {
            statfs.release(id, destroyed);
        }
    }

    /**
     * Replaces the statfs helpers of running VEs that died (a bug in the helper; none was seen). The new one serves
     * commands run in the VE from now on (exec, console); the VE's own processes, whose filter belonged to the dead
     * helper, get ENOSYS from statfs until the VE is restarted, so the VE is remembered (see {@link #lostStatfsHelpers}).
     */
    void reviveStatfsHelpers() {
        StatfsHelpers helpers = statfs;
        if (helpers == null) {
            return;
        }
        for (int id : activeIds()) {
            if (!helpers.died(id)) {
                continue;
            }
            locked(id, () -> {
                try {
                    if (helpers.died(id) && load(id).state() != VeState.STOPPED) {
                        LOG.error("The statfs helper of a running VE died; a new one serves new commands, the VE needs a restart ve={}", id);
                        startStatfsHelper(id);
                        statfsLost.add(id);
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.warn("Could not start a new statfs helper ve={}: {}", id, e.getMessage());
                }
                return null;
            });
        }
    }

    /** VEs running since their statfs helper died. */
    private final Set<Integer> statfsLost = ConcurrentHashMap.newKeySet();

    Set<Integer> lostStatfsHelpers() {
        return Set.copyOf(statfsLost);
    }

    /** {@code limits} as applied: a CPU cap without a cpuset of its own also narrows the VE's CPUs (see {@link CpuSet#forCap}). */
    private VeLimits pinned(int id, VeLimits limits) {
        if (limits.cpuset() != null && !limits.cpuset().isEmpty()) {
            return limits;
        }
        return new VeLimits(limits.cpuWeight(), limits.cpus(), CpuSet.forCap(limits.cpus(), hostCpus, id), limits.memoryBytes(),
                limits.swapBytes(), limits.processes(), limits.diskBytes(), limits.ioWeight(), limits.readBytesPerSecond(),
                limits.writeBytesPerSecond(), limits.readIops(), limits.writeIops(), limits.netInBitsPerSecond(),
                limits.netOutBitsPerSecond(), limits.smtp());
    }

    /** Each VE's own view of memory, CPUs and uptime; null: VEs see the host's. */
    private volatile ResourceViews views;

    void useResourceViews(ResourceViews views) {
        this.views = views;
    }

    /**
     * Gives every running VE fresh LXCFS mounts where its old ones died with an earlier LXCFS. Returns the VEs that
     * could not be given them.
     */
    List<Integer> restoreResourceViews(io.vessel.kernel.internal.ve.Lxcfs lxcfs) {
        List<Integer> failed = new java.util.ArrayList<>();
        for (int id : activeIds()) {
            try (Fd init = initOf(id)) {
                int replaced = VeNamespaces.replaceDeadMounts(init, lxcfs.binds());
                if (replaced > 0) {
                    LOG.info("Resource view restored ve={} mounts={}", id, replaced);
                }
            } catch (IOException e) {
                LOG.warn("Resource view not restored ve={}: {}", id, e.getMessage());
                failed.add(id);
            }
        }
        return failed;
    }

    /** Where the runtime reaches each running VE's root (see {@link VeRootMounts}). */
    private final VeRootMounts roots;

    VeManager(Database database, NodeService nodes, StorageDriver storage, RuncRuntime runtime, Path bundles, TemplateCatalog templates,
              CgroupDriver cgroups, BitSet hostCpus, VeRootMounts roots) {
        this.roots = roots;
        this.reads = database;
        this.database = cache.writes(database);
        this.node = new UUID8(nodes.localNode().id());
        this.nodes = nodes;
        this.storage = storage;
        this.runtime = runtime;
        this.bundles = bundles;
        this.templates = templates;
        this.cgroups = cgroups;
        this.hostCpus = hostCpus;
        this.ioWeightSupported = cgroups != null && cgroups.ioWeightSupported();
    }

    /**
     * The VE service of a panel without VE support of its own ({@code server.role = panel}, not root): it reads the
     * VEs' records and dispatches every action to the VE's node, as any panel does for another node's VEs. It has no
     * storage pool, runtime or cgroups, and holds no VE (placement passes its node by), so none of the code that
     * acts on this host's VEs is reached: an action on a VE of this node would be refused by {@link #record} first.
     */
    static VeManager withoutHost(Database database, NodeService nodes, TemplateCatalog templates) {
        VeManager manager = new VeManager(database, nodes, null, null, null, templates, null, null, null);
        manager.sharedFromStart();
        return manager;
    }

    /** Whether this process runs VEs itself (false for a panel of {@code server.role = panel}). */
    boolean hostsVes() {
        return storage != null;
    }

    // ---- queries ---------------------------------------------------------------------------------------------

    /** Every node's VEs; those of a node out of reach as {@link VeState#UNKNOWN}. */
    @Override
    public List<VirtualEnvironment> list() {
        Map<java.util.UUID, Node> away = unreachableNodes();
        List<VirtualEnvironment> all = recorded();
        return away.isEmpty() ? all : all.stream().map(ve -> asReachable(ve, away)).toList();
    }

    @Override
    public Optional<VirtualEnvironment> find(int id) {
        Map<java.util.UUID, Node> away = unreachableNodes();
        Optional<VirtualEnvironment> found = cache.find(id, veId -> reads.inTransaction(em -> Optional.ofNullable(em.find(VeEntity.class, veId))
                .map(VeEntity::toVe)));
        return found.map(ve -> asReachable(ve, away));
    }

    /** Every VE as recorded, of every node. */
    private List<VirtualEnvironment> recorded() {
        // native SQL: nothing on the start path parses HQL (ANTLR's first parse costs about half a second of CPU; issue 14)
        return cache.list(() -> reads.inTransaction(em -> {
            @SuppressWarnings("unchecked")
            List<VeEntity> all = em.createNativeQuery("select * from ve order by id", VeEntity.class).getResultList();
            return all.stream().map(VeEntity::toVe).toList();
        }));
    }

    /**
     * This node's VEs as recorded: all that reconciling, accounting and the host's network rules act on. Another
     * node's VEs are that node's business, whatever this panel's database says of them.
     */
    /** Runs actions on VEs of other nodes for callers of this service; null until VE support is up. */
    private volatile io.vessel.api.operation.OperationService dispatch;

    void useDispatch(io.vessel.api.operation.OperationService operations) {
        dispatch = operations;
    }

    /**
     * The action done on the VE's node when that is another one: dispatched there and awaited, so that a caller of
     * this service (billing's order, a plugin) acts on any VE of the cluster as on one of this node; the VE as it
     * is afterwards. Empty for this node's VEs: the caller does the work here.
     */
    private Optional<VirtualEnvironment> onItsNode(int id, String kind, Map<String, String> parameters) {
        return ranOnItsNode(id, kind, parameters) ? Optional.of(find(id).orElseThrow(() -> new VeException(Kind.NOT_FOUND, "there is no VE " + id)))
                : Optional.empty();
    }

    private boolean ranOnItsNode(int id, String kind, Map<String, String> parameters) {
        io.vessel.api.operation.OperationService operations = dispatch;
        VeEntity recorded = recordAnywhere(id);
        if (operations == null || recorded.nodeId() == null || node.id().equals(recorded.nodeId())) {
            return false;
        }
        io.vessel.api.operation.Operation done;
        try {
            done = VeOperations.dispatchAndAwait(operations, kind, recorded.toVe(), parameters, io.vessel.api.operation.OperationService.DEFAULT_TIME_LIMIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VeException(Kind.FAILED, null, "interrupted while VE " + id + "'s node ran " + kind, e);
        } finally {
            cache.forget();
        }
        if (done.state() == io.vessel.api.operation.OperationState.FAILED) {
            throw new VeException(Kind.FAILED, null, done.error(), null);
        }
        if (done.state() != io.vessel.api.operation.OperationState.SUCCEEDED) {
            throw new VeException(Kind.FAILED, null, "VE " + id + "'s node has not finished " + kind + " (operation " + done.id() + ")", null);
        }
        return true;
    }

    /** How long a change of a VE's addresses or forwards waits for the VE's node (another one) to apply it. */
    static final Duration NETWORK_SYNC_WAIT = Duration.ofSeconds(10);

    /**
     * A VE's addresses or port forwards changed in the records: applied by {@code here} when the VE is this node's
     * (or gone), else by the VE's node, which is asked to ({@link VeOperations#NETWORK_SYNC}) and waited for a
     * little. The records stand either way: a node that does not answer applies them when it next starts the VE or
     * itself.
     */
    void networkChanged(int id, Runnable here) {
        io.vessel.api.operation.OperationService operations = dispatch;
        UUID where = database.inTransaction(em -> em.createQuery("select v.nodeId from VeEntity v where v.id = :id", UUID.class)
                .setParameter("id", id).getResultStream().findFirst().orElse(null));
        if (operations == null || where == null || node.id().equals(where)) {
            here.run();
            return;
        }
        try {
            io.vessel.api.operation.Operation done = VeOperations.dispatchAndAwait(operations, VeOperations.NETWORK_SYNC, record(id).toVe(),
                    Map.of(), NETWORK_SYNC_WAIT);
            if (done.state() != io.vessel.api.operation.OperationState.SUCCEEDED) {
                LOG.warn("Network change of ve={} not applied by its node={} yet: operation={} state={} error={}", id, where, done.id(),
                        done.state(), done.error());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("Network change of ve={} not sent to its node={}: {}", id, where, e.getMessage());
        }
    }

    /** The VE, for a change of its records that its node applies: NOT_FOUND, or CONFLICT while that node is out of reach. */
    void requireActionable(int id) {
        recordAnywhere(id);
    }

    // ---- cold migration between nodes --------------------------------------------------------------------------

    /**
     * Sends a VE's read-only snapshot to another node: whole, or only what changed since {@code parent} (a snapshot
     * sent before); the target keeps it for the next pass, or ({@code last}) makes it the VE's private area there.
     */
    interface FileTransport {
        /** The bytes sent. */
        long send(int veId, UUID target, String snapshotName, String parent, boolean last) throws IOException;

        /** Asks the target to take the VE over (and start it): {@link #takeOver} there. */
        HandOver handOver(int veId, UUID target, boolean start) throws IOException;

        /**
         * Asks the target to hold its copy of template {@code templateId} ready as {@code base}, the parent of the
         * first pass of snapshot {@code name} ({@link #prepareBase} there): empty when it did, else why not.
         */
        java.util.Optional<String> prepareBase(int veId, UUID target, String name, String templateId,
                                               io.vessel.kernel.internal.storage.StorageDriver.TemplateBase base) throws IOException;
    }

    /**
     * The checks a panel makes before it dispatches a migration: the target is another node in reach, taking new
     * VEs, with room for the VE's limits under its ratios, and none of the VE's forwarded ports is taken on its host.
     */
    Node checkMigration(int id, String targetNamed) {
        VeEntity ve = recordAnywhere(id);
        if (targetNamed == null || targetNamed.isBlank()) {
            throw new VeException(Kind.INVALID, "node", "node is required: the node to move the VE to", null);
        }
        Node target = targetNode(targetNamed);
        if (target.id().equals(ve.nodeId())) {
            throw new VeException(Kind.CONFLICT, "node", "VE " + id + " runs on node " + target.hostname() + " already", null);
        }
        if (ve.state() != VeState.RUNNING && ve.state() != VeState.STOPPED) {
            throw conflict(id, ve.state(), "move");
        }
        Placement.Candidate candidate = new Placement.Candidate(target, nodes.reportedStatus(target.id()),
                allotted().getOrDefault(target.id(), Placement.Allotted.NONE), true, target.id().equals(node.id()));
        VeLimits limits = ve.toVe().limits();
        Placement.refusal(candidate, new Placement.Ask(Placement.Allotted.of(limits.cpus(), limits.memoryBytes(), limits.diskBytes()), null,
                ve.template(), reachingPoolsOf(id))).ifPresent(why -> {
                    throw new VeException(Kind.CONFLICT, "node", "node " + target.hostname() + " cannot take VE " + id + ": " + why, null);
                });
        List<String> taken = database.inTransaction(em -> em.createNativeQuery("select f.protocol || '/' || f.host_port from port_forward f"
                + " where f.node_id = ?1 and exists (select 1 from port_forward m where m.ve_id = ?2 and m.protocol = f.protocol"
                + " and m.host_port = f.host_port)").setParameter(1, target.id()).setParameter(2, id).getResultList())
                .stream().map(String::valueOf).toList();
        if (!taken.isEmpty()) {
            throw new VeException(Kind.CONFLICT, "node", "VE " + id + "'s forwarded port" + (taken.size() > 1 ? "s " : " ") + String.join(", ", taken)
                    + (taken.size() > 1 ? " are" : " is") + " forwarded to another VE on node " + target.hostname() + "; remove the forward first", null);
        }
        return target;
    }

    /**
     * Moves VE {@code id} (of this node) to node {@code target}, cold, in two passes when it runs: its files are sent
     * whole while it runs on, then it is stopped and only what changed since is sent; then the target takes the VE
     * over (the record names it: the commit point, made by the target in one update) and starts it if it ran, and
     * this node forgets the VE (its runtime, cgroups and files here). Until the target takes it over the VE is this
     * node's, whole: a failure before that leaves it here as it was (started again if it ran). The record names the
     * target while the files travel, so that the target may read it (a node agent's database role sees only its own
     * VEs and those on their way to it). The answer's message says how long the VE was stopped.
     */
    VirtualEnvironment migrate(int id, UUID target, FileTransport transport, io.vessel.api.operation.OperationService.Progress progress) {
        return migrate(id, target, transport, progress, false);
    }

    /** Where a live move is asked ({@code live}): why the VE moves cold instead, said in the progress and the outcome. */
    private final io.vessel.kernel.internal.ve.LiveMigration liveMigration = io.vessel.kernel.internal.ve.LiveMigration.onThisHost();

    VirtualEnvironment migrate(int id, UUID target, FileTransport transport, io.vessel.api.operation.OperationService.Progress progress,
                               boolean live) {
        readNodesAfresh(); // the target's state as it is now, not as this node read it up to a second ago
        Node to = nodes.nodes().stream().filter(n -> n.id().equals(target)).findFirst()
                .orElseThrow(() -> new VeException(Kind.NOT_FOUND, "node", "there is no node " + target, null));
        checkMigration(id, target.toString());
        if (to.channelProtocol() != null && to.channelProtocol() < TAKE_OVER_PROTOCOL) {
            throw new VeException(Kind.CONFLICT, "node", "node " + to.hostname() + " runs Vessel " + to.version()
                    + ", which cannot take a moved VE over; upgrade it first", null);
        }
        refuseNestedSubvolumes(id, "move");
        boolean wasRunning = load(id).state() == VeState.RUNNING;
        String notLive = null;
        if (live && wasRunning) {
            VeEntity recorded = record(id);
            notLive = liveMigration.refusal(templates.initSystem(recorded.template(), recorded.templateVersion()).kind() == InitSystem.Kind.SYSTEMD);
            LOG.info("VE moves cold, not live ve={} reason=\"{}\"", id, notLive);
            progress.update(5, "not live: " + notLive + "; moving it cold");
        }
        database.run(em -> em.find(VeEntity.class, id).headFor(target));
        List<String> sent = new ArrayList<>();
        long stoppedAt = 0;
        long bytes = 0;
        boolean relative = false;
        try {
            io.vessel.kernel.api.VeSnapshot first = snapshot(id);
            sent.add(first.name());
            progress.update(7, "node " + to.hostname() + " makes ready its copy of the VE's template");
            String base = templateBase(id, to, first.name(), transport);
            String whole = base == null ? "" : " (what differs from its template, which node " + to.hostname() + " holds too)";
            if (base != null) {
                sent.add(base);
            }
            String parent = null;
            if (wasRunning) {
                progress.update(10, "sending its files to node " + to.hostname() + " while it runs" + whole);
                SentPass pass = sendFirstPass(id, to, first.name(), base, false, transport);
                bytes += pass.bytes();
                relative = pass.relative();
                progress.update(60, "stopping it for the last changes");
                stoppedAt = System.nanoTime();
                stop(id, 30);
                io.vessel.kernel.api.VeSnapshot last = snapshot(id);
                sent.add(last.name());
                parent = first.name();
                progress.update(70, "sending what changed since");
            } else {
                progress.update(10, "sending its files to node " + to.hostname() + whole);
            }
            if (parent == null) {
                SentPass pass = sendFirstPass(id, to, first.name(), base, true, transport); // a stopped VE: one pass
                bytes += pass.bytes();
                relative = pass.relative();
            } else {
                bytes += transport.send(id, target, sent.get(sent.size() - 1), parent, true);
            }
        } catch (IOException | RuntimeException e) {
            stayHere(id, wasRunning);
            throw new VeException(Kind.FAILED, null, "moving VE " + id + " to node " + to.hostname() + " failed while sending its files ("
                    + e.getMessage() + "); it stays on this node" + (wasRunning ? " and runs" : ""), e);
        } finally {
            for (String name : sent) {
                try {
                    storage.deleteSnapshot(name);
                } catch (IOException e) {
                    LOG.warn("Migration snapshot not deleted snapshot={}: {}", name, e.getMessage());
                }
            }
        }
        progress.update(85, "handing it over to node " + to.hostname() + (wasRunning ? ", which starts it" : ""));
        VeEntity before = record(id); // detached: what the VE is, read while it is still this node's
        String startProblem;
        try {
            startProblem = transport.handOver(id, target, wasRunning).startProblem();
        } catch (IOException | RuntimeException e) {
            if (!handedAway(id)) {
                stayHere(id, wasRunning);
                throw new VeException(Kind.FAILED, null, "node " + to.hostname() + " did not take VE " + id + " over (" + e.getMessage()
                        + "); it stays on this node" + (wasRunning ? " and runs" : ""), e);
            }
            // the target took it over and its answer was lost: the VE is the target's now, whatever became of the start
            startProblem = wasRunning ? "node " + to.hostname() + " took it over, but its answer was lost (" + e.getMessage()
                    + "); see there whether it runs" : null;
        }
        long downtime = wasRunning ? (System.nanoTime() - stoppedAt) / 1_000_000 : 0;
        locked(id, () -> {
            try {
                removeFromThisNode(id);
            } catch (IOException e) {
                LOG.warn("Leftovers of a VE moved away not removed ve={}: {}", id, e.getMessage());
            }
            return null;
        });
        cache.forget();
        before.moveTo(target, now());
        VirtualEnvironment moved = before.toVe();
        if (!wasRunning || startProblem != null) {
            listener.changed(moved); // a VE started there is announced by the target, and a "stopped" from here would follow it
        }
        if (network != null && pools != null && !pools.forwards(id).isEmpty()) {
            try {
                network.syncForwards(pools.allForwards()); // this host forwards the VE's ports no more; the target's does
            } catch (IOException e) {
                LOG.warn("Port forwards of this node not rewritten after ve={} moved away: {}", id, e.getMessage());
            }
            networkChanged(id, () -> { });
        }
        if (startProblem != null) {
            throw new VeException(Kind.FAILED, null, "VE " + id + " moved to node " + to.hostname() + " but did not start there: " + startProblem, null);
        }
        String outcome = "moved to node " + to.hostname();
        String traffic = String.format(java.util.Locale.ROOT, "; %.1f MiB sent%s", bytes / 1048576.0, relative
                ? " (what differs from template " + before.template() + "@" + before.templateVersion() + ", which it holds too)" : "");
        if (wasRunning) {
            outcome += "; it was stopped for " + downtime + " ms" + traffic + (notLive == null ? "" : "; not live: " + notLive);
            LOG.info("VE moved ve={} from={} to={} downtimeMs={}", id, node.id(), target, downtime);
        } else {
            outcome += traffic;
            LOG.info("VE moved ve={} from={} to={} (stopped)", id, node.id(), target);
        }
        progress.update(95, outcome);
        return find(id).orElse(moved);
    }

    /**
     * Refuses {@code what} for a VE holding subvolumes made inside it: its snapshots hold them as empty directories,
     * so their files would be left behind. Nothing is changed; the provider decides (make them plain directories).
     */
    private void refuseNestedSubvolumes(int id, String what) {
        List<String> nested;
        try {
            nested = storage.nestedSubvolumes(id);
        } catch (IOException e) {
            throw new VeException(Kind.FAILED, null, "VE " + id + "'s files could not be looked through before the " + what + ": " + e.getMessage(), e);
        }
        if (!nested.isEmpty()) {
            throw new VeException(Kind.CONFLICT, null, "VE " + id + " holds btrfs subvolumes made inside it (/" + String.join(", /",
                    nested.subList(0, Math.min(3, nested.size()))) + (nested.size() > 3 ? " and " + (nested.size() - 3) + " more" : "")
                    + "): a " + what + " would leave their files behind, so it was not done; make them plain directories first", null);
        }
    }

    /**
     * The VE's template as the base of its first pass, when the target holds a copy made from the same origin as
     * this node's (a template made on one node and copied to the others; not the built-in one, which each node
     * builds itself): the VE's files then share the template's blocks there too, and only what the VE changed
     * travels. The name of the base snapshot, or null to send the VE whole.
     */
    private String templateBase(int id, Node to, String name, FileTransport transport) {
        VeEntity ve = record(id);
        String templateId = TemplateEntity.storageId(ve.template(), ve.templateVersion());
        String baseName = name + "-base";
        try {
            if (!storage.templateSealed(templateId)) {
                return null;
            }
            io.vessel.kernel.internal.storage.StorageDriver.TemplateBase base = storage.snapshotTemplateBase(templateId, baseName);
            java.util.Optional<String> refusal = transport.prepareBase(id, to.id(), name, templateId, base);
            if (refusal.isEmpty()) {
                LOG.info("VE sent relative to its template ve={} to={} template={}", id, to.id(), templateId);
                return baseName;
            }
            LOG.info("VE sent whole, not relative to its template ve={} to={} template={} reason=\"{}\"", id, to.id(), templateId,
                    refusal.get());
        } catch (IOException | RuntimeException e) {
            LOG.warn("VE sent whole, its template not made a base ve={} to={} template={}: {}", id, to.id(), templateId, e.getMessage());
        }
        try {
            storage.deleteSnapshot(baseName);
        } catch (IOException e) {
            LOG.debug("No base snapshot to delete snapshot={}: {}", baseName, e.getMessage());
        }
        return null;
    }

    /**
     * The first pass: relative to the template base when there is one; should that fail (the target lost its copy
     * meanwhile, say), whole after all, since the base only saves bytes.
     */
    private SentPass sendFirstPass(int id, Node to, String name, String base, boolean last, FileTransport transport) throws IOException {
        if (base != null) {
            try {
                return new SentPass(transport.send(id, to.id(), name, base, last), true);
            } catch (io.vessel.kernel.internal.channel.NodeChannel.Unavailable e) {
                throw e;
            } catch (IOException e) {
                LOG.warn("VE's files relative to its template not taken; sending them whole ve={} to={}: {}", id, to.id(), e.getMessage());
            }
        }
        return new SentPass(transport.send(id, to.id(), name, null, last), false);
    }

    /** A first pass sent: its bytes, and whether relative to the VE's template. */
    private record SentPass(long bytes, boolean relative) {
    }

    /** A move run by the VE's own node, as an operation there; this waits for it. */
    private void moveThere(VirtualEnvironment ve, Node target) {
        io.vessel.api.operation.Operation moved;
        try {
            moved = VeOperations.dispatchAndAwait(dispatch, VeOperations.MIGRATE, ve, Map.of(VeOperations.NODE, target.id().toString()),
                    java.time.Duration.ofHours(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VeException(Kind.FAILED, "the drain was stopped while VE " + ve.id() + " was moving");
        }
        if (moved.state() != io.vessel.api.operation.OperationState.SUCCEEDED) {
            throw new VeException(Kind.FAILED, moved.error() != null ? moved.error() : "its move did not finish within 2 hours (" + moved.state() + ")");
        }
    }

    /** The oldest node-channel protocol whose nodes take a moved VE over themselves ({@code POST /ves/{id}/take-over}). */
    static final int TAKE_OVER_PROTOCOL = 2;

    /** A move given up before the target took the VE over: it is this node's as before, started again if it ran. */
    private void stayHere(int id, boolean wasRunning) {
        try {
            database.run(em -> {
                VeEntity ve = em.find(VeEntity.class, id);
                if (ve != null && node.id().equals(ve.nodeId())) {
                    ve.stay();
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("The record of VE {} still names the node it was to move to: {}", id, e.getMessage());
        }
        if (wasRunning && load(id).state() != VeState.RUNNING) {
            try {
                start(id);
            } catch (VeException again) {
                LOG.warn("VE not started again after its migration failed ve={}: {}", id, again.getMessage());
            }
        }
    }

    /** Whether the VE's record names another node now (or this node's database role no longer sees it: the same). */
    private boolean handedAway(int id) {
        try {
            return database.inTransaction(em -> {
                VeEntity ve = em.find(VeEntity.class, id);
                return ve == null || !node.id().equals(ve.nodeId());
            });
        } catch (RuntimeException e) {
            return false; // not known: it is still this node's as far as it can tell, and the target checks before it takes it
        }
    }

    /** What the target of a move answers when it took the VE over: null, or why it did not start there. */
    record HandOver(String startProblem) {
    }

    /**
     * The target's half of a move: node {@code from} sent VE {@code id}'s files here and hands it over. In one update
     * the record names this node (the commit point; only a VE on its way from {@code from} to this node, with its
     * files here, is taken), its forwarded ports are this host's, and it is started if {@code start}. Asked again for
     * a VE already taken over (the sender lost the answer), it only says so: another node cannot start VEs here.
     */
    HandOver takeOver(int id, UUID from, boolean start) {
        VeEntity ve = record(id);
        if (node.id().equals(ve.nodeId())) {
            return new HandOver(start && ve.state() != VeState.RUNNING ? "it was taken over before and does not run" : null);
        }
        if (!from.equals(ve.nodeId()) || !node.id().equals(ve.movingTo())) {
            throw new VeException(Kind.CONFLICT, "VE " + id + " is not on its way from node " + from + " to this node");
        }
        if (!storage.privateAreaExists(id)) {
            throw new VeException(Kind.CONFLICT, "VE " + id + "'s files have not arrived here");
        }
        locked(id, () -> {
            database.run(em -> {
                VeEntity mine = em.find(VeEntity.class, id);
                if (!from.equals(mine.nodeId()) || !node.id().equals(mine.movingTo())) {
                    throw new VeException(Kind.CONFLICT, "VE " + id + " is not on its way from node " + from + " to this node");
                }
                mine.moveTo(node.id(), now());
                em.createNativeQuery("update port_forward set node_id = ?1 where ve_id = ?2").setParameter(1, node.id()).setParameter(2, id)
                        .executeUpdate();
            });
            return null;
        });
        cache.forget();
        LOG.info("VE taken over ve={} from={}", id, from);
        listener.changed(record(id).toVe());
        if (network != null && pools != null && !pools.forwards(id).isEmpty()) {
            try {
                network.syncForwards(pools.allForwards());
            } catch (IOException e) {
                LOG.warn("Port forwards of a VE taken over not written ve={}: {}", id, e.getMessage());
            }
        }
        if (start) {
            try {
                start(id);
            } catch (VeException e) {
                return new HandOver(e.getMessage());
            }
        }
        return new HandOver(null);
    }

    /**
     * Maintenance: every VE of node {@code drained} moved to the other nodes, one after the other, each where placement
     * puts it (in reach, taking new VEs, room under its ratios), running ones started again there. A VE that cannot
     * move (no node can take it, or its move fails) stays, and the drain goes on with the next; the answer says what
     * stayed and why. The provider has kept the node free of new VEs first. Run by a panel, which sees every node's
     * VEs to place them (a node agent sees only its own): each move is an operation of the drained node; a drain of
     * this node's own VEs moves them itself.
     */
    String drain(UUID drained, FileTransport transport, io.vessel.api.operation.OperationService.Progress progress) {
        readNodesAfresh();
        boolean here = drained.equals(node.id());
        List<VirtualEnvironment> mine = (here ? local() : recorded().stream().filter(v -> drained.equals(v.node())).toList()).stream()
                .filter(v -> v.state() != VeState.DESTROYED).toList();
        List<String> stayed = new ArrayList<>();
        int done = 0;
        for (VirtualEnvironment ve : mine) {
            progress.update(5 + 90 * done / Math.max(1, mine.size()), "moving VE " + ve.id() + " (" + (done + 1) + " of " + mine.size() + ")");
            try {
                if (ve.state() != VeState.RUNNING && ve.state() != VeState.STOPPED) {
                    throw conflict(ve.id(), ve.state(), "move");
                }
                Node target = placeElsewhere(ve);
                if (here) {
                    migrate(ve.id(), target.id(), transport, (percent, message) -> { });
                } else {
                    moveThere(ve, target);
                }
            } catch (VeException e) {
                LOG.warn("VE not moved by the drain ve={}: {}", ve.id(), e.getMessage());
                stayed.add("VE " + ve.id() + ": " + e.getMessage());
            }
            done++;
        }
        String summary = (mine.size() - stayed.size()) + " of " + mine.size() + " VEs moved to other nodes";
        LOG.info("Node drained node={} moved={} stayed={}", drained, mine.size() - stayed.size(), stayed.size());
        if (!stayed.isEmpty()) {
            throw new VeException(Kind.CONFLICT, summary + "; stayed: " + String.join("; ", stayed));
        }
        return summary;
    }

    /** Where placement would put {@code ve} among the other nodes (its files travel with it: no template needed there). */
    private Node placeElsewhere(VirtualEnvironment ve) {
        Map<UUID, Placement.Allotted> allotted = allotted();
        List<Placement.Candidate> candidates = nodes.nodes().stream().filter(n -> !n.id().equals(ve.node()) && n.hostsVes())
                .map(n -> new Placement.Candidate(n, nodes.reportedStatus(n.id()), allotted.getOrDefault(n.id(), Placement.Allotted.NONE), true,
                        false)).toList();
        if (candidates.isEmpty()) {
            throw new VeException(Kind.CONFLICT, "there is no other node to move it to");
        }
        VeLimits limits = ve.limits();
        return Placement.choose(candidates, new Placement.Ask(Placement.Allotted.of(limits.cpus(), limits.memoryBytes(), limits.diskBytes()), null,
                ve.template(), reachingPoolsOf(ve.id())));
    }

    /** Why a node cannot hold VE {@code id}: an IP pool it holds addresses of does not reach that node. */
    private java.util.function.Function<UUID, java.util.Optional<String>> reachingPoolsOf(int id) {
        IpPools addresses = pools;
        return reaching(addresses == null ? java.util.Set.of() : addresses.poolsOf(id));
    }

    /** Why a node cannot hold a VE with addresses of {@code wanted}: one of those pools does not reach it. */
    private java.util.function.Function<UUID, java.util.Optional<String>> reaching(java.util.Set<String> wanted) {
        IpPools addresses = pools;
        return target -> addresses == null ? java.util.Optional.empty() : addresses.unreachable(wanted, target);
    }

    /** The nodes' records read again at the next look: a move must not act on a second-old copy. */
    private void readNodesAfresh() {
        if (nodes instanceof LocalNodeService local) {
            local.forgetCopies();
        }
    }

    /**
     * The target's side: VE {@code id}'s files as node {@code from} (its node, and no other) sends them, made its
     * private area here with its disk quota. Anything left by an earlier attempt is replaced.
     */
    void receive(int id, UUID from, String name, String parent, boolean last, java.io.InputStream stream) throws IOException {
        VeEntity ve = sentBy(id, from);
        if (name == null || !name.matches("[A-Za-z0-9-]{1,64}") || parent != null && !parent.matches("[A-Za-z0-9-]{1,64}")) {
            throw new VeException(Kind.INVALID, "not a snapshot name: " + name + (parent == null ? "" : ", " + parent));
        }
        locked(id, () -> {
            try {
                if (storage.privateAreaExists(id)) {
                    storage.deletePrivateArea(id); // a failed attempt's: this node has no VE of that id
                }
                storage.receivePrivateArea(id, name, parent, last, stream);
                if (last && ve.toVe().limits().diskBytes() > 0) {
                    storage.setDiskQuota(id, ve.toVe().limits().diskBytes());
                }
            } catch (IOException e) {
                throw new VeException(Kind.FAILED, null, "receiving VE " + id + "'s files failed: " + e.getMessage(), e);
            }
            return null;
        });
        LOG.info("VE files received ve={} from={} name={} parent={} last={}", id, from, name, parent, last);
    }

    /** VE {@code id}'s record, when node {@code from} may send its files here: it is its node's, on its way to this one. */
    private VeEntity sentBy(int id, UUID from) {
        VeEntity ve = record(id);
        if (!from.equals(ve.nodeId())) {
            throw new VeException(Kind.CONFLICT, "VE " + id + " is not node " + from + "'s to send (its node is " + ve.nodeId() + ")");
        }
        if (node.id().equals(ve.nodeId())) {
            throw new VeException(Kind.CONFLICT, "VE " + id + " runs on this node already");
        }
        if (ve.movingTo() != null && !node.id().equals(ve.movingTo())) { // null: a sender of an older version, which does not say
            throw new VeException(Kind.CONFLICT, "VE " + id + " is on its way to node " + ve.movingTo() + ", not this one");
        }
        return ve;
    }

    /**
     * The target's side of a first pass relative to the VE's template: this node's copy of it made the parent of
     * the stream of snapshot {@code name}, if it was made from the same origin as the sender's. Empty when it was,
     * else why not (the sender then sends the VE whole). Only the VE's node may ask, as for its files.
     */
    java.util.Optional<String> prepareBase(int id, UUID from, String name, String templateId,
                                           io.vessel.kernel.internal.storage.StorageDriver.TemplateBase base) {
        VeEntity ve = sentBy(id, from);
        if (name == null || !name.matches("[A-Za-z0-9-]{1,64}") || templateId == null || !templateId.matches("[a-z0-9][a-z0-9._-]{0,62}@\\d{1,9}")
                || base == null || base.origin() == null || base.uuid() == null) {
            throw new VeException(Kind.INVALID, "not a template base: " + name + ", " + templateId);
        }
        if (!templateId.equals(TemplateEntity.storageId(ve.template(), ve.templateVersion()))) {
            return java.util.Optional.of("VE " + id + " was not made from template " + templateId);
        }
        if (!storage.templateExists(templateId) && !io.vessel.kernel.internal.template.BusyboxTemplate.NAME.equals(ve.template())) {
            // the template comes first, copied from a node that holds it (the sender, at least): the VE then shares its
            // blocks here as it did there, and the next VE or move of that template needs no copy. The built-in one
            // is made by each node itself, so it is never another's base.
            try {
                templates.ensureHere(ve.template(), ve.templateVersion());
            } catch (VeException e) {
                return java.util.Optional.of(e.getMessage());
            }
        }
        return locked(id, () -> {
            try {
                return storage.prepareTemplateBase(templateId, base, name);
            } catch (IOException e) {
                LOG.warn("Template base not prepared ve={} template={}: {}", id, templateId, e.getMessage());
                return java.util.Optional.of("this node could not prepare its copy of template " + templateId + ": " + e.getMessage());
            }
        });
    }

    /** A node agent: the panels write its VE records from the start, so copies expire and the node channel is needed. */
    void sharedFromStart() {
        cache.shared(true);
    }

    /** Whether other nodes share the VE records (as of the last look at the nodes). */
    boolean sharedWithOtherNodes() {
        return cache.isShared();
    }

    /** Forgets the VE records read so far: another node changed some (a change this panel dispatched there). */
    void forgetCopies() {
        cache.forget();
    }

    /** This node's VEs as recorded: what its card on the dashboard counts. */
    List<VirtualEnvironment> localVes() {
        return local();
    }

    private List<VirtualEnvironment> local() {
        return recorded().stream().filter(ve -> node.id().equals(ve.node())).toList();
    }

    /** The other nodes out of reach now; also tells the read cache whether other nodes share the VE records. */
    private Map<java.util.UUID, Node> unreachableNodes() {
        Map<java.util.UUID, Node> away = new java.util.HashMap<>();
        List<Node> all = nodes.nodes();
        cache.shared(all.size() > 1);
        for (Node n : all) {
            if (n.health() == NodeHealth.UNREACHABLE && !n.id().equals(node.id())) {
                away.put(n.id(), n);
            }
        }
        return away;
    }

    private static VirtualEnvironment asReachable(VirtualEnvironment ve, Map<java.util.UUID, Node> away) {
        Node n = ve.node() == null ? null : away.get(ve.node());
        return n == null ? ve : ve.unknownBecause("its node " + n.hostname() + " has not been heard from since " + n.lastHeartbeatAt()
                + "; last recorded " + ve.state());
    }

    // ---- create ----------------------------------------------------------------------------------------------

    /**
     * Synchronized: two requests without an id must not both pick max+1 (the loser would hit the primary key).
     * Another node on the database may still take the same id first: the primary key refuses the second, which
     * then takes the next (see {@link #reserve}).
     */
    /**
     * Reserves the VE's record, then asks the plugins' hooks with its real id: a refusal removes the record again,
     * so nothing of the VE remains. The hooks are asked outside the lock, so a slow one holds up no other create.
     */
    @Override
    public VirtualEnvironment prepare(NewVe request) {
        VirtualEnvironment reserved = reserve(request);
        if (hooks.isEmpty()) {
            return reserved;
        }
        try {
            hooks.before(new VeLifecycleEvent(VeAction.CREATE, reserved.id(), reserved.owner(), reserved.hostname(),
                    reserved.template(), reserved.limits()));
        } catch (RuntimeException e) {
            database.run(em -> {
                VeEntity entity = em.find(VeEntity.class, reserved.id());
                if (entity != null && entity.state() == VeState.CREATING) {
                    em.remove(entity);
                }
            });
            listener.destroyed(reserved.id(), reserved.owner());
            throw e;
        }
        return reserved;
    }

    private synchronized VirtualEnvironment reserve(NewVe request) {
        VeLimits limits = validLimits(request.limits() == null ? VeLimits.DEFAULTS : request.limits().over(VeLimits.DEFAULTS));
        Node target = place(request, limits);
        Template template;
        if (node.id().equals(target.id())) {
            template = templates.forNewVe(request.template());
            bootable(template.name(), template.version());
        } else {
            // the target node checks what only it can (its copy of the template, whether its cgroups boot it) as it makes the VE
            template = templates.forNewVeOn(request.template(), target.id());
        }
        if (request.id() != null && (request.id() < MIN_ID || request.id() > MAX_ID)) {
            throw new VeException(Kind.INVALID, "id", "id must be between " + MIN_ID + " and " + MAX_ID, null);
        }
        checkHostname(request.hostname());
        if (request.name() != null && (request.name().isBlank() || request.name().length() > 100)) {
            throw new VeException(Kind.INVALID, "name", "name must be 1 to 100 characters", null);
        }
        if (Boolean.TRUE.equals(request.privileged()) && request.owner() != null) {
            // the API checks the caller too; this holds for every other way in (plugins, future CLIs)
            throw new VeException(Kind.UNPROCESSABLE, "owner", "a privileged VE is root on the host and stays the provider's own", null);
        }
        VeFeatures features = validFeatures(request.features() == null ? VeFeatures.NONE : request.features().over(VeFeatures.NONE),
                Boolean.TRUE.equals(request.privileged()));
        Instant now = now();
        for (int attempt = 1; ; attempt++) {
            try {
                return database.inTransaction(em -> {
                    int id = request.id() != null ? request.id() : nextFreeId(em);
                    if (em.find(VeEntity.class, id) != null) {
                        throw new VeException(Kind.CONFLICT, "id", "VE " + id + " exists already", null);
                    }
                    String hostname = request.hostname() != null ? request.hostname() : "ve" + id;
                    String name = request.name() != null ? request.name() : hostname;
                    VeEntity entity = new VeEntity(id, name, hostname, template.name(), template.version(), request.owner(), target.id(),
                            Boolean.TRUE.equals(request.privileged()), limits, now);
                    entity.setFeatures(features, now);
                    em.persist(entity);
                    return entity.toVe();
                });
            } catch (RuntimeException e) {
                // another node took the same next id between our read and our commit (this lock is this process's only)
                if (!duplicateKey(e)) {
                    throw e;
                }
                if (request.id() != null || attempt == 5) {
                    throw new VeException(Kind.CONFLICT, "id", request.id() != null ? "VE " + request.id() + " exists already"
                            : "no VE id could be reserved: other nodes took each one first; try again", e);
                }
            }
        }
    }

    /**
     * The node a new VE goes to ({@link Placement}): the one the request names, if it can take it, or the best of
     * all. A single server without labels or overcommit ratios, taking new VEs, is its own answer, as it always was.
     */
    private Node place(NewVe request, VeLimits limits) {
        List<Node> all = nodes.nodes().stream().filter(Node::hostsVes).toList();
        boolean labelled = request.labels() != null && !request.labels().isEmpty();
        if (request.node() == null && !labelled && all.size() == 1 && all.get(0).id().equals(node.id())
                && all.stream().allMatch(n -> NodeOvercommit.NONE.equals(n.overcommit()) && n.acceptsNewVes())) {
            return nodes.localNode();
        }
        if (all.isEmpty()) {
            throw new VeException(Kind.CONFLICT, "no node runs VEs yet: this panel has none of its own (server.role = panel);"
                    + " enrol a server as a node agent (POST /api/v1/nodes/enrolments, then bin/vessel node join on it)");
        }
        List<Node> choices = request.node() == null ? all : List.of(targetNode(request.node()));
        Map<UUID, Placement.Allotted> allotted = allotted();
        List<Placement.Candidate> candidates = choices.stream().map(n -> new Placement.Candidate(n, nodes.reportedStatus(n.id()),
                allotted.getOrDefault(n.id(), Placement.Allotted.NONE), templates.availableOn(request.template(), n.id()),
                n.id().equals(node.id()))).toList();
        Node chosen = Placement.choose(candidates, new Placement.Ask(Placement.Allotted.of(limits.cpus(), limits.memoryBytes(), limits.diskBytes()),
                request.labels(), request.template(), reaching(request.ipPool() == null ? java.util.Set.of() : java.util.Set.of(request.ipPool()))));
        LOG.info("VE placed node={} hostname={} named={} labels={}", chosen.id(), chosen.hostname(), request.node(), request.labels());
        return chosen;
    }

    /** What each node has allotted to its VEs (those not destroyed). */
    private Map<UUID, Placement.Allotted> allotted() {
        return database.inTransaction(em -> {
            Map<UUID, Placement.Allotted> sums = new java.util.HashMap<>();
            for (Object[] row : em.createQuery("select v.nodeId, v.cpus, v.memoryBytes, v.diskBytes from VeEntity v where v.state <> :gone",
                    Object[].class).setParameter("gone", VeState.DESTROYED).getResultList()) {
                sums.merge((UUID) row[0], Placement.Allotted.of((java.math.BigDecimal) row[1], (Long) row[2], (Long) row[3]), Placement.Allotted::plus);
            }
            return sums;
        });
    }

    /**
     * The node a request names, by id or by a host name only one node has. A node out of reach takes no VE.
     */
    private Node targetNode(String named) {
        List<Node> all = nodes.nodes();
        String wanted = named.strip();
        List<Node> matching = all.stream().filter(n -> n.id().toString().equalsIgnoreCase(wanted)).toList();
        if (matching.isEmpty()) {
            matching = all.stream().filter(n -> wanted.equalsIgnoreCase(n.hostname())).toList();
        }
        if (matching.size() > 1) {
            throw new VeException(Kind.INVALID, "node", "several nodes are called " + wanted + "; name one by its id", null);
        }
        if (matching.isEmpty()) {
            throw new VeException(Kind.INVALID, "node", "there is no node " + wanted + "; nodes: "
                    + all.stream().map(n -> n.hostname() + " (" + n.id() + ")").toList(), null);
        }
        Node target = matching.get(0);
        requireReachable(target);
        return target;
    }

    /** An action for another node is refused at once while that node is out of reach, rather than left to time out. */
    private void requireReachable(Node other) {
        if (other.health() == NodeHealth.UNREACHABLE && !other.id().equals(node.id())) {
            throw new VeException(Kind.CONFLICT, "node " + other.hostname() + " (" + other.id() + ") has been out of reach since "
                    + other.unreachableSince() + "; try again once it is back");
        }
    }

    /** A unique key violated (SQLSTATE 23505, in PostgreSQL and H2 alike) somewhere in {@code e}'s causes. */
    static boolean duplicateKey(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static int nextFreeId(jakarta.persistence.EntityManager em) {
        Integer max = em.createQuery("select max(v.id) from VeEntity v", Integer.class).getSingleResult();
        int next = max == null || max < FIRST_AUTO_ID ? FIRST_AUTO_ID : max + 1;
        if (next > MAX_ID) {
            throw new VeException(Kind.CONFLICT, "no free VE id above " + FIRST_AUTO_ID + "; give one explicitly");
        }
        return next;
    }

    VeLimits validLimits(VeLimits l) {
        check(l.cpuWeight() >= 1 && l.cpuWeight() <= 10_000, "limits.cpuWeight", "must be between 1 and 10000");
        check(l.cpus() == null || (l.cpus().signum() >= 0 && l.cpus().compareTo(BigDecimal.valueOf(1024)) <= 0
                && l.cpus().scale() <= 2), "limits.cpus", "must be between 0 and 1024 cores, at most two decimals");
        check(l.memoryBytes() >= (16L << 20) && l.memoryBytes() <= (1L << 50), "limits.memoryBytes", "must be at least 16 MiB");
        check(l.swapBytes() >= 0 && l.swapBytes() <= (1L << 50), "limits.swapBytes", "must be 0 or more");
        check(l.processes() >= 16 && l.processes() <= 4_194_304, "limits.processes", "must be between 16 and 4194304");
        check(l.diskBytes() >= (16L << 20) && l.diskBytes() <= (1L << 56), "limits.diskBytes", "must be at least 16 MiB");
        check(l.ioWeight() >= 1 && l.ioWeight() <= 10_000, "limits.ioWeight", "must be between 1 and 10000");
        checkRate(l.readBytesPerSecond(), "limits.readBytesPerSecond");
        checkRate(l.writeBytesPerSecond(), "limits.writeBytesPerSecond");
        checkRate(l.readIops(), "limits.readIops");
        checkRate(l.writeIops(), "limits.writeIops");
        checkRate(l.netInBitsPerSecond(), "limits.netInBitsPerSecond");
        checkRate(l.netOutBitsPerSecond(), "limits.netOutBitsPerSecond");
        check(l.cpuset().length() <= 200, "limits.cpuset", "is too long");
        if (!l.cpuset().isEmpty() && hostCpus != null) { // without a host here, the VE's node checks its CPUs
            BitSet wanted = CpuSet.parse(l.cpuset());
            check(wanted != null && !wanted.isEmpty(), "limits.cpuset", "must list CPUs like 0-1 or 0,2 (empty: all)");
            BitSet outside = (BitSet) wanted.clone();
            outside.andNot(hostCpus);
            check(outside.isEmpty(), "limits.cpuset", "names CPUs this host does not have (it has " + hostCpus.toString().replaceAll("[{} ]", "") + ")");
        }
        return l;
    }

    private static void checkRate(long value, String field) {
        check(value >= 0 && value <= (1L << 50), field, "must be 0 (no cap) or more");
    }

    private static void check(boolean ok, String field, String message) {
        if (!ok) {
            throw new VeException(Kind.INVALID, field, field + " " + message, null);
        }
    }

    @Override
    public VirtualEnvironment create(int id) {
        Optional<VirtualEnvironment> remote = onItsNode(id, VeOperations.CREATE, Map.of());
        if (remote.isPresent()) {
            return remote.get();
        }
        return locked(id, () -> {
            VeEntity ve = load(id);
            if (ve.state() != VeState.CREATING) {
                throw new VeException(Kind.CONFLICT, "VE " + id + " is " + ve.state() + ", not being created");
            }
            try {
                // recorded by another node's panel for this one: its template may not be in this pool yet, nor bootable here
                templates.ensureHere(ve.template(), ve.templateVersion());
                bootable(ve.template(), ve.templateVersion());
                makePrivateArea(ve, TemplateEntity.storageId(ve.template(), ve.templateVersion()));
            } catch (IOException | RuntimeException e) {
                LOG.warn("Create failed, removing what was made ve={} reason=\"{}\"", id, e.getMessage());
                removeTraces(id);
                database.run(em -> em.remove(em.find(VeEntity.class, id)));
                listener.destroyed(id, ve.toVe().owner()); // its id may be reused: nothing may remember this one
                throw new VeException(Kind.FAILED, null, "creating VE " + id + " failed: " + e.getMessage(), e);
            }
            LOG.info("VE created ve={} template={} privileged={}", id, ve.template(), ve.privileged());
            return told(VeAction.CREATE, transition(id, VeState.STOPPED, null));
        });
    }

    /** A fresh private area from a template: snapshot, host name, ownership shifted into the VE's range, quota. */
    private void makePrivateArea(VeEntity ve, String templateId) throws IOException {
        int id = ve.id();
        Path area = storage.createPrivateArea(id, templateId);
        // before the shift, so the file is the VE root's (ids 0 before the shift); templates may link /etc anywhere
        try (VeRootFiles files = VeRootFiles.open(area, 0)) {
            files.writeText("/etc/hostname", ve.hostname() + "\n", VeRootFiles.Attributes.rootsKeeping(0644));
        }
        if (!ve.privileged()) {
            IdShift.shift(area, OciBundle.idBase(id));
        }
        storage.setDiskQuota(id, ve.limits().diskBytes());
    }

    // ---- power -----------------------------------------------------------------------------------------------

    @Override
    public VirtualEnvironment start(int id) {
        Optional<VirtualEnvironment> remote = onItsNode(id, VeOperations.START, Map.of());
        if (remote.isPresent()) {
            return remote.get();
        }
        ask(VeAction.START, id, null, null);
        return told(VeAction.START, startAsked(id));
    }

    /** A start the hooks have agreed to. */
    private VirtualEnvironment startAsked(int id) {
        long started = System.nanoTime();
        return locked(id, () -> {
            VeEntity ve = require(id, VeState.RUNNING);
            String container = container(id);
            InitSystem boots = bootable(ve.template(), ve.templateVersion());
            long runtimeNanos;
            try {
                if (runtime.known(container)) {
                    runtime.delete(container, true); // a leftover stopped container of an earlier crash
                }
                int base = OciBundle.idBase(id);
                int owner = hostRootId(ve);
                Path rootfs = roots.prepare(id, storage.privateArea(id), owner, owner);
                List<Map<String, Object>> mounts = new ArrayList<>(views == null ? List.of() : views.mountsForStart());
                boolean systemd = boots.kind() == InitSystem.Kind.SYSTEMD;
                boolean nesting = ve.features().nestingGranted();
                boolean delegated = systemd || nesting;
                CgroupDriver.Delegation delegation = delegated ? cgroups.delegationFor(cgroupsPath(id), nesting) : null;
                if (delegated) {
                    mounts.addAll(delegation.mounts());
                }
                OciBundle.Boot boot = new OciBundle.Boot(systemd, delegated && delegation.writableMount(), nesting);
                String statfsListener = startStatfsHelper(id);
                Map<String, Object> config = OciBundle.config(new OciBundle.Spec(id, ve.hostname(),
                        rootfs.toString(), ve.privileged(), base, cgroupsPath(id), VeResources.of(pinned(id, ve.limits()), storage.blockDevice(), ioWeightSupported),
                        templates.init(ve.template(), ve.templateVersion()), mounts, statfsListener, boot));
                long runtimeStarted = System.nanoTime();
                List<IpPools.PoolAddress> addresses = pools == null ? List.of() : pools.interfaceAddresses(id);
                if (!addresses.isEmpty()) {
                    writeResolvConf(ve, addresses);
                }
                // created under its monitor, stopped before its program: the network is set up before the init boots
                runtime.create(container, bundles.resolve(String.valueOf(id)), config);
                if (delegated && !ve.privileged()) {
                    cgroups.delegate(cgroupsPath(id), owner, owner, nesting); // made by runc just now; the init has not run yet
                }
                if (!addresses.isEmpty()) {
                    int pid = runtime.state(container).orElseThrow(() -> new IOException("runc lost the container it created")).pid();
                    network.attach(id, pid, addresses, ve.limits().netInBitsPerSecond(), ve.limits().netOutBitsPerSecond());
                }
                runtime.start(container);
                runtimeNanos = System.nanoTime() - runtimeStarted;
            } catch (IOException | RuntimeException e) {
                forceDelete(container);
                releaseRuntime(id, false);
                if (network != null) {
                    network.detach(id);
                }
                throw new VeException(Kind.FAILED, null, "starting VE " + id + " failed: " + e.getMessage(), e);
            }
            LOG.info("VE started ve={} runtimeMs={} tookMs={}", id, runtimeNanos / 1_000_000, (System.nanoTime() - started) / 1_000_000);
            return transition(id, VeState.RUNNING, null);
        });
    }

    @Override
    public VirtualEnvironment stop(int id, int timeoutSeconds) {
        return onItsNode(id, VeOperations.STOP, Map.of(VeOperations.TIMEOUT, Integer.toString(timeoutSeconds)))
                .orElseGet(() -> powerOff(id, true, timeoutSeconds));
    }

    /** The hooks are asked about the start before the VE is stopped, so a refusal leaves it running. */
    @Override
    public VirtualEnvironment restart(int id, int timeoutSeconds) {
        Optional<VirtualEnvironment> remote = onItsNode(id, VeOperations.RESTART, Map.of(VeOperations.TIMEOUT, Integer.toString(timeoutSeconds)));
        if (remote.isPresent()) {
            return remote.get();
        }
        ask(VeAction.START, id, null, null);
        return told(VeAction.START, locked(id, () -> {
            VeState state = load(id).state();
            if (state == VeState.RUNNING || state == VeState.SUSPENDED) {
                stop(id, timeoutSeconds);
            }
            return startAsked(id);
        }));
    }

    @Override
    public VirtualEnvironment kill(int id) {
        return onItsNode(id, VeOperations.KILL, Map.of()).orElseGet(() -> powerOff(id, false, 0));
    }

    /**
     * Stop (SIGTERM to init, SIGKILL to everything after the timeout) or kill (SIGKILL at once). A suspended VE
     * is thawed first: signals to frozen processes are not delivered.
     */
    private VirtualEnvironment powerOff(int id, boolean graceful, int timeoutSeconds) {
        String verb = graceful ? "stop" : "kill";
        return locked(id, () -> {
            VeEntity ve = load(id);
            if (ve.state() != VeState.RUNNING && ve.state() != VeState.SUSPENDED) {
                throw conflict(id, ve.state(), verb);
            }
            String container = container(id);
            onHost(id, graceful ? "stopping" : "killing", () -> {
                if (ve.state() == VeState.SUSPENDED) {
                    runtime.resume(container);
                }
                if (graceful) {
                    runtime.kill(container, templates.stopSignal(ve.template(), ve.templateVersion()), false);
                }
                if (!graceful || !awaitStopped(container, Duration.ofSeconds(timeoutSeconds))) {
                    if (graceful) {
                        LOG.warn("VE did not stop in time, killing ve={} timeoutSeconds={}", id, timeoutSeconds);
                    }
                    runtime.kill(container, "KILL", true);
                    awaitStopped(container, Duration.ofSeconds(10));
                }
                runtime.delete(container, true);
                runtime.forgetExit(container); // the panel ended it: nothing for the exit watcher to act on
                releaseRuntime(id, false);
            });
            if (network != null) {
                network.detach(id);
            }
            LOG.info("VE {} ve={}", graceful ? "stopped" : "killed", id);
            return transition(id, VeState.STOPPED, null);
        });
    }

    @Override
    public VirtualEnvironment suspend(int id) {
        Optional<VirtualEnvironment> remote = onItsNode(id, VeOperations.SUSPEND, Map.of());
        if (remote.isPresent()) {
            return remote.get();
        }
        return locked(id, () -> {
            require(id, VeState.SUSPENDED);
            onHost(id, "suspending", () -> runtime.pause(container(id)));
            return transition(id, VeState.SUSPENDED, null);
        });
    }

    @Override
    public VirtualEnvironment resume(int id) {
        Optional<VirtualEnvironment> remote = onItsNode(id, VeOperations.RESUME, Map.of());
        if (remote.isPresent()) {
            return remote.get();
        }
        return locked(id, () -> {
            VeEntity ve = load(id);
            if (ve.state() != VeState.SUSPENDED) {
                throw conflict(id, ve.state(), "resume");
            }
            onHost(id, "resuming", () -> runtime.resume(container(id)));
            return transition(id, VeState.RUNNING, null);
        });
    }

    /** Work on the host whose failure leaves the VE as it was and is reported as such. */
    @FunctionalInterface
    private interface HostWork {
        void run() throws IOException;
    }

    private static void onHost(int id, String doing, HostWork work) {
        try {
            work.run();
        } catch (IOException e) {
            throw new VeException(Kind.FAILED, null, doing + " VE " + id + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void destroy(int id) {
        if (ranOnItsNode(id, VeOperations.DESTROY, Map.of())) {
            return;
        }
        ask(VeAction.DESTROY, id, null, null);
        VirtualEnvironment before = find(id).orElse(null);
        locked(id, () -> {
            require(id, VeState.DESTROYED);
            String owner = find(id).map(VirtualEnvironment::owner).orElse(null);
            try {
                removeFromThisNode(id);
            } catch (IOException e) {
                throw new VeException(Kind.FAILED, null, "destroying VE " + id + " failed: " + e.getMessage(), e);
            }
            database.run(em -> {
                em.createQuery("delete from SshKeyEntity k where k.veId = :ve").setParameter("ve", id).executeUpdate();
                em.remove(em.find(VeEntity.class, id));
            });
            LOG.info("VE destroyed ve={}", id);
            listener.destroyed(id, owner);
            return null;
        });
        if (before != null) {
            told(VeAction.DESTROY, before);
        }
    }

    /** The VE's container, cgroups, runtime helpers, files and bundle on this node (destroyed, or moved away). */
    private void removeFromThisNode(int id) throws IOException {
        runtime.delete(container(id), true);
        releaseRuntime(id, true);
        storage.deletePrivateArea(id);
        deleteTree(bundles.resolve(String.valueOf(id)));
    }

    @Override
    public VirtualEnvironment reinstall(int id, String template) {
        String name = template == null || template.isBlank() ? null : template.strip();
        Optional<VirtualEnvironment> remote = onItsNode(id, VeOperations.REINSTALL, name == null ? Map.of() : Map.of(VeOperations.TEMPLATE, name));
        if (remote.isPresent()) {
            return remote.get();
        }
        ask(VeAction.REINSTALL, id, name, null);
        return told(VeAction.REINSTALL, locked(id, () -> {
            VeEntity ve = load(id);
            if (ve.state() != VeState.STOPPED && ve.state() != VeState.ERROR) {
                throw conflict(id, ve.state(), "reinstall");
            }
            Template chosen = templates.forNewVe(name != null ? name : ve.template());
            bootable(chosen.name(), chosen.version());
            templates.ensureHere(chosen.name(), chosen.version()); // copied from a node holding it, before anything is removed
            try {
                releaseRuntime(id, false);
                storage.deletePrivateArea(id);
                makePrivateArea(ve, chosen.reference());
            } catch (IOException | RuntimeException e) {
                String reason = "reinstall failed: " + e.getMessage();
                database.run(em -> em.find(VeEntity.class, id).setState(VeState.ERROR, reason, now()));
                throw new VeException(Kind.FAILED, null, "reinstalling VE " + id + " failed: " + e.getMessage(), e);
            }
            try {
                writeAuthorizedKeys(ve, false); // the panel's keys survive a reinstall
            } catch (VeException e) {
                LOG.warn("SSH keys not written after reinstall ve={}: {}", id, e.getMessage());
            }
            LOG.info("VE reinstalled ve={} template={}", id, chosen.reference());
            return database.inTransaction(em -> {
                VeEntity entity = em.find(VeEntity.class, id);
                entity.setTemplate(chosen.name(), chosen.version());
                entity.setState(VeState.STOPPED, null, now());
                return entity.toVe();
            });
        }));
    }

    @Override
    public void setRootPassword(int id, String password) {
        String hash = rootPasswordHash(password);
        if (!ranOnItsNode(id, VeOperations.ROOT_PASSWORD, Map.of(VeOperations.HASH, hash))) {
            setRootPasswordHash(id, hash);
        }
    }

    /**
     * The SHA-512 crypt hash of a valid root password (INVALID otherwise). The hash is made by the panel that took
     * the password, so that a VE on another node is sent the hash, never the password.
     */
    static String rootPasswordHash(String password) {
        if (password == null || password.length() < 8 || password.length() > 128
                || password.chars().anyMatch(c -> c == '\n' || c == '\r' || c == ':' || c == 0)) {
            throw new VeException(Kind.INVALID, "password", "password must be 8 to 128 characters without line breaks or colons", null);
        }
        return org.apache.commons.codec.digest.Sha2Crypt.sha512Crypt(password.getBytes(StandardCharsets.UTF_8));
    }

    /** Puts {@code hash} (SHA-512 crypt, from {@link #rootPasswordHash}) in as root's password in the VE's /etc/shadow. */
    void setRootPasswordHash(int id, String hash) {
        if (hash == null || !hash.matches("\\$6\\$[./A-Za-z0-9=$]{1,200}")) {
            throw new VeException(Kind.INVALID, "password", "not a SHA-512 crypt hash", null);
        }
        locked(id, () -> {
            VeEntity ve = load(id);
            if (ve.state() == VeState.CREATING) {
                throw conflict(id, ve.state(), "change the root password of");
            }
            // /etc/shadow is edited from the host through the safe writer: nothing of the VE's runs, and a link or
            // FIFO planted there cannot redirect or block it.
            insideFiles(ve, "setting the root password of VE " + id, files -> {
                String shadow = files.readText("/etc/shadow", SHADOW_MAX_BYTES)
                        .orElseThrow(() -> new VeRootFiles.Refused("the VE has no /etc/shadow"));
                files.writeText("/etc/shadow", ShadowFile.withRootPassword(shadow, hash), VeRootFiles.Attributes.rootsKeeping(0640));
            });
            return null;
        });
        LOG.info("VE root password changed ve={}", id);
    }

    // ---- SSH keys ---------------------------------------------------------------------------------------------

    @Override
    public List<SshKey> sshKeys(int id) {
        record(id);
        return keyEntities(id).stream().map(SshKeyEntity::toKey).toList();
    }

    private List<SshKeyEntity> keyEntities(int id) {
        return database.inTransaction(em -> em.createQuery("select k from SshKeyEntity k where k.veId = :ve order by k.addedAt", SshKeyEntity.class)
                .setParameter("ve", id).getResultList());
    }

    @Override
    public SshKey addSshKey(int id, String publicKey) {
        SshKeys.Parsed parsed = SshKeys.parse(publicKey);
        return locked(id, () -> {
            VeEntity ve = loadChangeable(id);
            List<SshKeyEntity> existing = keyEntities(id);
            for (SshKeyEntity key : existing) {
                if (key.toKey().id().equals(parsed.id())) {
                    return key.toKey();
                }
            }
            if (existing.size() >= SshKeys.MAX_PER_VE) {
                throw new VeException(Kind.CONFLICT, "VE " + id + " has " + SshKeys.MAX_PER_VE + " keys already; remove one first");
            }
            SshKeyEntity entity = new SshKeyEntity(id, parsed, now());
            database.run(em -> em.persist(entity));
            writeAuthorizedKeys(ve, true);
            LOG.info("VE SSH key added ve={} fingerprint={}", id, parsed.fingerprint());
            return entity.toKey();
        });
    }

    @Override
    public void removeSshKey(int id, String keyId) {
        locked(id, () -> {
            VeEntity ve = loadChangeable(id);
            int removed = database.inTransaction(em -> em.createQuery("delete from SshKeyEntity k where k.id = :id")
                    .setParameter("id", id + "/" + keyId).executeUpdate());
            if (removed == 0) {
                throw new VeException(Kind.NOT_FOUND, "VE " + id + " has no SSH key " + keyId);
            }
            writeAuthorizedKeys(ve, true);
            LOG.info("VE SSH key removed ve={} key={}", id, keyId);
            return null;
        });
    }

    /**
     * Writes the VE's {@code /root/.ssh/authorized_keys} from the host through the safe writer, running or stopped.
     * Only when the panel manages keys (or just removed the last one): VEs without panel keys keep their own file.
     */
    private void writeAuthorizedKeys(VeEntity ve, boolean evenWhenNone) {
        List<SshKeyEntity> keys = keyEntities(ve.id());
        if (keys.isEmpty() && !evenWhenNone) {
            return;
        }
        StringBuilder file = new StringBuilder("# written by Vessel: manage these keys in the panel\n");
        keys.forEach(k -> file.append(k.publicKey()).append('\n'));
        insideFiles(ve, "writing the SSH keys of VE " + ve.id(), files -> {
            files.mkdirs("/root/.ssh", 0, 0, 0700);
            files.writeText("/root/.ssh/authorized_keys", file.toString(), VeRootFiles.Attributes.roots(0600));
        });
    }

    /** Work on a VE's files from the host. */
    @FunctionalInterface
    private interface FileWork {
        void run(VeRootFiles files) throws IOException;
    }

    private static final int SHADOW_MAX_BYTES = 1 << 20;

    /** The host uid (and gid) that is root in the VE: its range's first, or the host's root for a privileged VE. */
    private static int hostRootId(VeEntity ve) {
        return ve.privileged() ? 0 : OciBundle.idBase(ve.id());
    }

    private VeRootFiles openRoot(VeEntity ve) throws IOException {
        return VeRootFiles.open(storage.privateArea(ve.id()), hostRootId(ve));
    }

    /**
     * Runs {@code work} on the VE's root file system through {@link VeRootFiles}. What the tenant's files stop
     * (a directory where a file belongs, a full disk) is answered as unprocessable, anything else as a failure.
     */
    private void insideFiles(VeEntity ve, String doing, FileWork work) {
        try (VeRootFiles files = openRoot(ve)) {
            work.run(files);
        } catch (VeRootFiles.Refused e) {
            throw new VeException(Kind.UNPROCESSABLE, null, doing + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new VeException(Kind.FAILED, null, doing + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public VirtualEnvironment update(int id, String hostname, VeLimits changes) {
        return update(id, hostname, changes, null);
    }

    private static VeFeatures validFeatures(VeFeatures features, boolean privileged) {
        if (features.nestingGranted() && privileged) {
            throw new VeException(Kind.UNPROCESSABLE, "features.nesting", "nesting is for unprivileged VEs: root in a privileged VE is root on "
                    + "the host, whose capabilities are never handed to a VE", null);
        }
        return features;
    }

    /** A host name given for a VE (null: none given). */
    private static void checkHostname(String hostname) {
        if (hostname != null && !HOSTNAME.matcher(hostname).matches()) {
            throw new VeException(Kind.INVALID, "hostname", "'" + hostname + "' is not a valid host name (at most 64 letters, digits, dashes and dots)", null);
        }
    }

    @Override
    public void checkUpdate(int id, String hostname, VeLimits changes, VeFeatures featureChanges) {
        checkHostname(hostname);
        VeEntity ve = recordAnywhere(id);
        if (ve.state() == VeState.CREATING || ve.state() == VeState.DESTROYED) {
            throw conflict(id, ve.state(), "change");
        }
        VeLimits next = validLimits(changes == null ? ve.limits() : changes.over(ve.limits()));
        validFeatures(featureChanges == null ? ve.features() : featureChanges.over(ve.features()), ve.privileged());
        if (changes != null && !hooks.isEmpty() && !next.equals(ve.limits())) {
            VirtualEnvironment current = ve.toVe();
            hooks.before(new VeLifecycleEvent(VeAction.CHANGE_LIMITS, id, current.owner(), current.hostname(), current.template(), next));
        }
    }

    @Override
    public VirtualEnvironment update(int id, String hostname, VeLimits changes, VeFeatures featureChanges) {
        checkHostname(hostname);
        VeLimits asked = null;
        if (changes != null && !hooks.isEmpty()) {
            VirtualEnvironment current = find(id).orElseThrow(() -> new VeException(Kind.NOT_FOUND, "there is no VE " + id));
            VeLimits next = validLimits(changes.over(current.limits()));
            if (!next.equals(current.limits())) {
                hooks.before(new VeLifecycleEvent(VeAction.CHANGE_LIMITS, id, current.owner(), current.hostname(), current.template(), next));
                asked = next;
            }
        }
        VeLimits agreed = asked;
        VirtualEnvironment updated = locked(id, () -> {
            VeEntity ve = load(id);
            if (ve.state() == VeState.CREATING || ve.state() == VeState.DESTROYED) {
                throw conflict(id, ve.state(), "change");
            }
            VeLimits current = ve.limits();
            VeLimits next = validLimits(changes == null ? current : changes.over(current));
            VeFeatures features = validFeatures(featureChanges == null ? ve.features() : featureChanges.over(ve.features()), ve.privileged());
            try {
                if (next.diskBytes() != current.diskBytes()) {
                    long used = storage.diskUsage(id).referencedBytes();
                    if (next.diskBytes() < used) {
                        throw new VeException(Kind.UNPROCESSABLE, "limits.diskBytes", "the disk quota of VE " + id + " cannot go below the "
                                + used + " bytes it already uses; free space in the VE first", null);
                    }
                    storage.setDiskQuota(id, next.diskBytes());
                }
                if (ve.state() == VeState.RUNNING || ve.state() == VeState.SUSPENDED) {
                    cgroups.apply(cgroupsPath(id), pinned(id, next), storage.blockDevice());
                    if (network != null && (!next.netInBitsPerSecond().equals(current.netInBitsPerSecond())
                            || !next.netOutBitsPerSecond().equals(current.netOutBitsPerSecond()))) {
                        network.shape(id, next.netInBitsPerSecond(), next.netOutBitsPerSecond());
                    }
                }
                if (hostname != null) {
                    setHostname(ve, hostname);
                }
            } catch (IOException e) {
                throw new VeException(Kind.FAILED, null, "changing VE " + id + " failed: " + e.getMessage(), e);
            }
            LOG.info("VE changed ve={} limits={} features={} hostname={}", id, next, features, hostname != null ? hostname : ve.hostname());
            VirtualEnvironment changed = database.inTransaction(em -> {
                VeEntity entity = em.find(VeEntity.class, id);
                entity.setLimits(next, now());
                entity.setFeatures(features, now());
                if (hostname != null) {
                    entity.setHostname(hostname);
                }
                return entity.toVe();
            });
            if (!java.util.Objects.equals(next.smtp(), current.smtp())) {
                syncHostFilter();
            }
            return changed;
        });
        return agreed == null ? updated : told(VeAction.CHANGE_LIMITS, updated);
    }

    /**
     * The running VE's kernel host name is set from the host by joining only its UTS namespace (nothing of the VE's
     * runs, no capability is lent); {@code /etc/hostname} is written through the safe writer in every state.
     */
    private void setHostname(VeEntity ve, String hostname) throws IOException {
        int id = ve.id();
        if ((ve.state() == VeState.RUNNING || ve.state() == VeState.SUSPENDED) && !hostname.equals(ve.hostname())) {
            try (Fd init = initOf(id)) {
                VeNamespaces.setHostname(init, hostname);
            }
        }
        insideFiles(ve, "writing /etc/hostname of VE " + id,
                files -> files.writeText("/etc/hostname", hostname + "\n", VeRootFiles.Attributes.rootsKeeping(0644)));
    }

    /**
     * A pidfd of the running VE's init. The pid runc reports is checked again after the pidfd is open: runc
     * checks the process's start time, so a pid reused by another process in between is not taken for the init.
     */
    private Fd initOf(int id) throws IOException {
        String container = container(id);
        int pid = initPid(container);
        Fd pidfd = VeNamespaces.pidfd(pid);
        if (runtime.state(container).map(RuncRuntime.State::pid).orElse(-1) != pid) {
            pidfd.close();
            throw new IOException("the VE's init ended meanwhile");
        }
        return pidfd;
    }

    /** The pid of the container's init, as runc reports it. */
    private int initPid(String container) throws IOException {
        return runtime.state(container).filter(s -> s.pid() > 0).orElseThrow(() -> new IOException("the VE's container is gone")).pid();
    }

    @Override
    public long diskUsed(int id) {
        load(id);
        try {
            return storage.diskUsage(id).referencedBytes();
        } catch (IOException e) {
            throw new VeException(Kind.FAILED, null, "reading the disk usage of VE " + id + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public ExecResult exec(int id, ExecRequest request) {
        ExecCommand command = execCommand(id, request);
        try {
            RuncRuntime.ExecResult r = runtime.exec(container(id), request.command(), command.env(), command.stdin(),
                    command.timeout(), execOutputCap);
            if (r.truncated()) {
                LOG.info("VE exec output capped ve={} stdoutBytes={} stderrBytes={} cap={}", id, r.stdoutBytes(), r.stderrBytes(), execOutputCap);
            }
            return new ExecResult(r.exitCode(), r.stdout(), r.stderr(), r.timedOut(), r.truncated(), r.stdoutBytes(), r.stderrBytes());
        } catch (IOException e) {
            throw new VeException(Kind.FAILED, null, "running the command in VE " + id + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public ExecResult exec(int id, ExecRequest request, io.vessel.kernel.api.ExecOutput output) {
        ExecCommand command = execCommand(id, request);
        long[] counts = new long[2];
        try {
            RuncRuntime.Finished f = runtime.exec(container(id), request.command(), command.env(), command.stdin(), command.timeout(),
                    (stderr, data, length) -> {
                        synchronized (counts) {
                            counts[stderr ? 1 : 0] += length;
                        }
                        output.write(stderr, data, length);
                    });
            return new ExecResult(f.exitCode(), "", "", f.timedOut(), false, counts[0], counts[1]);
        } catch (IOException e) {
            throw new VeException(Kind.FAILED, null, "running the command in VE " + id + " failed: " + e.getMessage(), e);
        }
    }

    /** Most a buffered exec keeps of each stream ({@code kernel.exec.output.max}); streaming has no cap. */
    private volatile int execOutputCap = 1 << 20;

    void execOutputCap(int bytes) {
        this.execOutputCap = bytes;
    }

    private record ExecCommand(Map<String, String> env, byte[] stdin, Duration timeout) {
    }

    private ExecCommand execCommand(int id, ExecRequest request) {
        if (request == null || request.command() == null || request.command().isEmpty()
                || request.command().stream().anyMatch(a -> a == null || a.indexOf('\0') >= 0)) {
            throw new VeException(Kind.INVALID, "command", "command must be a non-empty list of arguments", null);
        }
        int timeout = request.timeoutSeconds() == null ? 30 : request.timeoutSeconds();
        if (timeout < 1 || timeout > 3600) {
            throw new VeException(Kind.INVALID, "timeoutSeconds", "timeoutSeconds must be between 1 and 3600", null);
        }
        Map<String, String> env = request.env() == null ? Map.of() : request.env();
        for (String key : env.keySet()) {
            if (key == null || !key.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new VeException(Kind.INVALID, "env", "invalid environment variable name '" + key + "'", null);
            }
        }
        VeEntity ve = load(id);
        if (ve.state() != VeState.RUNNING) {
            throw new VeException(Kind.CONFLICT, "VE " + id + " is " + ve.state() + "; start it to run commands");
        }
        byte[] stdin = request.stdin() == null ? null : request.stdin().getBytes(StandardCharsets.UTF_8);
        return new ExecCommand(env, stdin, Duration.ofSeconds(timeout));
    }

    @Override
    public boolean isExecutableFile(int id, String path) {
        if (path == null || !path.startsWith("/") || path.indexOf('\0') >= 0) {
            throw new VeException(Kind.INVALID, "path", "the path is an absolute path in the VE", null);
        }
        boolean[] executable = {false};
        insideFiles(load(id), "looking at " + path + " of VE " + id, files -> executable[0] = files.isExecutable(path));
        return executable[0];
    }

    private volatile io.vessel.kernel.internal.ve.HostTools hostTools;

    void useHostTools(io.vessel.kernel.internal.ve.HostTools tools) {
        this.hostTools = tools;
    }

    @Override
    public ExecResult extractInto(int id, String directory, java.io.InputStream archive, Duration timeout) {
        if (directory == null || !directory.startsWith("/") || directory.indexOf('\0') >= 0 || directory.length() > 4096) {
            throw new VeException(Kind.INVALID, "directory", "the directory is an absolute path in the VE", null);
        }
        VeEntity ve = load(id);
        if (ve.state() != VeState.RUNNING) {
            throw new VeException(Kind.CONFLICT, "VE " + id + " is " + ve.state() + "; files are restored into a running VE");
        }
        io.vessel.kernel.internal.ve.HostTools tools = hostTools;
        if (tools == null) {
            throw new VeException(Kind.UNAVAILABLE, "this node has no helper to write into VEs for this architecture");
        }
        insideFiles(ve, "making " + directory + " in VE " + id, files -> files.mkdirs(directory, 0, 0, 0755));
        try {
            int pid = initPid(container(id));
            // numeric owners: a name lookup would read the VE's /etc/passwd through a static glibc that may load its libraries
            io.vessel.kernel.internal.ve.HostTools.Outcome outcome = tools.inVe(pid, cgroupsPath(id), cgroups.procsFilesOf(pid),
                    List.of("tar", "-x", "-f", "-", "-C", directory, "--numeric-owner"), archive, timeout);
            LOG.info("Extracted an archive into a VE ve={} directory={} exit={} timedOut={}", id, directory, outcome.exitCode(), outcome.timedOut());
            return new ExecResult(outcome.exitCode(), "", outcome.messages(), outcome.timedOut());
        } catch (IOException e) {
            throw new VeException(Kind.FAILED, null, "writing into VE " + id + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public VeConsole enter(int id, int columns, int rows) {
        if (columns < 1 || rows < 1 || columns > 1000 || rows > 1000) {
            throw new VeException(Kind.INVALID, "columns", "a terminal is 1 to 1000 columns and rows", null);
        }
        VeEntity ve = load(id);
        if (ve.state() != VeState.RUNNING) {
            throw new VeException(Kind.CONFLICT, "VE " + id + " is " + ve.state() + "; start it to open a console");
        }
        try {
            VeConsole console = runtime.console(container(id), List.of("/bin/sh", "-c",
                    "if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi"),
                    Map.of("TERM", "xterm-256color", "HOME", "/root"), columns, rows);
            LOG.info("VE console opened ve={} size={}x{}", id, columns, rows);
            return console;
        } catch (IOException e) {
            throw new VeException(Kind.FAILED, null, "opening a console in VE " + id + " failed: " + e.getMessage(), e);
        }
    }

    // ---- plugins' lifecycle hooks -----------------------------------------------------------------------------

    void useHooks(VeHooks hooks) {
        this.hooks = hooks;
    }

    /** Asks the hooks now, for an API that answers before it queues the action; the action then does not ask again. */
    @Override
    public void admit(VeAction action, int id, String template) {
        if (hooks.isEmpty() || action == VeAction.CREATE || action == VeAction.CHANGE_LIMITS) {
            return; // create and limit changes ask in their own (synchronous) calls
        }
        hooks.before(event(action, id, template, null));
        admissions.put(action + ":" + id, System.nanoTime() + ADMISSION_VALID.toNanos());
    }

    /** Asks the hooks unless an API's admission of this action is still valid (and uses it up). */
    private void ask(VeAction action, int id, String template, VeLimits limits) {
        Long until = admissions.remove(action + ":" + id);
        if (hooks.isEmpty() || until != null && until - System.nanoTime() > 0) {
            return;
        }
        hooks.before(event(action, id, template, limits));
    }

    private VeLifecycleEvent event(VeAction action, int id, String template, VeLimits limits) {
        VirtualEnvironment ve = find(id).orElseThrow(() -> new VeException(Kind.NOT_FOUND, "there is no VE " + id));
        return new VeLifecycleEvent(action, id, ve.owner(), ve.hostname(), template != null ? template : ve.template(),
                limits != null ? limits : ve.limits());
    }

    /** Tells the hooks of a done action (asynchronously) and passes its result on. */
    private VirtualEnvironment told(VeAction action, VirtualEnvironment ve) {
        if (!hooks.isEmpty()) {
            hooks.after(new VeLifecycleEvent(action, ve.id(), ve.owner(), ve.hostname(), ve.template(), ve.limits()));
        }
        return ve;
    }

    @Override
    public void checkTemplate(String template) {
        Template chosen = templates.forNewVe(template);
        bootable(chosen.name(), chosen.version());
    }

    @Override
    public void checkTemplate(String template, int id) {
        VeEntity ve = recordAnywhere(id);
        if (node.id().equals(ve.nodeId())) {
            checkTemplate(template);
        } else {
            templates.forNewVeOn(template, ve.nodeId());
        }
    }

    @Override
    public void checkTransition(int id, VeState target) {
        VeEntity ve = recordAnywhere(id);
        boolean ok = switch (target) {
            case STOPPED -> ve.state() == VeState.RUNNING || ve.state() == VeState.SUSPENDED;
            default -> ve.state().canBecome(target);
        };
        if (!ok) {
            throw conflict(id, ve.state(), verb(target));
        }
    }

    private static String verb(VeState target) {
        return switch (target) {
            case RUNNING -> "start";
            case STOPPED -> "stop";
            case SUSPENDED -> "suspend";
            case DESTROYED -> "destroy";
            default -> "change";
        };
    }

    // ---- the VE's own end ---------------------------------------------------------------------------------------

    /**
     * The VE's monitor recorded that its init ended without the panel asking: a {@code reboot} inside (init ended by
     * SIGHUP, or Vessel's init exiting with 129) starts it again, anything else (a power-off, a crash of its init)
     * leaves it stopped with the reason. Runs under the VE's lock and reads the exit again there, so an exit the
     * panel caused itself (a stop, then perhaps a new start) is ignored.
     */
    void initExited(int id) {
        locked(id, () -> {
            Optional<VeEntity> found = database.inTransaction(em -> Optional.ofNullable(em.find(VeEntity.class, id)));
            String container = container(id);
            java.util.OptionalInt status = runtime.exitStatus(container);
            if (found.isEmpty() || status.isEmpty()) {
                return null;
            }
            VeState recorded = found.get().state();
            try {
                if (recorded != VeState.RUNNING && recorded != VeState.SUSPENDED
                        || runtime.state(container).map(RuncRuntime.State::running).orElse(false)) {
                    runtime.forgetExit(container); // ended by the panel, or already running again
                    return null;
                }
                runtime.delete(container, true);
                runtime.forgetExit(container);
                releaseRuntime(id, false);
            } catch (IOException e) {
                LOG.warn("VE ended by itself but its container could not be removed ve={}: {}", id, e.getMessage());
                return null;
            }
            if (network != null) {
                network.detach(id);
            }
            endedByItself(id, status.getAsInt(), "");
            return null;
        });
    }

    /** Records how a VE ended by itself and starts it again after a reboot. */
    private void endedByItself(int id, int status, String when) {
        boolean reboot = status == io.vessel.kernel.internal.template.VesselInit.EXIT_REBOOT;
        String reason = reboot ? "rebooted from inside the VE" + when
                : status == io.vessel.kernel.internal.template.VesselInit.EXIT_POWEROFF ? "powered off from inside the VE" + when
                : "its init ended with status " + status + when;
        LOG.info("VE ended by itself ve={} status={} reason=\"{}\"", id, status, reason);
        transition(id, VeState.STOPPED, reason);
        if (reboot) {
            try {
                start(id);
            } catch (VeException e) {
                LOG.warn("VE rebooted from inside but could not start again ve={}: {}", id, e.getMessage());
                database.run(em -> em.find(VeEntity.class, id).setState(VeState.STOPPED, "rebooted, but starting again failed: " + e.getMessage(), now()));
            }
        }
    }

    /** Where VE monitors record exits, for the watcher; null without monitors. */
    Path exitDirectory() {
        return runtime.exitDirectory();
    }

    /** The VE whose container name is {@code name}, if it is one of this panel's. */
    static OptionalInt veOfContainer(String name) {
        if (name.matches("ve-\\d{1,5}")) {
            return OptionalInt.of(Integer.parseInt(name.substring(3)));
        }
        return OptionalInt.empty();
    }

    // ---- snapshots for backups ---------------------------------------------------------------------------------

    /** How long a VE may take to freeze for its snapshot before the snapshot is taken without freezing it. */
    static final java.time.Duration SNAPSHOT_FREEZE_LIMIT = java.time.Duration.ofSeconds(2);

    @Override
    public io.vessel.kernel.api.VeSnapshot snapshot(int id) {
        return locked(id, () -> {
            VeEntity ve = load(id);
            VeState state = ve.state();
            if (state != VeState.RUNNING && state != VeState.STOPPED && state != VeState.SUSPENDED) {
                throw conflict(id, state, "snapshot");
            }
            String name = id + "-" + System.currentTimeMillis();
            String rehearsal = name + "-r";
            try {
                storage.flush(); // outside the frozen instant: what is cached goes to disk while the VE still runs
                boolean freeze = state == VeState.RUNNING;
                if (freeze) {
                    // A first snapshot while the VE runs, deleted after the real one: on a cold cache (a nightly backup, a
                    // host short of memory) a btrfs snapshot with quotas reads much of the pool's metadata (7x longer
                    // measured: 125-160 ms against 15-20 ms), and the real one, frozen, finds it cached. Deleted only
                    // after the thaw: a deletion's cleanup beside the frozen snapshot made that one slower than cold.
                    storage.snapshotPrivateArea(id, rehearsal);
                }
                Path marker = bundles.resolve(id + ".frozen-for-snapshot");
                long started = System.nanoTime();
                Path path;
                if (freeze) {
                    Files.writeString(marker, cgroupsPath(id)); // a crash while frozen is thawed by the next reconcile
                    // the btrfs snapshot is atomic by itself (consistent as after a power cut); freezing only lets every
                    // system call under way finish first, so a VE that does not freeze at once is snapshotted running
                    freeze = cgroups.freezeWithin(cgroupsPath(id), SNAPSHOT_FREEZE_LIMIT);
                    if (!freeze) {
                        Files.deleteIfExists(marker);
                        LOG.warn("VE not frozen for its snapshot within {} ms (a process waiting on the disk, or forking hard): snapshot taken"
                                + " while it runs ve={}", SNAPSHOT_FREEZE_LIMIT.toMillis(), id);
                    }
                }
                java.util.List<io.vessel.kernel.internal.storage.StorageDriver.NestedSnapshot> nested;
                long frozenAt = System.nanoTime();
                long snapshotted;
                try {
                    path = storage.snapshotPrivateArea(id, name);
                    snapshotted = System.nanoTime();
                    try {
                        nested = storage.snapshotNested(id, name);
                    } catch (IOException | RuntimeException e) {
                        storage.deleteSnapshot(name);
                        throw e;
                    }
                } finally {
                    if (freeze) {
                        cgroups.freeze(cgroupsPath(id), false);
                        Files.deleteIfExists(marker);
                    }
                }
                long thawed = System.nanoTime();
                if (freeze) {
                    deleteRehearsal(rehearsal);
                }
                java.time.Duration frozen = freeze ? java.time.Duration.ofNanos(thawed - started) : java.time.Duration.ZERO;
                if (!nested.isEmpty()) {
                    nestedSnapshots.put(name, nested);
                }
                // where a frozen instant went: freezing, the snapshot, then the nested subvolumes' (a list and one each) and the thaw
                LOG.info("VE snapshot taken ve={} snapshot={} state={} frozenMs={} freezeMs={} snapshotMs={} nestedSubvolumes={} nestedAndThawMs={}", id, name,
                        state, frozen.toMillis(), (frozenAt - started) / 1_000_000, (snapshotted - frozenAt) / 1_000_000, nested.size(),
                        (thawed - snapshotted) / 1_000_000);
                return new io.vessel.kernel.api.VeSnapshot(id, name, path, java.time.Instant.now(), state, frozen);
            } catch (IOException e) {
                deleteRehearsal(rehearsal);
                throw new VeException(Kind.FAILED, null, "snapshot of VE " + id + " failed: " + e.getMessage(), e);
            }
        });
    }

    /** The snapshot taken to warm the pool's metadata before a frozen one: gone, or left to the next reconcile. */
    private void deleteRehearsal(String rehearsal) {
        try {
            storage.deleteSnapshot(rehearsal);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not delete a rehearsal snapshot (the next start's reconcile does) snapshot={}: {}", rehearsal, e.getMessage());
        }
    }

    @Override
    public Path viewAsVeSees(io.vessel.kernel.api.VeSnapshot snapshot) {
        VeEntity ve = load(snapshot.veId());
        Path view = snapshotViews().resolve(Integer.toString(snapshot.veId()));
        try {
            Files.createDirectories(view.getParent(), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            Files.createDirectories(view);
            detachView(view); // one left by a backup that failed half-way
            mountAsVeSees(snapshot.path(), view, hostRootId(ve), true);
            for (io.vessel.kernel.internal.storage.StorageDriver.NestedSnapshot nested : nestedSnapshots.getOrDefault(snapshot.name(), List.of())) {
                mountAsVeSees(nested.snapshot(), placeholderIn(view, nested.pathInVe()), hostRootId(ve), true);
            }
            LOG.info("VE snapshot shown as the VE sees it ve={} snapshot={} view={}", snapshot.veId(), snapshot.name(), view);
            return view;
        } catch (IOException e) {
            throw new VeException(Kind.FAILED, null, "showing snapshot " + snapshot.name() + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The subvolumes made inside a VE, by snapshot name: their own snapshots, shown in the view where the area's
     * snapshot has an empty directory for each (so a backup holds their files too). Only while a snapshot is held; a
     * crash deletes every snapshot at the next start.
     */
    private final java.util.Map<String, List<io.vessel.kernel.internal.storage.StorageDriver.NestedSnapshot>> nestedSnapshots =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Where a nested subvolume's snapshot goes in a view: the empty directory the area's snapshot holds for it, every
     * component a real directory (the snapshot is read-only, so what is checked here cannot change before the mount).
     */
    private static Path placeholderIn(Path view, String pathInVe) throws IOException {
        Path at = view;
        for (String part : pathInVe.split("/")) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IOException("not a path in the VE: " + pathInVe);
            }
            at = at.resolve(part);
            if (!Files.isDirectory(at, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("/" + pathInVe + " is not a directory in the VE's snapshot");
            }
        }
        return at;
    }

    private static final long MS_BIND = 4096;

    /**
     * {@code source} at {@code view} with owners as the VE sees them: an idmapped mount of the VE's range, or for a
     * privileged VE (whose files carry the host's own ids) a plain bind — read-only then by the snapshot itself.
     */
    private static void mountAsVeSees(Path source, Path view, int base, boolean readOnly) throws IOException {
        if (base == 0) {
            io.vessel.kernel.internal.linux.Mounts.mount(source.toString(), view, null, MS_BIND, null);
        } else {
            io.vessel.kernel.internal.linux.IdmappedMount.mount(source, view, base, 65536, readOnly);
        }
    }

    @Override
    public io.vessel.kernel.api.VeRestore beginRestore(int id) {
        VeEntity ve = load(id);
        String name = id + "-" + System.currentTimeMillis();
        Path view = restoreViews().resolve(Integer.toString(id));
        long quota = ve.limits().diskBytes();
        try {
            Path area = storage.beginRestore(id, name, quota);
            try {
                int base = hostRootId(ve);
                // the tree's root belongs to the VE's root, as the idmapped mount requires (it maps only the VE's ids)
                Files.setAttribute(area, "unix:uid", base);
                Files.setAttribute(area, "unix:gid", base);
                Files.createDirectories(view.getParent(), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
                Files.createDirectories(view);
                detachView(view);
                mountAsVeSees(area, view, base, false);
            } catch (IOException | RuntimeException e) {
                storage.deleteRestore(name);
                throw e;
            }
            LOG.info("VE restore begun ve={} restore={} quotaBytes={}", id, name, quota);
            return new io.vessel.kernel.api.VeRestore(id, name, view, quota);
        } catch (IOException e) {
            throw new VeException(Kind.FAILED, null, "a restore of VE " + id + " could not begin: " + e.getMessage(), e);
        }
    }

    @Override
    public VirtualEnvironment finishRestore(io.vessel.kernel.api.VeRestore restore) {
        int id = restore.veId();
        return locked(id, () -> {
            VeEntity ve = load(id);
            if (ve.state() != VeState.STOPPED) {
                throw conflict(id, ve.state(), "take a restored file system");
            }
            try {
                detachView(restoreViews().resolve(Integer.toString(id)));
                storage.swapInRestore(id, restore.name());
                storage.setDiskQuota(id, ve.limits().diskBytes());
                LOG.info("VE restored ve={} restore={}", id, restore.name());
                return find(id).orElseThrow();
            } catch (IOException e) {
                throw new VeException(Kind.FAILED, null, "the restored file system of VE " + id + " could not be swapped in: " + e.getMessage(), e);
            }
        });
    }

    @Override
    public void abandonRestore(io.vessel.kernel.api.VeRestore restore) {
        try {
            detachView(restoreViews().resolve(Integer.toString(restore.veId())));
            storage.deleteRestore(restore.name());
            LOG.info("VE restore abandoned ve={} restore={}", restore.veId(), restore.name());
        } catch (IOException e) {
            throw new VeException(Kind.FAILED, null, "the restore " + restore.name() + " could not be dropped: " + e.getMessage(), e);
        }
    }

    /** Where restores are written as their VEs see their files: {@code <data>/run/restore-views/<ve>}. */
    private Path restoreViews() {
        return bundles.resolveSibling("restore-views");
    }

    /** Where snapshots are shown as their VEs see them, one directory per VE: {@code <data>/run/snapshot-views/<ve>}. */
    private Path snapshotViews() {
        return bundles.resolveSibling("snapshot-views");
    }

    private static void detachView(Path view) throws IOException {
        while (io.vessel.kernel.internal.linux.Mounts.find(view).isPresent()) {
            io.vessel.kernel.internal.linux.Mounts.unmount(view, true);
        }
    }

    @Override
    public void releaseSnapshot(io.vessel.kernel.api.VeSnapshot snapshot) {
        try {
            detachView(snapshotViews().resolve(Integer.toString(snapshot.veId())));
            storage.deleteSnapshot(snapshot.name());
            nestedSnapshots.remove(snapshot.name());
            LOG.info("VE snapshot released ve={} snapshot={}", snapshot.veId(), snapshot.name());
        } catch (IOException e) {
            throw new VeException(Kind.FAILED, null, "releasing snapshot " + snapshot.name() + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * After a crash: VEs frozen for a snapshot are thawed (their marker names the cgroup), and snapshots nobody holds
     * any more are deleted (a backup that was reading one died with the panel).
     */
    private void releaseLeftSnapshots() throws IOException {
        try (java.nio.file.DirectoryStream<Path> markers = Files.newDirectoryStream(bundles, "*.frozen-for-snapshot")) {
            for (Path marker : markers) {
                String group = Files.readString(marker).strip();
                try {
                    cgroups.freeze(group, false);
                    LOG.warn("Reconcile: thawed a VE frozen for a snapshot when the panel stopped cgroup={}", group);
                } catch (IOException e) {
                    LOG.warn("Reconcile: could not thaw cgroup={} (gone with its VE?): {}", group, e.getMessage());
                }
                Files.deleteIfExists(marker);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // no bundles yet
        }
        for (Path views : List.of(snapshotViews(), restoreViews())) {
            if (Files.isDirectory(views)) {
                for (Path view : io.vessel.kernel.internal.linux.Mounts.under(views)) {
                    io.vessel.kernel.internal.linux.Mounts.unmount(view, true);
                    LOG.warn("Reconcile: detached a view left by a stop view={}", view);
                }
            }
        }
        storage.settleSwaps();
        for (String name : storage.restores()) {
            storage.deleteRestore(name);
            LOG.warn("Reconcile: deleted a restore left unfinished by a stop restore={}", name);
        }
        for (String name : storage.snapshots()) {
            storage.deleteSnapshot(name);
            LOG.warn("Reconcile: deleted snapshot left by a stop snapshot={}", name);
        }
    }

    // ---- reconcile -------------------------------------------------------------------------------------------

    /**
     * Brings the database in line with what really exists after a crash or a restart of the panel: running and
     * stopped containers, half-created VEs, orphans. Logs every correction.
     */
    void reconcile() throws IOException {
        releaseLeftSnapshots();
        java.util.Map<String, RuncRuntime.State> states = runtime.states();
        Set<String> containers = new HashSet<>(states.keySet());
        for (VirtualEnvironment ve : local()) {
            String container = container(ve.id());
            Optional<RuncRuntime.State> state = Optional.ofNullable(states.get(container));
            containers.remove(container);
            if (ve.state() == VeState.CREATING) {
                LOG.warn("Reconcile: removing VE whose creation was interrupted ve={}", ve.id());
                removeTraces(ve.id());
                database.run(em -> em.remove(em.find(VeEntity.class, ve.id())));
                continue;
            }
            VeState actual = state.map(s -> s.running() ? VeState.RUNNING : s.paused() ? VeState.SUSPENDED : VeState.STOPPED)
                    .orElse(VeState.STOPPED);
            if (state.isPresent() && actual == VeState.STOPPED) {
                runtime.delete(container, true);
            }
            if (actual == VeState.STOPPED && ve.state() != VeState.STOPPED && network != null) {
                network.detach(ve.id()); // its namespace is gone; its rules on the bridge go too
            }
            java.util.OptionalInt ended = runtime.exitStatus(container);
            if (actual == VeState.STOPPED && ended.isPresent() && (ve.state() == VeState.RUNNING || ve.state() == VeState.SUSPENDED)) {
                runtime.forgetExit(container);
                endedByItself(ve.id(), ended.getAsInt(), " (reconciled at panel start: it ended while the panel was down)");
                continue;
            }
            if (actual != ve.state() && ve.state() != VeState.ERROR) {
                String reason = "reconciled at panel start: was recorded " + ve.state() + ", found " + actual;
                LOG.warn("Reconcile: ve={} recorded={} actual={}", ve.id(), ve.state(), actual);
                database.run(em -> em.find(VeEntity.class, ve.id()).setState(actual, reason, now()));
            }
        }
        for (String orphan : containers) {
            LOG.warn("Reconcile: container without a VE record container={} (left alone)", orphan);
        }
        Set<Integer> active = new HashSet<>(activeIds());
        roots.keepOnly(active);
        if (statfs != null) {
            statfs.recorded().stream().filter(id -> !active.contains(id)).forEach(id -> releaseRuntime(id, false));
        }
        Set<Integer> known = new HashSet<>();
        local().forEach(v -> known.add(v.id()));
        Map<Integer, UUID> everywhere = database.inTransaction(em -> {
            Map<Integer, UUID> nodeOf = new java.util.HashMap<>();
            // native SQL: see recorded(); the entity maps the node's id (a scalar uuid column comes back as bytes from H2)
            @SuppressWarnings("unchecked")
            List<VeEntity> all = em.createNativeQuery("select * from ve", VeEntity.class).getResultList();
            for (VeEntity ve : all) {
                nodeOf.put(ve.id(), ve.nodeId());
            }
            return nodeOf;
        });
        for (int area : storage.privateAreas()) {
            if (known.contains(area)) {
                continue;
            }
            UUID owner = everywhere.get(area);
            if (owner != null && !owner.equals(node.id())) {
                // a migration this node took part in ended here by a crash: as the source after the hand-over (the VE
                // is the target's now, with its files there) or as the target before it (the VE stayed at its node)
                LOG.warn("Reconcile: removing the files of ve={} left on this node; it is node {}'s", area, owner);
                try {
                    removeFromThisNode(area);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("Files of ve={} not removed: {}", area, e.getMessage());
                }
            } else {
                LOG.warn("Reconcile: private area without a VE record ve={} (left alone)", area);
            }
        }
        storage.sweepReceived();
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /**
     * How long an action waits for another action on the same VE. Actions never block on what a tenant controls
     * (see {@link VeRootFiles}), so a long wait means a long legitimate action (a stop with a long timeout); the
     * waiting request is refused rather than queued without end.
     */
    static final Duration LOCK_WAIT = Duration.ofMinutes(2);

    private <T> T locked(int id, Supplier<T> action) {
        ReentrantLock lock = locks.computeIfAbsent(id, k -> new ReentrantLock());
        try {
            if (!lock.tryLock(LOCK_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new VeException(Kind.CONFLICT, "VE " + id + " is busy with another action for more than "
                        + LOCK_WAIT.toMinutes() + " minutes; try again later");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VeException(Kind.FAILED, null, "interrupted while waiting for another action on VE " + id, e);
        }
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The VE's record wherever it runs, for the checks any panel makes before it dispatches an action to the VE's
     * node: refused at once when that node is out of reach.
     */
    private VeEntity recordAnywhere(int id) {
        VeEntity found = record(id);
        if (!node.id().equals(found.nodeId())) {
            nodes.nodes().stream().filter(n -> n.id().equals(found.nodeId())).findFirst().ifPresent(this::requireReachable);
        }
        return found;
    }

    private VeEntity record(int id) {
        return database.inTransaction(em -> {
            VeEntity ve = em.find(VeEntity.class, id);
            if (ve == null) {
                throw new VeException(Kind.NOT_FOUND, "there is no VE " + id);
            }
            em.detach(ve);
            return ve;
        });
    }

    /** The VE's record, for an action on it: only a VE of this node can be acted on here. */
    private VeEntity load(int id) {
        VeEntity found = record(id);
        if (!node.id().equals(found.nodeId())) {
            Node other = nodes.nodes().stream().filter(n -> n.id().equals(found.nodeId())).findFirst().orElse(null);
            String where = other == null ? "node " + found.nodeId() : "node " + other.hostname() + " (" + other.id() + ")"
                    + (other.health() == NodeHealth.UNREACHABLE ? ", which is out of reach" : "");
            throw new VeException(Kind.CONFLICT, "VE " + id + " is on " + where + "; it is managed there, not by this node");
        }
        return found;
    }

    /** The VE, when it is in a state whose files and settings may be changed. */
    private VeEntity loadChangeable(int id) {
        VeEntity ve = load(id);
        if (ve.state() == VeState.CREATING || ve.state() == VeState.DESTROYED) {
            throw conflict(id, ve.state(), "change");
        }
        return ve;
    }

    private VeEntity require(int id, VeState target) {
        VeEntity ve = load(id);
        if (!ve.state().canBecome(target)) {
            throw conflict(id, ve.state(), verb(target));
        }
        return ve;
    }

    private static VeException conflict(int id, VeState state, String action) {
        String hint = switch (state) {
            case RUNNING -> "; stop it first";
            case STOPPED -> "; start it first";
            case SUSPENDED -> "; resume it first";
            case CREATING -> "; wait until it is created";
            default -> "";
        };
        return new VeException(Kind.CONFLICT, "cannot " + action + " VE " + id + ": it is " + state + hint);
    }

    private VirtualEnvironment transition(int id, VeState next, String reason) {
        VirtualEnvironment changed = database.inTransaction(em -> {
            VeEntity ve = em.find(VeEntity.class, id);
            ve.setState(next, reason, now());
            return ve.toVe();
        });
        listener.changed(changed);
        return changed;
    }

    private volatile VeNetwork network;
    private volatile IpPools pools;

    VeNetwork network() {
        return network;
    }

    /** Networking, once its services exist (they need this manager to check VEs). */
    void useNetwork(VeNetwork network, IpPools pools) {
        this.network = network;
        this.pools = pools;
    }

    /**
     * The host's filter for VE traffic, with the addresses of the VEs allowed to send mail directly. Called at start
     * and whenever a VE's SMTP permission or addresses change; writes nothing when the rules are already right.
     */
    void syncHostFilter() {
        if (network == null || pools == null) {
            return;
        }
        try {
            network.syncHostFilter(smtpAddresses());
        } catch (IOException e) {
            throw new VeException(Kind.FAILED, null, "writing the host's filter for VE traffic failed: " + e.getMessage(), e);
        }
    }

    /** At panel start: the bridge, the VEs' DNS resolver and the host filter. */
    void startNetwork(java.util.Optional<io.vessel.kernel.internal.network.VeDns> resolver) throws IOException {
        if (network != null && pools != null) {
            network.start(smtpAddresses(), resolver);
        }
    }

    private List<String> smtpAddresses() {
        List<String> smtp = new ArrayList<>();
        for (VirtualEnvironment ve : local()) {
            if (Boolean.TRUE.equals(ve.limits().smtp())) {
                pools.interfaceAddresses(ve.id()).forEach(a -> smtp.add(a.address()));
            }
        }
        return smtp;
    }

    /** Applies a change of a VE's addresses at once when it runs (a stopped VE gets them at its next start). */
    void addressesChanged(int id) {
        syncHostFilter();
        locked(id, () -> {
            VeEntity ve = load(id);
            if (network == null || pools == null || (ve.state() != VeState.RUNNING && ve.state() != VeState.SUSPENDED)) {
                return null;
            }
            try {
                int pid = runtime.state(container(id)).orElseThrow(() -> new IOException("the VE's container is gone")).pid();
                network.update(id, pid, pools.interfaceAddresses(id), ve.limits().netInBitsPerSecond(), ve.limits().netOutBitsPerSecond());
            } catch (IOException | RuntimeException e) {
                // the address is the VE's either way; a failure here must not undo the allocation
                LOG.warn("Addresses of running ve={} not applied now, they are at its next start: {}", id, e.getMessage());
            }
            return null;
        });
    }

    /** The name servers of the VE's pools, written before its init runs (only the VE's own file is touched). */
    private void writeResolvConf(VeEntity ve, List<IpPools.PoolAddress> addresses) throws IOException {
        List<String> servers = addresses.stream().flatMap(a -> a.dns().stream()).distinct().limit(3).toList();
        if (servers.isEmpty()) {
            return;
        }
        StringBuilder text = new StringBuilder("# written by Vessel from the VE's IP pools\n");
        servers.forEach(s -> text.append("nameserver ").append(s).append('\n'));
        try (VeRootFiles files = openRoot(ve)) {
            files.writeText("/etc/resolv.conf", text.toString(), VeRootFiles.Attributes.roots(0644));
        }
    }

    /** Told of every committed change, for events out of the kernel layer. */
    interface Listener {
        Listener NONE = new Listener() {
        };

        default void changed(VirtualEnvironment ve) {
        }

        default void destroyed(int id, String owner) {
        }
    }

    private volatile Listener listener = Listener.NONE;

    void listen(Listener listener) {
        this.listener = listener;
    }

    /** VEs whose processes exist (running or frozen): what accounting samples. */
    List<Integer> activeIds() {
        // native SQL: nothing on the start path parses HQL (ANTLR's first parse costs about half a second of CPU; issue 14)
        List<?> ids = database.inTransaction(em -> em.createNativeQuery("select id from ve where state in ('RUNNING', 'SUSPENDED') and node_id = ?1"
                + " order by id").setParameter(1, node.id()).getResultList());
        return ids.stream().map(id -> ((Number) id).intValue()).toList();
    }

    private boolean awaitStopped(String container, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<RuncRuntime.State> state = runtime.state(container);
            if (state.isEmpty() || "stopped".equals(state.get().status())) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private void removeTraces(int id) {
        forceDelete(container(id));
        releaseRuntime(id, true);
        try {
            storage.deletePrivateArea(id);
            deleteTree(bundles.resolve(String.valueOf(id)));
        } catch (IOException e) {
            LOG.error("Could not remove the private area of ve={}: {}", id, e.getMessage());
        }
    }

    private void forceDelete(String container) {
        try {
            runtime.delete(container, true);
        } catch (IOException e) {
            LOG.error("Could not remove container={}: {}", container, e.getMessage());
        }
    }

    java.util.Optional<String> quotaProblem() {
        return storage == null ? java.util.Optional.empty() : storage.quotaProblem();
    }

    String storageName() {
        return storage.name();
    }

    Path storageRoot() {
        return storage.root();
    }

    String container(int id) {
        return "ve-" + id;
    }

    String cgroupsPath(int id) {
        return nodeCgroup() + "/ve-" + id;
    }

    /** The cgroup the node's VEs (and the panel's own work groups) are made in. */
    String nodeCgroup() {
        return "/vessel/" + node.shortId();
    }

    private static void deleteTree(Path dir) throws IOException {
        io.vessel.kernel.internal.linux.FileTrees.delete(dir);
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
