package io.vessel.kernel.internal;

import io.vessel.api.operation.Operation;
import io.vessel.api.operation.OperationFailure;
import io.vessel.api.operation.OperationHandler;
import io.vessel.api.operation.OperationService;
import io.vessel.kernel.api.NetworkService;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.api.VirtualEnvironment;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The VE lifecycle as operations: the API records each action for the VE's node ({@link OperationService#dispatch}),
 * and that node runs it here, whichever panel process took the request. The kinds and their parameters are the
 * contract between panels and nodes, so they are plain names and strings, not closures.
 */
final class VeOperations implements OperationHandler {

    static final String CREATE = "ve.create";
    static final String DESTROY = "ve.destroy";
    static final String REINSTALL = "ve.reinstall";
    static final String START = "ve.start";
    static final String STOP = "ve.stop";
    static final String RESTART = "ve.restart";
    static final String KILL = "ve.kill";
    static final String SUSPEND = "ve.suspend";
    static final String RESUME = "ve.resume";
    /** Host name, limits and features of a VE on another node (its limits apply to its cgroups there). */
    static final String UPDATE = "ve.update";
    /** An SSH key for root of a VE on another node (written into its files there). */
    static final String SSH_KEY_ADD = "ve.ssh-key.add";
    static final String SSH_KEY_REMOVE = "ve.ssh-key.remove";
    /** Root's password of a VE on another node: its hash ({@link #HASH}) written into its /etc/shadow there. */
    static final String ROOT_PASSWORD = "ve.root-password";
    /**
     * Applies what the records say of a VE's network on its node: its addresses on its interface (if it runs) and
     * the port forwards of the node's host. Safe to repeat; sent by the panel that changed the records.
     */
    static final String NETWORK_SYNC = "ve.network.sync";
    /** Moves a VE to another node ({@link #NODE}), cold; run by the VE's node (the source). */
    static final String MIGRATE = "ve.migrate";
    /** Moves every VE of a node to the others (maintenance); run by that node. */
    static final String DRAIN = "node.drain";

    /** Every kind this handler runs, for its service registration. */
    static final String[] KINDS = {CREATE, DESTROY, REINSTALL, START, STOP, RESTART, KILL, SUSPEND, RESUME, UPDATE, SSH_KEY_ADD, SSH_KEY_REMOVE,
        ROOT_PASSWORD, NETWORK_SYNC, MIGRATE, DRAIN};

