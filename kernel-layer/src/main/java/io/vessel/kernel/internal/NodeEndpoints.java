package io.vessel.kernel.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vessel.kernel.api.ExecRequest;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.internal.channel.NodeChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node serves other nodes' panels over the node channel: a command run in one of its VEs, buffered or
 * streamed exactly as the API runs it here, and a console ({@link ConsoleSessions}). The panel that took the request has checked the caller's permission
 * and the VE's ownership; the channel has checked that the caller is a node of this installation.
 */
final class NodeEndpoints implements NodeChannel.Endpoint {

    private static final Logger LOG = LoggerFactory.getLogger(NodeEndpoints.class);
    /** A refusal by this node's kernel: its kind, field and message, for the panel to answer as it would itself. */
    static final String REFUSAL = "application/vnd.vessel.ve-exception+json";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern EXEC = Pattern.compile("/ves/(\\d{1,9})/exec");
    private static final Pattern FILES = Pattern.compile("/ves/(\\d{1,9})/files");
    /** A moved VE's node hands it over to this one, whose pool holds its files now (protocol 2). */
    private static final Pattern TAKE_OVER = Pattern.compile("/ves/(\\d{1,9})/take-over");
    /** The node moving a VE here asks for its template copy as the first pass's parent (an older node answers 404: sent whole). */
    private static final Pattern BASE = Pattern.compile("/ves/(\\d{1,9})/base");
    private static final Pattern NAME = Pattern.compile("name=([A-Za-z0-9-]{1,64})(?:&parent=([A-Za-z0-9-]{1,64}))?&last=(true|false)");
    private static final Pattern TEMPLATE = Pattern.compile("/templates/([a-z0-9][a-z0-9._-]{0,62}@\\d{1,9})/files");
    /** A panel without storage sends the archive of a template this node is to unpack. */
    private static final Pattern UPLOAD = Pattern.compile("/templates/([a-z0-9][a-z0-9._-]{0,62}@\\d{1,9})/upload");

    /** Another bundle's work on this node ({@link io.vessel.kernel.api.NodeCall}), e.g. a backup of one of its VEs. */
    private static final Pattern CALL = Pattern.compile(ChannelCalls.PATH + "([a-z0-9][a-z0-9-]{0,63})");

    private static final Pattern CONSOLE = Pattern.compile("/ves/(\\d{1,9})/console");
    private static final Pattern SIZE = Pattern.compile("columns=(\\d{1,4})&rows=(\\d{1,4})");
    private static final Pattern SESSION = Pattern.compile("/consoles/([0-9a-f-]{36})(/input|/resize)?");

    private final VeManager ves;
    private final io.vessel.kernel.internal.storage.StorageDriver storage;
    private final ConsoleSessions consoles;
    private final ChannelCalls calls;

    /** Where archives sent by panels go; null on a panel without storage. */
    private final TemplateCatalog templates;

    NodeEndpoints(VeManager ves, io.vessel.kernel.internal.storage.StorageDriver storage, TemplateCatalog templates, ChannelCalls calls) {
        this.ves = ves;
        this.calls = calls;
        this.storage = storage;
        this.templates = templates;
        this.consoles = new ConsoleSessions(ves);
    }

    /** Hangs up every console other nodes' panels have open here (the node is stopping). */
    void closeConsoles() {
        consoles.closeAll();
    }

