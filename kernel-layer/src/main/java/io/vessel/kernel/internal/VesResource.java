package io.vessel.kernel.internal;

import io.vessel.api.operation.Operation;
import io.vessel.api.operation.OperationService;
import io.vessel.kernel.api.ExecRequest;
import io.vessel.kernel.api.NewVe;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.api.VeLimits;
import io.vessel.kernel.api.VeService;
import io.vessel.kernel.api.IpAssignment;
import io.vessel.kernel.api.NetworkService;
import io.vessel.kernel.api.UsageSeries;
import io.vessel.kernel.api.UsageService;
import io.vessel.kernel.api.VeState;
import io.vessel.kernel.api.VirtualEnvironment;
import io.vessel.api.security.Caller;
import io.vessel.api.security.Permissions;
import io.vessel.api.security.RequiresPermission;
import io.vessel.web.api.Problem;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/v1/ves}: create, inspect, power and run commands in VEs. Long actions answer 202 with an operation
 * to poll; the state check happens first, so a request that cannot succeed is refused at once (409).
 * Every VE belongs to a tenant ({@code owner}); callers see and act on the VEs of their part of the tenancy tree
 * (the access filter answers 404 for the others before these methods run). Only holders of {@code ve.limits}
 * change limits.
 */
@Path("ves")
@Produces(MediaType.APPLICATION_JSON)
public final class VesResource {

    /** Body of {@code POST /api/v1/ves/{id}/reinstall}; without a template the VE's own is used. */
    public record ReinstallRequest(String template) {
    }

    /** Body of {@code POST /api/v1/ves/{id}/password}. */
    public record PasswordRequest(String password) {
    }

    /** Body of {@code PATCH /api/v1/ves/{id}}: what to change; absent fields stay. */
    public record ChangeVeRequest(String hostname, VeLimits limits, io.vessel.kernel.api.VeFeatures features) {
    }

    /** Body of {@code POST /api/v1/ves}. */
    public record CreateVeRequest(String template, Integer id, String name, String hostname, Boolean privileged, VeLimits limits,
                                  String ipPool, String owner, io.vessel.kernel.api.VeFeatures features, String node,
                                  Map<String, String> labels) {
    }

    private static final int DEFAULT_STOP_TIMEOUT = 30;

    private final KernelComponent.VeServiceHandle ves;
    private final KernelComponent.TemplateServiceHandle templates;
    private final OperationService operations;
    private final java.util.function.Supplier<UsageService> usage;
    private final java.util.function.Supplier<NetworkService> network;

    /** The node channel, for what runs on another node while the caller waits (exec); null until VE support is up. */
    private final java.util.function.Supplier<io.vessel.kernel.internal.channel.NodeChannel> channel;
    /** This node: a VE elsewhere has its changes made there ({@link #onItsNode}). */
    private final java.util.UUID localNode;
    /** Forgets this process's copies of VE records, once another node changed one at our request. */
    private final Runnable forgetCopies;

    /** How long a request waits for another node to make a change it asked for there. */
    static final java.time.Duration REMOTE_WAIT = java.time.Duration.ofSeconds(30);

    VesResource(KernelComponent.VeServiceHandle ves, KernelComponent.TemplateServiceHandle templates, OperationService operations, java.util.function.Supplier<UsageService> usage,
                java.util.function.Supplier<NetworkService> network, java.util.UUID localNode, Runnable forgetCopies,
                java.util.function.Supplier<io.vessel.kernel.internal.channel.NodeChannel> channel) {
        this.localNode = localNode;
        this.channel = channel;
        this.forgetCopies = forgetCopies;
        this.ves = ves;
        this.templates = templates;
        this.operations = operations;
        this.usage = usage;
        this.network = network;
    }

    /** Body of {@code POST /api/v1/ves/{id}/ips}: an address from a pool, the next free one unless named. */
    public record AllocateIpRequest(String pool, String address) {
    }

    @GET
    @Path("{id}/ips")
    @RequiresPermission(value = Permissions.VE_READ, object = "ve")
    public List<IpAssignment> ipsOfVe(@PathParam("id") String id) {
        int veId = parseId(id);
        requireVe(veId);
        return call(() -> network.get().addresses(veId));
    }