    /** The VE acted on. */
    static final String VE = "ve";
    /** Seconds a stop or restart waits for the VE's init before killing it. */
    static final String TIMEOUT = "timeout";
    /** A reinstall's template (absent: the VE's own). */
    static final String TEMPLATE = "template";
    /** A create's address pool (absent: no address). */
    static final String IP_POOL = "ipPool";
    /** An update's new host name (absent: unchanged). */
    static final String HOSTNAME = "hostname";
    /** An update's limit changes, as the API's JSON (absent: unchanged). */
    static final String LIMITS = "limits";
    /** An update's feature changes, as the API's JSON (absent: unchanged). */
    static final String FEATURES = "features";
    /** An SSH key: the public key line to add, or the id of the one to remove. */
    static final String KEY = "key";
    /** A root password's SHA-512 crypt hash (the password itself never leaves the panel that took it). */
    static final String HASH = "hash";
    /** A migration's target node (its id). */
    static final String NODE = "node";
    /** "true": the migration was asked to be live (it moves cold, saying why, where CRIU cannot checkpoint the VE). */
    static final String LIVE = "live";

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** {@code value} as a parameter (JSON). */
    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not writable as a parameter: " + value, e);
        }
    }

    private static <T> T fromJson(String text, Class<T> type) throws OperationFailure {
        if (text == null) {
            return null;
        }
        try {
            return JSON.readValue(text, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new OperationFailure("The change could not be read on this node: " + e.getOriginalMessage());
        }
    }

    private final VeManager ves;
    private final Supplier<NetworkService> network;
    private final java.util.function.IntConsumer networkSync;
    private final VeManager.FileTransport files;

    VeOperations(VeManager ves, Supplier<NetworkService> network, VeManager.FileTransport files, java.util.function.IntConsumer networkSync) {
        this.ves = ves;
        this.network = network;
        this.files = files;
        this.networkSync = networkSync;
    }

    /**
     * Records {@code kind} for VE {@code ve} on its node (here when it is this node's) and answers the operation.
     */
    static Operation dispatch(OperationService operations, String kind, VirtualEnvironment ve, Map<String, String> more) {
        Map<String, String> parameters = new HashMap<>(more);
        parameters.put(VE, Integer.toString(ve.id()));
        return operations.dispatch(kind, "ve/" + ve.id(), ve.owner(), ve.node() == null ? null : ve.node().toString(), parameters,
                OperationService.DEFAULT_TIME_LIMIT);
    }

    /** Records {@code kind} for the VE's node and waits for it up to {@code wait}: the operation as it is then. */
    static Operation dispatchAndAwait(OperationService operations, String kind, VirtualEnvironment ve, Map<String, String> parameters,
                                      Duration wait) throws InterruptedException {
        Operation asked = dispatch(operations, kind, ve, parameters);
        return operations.await(asked.id(), wait).orElse(asked);
    }

    @Override
    public String run(Operation operation, Map<String, String> parameters, OperationService.Progress progress) throws OperationFailure {
        if (DRAIN.equals(operation.kind())) {
            try {
                // the drained node: a parameter when a panel runs the drain, the operation's node when that node does (older panels)
                String drained = parameters.get(NODE);
                progress.update(5, ves.drain(java.util.UUID.fromString(drained != null ? drained : operation.node()), files, progress));
                return "/api/v1/nodes/" + (drained != null ? drained : operation.node());
            } catch (VeException e) {
                throw new OperationFailure(e.getMessage(), e);
            }
        }
        int id = Integer.parseInt(parameters.get(VE));
        String result = "/api/v1/ves/" + id;
        try {
            switch (operation.kind()) {
                case CREATE -> {
                    progress.update(10, "creating the private area");
                    ves.create(id);
                    String pool = parameters.get(IP_POOL);
                    if (pool != null) {
                        progress.update(90, "allocating an address from " + pool);
                        network.get().allocate(id, pool, null);
                    }
                }
                case DESTROY -> {
                    ves.destroy(id);
                    result = null;
                }
                case REINSTALL -> {
                    progress.update(10, "replacing the file system");
                    ves.reinstall(id, parameters.get(TEMPLATE));
                }
                case START -> ves.start(id);
                case STOP -> ves.stop(id, timeout(parameters));
                case RESTART -> ves.restart(id, timeout(parameters));
                case KILL -> ves.kill(id);
                case SUSPEND -> ves.suspend(id);
                case RESUME -> ves.resume(id);
                case UPDATE -> ves.update(id, parameters.get(HOSTNAME), fromJson(parameters.get(LIMITS), io.vessel.kernel.api.VeLimits.class),
                        fromJson(parameters.get(FEATURES), io.vessel.kernel.api.VeFeatures.class));
                case SSH_KEY_ADD -> ves.addSshKey(id, parameters.get(KEY));
                case SSH_KEY_REMOVE -> ves.removeSshKey(id, parameters.get(KEY));
                case ROOT_PASSWORD -> ves.setRootPasswordHash(id, parameters.get(HASH));
                case NETWORK_SYNC -> networkSync.accept(id);
                case MIGRATE -> ves.migrate(id, java.util.UUID.fromString(parameters.get(NODE)), files, progress, "true".equals(parameters.get(LIVE)));
                default -> throw new OperationFailure("This node does not know the VE operation " + operation.kind() + ".");
            }
        } catch (VeException e) {
            throw new OperationFailure(e.getMessage(), e);
        }
        return result;
    }

    private static int timeout(Map<String, String> parameters) {
        String seconds = parameters.get(TIMEOUT);
        return seconds == null ? (int) Duration.ofSeconds(30).toSeconds() : Integer.parseInt(seconds);
    }
}