    @Override
    public void handle(UUID caller, boolean agent, String method, String path, String query, InputStream body, NodeChannel.Reply reply)
            throws IOException {
        Matcher files = FILES.matcher(path);
        if ("PUT".equals(method) && files.matches()) {
            receive(caller, Integer.parseInt(files.group(1)), query, body, reply);
            return;
        }
        Matcher base = BASE.matcher(path);
        if ("PUT".equals(method) && base.matches()) {
            prepareBase(caller, Integer.parseInt(base.group(1)), body, reply);
            return;
        }
        Matcher takeOver = TAKE_OVER.matcher(path);
        if ("POST".equals(method) && takeOver.matches()) {
            VeManager.HandOver answer;
            try {
                answer = ves.takeOver(Integer.parseInt(takeOver.group(1)), caller, "start=true".equals(query));
            } catch (VeException e) {
                refuse(reply, e);
                return;
            }
            try (OutputStream out = reply.send(200, "application/json")) {
                JSON.writeValue(out, answer);
            }
            return;
        }
        Matcher template = TEMPLATE.matcher(path);
        if ("GET".equals(method) && template.matches()) {
            sendTemplate(template.group(1), reply);
            return;
        }
        if (agent) {
            // a node agent never serves customers: consoles and commands in VEs are asked by panels only, so a VE that
            // escaped on one agent's server cannot reach into the VEs of others through its node's certificate
            LOG.warn("Refused a node agent's request for what only panels ask caller={} method={} path={}", caller, method, path);
            reply.send(403, "text/plain").close();
            return;
        }
        if (console(caller, method, path, query, body, reply)) {
            return;
        }
        Matcher call = CALL.matcher(path);
        if ("POST".equals(method) && call.matches()) {
            if (!calls.answer(caller, call.group(1), body, reply)) {
                refuse(reply, new VeException(VeException.Kind.UNAVAILABLE, "this node runs nothing that answers '" + call.group(1)
                        + "' (a node of an older version, or the bundle that does is not running)"));
            }
            return;
        }
        Matcher upload = UPLOAD.matcher(path);
        if ("PUT".equals(method) && upload.matches()) {
            try {
                if (templates == null) {
                    throw new VeException(VeException.Kind.CONFLICT, "this node keeps no templates");
                }
                templates.receiveUpload(upload.group(1), body);
            } catch (VeException e) {
                refuse(reply, e);
                return;
            }
            reply.send(200, "text/plain").close();
            return;
        }
        Matcher exec = EXEC.matcher(path);
        if (!"POST".equals(method) || !exec.matches()) {
            reply.send(404, "text/plain").close();
            return;
        }
        int id = Integer.parseInt(exec.group(1));
        ExecRequest request;
        try {
            request = JSON.readValue(body, ExecRequest.class);
        } catch (IOException e) {
            refuse(reply, new VeException(VeException.Kind.INVALID, "the command sent by the panel cannot be read: " + e.getMessage()));
            return;
        }
        LOG.info("Exec for another node's panel ve={} caller={} stream={}", id, caller, "stream=true".equals(query));
        if ("stream=true".equals(query)) {
            try (OutputStream out = reply.send(200, VesResource.NDJSON)) {
                ExecStream.write(ves, id, request, out);
            }
            return;
        }
        Object result;
        try {
            result = ves.exec(id, request);
        } catch (VeException e) {
            refuse(reply, e);
            return;
        }
        try (OutputStream out = reply.send(200, "application/json")) {
            JSON.writeValue(out, result);
        }
    }

    /** A console of one of this node's VEs for another node's panel, and what that panel sends it; false: not a console path. */
    private boolean console(UUID caller, String method, String path, String query, InputStream body, NodeChannel.Reply reply) throws IOException {
        Matcher open = CONSOLE.matcher(path);
        if ("POST".equals(method) && open.matches()) {
            Matcher size = SIZE.matcher(query == null ? "" : query);
            try {
                if (!size.matches()) {
                    throw new VeException(VeException.Kind.INVALID, "columns", "the panel sent no terminal size", null);
                }
                consoles.open(caller, Integer.parseInt(open.group(1)), Integer.parseInt(size.group(1)), Integer.parseInt(size.group(2)), reply);
            } catch (VeException e) {
                refuse(reply, e);
            }
            return true;
        }
        Matcher session = SESSION.matcher(path);
        if (!session.matches()) {
            return false;
        }
        String id = session.group(1);
        String what = session.group(2);
        boolean known;
        if ("POST".equals(method) && "/input".equals(what)) {
            known = consoles.type(caller, id, body);
        } else if ("POST".equals(method) && "/resize".equals(what)) {
            Matcher size = SIZE.matcher(query == null ? "" : query);
            known = size.matches() && consoles.resize(caller, id, Integer.parseInt(size.group(1)), Integer.parseInt(size.group(2)));
        } else if ("DELETE".equals(method) && what == null) {
            known = consoles.hangUp(caller, id);
        } else {
            known = false;
        }
        reply.send(known ? 200 : 404, "text/plain").close();
        return true;
    }

