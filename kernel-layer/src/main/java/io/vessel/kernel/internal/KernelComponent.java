package io.vessel.kernel.internal;

import io.vessel.api.operation.OperationService;
import io.vessel.api.platform.HealthCheck;
import io.vessel.kernel.api.HostCapabilities;
import io.vessel.kernel.api.NodeService;
import io.vessel.kernel.api.TemplateService;
import io.vessel.kernel.api.UsageSample;
import io.vessel.kernel.api.UsageService;
import io.vessel.kernel.api.VeState;
import io.vessel.kernel.api.VirtualEnvironment;
import io.vessel.kernel.internal.cgroup.CgroupDriver;
import io.vessel.kernel.internal.network.IpPools;
import io.vessel.kernel.internal.network.VeNetwork;
import io.vessel.kernel.internal.usage.UsageMeter;
import java.time.Duration;
import java.util.Map;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import io.vessel.kernel.internal.template.Debootstrap;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.api.VeService;
import io.vessel.kernel.internal.runtime.OciBundle;
import io.vessel.kernel.internal.runtime.RuncRuntime;
import io.vessel.kernel.internal.runtime.RuntimeChoice;
import io.vessel.kernel.internal.storage.BtrfsPool;
import io.vessel.kernel.internal.storage.StorageDriver;
import io.vessel.persistence.api.Database;
import io.vessel.web.api.ApiWhiteboard;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.OptionalInt;
import java.util.Locale;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings up VE support on this node: the storage pool, the OCI runtime and the VE manager, reconciled with what
 * survived the last run. Publishes {@link VeService} when the host can run VEs; the REST resources are published
 * either way and explain why VEs are unavailable otherwise.
 */
@Component(immediate = true, service = {}, configurationPid = KernelConfig.PID)
@Designate(ocd = KernelConfig.class)
public final class KernelComponent {

    private static final Logger LOG = LoggerFactory.getLogger(KernelComponent.class);

    /** Topic prefix of VE state changes; the state is the last segment ({@code io/vessel/kernel/ve/RUNNING}). */
    static final String VE_TOPIC = "io/vessel/kernel/ve/";

    private final List<ServiceRegistration<?>> registrations = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile UsageMeter meter;
    private volatile IpPools pools;
    /** Set once VE support is up (or could not come up: then {@link #unavailable} says why). */
    private volatile VeManager ves;
    private volatile TemplateCatalog templates;
    /** Mutually authenticated TLS to the other nodes; set once VE support is up. */
    private volatile io.vessel.kernel.internal.channel.NodeChannel channel;
    /** What this node serves over the channel, whose consoles are hung up when it stops. */
    private volatile NodeEndpoints consolesServed;
    private volatile String unavailable = "VE support is still starting on this node; try again in a moment";

    private static io.vessel.kernel.api.NetworkService network(IpPools pools) {
        if (pools == null) {
            throw new VeException(VeException.Kind.UNAVAILABLE, "networking is not available on this node");
        }
        return pools;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventAdmin events;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.web.api.RequestAuthenticator authenticator;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.api.plugin.PluginCalls pluginCalls;

    /** The plugins' VE lifecycle hooks, called through the plugin platform's bounded pools. */
    private final VeHooks hooks = new VeHooks(() -> pluginCalls);

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, unbind = "removeHook")
    void addHook(io.vessel.kernel.api.hook.VeLifecycleHook hook, org.osgi.framework.ServiceReference<io.vessel.kernel.api.hook.VeLifecycleHook> ref) {
        Map<String, Object> properties = new java.util.HashMap<>();
        for (String key : ref.getPropertyKeys()) {
            properties.put(key, ref.getProperty(key));
        }
        properties.putIfAbsent("service.bundleid", ref.getBundle().getBundleId());
        hooks.add(hook, properties, ref.getBundle().getSymbolicName());
        LOG.info("VE lifecycle hook added plugin={} hook={}", ref.getBundle().getSymbolicName(), properties.getOrDefault(
                io.vessel.kernel.api.hook.VeLifecycleHook.NAME, hook.getClass().getSimpleName()));
    }

    void removeHook(io.vessel.kernel.api.hook.VeLifecycleHook hook) {
        hooks.remove(hook);
    }