    @POST
    @Path("{id}/ips")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = Permissions.VE_NETWORK, object = "ve")
    public Response allocateIp(@PathParam("id") String id, AllocateIpRequest body, @Context SecurityContext security) {
        int veId = parseId(id);
        if (body == null || body.pool() == null) {
            throw ProblemException.invalid("Name the pool: {\"pool\": \"public-v4\"} (and optionally an \"address\").",
                    List.of(new Problem.FieldError("pool", "required")));
        }
        checkPoolVisible(Caller.of(security), body.pool(), "pool");
        IpAssignment assignment = call(() -> network.get().allocate(veId, body.pool(), body.address()));
        return Response.created(URI.create("/api/v1/ves/" + veId + "/ips/" + assignment.address())).entity(assignment).build();
    }

    /** Body of {@code POST /api/v1/ves/{id}/ssh-keys}: one OpenSSH public key line. */
    public record SshKeyRequest(String publicKey) {
    }

    @GET
    @Path("{id}/ssh-keys")
    @RequiresPermission(value = Permissions.VE_READ, object = "ve")
    public List<io.vessel.kernel.api.SshKey> sshKeysOfVe(@PathParam("id") String id) {
        int veId = parseId(id);
        return call(() -> ves.get().sshKeys(veId));
    }

    /** Adds a key for the VE's root: written into the running VE at once, or at its next start. */
    @POST
    @Path("{id}/ssh-keys")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = Permissions.VE_CONFIGURE, object = "ve")
    public Response addSshKey(@PathParam("id") String id, SshKeyRequest body) {
        int veId = parseId(id);
        if (body == null || body.publicKey() == null) {
            throw ProblemException.invalid("Send {\"publicKey\": \"ssh-ed25519 AAAA… you@laptop\"}.", List.of(new Problem.FieldError("publicKey", "required")));
        }
        VirtualEnvironment ve = requireVe(veId);
        io.vessel.kernel.api.SshKey key;
        if (elsewhere(ve)) {
            SshKeys.Parsed parsed = call(() -> SshKeys.parse(body.publicKey())); // a malformed key is refused here, at once
            onItsNode(ve, VeOperations.SSH_KEY_ADD, Map.of(VeOperations.KEY, body.publicKey()));
            key = call(() -> ves.get().sshKeys(veId)).stream().filter(k -> k.id().equals(parsed.id())).findFirst()
                    .orElseThrow(() -> ProblemException.conflict("The key was removed again before it could be shown."));
        } else {
            key = call(() -> ves.get().addSshKey(veId, body.publicKey()));
        }
        return Response.created(URI.create("/api/v1/ves/" + veId + "/ssh-keys/" + key.id())).entity(key).build();
    }

    @DELETE
    @Path("{id}/ssh-keys/{keyId}")
    @RequiresPermission(value = Permissions.VE_CONFIGURE, object = "ve")
    public Response removeSshKey(@PathParam("id") String id, @PathParam("keyId") String keyId) {
        int veId = parseId(id);
        if (keyId == null || !keyId.matches("[0-9a-f]{64}")) {
            throw ProblemException.notFound("VE " + veId + " has no SSH key " + keyId + ".");
        }
        VirtualEnvironment ve = requireVe(veId);
        if (elsewhere(ve)) {
            if (call(() -> ves.get().sshKeys(veId)).stream().noneMatch(k -> k.id().equals(keyId))) {
                throw ProblemException.notFound("VE " + veId + " has no SSH key " + keyId + ".");
            }
            onItsNode(ve, VeOperations.SSH_KEY_REMOVE, Map.of(VeOperations.KEY, keyId));
            return Response.noContent().build();
        }
        call(() -> {
            ves.get().removeSshKey(veId, keyId);
            return null;
        });
        return Response.noContent().build();
    }

    /** Body of {@code POST /api/v1/ves/{id}/port-forwards}. */
    public record PortForwardRequest(String protocol, Integer hostPort, Integer port) {
    }

    @GET
    @Path("{id}/port-forwards")
    @RequiresPermission(value = Permissions.VE_READ, object = "ve")
    public List<io.vessel.kernel.api.PortForward> portForwardsOfVe(@PathParam("id") String id) {
        int veId = parseId(id);
        requireVe(veId);
        return call(() -> network.get().forwards(veId));
    }

    @POST
    @Path("{id}/port-forwards")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = Permissions.VE_NETWORK, object = "ve")
    public Response addPortForward(@PathParam("id") String id, PortForwardRequest body) {
        int veId = parseId(id);
        if (body == null || body.hostPort() == null || body.port() == null) {
            throw ProblemException.invalid("Send {\"protocol\": \"tcp\", \"hostPort\": 8022, \"port\": 22}.",
                    List.of(new Problem.FieldError("hostPort", "required")));
        }
        String protocol = body.protocol() == null ? "tcp" : body.protocol();
        io.vessel.kernel.api.PortForward forward = call(() -> network.get().forward(veId, protocol, body.hostPort(), body.port()));
        return Response.created(URI.create("/api/v1/ves/" + veId + "/port-forwards/" + protocol + "/" + body.hostPort())).entity(forward).build();
    }

    @DELETE
    @Path("{id}/port-forwards/{protocol}/{hostPort}")
    @RequiresPermission(value = Permissions.VE_NETWORK, object = "ve")
    public Response removePortForward(@PathParam("id") String id, @PathParam("protocol") String protocol, @PathParam("hostPort") String hostPort) {
        int veId = parseId(id);
        int port;
        try {
            port = Integer.parseInt(hostPort);
        } catch (NumberFormatException e) {
            throw ProblemException.notFound("VE " + veId + " has no forward of " + protocol + " port " + hostPort + ".");
        }
        call(() -> {
            network.get().removeForward(veId, protocol, port);
            return null;
        });
        return Response.noContent().build();
    }

    @DELETE
    @Path("{id}/ips/{address}")
    @RequiresPermission(value = Permissions.VE_NETWORK, object = "ve")
    public Response releaseIp(@PathParam("id") String id, @PathParam("address") String address) {
        int veId = parseId(id);
        call(() -> {
            network.get().release(veId, address);
            return null;
        });
        return Response.noContent().build();
    }

    @GET
    @RequiresPermission(Permissions.VE_READ)
    public List<VirtualEnvironment> listVes(@Context SecurityContext security) {
        Caller caller = Caller.of(security);
        return call(() -> ves.get().list()).stream().filter(ve -> caller.sees(ve.owner())).map(this::withUsage).toList();
    }

    private VirtualEnvironment withUsage(VirtualEnvironment ve) {
        UsageService meter = usage.get();
        return meter == null ? ve : meter.current(ve.id()).map(ve::withUsage).orElse(ve);
    }

    /**
     * {@code GET /api/v1/ves/{id}/usage?from=&to=&step=}: usage series per metric. {@code from} and {@code to} are
     * ISO-8601 instants (default: the last hour), {@code step} seconds or a number with s, m, h or d (default 60s).
     */
    @GET
    @Path("{id}/usage")
    @RequiresPermission(value = Permissions.VE_READ, object = "ve")
    public UsageSeries usageOfVe(@PathParam("id") String id, @QueryParam("from") String from, @QueryParam("to") String to,
                                 @QueryParam("step") String step) {
        int veId = parseId(id);
        requireVe(veId);
        java.time.Instant end = to == null ? java.time.Instant.now() : instant(to, "to");
        java.time.Instant start = from == null ? end.minus(java.time.Duration.ofHours(1)) : instant(from, "from");
        java.time.Duration stepDuration = step == null ? java.time.Duration.ofMinutes(1) : duration(step);
        UsageService meter = usage.get();
        if (meter == null) {
            throw new ProblemException(503, "unavailable", "Accounting unavailable", "Usage is not recorded on this node.");
        }
        return call(() -> meter.series(veId, start, end, stepDuration));
    }

    private static java.time.Instant instant(String text, String field) {
        try {
            return java.time.Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            throw ProblemException.invalid(field + " must be an ISO-8601 instant such as 2026-11-25T10:00:00Z.",
                    List.of(new Problem.FieldError(field, "ISO-8601 instant")));
        }
    }

    static java.time.Duration duration(String text) {
        var m = java.util.regex.Pattern.compile("(\\d{1,9})([smhd]?)").matcher(text.strip());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw ProblemException.invalid("step must be a number of seconds, or a number with s, m, h or d (e.g. 5m).",
                    List.of(new Problem.FieldError("step", "duration")));
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> java.time.Duration.ofMinutes(n);
            case "h" -> java.time.Duration.ofHours(n);
            case "d" -> java.time.Duration.ofDays(n);
            default -> java.time.Duration.ofSeconds(n);
        };
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(Permissions.VE_CREATE)
    public Response createVe(CreateVeRequest body, @Context SecurityContext security) {
        if (body == null) {
            throw ProblemException.invalid("Send a JSON body such as {\"template\": \"busybox\"}.",
                    List.of(new Problem.FieldError("template", "required")));
        }
        Caller caller = Caller.of(security);
        // the provider's own VEs have no owner; anyone else's VE belongs to their tenant unless they name one below it
        String owner = body.owner() == null || body.owner().isBlank() ? (caller.sees(null) ? null : caller.tenantId()) : body.owner().strip();
        if (owner != null && !caller.sees(owner)) {
            throw ProblemException.invalid("There is no tenant " + body.owner() + ".", List.of(new Problem.FieldError("owner", "unknown tenant")));
        }
        if (Boolean.TRUE.equals(body.privileged())) {
            checkMayOwnPrivileged(caller, owner);
        }
        if (body.features() != null && body.features().nestingGranted() && !caller.may(Permissions.VE_LIMITS)) {
            throw featuresForbidden();
        }
        if ((body.node() != null || body.labels() != null && !body.labels().isEmpty()) && !caller.may(Permissions.NODE_READ)) {
            throw new ProblemException(403, "forbidden", "Not allowed", "Only your provider chooses the node a VE runs on (permission node.read).");
        }
        if (body.ipPool() != null) {
            checkPoolVisible(caller, body.ipPool(), "ipPool");
        }
        checkTemplateVisible(caller, body.template());
        VirtualEnvironment prepared = call(() -> ves.get().prepare(new NewVe(body.template(), body.id(), body.name(),
                body.hostname(), owner, body.privileged(), body.limits(), body.features(), body.node(), body.labels(), body.ipPool())));
        return accepted(VeOperations.dispatch(operations, VeOperations.CREATE, prepared,
                body.ipPool() == null ? Map.of() : Map.of(VeOperations.IP_POOL, body.ipPool())));
    }

    @GET
    @Path("{id}")
    @RequiresPermission(value = Permissions.VE_READ, object = "ve")
    public VirtualEnvironment getVe(@PathParam("id") String id) {
        int veId = parseId(id);
        return withUsage(requireVe(veId));
    }

    @PATCH
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = Permissions.VE_CONFIGURE, object = "ve")
    public VirtualEnvironment changeVe(@PathParam("id") String id, ChangeVeRequest body, @Context SecurityContext security) {
        int veId = parseId(id);
        if (body == null) {
            throw ProblemException.badRequest("Send a JSON body with the hostname or limits to change.");
        }
        if (body.limits() != null && !Caller.of(security).may(Permissions.VE_LIMITS)) {
            throw new ProblemException(403, "forbidden", "Not allowed", "Only your provider changes a VE's limits (permission ve.limits).");
        }
        if (body.features() != null && !Caller.of(security).may(Permissions.VE_LIMITS)) {
            throw featuresForbidden();
        }
        VirtualEnvironment ve = requireVe(veId);
        if (elsewhere(ve)) {
            call(() -> {
                ves.get().checkUpdate(veId, body.hostname(), body.limits(), body.features());
                return null;
            });
            Map<String, String> changes = new java.util.HashMap<>();
            if (body.hostname() != null) {
                changes.put(VeOperations.HOSTNAME, body.hostname());
            }
            if (body.limits() != null) {
                changes.put(VeOperations.LIMITS, VeOperations.json(body.limits()));
            }
            if (body.features() != null) {
                changes.put(VeOperations.FEATURES, VeOperations.json(body.features()));
            }
            onItsNode(ve, VeOperations.UPDATE, changes);
            return withUsage(requireVe(veId));
        }
        return call(() -> ves.get().update(veId, body.hostname(), body.limits(), body.features()));
    }

    @DELETE
    @Path("{id}")
    @RequiresPermission(value = Permissions.VE_DELETE, object = "ve")
    public Response destroyVe(@PathParam("id") String id) {
        int veId = checked(id, VeState.DESTROYED);
        admit(io.vessel.kernel.api.hook.VeAction.DESTROY, veId, null);
        return submit(VeOperations.DESTROY, veId, Map.of());
    }

    @POST
    @Path("{id}/start")
    @RequiresPermission(value = Permissions.VE_POWER, object = "ve")
    public Response startVe(@PathParam("id") String id) {
        int veId = checked(id, VeState.RUNNING);
        admit(io.vessel.kernel.api.hook.VeAction.START, veId, null);
        return submit(VeOperations.START, veId, Map.of());
    }

    @POST
    @Path("{id}/stop")
    @RequiresPermission(value = Permissions.VE_POWER, object = "ve")
    public Response stopVe(@PathParam("id") String id, @QueryParam("timeout") @DefaultValue("30") int timeout) {
        int seconds = stopTimeout(timeout);
        return submit(VeOperations.STOP, checked(id, VeState.STOPPED), Map.of(VeOperations.TIMEOUT, Integer.toString(seconds)));
    }

    @POST
    @Path("{id}/restart")
    @RequiresPermission(value = Permissions.VE_POWER, object = "ve")
    public Response restartVe(@PathParam("id") String id, @QueryParam("timeout") @DefaultValue("30") int timeout) {
        int seconds = stopTimeout(timeout);
        int veId = parseId(id);
        VirtualEnvironment ve = requireVe(veId);
        if (ve.state() != VeState.RUNNING && ve.state() != VeState.SUSPENDED && ve.state() != VeState.STOPPED) {
            throw ProblemException.conflict("cannot restart VE " + veId + ": it is " + ve.state());
        }
        admit(io.vessel.kernel.api.hook.VeAction.START, veId, null);
        return submit(VeOperations.RESTART, veId, Map.of(VeOperations.TIMEOUT, Integer.toString(seconds)));
    }

    @POST
    @Path("{id}/kill")
    @RequiresPermission(value = Permissions.VE_POWER, object = "ve")
    public Response killVe(@PathParam("id") String id) {
        return submit(VeOperations.KILL, checked(id, VeState.STOPPED), Map.of());
    }

    @POST
    @Path("{id}/suspend")
    @RequiresPermission(value = Permissions.VE_POWER, object = "ve")
    public Response suspendVe(@PathParam("id") String id) {
        return submit(VeOperations.SUSPEND, checked(id, VeState.SUSPENDED), Map.of());
    }

    @POST
    @Path("{id}/resume")
    @RequiresPermission(value = Permissions.VE_POWER, object = "ve")
    public Response resumeVe(@PathParam("id") String id) {
        int veId = parseId(id);
        VirtualEnvironment ve = requireVe(veId);
        if (ve.state() != VeState.SUSPENDED) {
            throw ProblemException.conflict("cannot resume VE " + veId + ": it is " + ve.state());
        }
        // a resume runs the VE again, as a start does: whatever may veto a start (billing's holds) may veto it
        admit(io.vessel.kernel.api.hook.VeAction.START, veId, null);
        return submit(VeOperations.RESUME, veId, Map.of());
    }

    @POST
    @Path("{id}/reinstall")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = Permissions.VE_REINSTALL, object = "ve")
    public Response reinstallVe(@PathParam("id") String id, ReinstallRequest body, @Context SecurityContext security) {
        int veId = parseId(id);
        VirtualEnvironment ve = requireVe(veId);
        if (ve.state() != VeState.STOPPED && ve.state() != VeState.ERROR) {
            throw ProblemException.conflict("Cannot reinstall VE " + veId + ": it is " + ve.state() + "; stop it first.");
        }
        String template = body == null || body.template() == null || body.template().isBlank() ? null : body.template();
        checkTemplateVisible(Caller.of(security), template);
        call(() -> {
            ves.get().checkTemplate(template != null ? template : ve.template(), veId);
            return null;
        });
        admit(io.vessel.kernel.api.hook.VeAction.REINSTALL, veId, template);
        return accepted(VeOperations.dispatch(operations, VeOperations.REINSTALL, ve,
                template == null ? Map.of() : Map.of(VeOperations.TEMPLATE, template)));
    }

    /**
     * Body of {@code POST /api/v1/ves/{id}/migrate}: the node to move the VE to (its id, or a host name only one node has),
     * and whether to try a live move (checkpointed with CRIU): where CRIU cannot, the VE moves cold and the outcome says why.
     */
    public record MigrateRequest(String node, Boolean live) {
    }

    /**
     * Moves a VE to another node, cold (stopped for the move if it runs, started there again): an operation its node
     * runs. Refused at once when the target cannot take it (out of reach, kept free of new VEs, no room under its
     * ratios, one of the VE's forwarded ports taken there).
     */
    @POST
    @Path("{id}/migrate")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(Permissions.NODE_MANAGE)
    public Response migrateVe(@PathParam("id") String id, MigrateRequest body) {
        int veId = parseId(id);
        requireVe(veId);
        io.vessel.kernel.api.Node target = call(() -> ves.get().checkMigration(veId, body == null ? null : body.node()));
        Map<String, String> parameters = new java.util.HashMap<>(Map.of(VeOperations.NODE, target.id().toString()));
        if (body != null && Boolean.TRUE.equals(body.live())) {
            parameters.put(VeOperations.LIVE, "true");
        }
        return submit(VeOperations.MIGRATE, veId, parameters);
    }

    @POST
    @Path("{id}/password")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(value = Permissions.VE_CONFIGURE, object = "ve")
    public Response setRootPassword(@PathParam("id") String id, PasswordRequest body) {
        int veId = parseId(id);
        VirtualEnvironment ve = requireVe(veId);
        if (elsewhere(ve)) {
            String hash = call(() -> VeManager.rootPasswordHash(body == null ? null : body.password()));
            onItsNode(ve, VeOperations.ROOT_PASSWORD, Map.of(VeOperations.HASH, hash));
            return Response.noContent().build();
        }
        call(() -> {
            ves.get().setRootPassword(veId, body == null ? null : body.password());
            return null;
        });
        return Response.noContent().build();
    }

    /** Media type of a streamed exec: one JSON object per line. */
    static final String NDJSON = "application/x-ndjson";

    /**
     * Runs a command. Buffered (default): each stream keeps at most {@code kernel.exec.output.max} (1 MiB), with
     * {@code truncated} and byte counts. With {@code ?stream=true}: {@code application/x-ndjson}, a line
     * {@code {"stream":"stdout"|"stderr","data":"<base64>"}} per chunk as it is printed, then a last line with
     * {@code exitCode}, {@code timedOut} and the byte counts (or {@code error}), for output of any size.
     */
    @POST
    @Path("{id}/exec")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, NDJSON})
    @RequiresPermission(value = Permissions.VE_EXEC, object = "ve")
    public Response execInVe(@PathParam("id") String id, @QueryParam("stream") @DefaultValue("false") boolean stream, ExecRequest body) {
        int veId = parseId(id);
        if (!stream) {
            VirtualEnvironment ve = requireVe(veId);
            if (elsewhere(ve)) {
                return execElsewhere(ve, false, body);
            }
            return Response.ok(call(() -> ves.get().exec(veId, body)), MediaType.APPLICATION_JSON).build();
        }
        if (body == null || body.command() == null || body.command().isEmpty()) {
            throw ProblemException.invalid("Send {\"command\": [\"uname\", \"-a\"]}.", List.of(new Problem.FieldError("command", "required")));
        }
        VirtualEnvironment ve = requireVe(veId);
        if (ve.state() != VeState.RUNNING) {
            throw ProblemException.conflict("VE " + veId + " is " + ve.state() + "; start it to run commands.");
        }
        if (elsewhere(ve)) {
            return execElsewhere(ve, true, body);
        }
        jakarta.ws.rs.core.StreamingOutput output = out -> ExecStream.write(ves.get(), veId, body, out);
        return Response.ok(output, NDJSON).build();
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper CHANNEL_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * Runs the command on the VE's node, over the node channel, and answers what that node answered: the result, the
     * stream as it comes, or its kernel's refusal as this node would give it.
     */
    private Response execElsewhere(VirtualEnvironment ve, boolean stream, ExecRequest body) {
        io.vessel.kernel.internal.channel.NodeChannel nodes = channel.get();
        try {
            if (nodes == null) {
                throw new io.vessel.kernel.internal.channel.NodeChannel.Unavailable("VE support is still starting on this node");
            }
            java.net.http.HttpResponse<java.io.InputStream> answer = nodes.send(ve.node(), "POST", "/ves/" + ve.id() + "/exec"
                    + (stream ? "?stream=true" : ""), MediaType.APPLICATION_JSON, CHANNEL_JSON.writeValueAsBytes(body));
            if (answer.statusCode() == 422) {
                VeException refused = NodeEndpoints.refusal(io.vessel.kernel.internal.channel.NodeChannel.text(answer));
                return call(() -> {
                    throw refused;
                });
            }
            if (answer.statusCode() != 200) {
                io.vessel.kernel.internal.channel.NodeChannel.text(answer);
                throw new ProblemException(502, "node-failed", "The node failed", "VE " + ve.id() + "'s node " + ve.node() + " answered "
                        + answer.statusCode() + " to the command.");
            }
            if (!stream) {
                return Response.ok(io.vessel.kernel.internal.channel.NodeChannel.text(answer), MediaType.APPLICATION_JSON).build();
            }
            jakarta.ws.rs.core.StreamingOutput output = out -> {
                try (java.io.InputStream in = answer.body()) {
                    byte[] buffer = new byte[8192];
                    for (int n; (n = in.read(buffer)) >= 0; ) {
                        out.write(buffer, 0, n);
                        out.flush(); // line by line as the node sends them
                    }
                }
            };
            return Response.ok(output, NDJSON).build();
        } catch (io.vessel.kernel.internal.channel.NodeChannel.Unavailable e) {
            throw ProblemException.conflict("VE " + ve.id() + " runs on node " + ve.node() + ", which this panel cannot reach over the node channel: "
                    + e.getMessage() + ".");
        } catch (java.io.IOException e) {
            throw new ProblemException(502, "node-unreachable", "The node did not answer", "VE " + ve.id() + "'s node " + ve.node()
                    + " did not answer over the node channel: " + e.getMessage() + ".");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProblemException(503, "interrupted", "Interrupted", "The panel stopped while VE " + ve.id() + "'s node ran the command.");
        }
    }

    /** Whether the VE runs on another node, where its files, cgroups and processes are. */
    private boolean elsewhere(VirtualEnvironment ve) {
        return ve.node() != null && !ve.node().equals(localNode);
    }

    /**
     * Makes a change on the VE's node (another one) and waits for it, so the request answers as it would on one
     * server: the node's refusal becomes a 409 with its reason; a node that has not finished within
     * {@link #REMOTE_WAIT} is a 504 naming the operation, which goes on.
     */
    private void onItsNode(VirtualEnvironment ve, String kind, Map<String, String> parameters) {
        io.vessel.api.operation.Operation done;
        try {
            done = VeOperations.dispatchAndAwait(operations, kind, ve, parameters, REMOTE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProblemException(503, "interrupted", "Interrupted", "The panel stopped while VE " + ve.id() + "'s node made the change.");
        } finally {
            forgetCopies.run();
        }
        switch (done.state()) {
            case SUCCEEDED -> {
            }
            case FAILED -> throw ProblemException.conflict(capitalise(done.error()) + (done.error().endsWith(".") ? "" : "."));
            default -> throw new ProblemException(504, "node-timeout", "The node has not answered yet", "VE " + ve.id()
                    + "'s node has not made the change within " + REMOTE_WAIT.toSeconds() + " s; it goes on as operation " + done.id() + ".");
        }
    }

    /** Records the action for the VE's node, which runs it (this one, or another on the same database). */
    private Response submit(String kind, int veId, Map<String, String> parameters) {
        return accepted(VeOperations.dispatch(operations, kind, requireVe(veId), parameters));
    }

    /**
     * The plugins' hooks are asked in the request, so that a refusal reaches the caller at once (as a problem, and
     * through the audit filter into the audit log) instead of as a failed operation later.
     */
    private void admit(io.vessel.kernel.api.hook.VeAction action, int veId, String template) {
        call(() -> {
            ves.get().admit(action, veId, template);
            return null;
        });
    }

    /** The VE, or the same 404 the access filter gives (it may have gone since the filter looked). */
    private VirtualEnvironment requireVe(int veId) {
        return call(() -> ves.get().find(veId)).orElseThrow(() -> ProblemException.notFound("There is no VE " + veId + "."));
    }

    /**
     * A privileged VE shares the host's user ids: root inside it is root on the host. So only a provider admin
     * creates one, and it stays the provider's own (never a reseller's or customer's, who could then operate it).
     */
    static void checkMayOwnPrivileged(Caller caller, String owner) {
        if (!caller.sees(null) || !PROVIDER_ADMIN.equals(caller.role())) {
            throw new ProblemException(403, "forbidden", "Not allowed",
                    "A privileged VE is root on the host: only the provider's administrators create one.");
        }
        if (owner != null) {
            throw new ProblemException(422, "unprocessable", "Unprocessable request",
                    "A privileged VE is root on the host and stays the provider's own: it cannot belong to a reseller or customer.",
                    List.of(new Problem.FieldError("owner", "must be empty for a privileged VE")));
        }
    }

    private static final String PROVIDER_ADMIN = "provider-admin";

    /** A customer may not grant its own VE what only the provider grants (nesting). */
    private static ProblemException featuresForbidden() {
        return new ProblemException(403, "forbidden", "Not allowed", "Only your provider grants a VE features such as nesting (permission ve.limits).");
    }

    /** Another tenant's IP pool is answered exactly like one that does not exist. */
    private void checkPoolVisible(Caller caller, String pool, String field) {
        io.vessel.kernel.api.IpPool found = call(() -> network.get().pool(pool)).orElse(null);
        if (found == null || found.owner() != null && !caller.sees(found.owner())) {
            // creating a VE names the pool as one of its settings (400); adding an address acts on the pool (404)
            throw field.equals("pool") ? ProblemException.notFound("There is no IP pool " + pool + ".")
                    : ProblemException.invalid("There is no IP pool " + pool + ".", List.of(new Problem.FieldError(field, "unknown")));
        }
    }

    /** Another tenant's private template is answered exactly like one that does not exist. */
    private void checkTemplateVisible(Caller caller, String template) {
        if (template == null || template.isBlank()) {
            return;
        }
        String owner = call(() -> templates.get().find(template)).map(io.vessel.kernel.api.Template::owner).orElse(null);
        if (owner != null && !caller.sees(owner)) {
            throw ProblemException.invalid("There is no template " + template + ".", List.of(new Problem.FieldError("template", "unknown")));
        }
    }

    /** Operations on a VE belong to the VE's tenant, so its customer sees them. */
    private int checked(String id, VeState target) {
        int veId = parseId(id);
        call(() -> {
            ves.get().checkTransition(veId, target);
            return null;
        });
        return veId;
    }

    private static int stopTimeout(int timeout) {
        if (timeout < 0 || timeout > 3600) {
            throw ProblemException.invalid("timeout must be between 0 and 3600 seconds.",
                    List.of(new Problem.FieldError("timeout", "between 0 and 3600")));
        }
        return timeout == 0 ? DEFAULT_STOP_TIMEOUT : timeout;
    }

    private static Response accepted(Operation operation) {
        return Response.accepted(operation).location(URI.create("/api/v1/operations/" + operation.id())).build();
    }

    private static int parseId(String id) {
        try {
            return Integer.parseInt(id);
        } catch (NumberFormatException e) {
            throw ProblemException.notFound("There is no VE " + id + ".");
        }
    }

    /** A refused VE action becomes the problem the caller gets. */
    static <T> T call(java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (VeException e) {
            throw toProblem(e);
        }
    }

    static ProblemException toProblem(VeException e) {
        String detail = capitalise(e.getMessage()) + ".";
        return switch (e.kind()) {
            case NOT_FOUND -> ProblemException.notFound(detail);
            case CONFLICT -> ProblemException.conflict(detail);
            case INVALID -> ProblemException.invalid(detail, e.field() == null ? List.of() : List.of(new Problem.FieldError(e.field(), e.getMessage())));
            case UNPROCESSABLE -> new ProblemException(422, "unprocessable", "Unprocessable request", detail,
                    e.field() == null ? List.of() : List.of(new Problem.FieldError(e.field(), e.getMessage())));
            case UNAVAILABLE -> new ProblemException(503, "unavailable", "VEs unavailable", detail);
            case FAILED -> new ProblemException(500, "kernel-failed", "The host refused", detail);
        };
    }

    static String capitalise(String s) {
        return s == null || s.isEmpty() ? "" : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