    /** A template this node holds, for a node that is to make VEs from it (templates are the provider's, not a tenant's). */
    private void sendTemplate(String id, NodeChannel.Reply reply) throws IOException {
        Process send;
        try {
            if (storage == null) {
                throw new IOException("a panel without VEs keeps no templates");
            }
            send = storage.sendTemplate(id);
        } catch (IOException e) {
            refuse(reply, new VeException(VeException.Kind.NOT_FOUND, "template " + id + " is not in this node's pool"));
            return;
        }
        try (OutputStream out = reply.send(200, "application/octet-stream"); InputStream stream = send.getInputStream()) {
            stream.transferTo(out);
        } finally {
            try {
                if (!send.waitFor(1, java.util.concurrent.TimeUnit.MINUTES) || send.exitValue() != 0) {
                    LOG.warn("Template not sent whole template={}", id);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            send.destroyForcibly();
        }
    }

    /** What the sender of a VE's first pass asks ({@code PUT /ves/{id}/base}), and the answer. */
    record BaseRequest(String name, String template, UUID origin, UUID uuid, long ctransid) {
    }

    record BaseAnswer(boolean prepared, String reason) {
    }

    /** A VE on its way here: this node's copy of its template as the parent of its first pass, if it can be. */
    private void prepareBase(UUID caller, int id, InputStream body, NodeChannel.Reply reply) throws IOException {
        java.util.Optional<String> refusal;
        try {
            BaseRequest asked;
            try {
                asked = JSON.readValue(body.readNBytes(8192), BaseRequest.class);
            } catch (IOException e) {
                throw new VeException(VeException.Kind.INVALID, "not a template base: " + e.getMessage());
            }
            refusal = ves.prepareBase(id, caller, asked.name(), asked.template(),
                    new io.vessel.kernel.internal.storage.StorageDriver.TemplateBase(asked.origin(), asked.uuid(), asked.ctransid()));
        } catch (VeException e) {
            refuse(reply, e);
            return;
        }
        try (OutputStream out = reply.send(200, "application/json")) {
            JSON.writeValue(out, new BaseAnswer(refusal.isEmpty(), refusal.orElse(null)));
        }
    }

    /** A VE moved here: its files as its node sends them (only its node may). */
    private void receive(UUID caller, int id, String query, InputStream body, NodeChannel.Reply reply) throws IOException {
        Matcher name = NAME.matcher(query == null ? "" : query);
        try {
            if (!name.matches()) {
                throw new VeException(VeException.Kind.INVALID, "the snapshot's name is missing");
            }
            ves.receive(id, caller, name.group(1), name.group(2), Boolean.parseBoolean(name.group(3)), body);
        } catch (VeException e) {
            body.transferTo(OutputStream.nullOutputStream()); // the sender finishes its send before it reads the answer
            refuse(reply, e);
            return;
        }
        reply.send(200, "application/json").close();
    }

    static void refuse(NodeChannel.Reply reply, VeException e) throws IOException {
        Map<String, String> refusal = new LinkedHashMap<>();
        refusal.put("kind", e.kind().name());
        refusal.put("field", e.field());
        refusal.put("message", e.getMessage());
        try (OutputStream out = reply.send(422, REFUSAL)) {
            JSON.writeValue(out, refusal);
        }
    }

    /** The refusal a node answered, as the exception its kernel threw. */
    static VeException refusal(String json) throws IOException {
        Map<?, ?> read = JSON.readValue(json, Map.class);
        VeException.Kind kind;
        try {
            kind = VeException.Kind.valueOf(String.valueOf(read.get("kind")));
        } catch (IllegalArgumentException e) {
            kind = VeException.Kind.FAILED;
        }
        Object field = read.get("field");
        return new VeException(kind, field == null ? null : field.toString(), String.valueOf(read.get("message")), null);
    }
}