    /** Other bundles' work on this node that panels ask over the node channel (a backup of one of its VEs). */
    private final ChannelCalls calls = new ChannelCalls();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, unbind = "removeCall")
    void addCall(io.vessel.kernel.api.NodeCall call, Map<String, Object> properties) {
        Object name = properties.get(io.vessel.kernel.api.NodeCall.NAME);
        if (name instanceof String n && n.matches("[a-z0-9][a-z0-9-]{0,63}")) {
            calls.add(n, call);
        } else {
            LOG.warn("Node call ignored: its {} must be letters, digits and dashes name={}", io.vessel.kernel.api.NodeCall.NAME, name);
        }
    }

    void removeCall(io.vessel.kernel.api.NodeCall call, Map<String, Object> properties) {
        if (properties.get(io.vessel.kernel.api.NodeCall.NAME) instanceof String n) {
            calls.remove(n, call);
        }
    }

    private void post(UsageSample sample) {
        Map<String, Object> properties = new java.util.HashMap<>();
        properties.put(UsageService.VE_ID, sample.veId());
        properties.put(UsageService.AT, sample.at().toEpochMilli());
        properties.put("cpuNanosTotal", sample.cpuNanosTotal());
        properties.put("memoryBytes", sample.memoryBytes());
        properties.put("memoryPeakBytes", sample.memoryPeakBytes());
        properties.put("swapBytes", sample.swapBytes());
        properties.put("processes", sample.processes());
        if (sample.diskBytes() != null) {
            properties.put("diskBytes", sample.diskBytes());
        }
        properties.put("readBytesTotal", sample.readBytesTotal());
        properties.put("writeBytesTotal", sample.writeBytesTotal());
        properties.put("readOpsTotal", sample.readOpsTotal());
        properties.put("writeOpsTotal", sample.writeOpsTotal());
        if (sample.netRxBytesTotal() != null) {
            properties.put("netRxBytesTotal", sample.netRxBytesTotal());
            properties.put("netTxBytesTotal", sample.netTxBytesTotal());
            properties.put("netRxPacketsTotal", sample.netRxPacketsTotal());
            properties.put("netTxPacketsTotal", sample.netTxPacketsTotal());
        }
        post(UsageService.TOPIC, properties);
    }

    /** A VE state event; {@code owner} (the VE's tenant) lets the event stream show it only to those who see the VE. */
    private static Map<String, Object> veEvent(int id, String state, String owner) {
        Map<String, Object> properties = new java.util.HashMap<>();
        properties.put(UsageService.VE_ID, id);
        properties.put("state", state);
        if (owner != null) {
            properties.put(UsageService.OWNER, owner);
        }
        return properties;
    }

    /** Posts asynchronously; without EventAdmin (a stripped-down distribution) events are simply not sent. */
    private void post(String topic, Map<String, ?> properties) {
        EventAdmin admin = events;
        if (admin != null) {
            admin.postEvent(new Event(topic, properties));
        }
    }

    @Activate
    public KernelComponent(BundleContext context, KernelConfig config, @Reference NodeService nodes,
                           @Reference OperationService operations, @Reference StoragePoolOpener storagePool,
                           @Reference(target = "(" + Database.MODULES_PROPERTY + "=" + KernelPersistence.MODULE + ")") Database database) {
        // Bringing VE support up (the pool, the reconcile, LXCFS, networks) takes most of a second and needs nothing the
        // other components activated with the database are doing (Declarative Services activates them one after the
        // other on the thread that registered the database): so it runs on a thread of its own and they come up
        // meanwhile. The panel is not ready before the kernel's health check, registered last, exists.
        //
        // The REST resources are registered at once and answer 503 until VE support is up: the REST API is then
        // rebuilt while the kernel starts, not after it, and is complete the moment the kernel's health check comes.
        registerResources(context, config, operations, nodes.localNode().id());
        starter = new Thread(() -> {
            try {
                if (panelOnly(context)) {
                    bringUpPanel(context, config, nodes, operations, database);
                    return;
                }
                bringUp(context, config, nodes, operations, database, storagePool);
            } catch (RuntimeException | LinkageError e) {
                LOG.error("VE support could not be brought up", e);
            }
        }, "vessel-kernel-start");
        starter.setDaemon(true);
        starter.start();
    }

    /** Tells other nodes' processes of this node's VE changes, and posts theirs here; null until VE support is up. */
    private volatile VeChangeBroadcast changes;

    /** The thread bringing VE support up; {@link #deactivate} waits for it. */
    private final Thread starter;

    private void registerResources(BundleContext context, KernelConfig config, OperationService operations, java.util.UUID localNode) {
        Path dataDir = dataDir(context);
        VeServiceHandle handle = () -> {
            VeManager service = ves;
            if (service == null) {
                throw new VeException(VeException.Kind.UNAVAILABLE, "VEs cannot run on this node: " + unavailable);
            }
            return service;
        };
        TemplateServiceHandle templateHandle = () -> {
            TemplateService service = ves == null ? null : templates;
            if (service == null) {
                throw new VeException(VeException.Kind.UNAVAILABLE, "templates cannot be built on this node: " + unavailable);
            }
            return service;
        };
        registrations.add(context.registerService(MetricsResource.class, new MetricsResource(handle, () -> meter), resource()));
        registrations.add(context.registerService(VesResource.class, new VesResource(handle, templateHandle, operations, () -> meter, () -> network(pools),
                localNode, () -> {
                    VeManager manager = ves;
                    if (manager != null) {
                        manager.forgetCopies();
                    }
                }, () -> channel), resource()));
        registrations.add(context.registerService(IpPoolsResource.class, new IpPoolsResource(() -> network(pools)), resource()));
        registrations.add(context.registerService(TemplatesResource.class, new TemplatesResource(templateHandle, operations, dataDir.resolve("tmp/uploads"),
                templateMaxSize(config)), resource()));
    }

    static Path dataDir(BundleContext context) {
        return Path.of(valueOr(context.getProperty("vessel.data.dir"), "data")).toAbsolutePath();
    }

    private void bringUp(BundleContext context, KernelConfig config, NodeService nodes, OperationService operations, Database database,
                         StoragePoolOpener storagePool) {
        Path dataDir = dataDir(context);
        VeManager manager = null;
        TemplateCatalog catalog = null;
        String unavailable = null;
        try {
            StorageDriver storage = storagePool.pool();
            catalog = new TemplateCatalog(database, nodes.localNode().id(), storage, new TemplateCatalog.Settings(
                    Path.of(config.busybox()), Debootstrap.onThisHost(config.debian_cache().isBlank()
                            ? dataDir.resolve("cache/debootstrap") : Path.of(config.debian_cache().strip())),
                    config.debian_mirror().isBlank() ? Debootstrap.hostMirror(Path.of("/etc/apt")).orElse(null) : config.debian_mirror().strip(),
                    dataDir.resolve("tmp/uploads"), templateMaxSize(config)));
            catalog.reconcile();
            CgroupDriver cgroups = CgroupDriver.detect(Path.of("/sys/fs/cgroup"));
            manager = open(config, nodes, database, dataDir, storage, catalog, cgroups);
            if (nodeAgent(context)) {
                manager.sharedFromStart();
            }
            manager.useHooks(hooks);
            VeManager ves = manager;
            IpPools addresses = new IpPools(database, nodes.localNode().id(), ves::requireActionable);
            pools = addresses;
            manager.useNetwork(new VeNetwork(config.network_bridge(), Integer.parseInt(nodes.localNode().id().toString().substring(0, 2), 16),
                    config.network_uplink(), hostPolicy(config, context)), addresses);
            addresses.onChange(id -> ves.networkChanged(id, () -> ves.addressesChanged(id)));
            VeNetwork hostNetwork = ves.network();
            Runnable writeForwards = () -> {
                try {
                    hostNetwork.syncForwards(addresses.allForwards());
                } catch (java.io.IOException e) {
                    throw new VeException(VeException.Kind.FAILED, null, "writing the port forwards failed: " + e.getMessage(), e);
                }
            };
            addresses.onForwardsChange(id -> ves.networkChanged(id, writeForwards));
            if (!addresses.allForwards().isEmpty()) {
                writeForwards.run(); // after a host reboot the rules are gone; the records are not
            }
            java.util.Optional<io.vessel.kernel.internal.ve.StatfsAgent> statfs = io.vessel.kernel.internal.ve.StatfsAgent.unpack(dataDir.resolve("run/bin"));
            statfs.ifPresentOrElse(manager::useStatfsAgent, () -> LOG.warn("No statfs helper for this architecture: df inside VEs shows the storage pool"));
            java.util.Optional<Path> vesselRun = io.vessel.kernel.internal.linux.NativeHelper.unpack(dataDir.resolve("run/bin"), "vessel-run");
            if (vesselRun.isPresent()) {
                io.vessel.kernel.internal.ve.HostTools tools = io.vessel.kernel.internal.ve.HostTools.onThisHost(vesselRun.get());
                manager.useHostTools(tools);
                workGroups = new HostWorkGroups(cgroups, manager.nodeCgroup(), storage.blockDevice(), tools);
                registrations.add(context.registerService(io.vessel.kernel.api.HostWork.class, workGroups, null));
            } else {
                LOG.warn("No vessel-run helper for this architecture: files cannot be restored into running VEs, backups run uncapped");
            }
            manager.reconcile();
            views = new ResourceViews(io.vessel.kernel.internal.ve.Lxcfs.onThisHost(RUNTIME_ROOT), ves::restoreResourceViews,
                    ves::reviveStatfsHelpers, ves::lostStatfsHelpers);
            manager.useResourceViews(views);
            views.start(Duration.ofSeconds(5));
            settleInterrupted(operations, manager);
            // one resolver per bridge on the host, whichever panel started it (side-by-side panels on one bridge share it)
            manager.startNetwork(io.vessel.kernel.internal.network.VeDns.onThisHost(RUNTIME_ROOT, config.network_bridge()));
            exits = new VeExitWatcher(manager.exitDirectory(), ves::initExited);
            meter = new UsageMeter(database, new UsageMeter.Source() {
                @Override
                public List<Integer> activeVes() {
                    return ves.activeIds();
                }

                @Override
                public String cgroup(int veId) {
                    return ves.cgroupsPath(veId);
                }

                @Override
                public Map<Integer, Integer> addressCounts() {
                    return addresses.addressCounts();
                }

                @Override
                public Map<Integer, long[]> externalTraffic() {
                    VeNetwork network = ves.network();
                    return network == null ? Map.of() : network.externalTraffic();
                }
            }, cgroups, storage, this::post, UsageMeter.Retention.DEFAULT);
            UsageMeter usage = meter;
            registrations.add(context.registerService(io.vessel.kernel.api.NetworkService.class, addresses, null));
            VeOwnership veOwners = new VeOwnership(manager, manager::sharedWithOtherNodes);
            VeChangeBroadcast broadcast = otherNodesChanges(database, nodes.localNode().id(), manager, veOwners);
            changes = broadcast;
            manager.listen(new VeManager.Listener() {
                @Override
                public void changed(VirtualEnvironment ve) {
                    post(VE_TOPIC + ve.state(), veEvent(ve.id(), ve.state().name(), ve.owner()));
                    broadcast.announce(ve.id(), ve.state().name(), ve.owner());
                }

                @Override
                public void destroyed(int id, String owner) {
                    veOwners.forget(id);
                    usage.forget(id);
                    addresses.releaseAll(id);
                    post(VE_TOPIC + "DESTROYED", veEvent(id, "DESTROYED", owner));
                    broadcast.announce(id, "DESTROYED", owner);
                }
            });
            meter.start(Duration.ofSeconds(config.accounting_interval()), () -> processReady(context));
            registrations.add(context.registerService(UsageService.class, meter, null));
            registrations.add(context.registerService(TemplateService.class, catalog, null));
            registerHandedBuilds(context, catalog);
            manager.useDispatch(operations);
            ChannelFileTransport files = new ChannelFileTransport(() -> channel, storage);
            catalog.useFetcher(files);
            startChannel(context, config, nodes, operations, database, new NodeEndpoints(manager, storage, catalog, calls));
            // before the VE service: the API dispatches VE actions to this handler as soon as it sees the service
            Dictionary<String, Object> veKinds = new Hashtable<>();
            veKinds.put(io.vessel.api.operation.OperationHandler.KIND, VeOperations.KINDS);
            registrations.add(context.registerService(io.vessel.api.operation.OperationHandler.class,
                    new VeOperations(manager, () -> addresses, files, id -> {
                        ves.addressesChanged(id);
                        writeForwards.run();
                    }), veKinds));
            registrations.add(context.registerService(VeService.class, manager, null));
            registrations.add(context.registerService(HostStatus.class, new HostStatus(Path.of("/proc"), manager.storageRoot(), manager::localVes), null));
            registerConsole(context, manager, nodes.localNode().id());
            Dictionary<String, Object> veKind = new Hashtable<>();
            veKind.put(io.vessel.api.security.ObjectOwnership.KIND, "ve");
            registrations.add(context.registerService(io.vessel.api.security.ObjectOwnership.class, veOwners, veKind));
            registerSharedOwnership(context, catalog, addresses);
            buildBuiltinTemplate(catalog);
        } catch (Exception e) {
            unavailable = e.getMessage();
            LOG.error("VEs are unavailable on this node: {}", unavailable);
        }
        String reason = unavailable;
        this.unavailable = reason; // null when VE support came up
        this.templates = catalog;
        this.ves = manager;
        // last: the panel counts as ready once this check exists, and by then the resources above are in
        Dictionary<String, Object> health = new Hashtable<>();
        health.put(HealthCheck.NAME_PROPERTY, "kernel");
        java.util.Map<String, Object> storage = manager == null ? java.util.Map.of()
                : java.util.Map.of("driver", manager.storageName(), "pool", manager.storageRoot().toString());
        VeManager finalManager = manager;
        ResourceViews finalViews = views;
        registrations.add(context.registerService(HealthCheck.class, new KernelHealth(nodes, reason, storage,
                finalManager == null ? java.util.Optional::empty : () -> finalManager.quotaProblem()
                        .or(() -> finalViews == null ? java.util.Optional.empty() : finalViews.problem())), health));

        if (nodeAgent(context)) {
            announceAgent(context, reason);
        }
    }

    /** Whether this process has finished starting: the panel serves, or the node agent announced itself. */
    private static boolean processReady(BundleContext context) {
        try {
            return context.getServiceReference(io.vessel.api.platform.PanelReady.class) != null
                    || context.getServiceReference(io.vessel.api.platform.NodeAgentReady.class) != null;
        } catch (IllegalStateException stopping) {
            return true;
        }
    }

    /**
     * A panel without VE support of its own ({@code server.role = panel}): it runs as an ordinary user, so it opens no
     * storage pool, runtime, cgroups, bridge or LXCFS, and builds no template. What it keeps of the kernel layer is
     * what the API needs to manage the node agents' VEs: their records, placement, addresses, usage as stored, the
     * node channel (consoles, exec and files reach the VE's node through it; enrolments are signed here) and the
     * drains it takes. Every VE action is dispatched to the VE's node, as any panel does for another node's VEs.
     */
    private void bringUpPanel(BundleContext context, KernelConfig config, NodeService nodes, OperationService operations, Database database) {
        Path dataDir = dataDir(context);
        java.util.UUID here = nodes.localNode().id();
        VeManager manager = null;
        TemplateCatalog catalog = null;
        String reason = null;
        try {
            catalog = new TemplateCatalog(database, here, null, new TemplateCatalog.Settings(Path.of(config.busybox()), null, null,
                    dataDir.resolve("tmp/uploads"), templateMaxSize(config)));
            catalog.buildOn(() -> builder(nodes));
            manager = VeManager.withoutHost(database, nodes, catalog);
            manager.useHooks(hooks);
            VeManager ves = manager;
            IpPools addresses = new IpPools(database, here, ves::requireActionable);
            pools = addresses;
            manager.useNetwork(null, addresses);
            // the records changed; the VE's node applies them (no VE is this panel's, so there is nothing to do here)
            addresses.onChange(id -> ves.networkChanged(id, () -> { }));
            addresses.onForwardsChange(id -> ves.networkChanged(id, () -> { }));
            // not started: the nodes sample and store, this reads
            meter = new UsageMeter(database, UsageMeter.Source.NONE, null, null, this::post, UsageMeter.Retention.DEFAULT);
            registrations.add(context.registerService(io.vessel.kernel.api.NetworkService.class, addresses, null));
            VeOwnership veOwners = new VeOwnership(manager, manager::sharedWithOtherNodes);
            changes = otherNodesChanges(database, here, manager, veOwners);
            registrations.add(context.registerService(UsageService.class, meter, null));
            registrations.add(context.registerService(TemplateService.class, catalog, null));
            manager.useDispatch(operations);
            // it serves no VE (each endpoint answers that the VE is not here), but peers and the admin see it listen
            startChannel(context, config, nodes, operations, database, new NodeEndpoints(manager, null, null, calls));
            catalog.useUploader(new ChannelFileTransport(() -> channel, null));
            // the drains this panel takes run here (it sees every node's VEs); each move is an operation of the VE's node
            Dictionary<String, Object> drainKind = new Hashtable<>();
            drainKind.put(io.vessel.api.operation.OperationHandler.KIND, VeOperations.DRAIN);
            registrations.add(context.registerService(io.vessel.api.operation.OperationHandler.class,
                    new VeOperations(manager, () -> addresses, null, id -> { }), drainKind));
            registrations.add(context.registerService(VeService.class, manager, null));
            registerConsole(context, manager, here);
            Dictionary<String, Object> veKind = new Hashtable<>();
            veKind.put(io.vessel.api.security.ObjectOwnership.KIND, "ve");
            registrations.add(context.registerService(io.vessel.api.security.ObjectOwnership.class, veOwners, veKind));
            registerSharedOwnership(context, catalog, addresses);
            LOG.info("Panel without VEs of its own (server.role = panel): every VE action goes to the VE's node");
        } catch (Exception e) {
            reason = e.getMessage();
            LOG.error("VEs cannot be managed from this panel: {}", reason);
        }
        this.unavailable = reason;
        this.templates = catalog;
        this.ves = manager;
        Dictionary<String, Object> health = new Hashtable<>();
        health.put(HealthCheck.NAME_PROPERTY, "kernel");
        registrations.add(context.registerService(HealthCheck.class, KernelHealth.forPanel(nodes, reason), health));
    }

    /**
     * The node channel (mutually authenticated TLS to the other nodes) serving {@code endpoints}, the CA's signing
     * step and enrolments; a panel also brings the node agents' database policies up to this version's.
     */
    private void startChannel(BundleContext context, KernelConfig config, NodeService nodes, OperationService operations, Database database,
                              NodeEndpoints endpoints) {
        io.vessel.kernel.internal.channel.NodeChannel nodeChannel = new io.vessel.kernel.internal.channel.NodeChannel(database,
                nodes.localNode().id(), dataDir(context).resolve("channel"), config.node_channel_address().isBlank()
                ? nodes.localNode().hostname() : config.node_channel_address().strip(), config.node_channel_port(),
                // needed once another node is recorded (not only once VEs were listed: a panel whose other nodes are
                // agents may not have listed any before the first request for one of their VEs)
                () -> nodes.nodes().size() > 1);
        nodeChannel.serve(endpoints);
        consolesServed = endpoints;
        registrations.add(context.registerService(io.vessel.api.operation.OperationHandler.class, nodeChannel.signer(),
                kind(io.vessel.api.operation.OperationHandler.KIND, io.vessel.kernel.internal.channel.NodeChannel.SIGN)));
        nodeChannel.start();
        channel = nodeChannel;
        calls.channel(nodeChannel);
        registrations.add(context.registerService(io.vessel.kernel.internal.channel.NodeChannel.class, nodeChannel, null));
        registrations.add(context.registerService(io.vessel.kernel.api.NodeCalls.class, calls, null));
        registrations.add(context.registerService(io.vessel.kernel.internal.channel.NodeEnrolments.class,
                new io.vessel.kernel.internal.channel.NodeEnrolments(database, nodeChannel, () -> operations), null));
        if (!nodeAgent(context)) {
            // policies written by an older version for its node agents' roles, brought up to this one's
            new io.vessel.kernel.internal.channel.NodeDatabaseRoles(database).refreshPolicies();
        }
    }

    /** Other nodes' VE changes, posted here as events (marked remote) once this process's copies are forgotten. */
    private VeChangeBroadcast otherNodesChanges(Database database, java.util.UUID here, VeManager ves, VeOwnership veOwners) {
        return new VeChangeBroadcast(database, here, (id, state, owner) -> {
            ves.forgetCopies(); // the next read shows the other node's change
            if ("DESTROYED".equals(state)) {
                veOwners.forget(id);
            }
            Map<String, Object> properties = veEvent(id, state, owner);
            properties.put(VeChangeBroadcast.REMOTE, true);
            post(VE_TOPIC + state, properties);
        });
    }

    /** Builds of Debian templates that a panel without storage hands to this node ({@link TemplateCatalog#handedBuild}). */
    private void registerHandedBuilds(BundleContext context, TemplateCatalog catalog) {
        registrations.add(context.registerService(io.vessel.api.operation.OperationHandler.class, (operation, parameters, progress) -> {
            progress.update(1, "starting debootstrap");
            try {
                io.vessel.kernel.api.Template built = catalog.buildHanded(parameters, progress::update);
                return "/api/v1/templates/" + built.name() + "/" + built.version();
            } catch (VeException e) {
                throw new io.vessel.api.operation.OperationFailure(e.getMessage(), e);
            }
        }, kind(io.vessel.api.operation.OperationHandler.KIND, TemplateCatalog.BUILD_KIND)));
    }

    /** A node for a panel without storage to build templates on: one in reach that runs VEs, the same one each time. */
    private static java.util.Optional<java.util.UUID> builder(NodeService nodes) {
        return nodes.nodes().stream().filter(n -> n.hostsVes() && n.health() != io.vessel.kernel.api.NodeHealth.UNREACHABLE)
                .min(java.util.Comparator.comparing(io.vessel.kernel.api.Node::hostname).thenComparing(io.vessel.kernel.api.Node::id))
                .map(io.vessel.kernel.api.Node::id);
    }

    /** Whether this process is a panel without VE support ({@code server.role = panel}). */
    private static boolean panelOnly(BundleContext context) {
        return io.vessel.kernel.api.Node.PANEL.equals(context.getProperty("vessel.role"));
    }

    /** Whether this process is a node agent (the launcher's {@code server.role}): no web tier, a database role of its own. */
    private static boolean nodeAgent(BundleContext context) {
        return "node-agent".equals(context.getProperty("vessel.role"));
    }

    /** The channel listens once it has read its certificate and the peers (a moment after start); null if not within a minute. */
    private static String awaitListening(io.vessel.kernel.internal.channel.NodeChannel served) {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (served.url() == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return served.url();
    }

    /**
     * A node agent has no web tier whose readiness the launcher could wait for: it is ready when VE support is up and
     * its channel serves the panels, and it does not run at all without VE support (there is nothing else it does).
     */
    private void announceAgent(BundleContext context, String unavailable) {
        io.vessel.kernel.internal.channel.NodeChannel served = channel;
        String url = served == null ? null : awaitListening(served);
        if (unavailable != null || url == null) {
            String message = unavailable != null ? "VEs cannot run on this node: " + unavailable
                    : "the node channel did not start listening within a minute (its certificate, from node join, in data/channel; see the log)";
            Dictionary<String, Object> failure = new Hashtable<>();
            failure.put(io.vessel.api.platform.StartupFailure.COMPONENT_PROPERTY, "kernel");
            failure.put(io.vessel.api.platform.StartupFailure.MESSAGE_PROPERTY, message);
            registrations.add(context.registerService(io.vessel.api.platform.StartupFailure.class, new io.vessel.api.platform.StartupFailure() {
                @Override
                public String component() {
                    return "kernel";
                }

                @Override
                public String message() {
                    return message;
                }
            }, failure));
            return;
        }
        Dictionary<String, Object> ready = new Hashtable<>();
        ready.put("vessel.channel.url", url);
        registrations.add(context.registerService(io.vessel.api.platform.NodeAgentReady.class, () -> url, ready));
        LOG.info("Node agent ready channel={}", url);
    }

    /** The built-in template is made in the background at the first start, so the first VE does not wait for it. */
    private static void buildBuiltinTemplate(TemplateCatalog catalog) {
        Thread builder = new Thread(() -> {
            try {
                catalog.ensureBuiltin();
            } catch (RuntimeException e) {
                LOG.warn("The busybox template could not be built: {}", e.getMessage());
            }
        }, "vessel-template-builtin");
        builder.setDaemon(true);
        builder.start();
    }

    static StorageDriver openStorage(KernelConfig config, HostCapabilities caps, Path dataDir) throws Exception {
        if (!caps.root()) {
            throw new IllegalStateException("the panel must run as root to create VEs");
        }
        if (config.storage_path().isBlank()) {
            java.nio.file.Files.createDirectories(dataDir.resolve("storage"));
        }
        StorageDriver storage = config.storage_path().isBlank()
                ? BtrfsPool.onImage(dataDir.resolve("storage/pool.img"), dataDir.resolve("storage/pool"),
                        parseSize(config.storage_size(), "kernel.storage.size", 256L << 20))
                : BtrfsPool.onMount(Path.of(config.storage_path()));
        return storage;
    }

    private static VeManager open(KernelConfig config, NodeService nodes, Database database, Path dataDir, StorageDriver storage,
                                  TemplateCatalog templates, CgroupDriver cgroups) throws Exception {
        String runtimeName = RuntimeChoice.choose(config.runtime(), nodes.capabilities());
        RuncRuntime runtime = new RuncRuntime(runtimeName, dataDir.resolve("run/runc"), new RuncRuntime.Monitor(conmon(),
                dataDir.resolve("run/exits"), parseSize(config.console_log_max(), "kernel.console.log.max", 4096)));
        LOG.info("VE support ready storage={} pool={} runtime={}", storage.name(), storage.root(), runtimeName);
        LOG.info("Cgroup driver version={} ioWeight={} poolDevice={}", cgroups.version(), cgroups.ioWeightSupported(),
                storage.blockDevice().orElse("none"));
        raisePtyMax();
        // the node's runtime root: what a VE's own uid must pass through lies here, whatever the data directory's parents
        io.vessel.kernel.internal.ve.VeRootMounts roots = io.vessel.kernel.internal.ve.VeRootMounts.under(RUNTIME_ROOT,
                nodes.localNode().id().toString());
        checkTraversable(roots.nodeDir());
        VeManager manager = new VeManager(database, nodes, storage, runtime, dataDir.resolve("run/ves"), templates, cgroups,
                io.vessel.kernel.internal.cgroup.CpuSet.online(Path.of("/sys/devices/system/cpu")), roots);
        manager.execOutputCap((int) Math.min(Integer.MAX_VALUE - 16, parseSize(config.exec_output_max(), "kernel.exec.output.max", 1024)));
        return manager;
    }

    /**
     * VE operations the panel's stop interrupted are recorded as failed; the reconcile knows what became of their
     * VEs. One whose work is found done (a create whose VE exists, a start whose VE runs, a destroy whose VE is gone)
     * is recorded as succeeded, so no customer retries what already happened.
     */
    static void settleInterrupted(OperationService operations, VeManager ves) {
        for (io.vessel.api.operation.Operation op : operations.interruptedAtStart()) {
            OptionalInt id = op.target() != null && op.target().matches("ve/\\d{1,5}")
                    ? OptionalInt.of(Integer.parseInt(op.target().substring(3))) : OptionalInt.empty();
            if (id.isEmpty()) {
                continue;
            }
            java.util.Optional<VeState> state = ves.find(id.getAsInt()).map(VirtualEnvironment::state);
            String path = "/api/v1/ves/" + id.getAsInt();
            boolean done = switch (op.kind()) {
                case "ve.create" -> state.isPresent() && state.get() != VeState.CREATING;
                case "ve.start", "ve.restart", "ve.resume" -> state.filter(s -> s == VeState.RUNNING).isPresent();
                case "ve.stop", "ve.kill" -> state.filter(s -> s == VeState.STOPPED).isPresent();
                case "ve.suspend" -> state.filter(s -> s == VeState.SUSPENDED).isPresent();
                case "ve.destroy" -> state.isEmpty();
                default -> false;
            };
            if (done) {
                operations.settle(op.id(), op.kind().equals("ve.destroy") ? null : path);
            }
        }
    }

    /** What VEs may reach of the host, from {@code kernel.network.*}. */
    private static VeNetwork.HostPolicy hostPolicy(KernelConfig config, BundleContext context) {
        List<String> deny = new java.util.ArrayList<>();
        for (String network : config.network_deny().split(",")) {
            if (network.strip().equals("local-networks")) {
                deny.addAll(VeNetwork.localNetworks(config.network_bridge()));
            } else if (!network.isBlank()) {
                io.vessel.kernel.internal.network.Cidr cidr = io.vessel.kernel.internal.network.Cidr.parse(network.strip());
                if (cidr == null) {
                    throw new IllegalArgumentException("kernel.network.deny: '" + network.strip()
                            + "' is not a network such as 169.254.0.0/16 (host bits zero), nor local-networks");
                }
                deny.add(cidr.toString());
            }
        }
        int panelPort = config.network_allow_panel() ? Integer.parseInt(valueOr(context.getProperty("org.osgi.service.http.port"), "8080")) : -1;
        return new VeNetwork.HostPolicy(List.copyOf(deny), panelPort);
    }

    /** Each VE runs under a conmon of its own (Debian package {@code conmon}); VEs are unavailable without one. */
    private static Path conmon() {
        for (String candidate : List.of("/usr/bin/conmon", "/usr/libexec/podman/conmon", "/usr/local/bin/conmon", "/usr/local/libexec/podman/conmon")) {
            if (java.nio.file.Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        throw new IllegalStateException("conmon, which watches over each VE, is not installed: install it (apt-get install conmon)");
    }

    /** Host-wide pseudo-terminals a node of many VEs needs at least (each VE holds up to {@link OciBundle#PTYS_PER_VE}). */
    static final int HOST_PTY_MAX = 65536;

    /**
     * Every VE's pseudo-terminals come out of the host's {@code kernel.pty.max} (4096 on many kernels, a quarter of
     * it reserved for the host). Each VE is capped by its devpts mount; the host-wide pool is raised so that the
     * caps, not the pool, are what VEs meet.
     */
    private static void raisePtyMax() {
        Path max = Path.of("/proc/sys/kernel/pty/max");
        try {
            if (Integer.parseInt(java.nio.file.Files.readString(max).strip()) < HOST_PTY_MAX) {
                java.nio.file.Files.writeString(max, String.valueOf(HOST_PTY_MAX));
                LOG.info("Raised kernel.pty.max for VE consoles value={}", HOST_PTY_MAX);
            }
        } catch (java.io.IOException | NumberFormatException e) {
            LOG.warn("kernel.pty.max not raised ({}): VEs share the host's pseudo-terminals", e.getMessage());
        }
    }

    /** Host-wide runtime state of Vessel: one directory per node below it (see {@code VeRootMounts}). */
    static final Path RUNTIME_ROOT = Path.of("/run/vessel");

    /**
     * Unprivileged VEs reach their root as a high uid through the node's runtime root; {@code /run} is passable on
     * every distribution, but a host that closed it is told what to open (only {@code o+x}, nothing readable).
     */
    private static void checkTraversable(Path poolRoot) throws java.io.IOException {
        for (Path dir = poolRoot.getParent(); dir != null; dir = dir.getParent()) {
            java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = java.nio.file.Files.getPosixFilePermissions(dir);
            if (!perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IllegalStateException("unprivileged VEs cannot reach their root file systems through " + dir
                        + " (mode " + java.nio.file.attribute.PosixFilePermissions.toString(perms) + "); run: chmod o+x " + dir
                        + " (passable only, nothing becomes readable)");
            }
        }
    }

    /** Largest upload a template may have, and what it may unpack to. */
    private static long templateMaxSize(KernelConfig config) {
        return parseSize(config.template_max_size(), "kernel.template.max.size", 16L << 20);
    }

    static long parseSize(String text, String option, long minimum) {
        String s = text.strip().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (s.endsWith("T")) {
            unit = 1L << 40;
        } else if (s.endsWith("G")) {
            unit = 1L << 30;
        } else if (s.endsWith("M")) {
            unit = 1L << 20;
        }
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        try {
            long size = Long.parseLong(digits.strip()) * unit;
            if (size < minimum) {
                throw new IllegalArgumentException(option + " must be at least " + (minimum >> 20) + "M, not " + text);
            }
            return size;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a size like 20G, not '" + text + "'");
        }
    }

    /** A VE's shell: here, or on the VE's node over the node channel (the panel has checked the caller). */
    private io.vessel.kernel.api.VeConsole openConsole(VeService ves, java.util.UUID here, int id, int columns, int rows) {
        java.util.UUID elsewhere = ves.find(id).map(io.vessel.kernel.api.VirtualEnvironment::node)
                .filter(node -> !node.equals(here)).orElse(null);
        return elsewhere == null ? ves.enter(id, columns, rows) : RemoteConsole.open(channel, elsewhere, id, columns, rows);
    }

    /** The browser console's WebSocket, where the HTTP server has WebSocket support (optional bundles). */
    private void registerConsole(BundleContext context, VeService ves, java.util.UUID here) {
        try {
            Dictionary<String, Object> props = new Hashtable<>();
            props.put("osgi.http.whiteboard.servlet.name", "vessel-console");
            props.put("osgi.http.whiteboard.servlet.pattern", io.vessel.kernel.internal.console.ConsoleServlet.PATTERN);
            props.put("osgi.http.whiteboard.servlet.asyncSupported", Boolean.TRUE);
            registrations.add(context.registerService(jakarta.servlet.Servlet.class,
                    new io.vessel.kernel.internal.console.ConsoleServlet((id, columns, rows) -> openConsole(ves, here, id, columns, rows),
                            () -> authenticator), props));
        } catch (LinkageError noWebSockets) {
            LOG.warn("No browser console: the HTTP server has no WebSocket support ({})", noWebSockets.getMessage());
        }
    }

    /** Who owns each template and IP pool (the provider's, or a reseller's). */
    private void registerSharedOwnership(BundleContext context, TemplateCatalog templateCatalog, IpPools addresses) {
        registrations.add(context.registerService(io.vessel.api.security.ObjectOwnership.class, new SharedObjectOwnership<>(
                name -> templateCatalog.versions(name).stream().findFirst(), io.vessel.kernel.api.Template::owner,
                () -> templateCatalog.list().stream().filter(t -> t.version() == 1)), kind("template")));
        registrations.add(context.registerService(io.vessel.api.security.ObjectOwnership.class, new SharedObjectOwnership<>(
                addresses::pool, io.vessel.kernel.api.IpPool::owner, () -> addresses.pools().stream()), kind("ip-pool")));
    }

    private static Dictionary<String, Object> kind(String kind) {
        return kind(io.vessel.api.security.ObjectOwnership.KIND, kind);
    }

    private static Dictionary<String, Object> kind(String property, String kind) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(property, kind);
        return props;
    }

    private static Dictionary<String, Object> resource() {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(ApiWhiteboard.RESOURCE, "true");
        return props;
    }

    /** Notices VEs that end by themselves (a reboot or power-off inside). */
    private VeExitWatcher exits;

    /** Keeps LXCFS, and so each VE's own view of its resources, alive. */
    private ResourceViews views;

    /** The cgroups of the panel's own work (backups). */
    private volatile HostWorkGroups workGroups;

    @Deactivate
    void deactivate() {
        try {
            starter.join(java.time.Duration.ofMinutes(2).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (starter.isAlive()) {
            LOG.warn("VE support was still being brought up when the kernel stopped");
        }
        if (consolesServed != null) {
            consolesServed.closeConsoles();
        }
        if (channel != null) {
            channel.close();
        }
        if (exits != null) {
            exits.close();
        }
        if (meter != null) {
            meter.close();
        }
        if (changes != null) {
            changes.close();
        }
        if (views != null) {
            views.close(); // LXCFS itself stays: running VEs read through it
        }
        for (ServiceRegistration<?> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // framework stopping
            }
        }
        if (workGroups != null) {
            workGroups.close(); // after the services went: their users (backups) have stopped their work
        }
        // The pool stays mounted and VEs keep running: the panel stopping is not the node stopping.
    }

    private static String valueOr(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    /** The VE service, or why there is none. */
    @FunctionalInterface
    interface VeServiceHandle {
        VeManager get();
    }

    /** The template service, or why there is none. */
    @FunctionalInterface
    interface TemplateServiceHandle {
        TemplateService get();
    }
}
