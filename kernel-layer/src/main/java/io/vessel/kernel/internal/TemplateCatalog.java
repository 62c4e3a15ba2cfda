package io.vessel.kernel.internal;

import io.vessel.kernel.api.DebianTemplateRequest;
import io.vessel.kernel.api.Progress;
import io.vessel.kernel.api.TarballImportRequest;
import io.vessel.kernel.api.Template;
import io.vessel.kernel.api.TemplateService;
import io.vessel.kernel.api.TemplateSource;
import io.vessel.kernel.api.TemplateState;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.api.VeException.Kind;
import io.vessel.kernel.internal.storage.StorageDriver;
import io.vessel.kernel.internal.template.BusyboxTemplate;
import io.vessel.kernel.internal.template.Debootstrap;
import io.vessel.kernel.internal.template.InRoot;
import io.vessel.kernel.internal.template.RootfsExtractor;
import io.vessel.kernel.internal.template.RootfsTarball;
import io.vessel.kernel.internal.template.InitSystem;
import io.vessel.kernel.internal.template.VesselInit;
import io.vessel.persistence.api.Database;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The templates of this node: records in the database, read-only subvolumes in the pool named
 * {@code name@version}. A version never changes once READY; building or importing a name again adds a version.
 */
final class TemplateCatalog implements TemplateService {

    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Pattern REFERENCE = Pattern.compile("(" + NAME.pattern() + ")(?:@([0-9]{1,6}))?");
    private static final Pattern MIRROR = Pattern.compile("https?://[^\\s\"'\\\\]{1,900}");
    private static final Logger LOG = LoggerFactory.getLogger(TemplateCatalog.class);

    /** Where a template's settings come from, beside the pool. */
    record Settings(Path busybox, Debootstrap debootstrap, String debianMirror, Path uploads, long maxTemplateBytes) {
    }

    private final Database database;
    private final UUID node;
    private final StorageDriver storage;
    private final Settings settings;
    private final Map<String, DebianTemplateRequest> pendingDebian = new ConcurrentHashMap<>();

    TemplateCatalog(Database database, UUID node, StorageDriver storage, Settings settings) {
        this.database = database;
        this.node = node;
        this.storage = storage;
        this.settings = settings;
    }

    // ---- queries ---------------------------------------------------------------------------------------------

    @Override
    public List<Template> list() {
        return database.inTransaction(em -> {
            Map<String, Long> using = usage(em);
            // native SQL: nothing on the start path parses HQL (ANTLR's first parse costs about half a second of CPU; issue 14)
            @SuppressWarnings("unchecked")
            List<TemplateEntity> all = em.createNativeQuery("select * from template order by name, version desc", TemplateEntity.class)
                    .getResultList();
            return all.stream().map(t -> t.toTemplate(using.getOrDefault(t.id(), 0L))).toList();
        });
    }

    @Override
    public List<Template> versions(String name) {
        return list().stream().filter(t -> t.name().equals(name)).toList();
    }

    @Override
    public Optional<Template> find(String reference) {
        var m = reference == null ? null : REFERENCE.matcher(reference);
        if (m == null || !m.matches()) {
            return Optional.empty();
        }
        List<Template> versions = versions(m.group(1));
        if (m.group(2) != null) {
            int version = Integer.parseInt(m.group(2));
            return versions.stream().filter(t -> t.version() == version).findFirst();
        }
        return versions.stream().filter(t -> t.state() == TemplateState.READY).findFirst();
    }

    /** VEs per template version, keyed {@code name@version}. */
    private static Map<String, Long> usage(EntityManager em) {
        Map<String, Long> using = new HashMap<>();
        // native SQL: nothing on the start path parses HQL (ANTLR's first parse costs about half a second of CPU; issue 14)
        for (Object row0 : em.createNativeQuery("select template, template_version, count(*) from ve group by template, template_version")
                .getResultList()) {
            Object[] row = (Object[]) row0;
            using.put(TemplateEntity.storageId((String) row[0], ((Number) row[1]).intValue()), ((Number) row[2]).longValue());
        }
        return using;
    }

    /**
     * The template version a new VE (or a reinstall) gets for {@code reference}: a ready one that is not retired.
     * The built-in busybox template is built here on its first use.
     */
    Template forNewVe(String reference) {
        Template found = ready(reference, storage != null);
        if ((storage == null || !storage.templateExists(found.reference())) && holdersElsewhere(found.reference()).isEmpty()) {
            boolean here = database.inTransaction(em -> Optional.ofNullable(em.find(TemplateEntity.class, found.reference()))
                    .map(t -> node.equals(t.nodeId())).orElse(true));
            throw new VeException(Kind.CONFLICT, "template", "template '" + found.reference() + (here
                    ? "' has lost its files from this node's storage pool; build it again"
                    : "' was made on another node and no node can give this one a copy; build the template here too"), null);
        }
        return found; // held by another node: this one copies it before the VE is made (ensureHere)
    }

    /**
     * The template version a new VE on another node gets for {@code reference}: as {@link #forNewVe}, where "in
     * the pool" means the built-in template (each node makes its own copy when first asked), one that node made or
     * holds a copy of, or one another node can copy to it.
     */
    Template forNewVeOn(String reference, UUID target) {
        Template found = ready(reference, false);
        if (!availableOn(found.reference(), target)) {
            throw new VeException(Kind.CONFLICT, "template", "template '" + found.reference()
                    + "' was made on another node and cannot be copied to the chosen one; choose the node that made it", null);
        }
        return found;
    }

    /**
     * Whether a new VE made from {@code reference} can go to {@code target}: the built-in template goes everywhere
     * (each node makes its copy); another one where it was made or copied, or anywhere when nodes can copy templates
     * to each other (the node channel). An unknown reference is left to {@link #forNewVe} and {@link #forNewVeOn}.
     */
    boolean availableOn(String reference, UUID target) {
        var m = reference == null ? null : REFERENCE.matcher(reference);
        if (m == null || !m.matches() || m.group(1).equals(BusyboxTemplate.NAME)) {
            return true;
        }
        Optional<Template> found = find(reference);
        if (found.isEmpty()) {
            return true;
        }
        List<UUID> holders = holders(found.get().reference());
        return holders.isEmpty() || holders.contains(target) || fetcher != null;
    }

    /** Copies a template from another node into this node's pool (over the node channel). */
    interface Fetcher {
        void fetch(String storageId, UUID from) throws IOException;
    }

    private volatile Fetcher fetcher;

    void useFetcher(Fetcher fetcher) {
        this.fetcher = fetcher;
    }

    /** The nodes whose pools hold template {@code id}: the one that made it, and those that copied it. */
    private List<UUID> holders(String id) {
        return database.inTransaction(em -> {
            List<UUID> holders = new java.util.ArrayList<>();
            Optional.ofNullable(em.find(TemplateEntity.class, id)).filter(t -> t.state() == TemplateState.READY).map(TemplateEntity::nodeId)
                    .ifPresent(holders::add);
            for (Object copy : em.createNativeQuery("select node_id from template_copy where template_id = ?1").setParameter(1, id).getResultList()) {
                UUID holder = copy instanceof UUID u ? u : UUID.fromString(copy.toString());
                if (!holders.contains(holder)) {
                    holders.add(holder);
                }
            }
            return holders;
        });
    }

    private List<UUID> holdersElsewhere(String id) {
        Fetcher copies = fetcher;
        return copies == null ? List.of() : holders(id).stream().filter(h -> !h.equals(node)).toList();
    }

    /**
     * Makes sure this node's pool holds {@code name@version} before a VE is made from it here: the built-in
     * template is made here if it is not yet; any other is copied from a node that holds it (the one that made it
     * first), and the copy recorded.
     */
    synchronized void ensureHere(String name, int version) {
        requireStorage();
        String id = TemplateEntity.storageId(name, version);
        if (storage.templateExists(id)) {
            return;
        }
        if (name.equals(BusyboxTemplate.NAME) && version == BusyboxTemplate.VERSION) {
            ensureBuiltin();
            return;
        }
        Fetcher copies = fetcher;
        List<String> failures = new java.util.ArrayList<>();
        for (UUID holder : holdersElsewhere(id)) {
            long started = System.nanoTime();
            try {
                copies.fetch(id, holder);
                database.run(em -> em.createNativeQuery("insert into template_copy (template_id, node_id, copied_at) values (?1, ?2, ?3)")
                        .setParameter(1, id).setParameter(2, node).setParameter(3, now()).executeUpdate());
                LOG.info("Template copied template={} from={} tookMs={}", id, holder, (System.nanoTime() - started) / 1_000_000);
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warn("Template not copied template={} from={}: {}", id, holder, e.getMessage());
                failures.add("node " + holder + ": " + e.getMessage());
            }
        }
        throw new VeException(Kind.CONFLICT, "template", "template '" + id + "' has no copy on this node"
                + (failures.isEmpty() ? "" : " and could not be copied (" + String.join("; ", failures) + ")"), null);
    }

    /** A ready, current version for {@code reference}; the built-in one built here first when {@code buildHere}. */
    /** Template files are made and kept by nodes that host VEs; a panel of {@code server.role = panel} has none. */
    private void requireStorage() {
        if (storage == null) {
            throw new VeException(Kind.CONFLICT, "this panel keeps no template files (server.role = panel): templates are made on the"
                    + " nodes that run VEs");
        }
    }

    private Template ready(String reference, boolean buildHere) {
        if (reference == null || reference.isBlank()) {
            throw new VeException(Kind.INVALID, "template", "template is required; available: " + available(), null);
        }
        var m = REFERENCE.matcher(reference);
        if (!m.matches() || versions(m.group(1)).isEmpty()) {
            throw new VeException(Kind.INVALID, "template", "unknown template '" + reference + "'; available: " + available(), null);
        }
        if (buildHere && m.group(1).equals(BusyboxTemplate.NAME) && m.group(2) == null) {
            ensureBuiltin();
        }
        Optional<Template> found = find(reference);
        if (found.isEmpty() || found.get().state() != TemplateState.READY) {
            boolean building = versions(m.group(1)).stream().anyMatch(t -> t.state() == TemplateState.BUILDING);
            throw new VeException(Kind.CONFLICT, "template", "template '" + reference + "' has no ready version"
                    + (building ? " yet; it is being built" : ""), null);
        }
        if (found.get().retired()) {
            throw new VeException(Kind.CONFLICT, "template", "template '" + reference + "' is retired; available: " + available(), null);
        }
        return found.get();
    }

    /** The program a VE made from {@code name@version} starts as PID 1. */
    String init(String name, int version) {
        return database.inTransaction(em -> Optional.ofNullable(em.find(TemplateEntity.class, TemplateEntity.storageId(name, version)))
                .map(TemplateEntity::init).orElse("/sbin/init"));
    }

    /** What a VE made from {@code name@version} boots as PID 1. */
    InitSystem initSystem(String name, int version) {
        return database.inTransaction(em -> Optional.ofNullable(em.find(TemplateEntity.class, TemplateEntity.storageId(name, version)))
                .map(TemplateEntity::initSystem).orElse(InitSystem.OTHER));
    }

    /**
     * The signal that stops a VE made from {@code name@version} cleanly: Vessel's own init (the busybox template's
     * {@code /sbin/init} is the same script) takes SIGPWR, systemd SIGRTMIN+3, any other init SIGTERM.
     */
    String stopSignal(String name, int version) {
        return switch (initSystem(name, version).kind()) {
            case VESSEL -> VesselInit.STOP_SIGNAL;
            case SYSTEMD -> InitSystem.SYSTEMD_STOP_SIGNAL;
            case OTHER -> "TERM";
        };
    }

    private List<String> available() {
        return list().stream().filter(t -> t.state() == TemplateState.READY && !t.retired()).map(Template::name).distinct().toList();
    }

    // ---- the built-in template -------------------------------------------------------------------------------

    /** How long a node waits for another node's build of the built-in template before it builds its own record. */
    private static final java.time.Duration OTHER_NODES_BUILD = java.time.Duration.ofSeconds(60);

    /**
     * Makes sure the current busybox version is recorded and in the pool; builds it when not. Several nodes share
     * the record: the first to build it records it, each other node makes its own copy in its own pool and leaves
     * the record as it is (waiting for the first node's build to end when it comes upon one under way).
     */
    synchronized void ensureBuiltin() {
        if (storage == null) {
            return; // a panel without VEs (server.role = panel): each node agent makes its own
        }
        String id = TemplateEntity.storageId(BusyboxTemplate.NAME, BusyboxTemplate.VERSION);
        TemplateEntity row = database.inTransaction(em -> em.find(TemplateEntity.class, id));
        long deadline = System.nanoTime() + OTHER_NODES_BUILD.toNanos();
        while (row != null && row.state() == TemplateState.BUILDING && !node.equals(row.nodeId()) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            row = database.inTransaction(em -> em.find(TemplateEntity.class, id));
        }
        if (row != null && row.state() == TemplateState.READY && storage.templateExists(id)) {
            return;
        }
        if (row != null && row.state() == TemplateState.READY && !node.equals(row.nodeId())) {
            copyBuiltinHere(id);
            return;
        }
        database.run(em -> {
            TemplateEntity existing = em.find(TemplateEntity.class, id);
            if (existing != null) {
                em.remove(existing);
                em.flush();
            }
            em.persist(new TemplateEntity(BusyboxTemplate.NAME, BusyboxTemplate.VERSION, TemplateSource.BUILTIN,
                    "Minimal system from the host's static busybox, with an init that stops cleanly", settings.busybox().toString(),
                    "/sbin/init", node, now(), null));
        });
        build(BusyboxTemplate.NAME, BusyboxTemplate.VERSION, Progress.NONE);
    }

    /** This node's copy of the built-in template another node recorded: built here alike, the record untouched. */
    private void copyBuiltinHere(String id) {
        long started = System.nanoTime();
        try {
            if (storage.templateExists(id)) {
                storage.deleteTemplate(id); // an unsealed one of a copy cut short
            }
            Path area = storage.beginTemplate(id);
            BusyboxTemplate.build(area, settings.busybox());
            storage.sealTemplate(id);
            LOG.info("Template ready template={} copy=this node (recorded by another) tookMs={}", id, (System.nanoTime() - started) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            try {
                storage.deleteTemplate(id);
            } catch (IOException cleanup) {
                LOG.error("Could not remove the area of template={}: {}", id, cleanup.getMessage());
            }
            throw new VeException(Kind.FAILED, null, "making this node's copy of template " + id + " failed: " + e.getMessage(), e);
        }
    }

    // ---- prepare ---------------------------------------------------------------------------------------------

    @Override
    public synchronized Template prepareDebian(DebianTemplateRequest request) {
        if (request == null) {
            throw new VeException(Kind.INVALID, "name", "name and suite are required", null);
        }
        checkName(request.name());
        checkDescription(request.description());
        // a panel without storage has a node build it (it checks there what only debootstrap knows: suites, mirror)
        UUID builder = storage != null ? node : builders.get().orElseThrow(() -> new VeException(Kind.CONFLICT, "no node in reach runs VEs"
                + " to build the template on: this panel keeps no template files (server.role = panel); enrol a node agent first"));
        DebianTemplateRequest resolved = resolveDebian(request, storage != null);
        boolean systemd = resolved.init().equals(DebianTemplateRequest.INIT_SYSTEMD);
        List<String> all = resolved.packages();
        String origin = "debootstrap " + resolved.suite() + " " + resolved.variant() + " " + (resolved.mirror() == null ? "(the node's mirror)"
                : resolved.mirror()) + (all.isEmpty() ? "" : " +" + String.join(",", all));
        Template prepared = record(request.name(), TemplateSource.DEBOOTSTRAP, request.description() != null ? request.description()
                : "Debian " + resolved.suite() + " (" + resolved.variant() + (systemd ? ", systemd" : "") + ")", origin,
                systemd ? SYSTEMD_INIT : VesselInit.PATH, request.owner(), builder);
        pendingDebian.put(prepared.reference(), resolved);
        return prepared;
    }

    /** Picks the node that builds templates for a panel without storage; empty while no node that runs VEs is in reach. */
    private volatile java.util.function.Supplier<Optional<UUID>> builders = Optional::empty;

    void buildOn(java.util.function.Supplier<Optional<UUID>> builders) {
        this.builders = builders;
    }

    /** A build a panel without storage hands to the node that is to make the template: an operation of that node. */
    record HandedBuild(UUID node, Map<String, String> parameters) {
    }

    /** The operation kind of a Debian build a panel hands to a node. */
    static final String BUILD_KIND = "template.build";

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * For a panel without storage: the node that is to build {@code prepared}, and what it needs to (the request as
     * checked so far, since the panel keeps nothing in memory for it). Empty where the build runs in this process.
     */
    Optional<HandedBuild> handedBuild(Template prepared) {
        if (storage != null) {
            return Optional.empty();
        }
        UUID builder = database.inTransaction(em -> em.find(TemplateEntity.class, prepared.reference()).nodeId());
        DebianTemplateRequest request = pendingDebian.remove(prepared.reference());
        if (request == null) {
            handUpload(prepared.reference(), builder);
            return Optional.of(new HandedBuild(builder, Map.of("name", prepared.name(), "version", Integer.toString(prepared.version()))));
        }
        try {
            return Optional.of(new HandedBuild(builder, Map.of("name", prepared.name(), "version", Integer.toString(prepared.version()),
                    "request", JSON.writeValueAsString(request))));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a template request could not be written", e);
        }
    }

    /** Sends an uploaded archive to the node that unpacks it over the node channel; a panel without storage has one. */
    interface Uploader {
        void upload(String storageId, UUID to, Path archive) throws IOException;
    }

    private volatile Uploader uploader;

    void useUploader(Uploader uploader) {
        this.uploader = uploader;
    }

    /** The archive of tarball template {@code id} to its node; failing that, the template fails with the reason. */
    private void handUpload(String id, UUID builder) {
        Path archive = upload(id);
        try {
            Uploader to = uploader;
            if (to == null || !Files.exists(archive)) {
                throw new IOException(to == null ? "the node channel is not up on this panel" : "the upload is gone");
            }
            to.upload(id, builder, archive);
        } catch (IOException | RuntimeException e) {
            String reason = "the archive could not be sent to the node that unpacks it: " + e.getMessage();
            database.run(em -> em.find(TemplateEntity.class, id).failed(reason, now()));
            throw new VeException(Kind.UNAVAILABLE, null, reason, e);
        } finally {
            try {
                Files.deleteIfExists(archive);
            } catch (IOException e) {
                LOG.warn("Could not delete upload of template={}: {}", id, e.getMessage());
            }
        }
    }

    /**
     * A panel's archive for tarball template {@code id}, which this node is recorded to unpack: kept as the upload of
     * the build that follows, but only after this node checked it itself (as the panel did) — a node never unpacks
     * an archive it has not checked. Refused for any template not waiting here for its archive.
     */
    void receiveUpload(String id, java.io.InputStream body) throws IOException {
        requireStorage();
        TemplateEntity entity = database.inTransaction(em -> em.find(TemplateEntity.class, id));
        if (entity == null || entity.source() != TemplateSource.TARBALL || entity.state() != TemplateState.BUILDING || !node.equals(entity.nodeId())) {
            throw new VeException(Kind.CONFLICT, "template " + id + " is not waiting for an archive on this node");
        }
        Files.createDirectories(settings.uploads());
        Path part = settings.uploads().resolve(id + ".tar.part");
        try {
            try (java.io.OutputStream out = Files.newOutputStream(part)) {
                long copied = 0;
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = body.read(buffer)) > 0; ) {
                    copied += n;
                    if (copied > settings.maxTemplateBytes()) {
                        throw new VeException(Kind.UNPROCESSABLE, "archive", "the archive is larger than " + settings.maxTemplateBytes()
                                + " bytes (kernel.template.max.size on this node)", null);
                    }
                    out.write(buffer, 0, n);
                }
            }
            RootfsTarball.Scan scan = RootfsTarball.scan(part, settings.maxTemplateBytes());
            if (!scan.ok()) {
                throw new VeException(Kind.UNPROCESSABLE, "archive", "the archive is refused: " + String.join("; ", scan.problems()), null);
            }
            Files.move(part, upload(id), StandardCopyOption.REPLACE_EXISTING);
            LOG.info("Template archive received from a panel template={} entries={}", id, scan.entries());
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /**
     * The node's half of a build a panel handed to it: a Debian request is checked here, where debootstrap runs
     * (suite, mirror), and built; an archive (received before) is unpacked. A request refused here fails the
     * template, as a failed build does.
     */
    Template buildHanded(Map<String, String> parameters, Progress progress) {
        String name = parameters.get("name");
        int version = Integer.parseInt(parameters.get("version"));
        String id = TemplateEntity.storageId(name, version);
        if (!parameters.containsKey("request")) {
            return build(name, version, progress); // an archive: what the panel sent is this node's upload now
        }
        DebianTemplateRequest resolved;
        try {
            resolved = resolveDebian(JSON.readValue(parameters.get("request"), DebianTemplateRequest.class), true);
        } catch (VeException | com.fasterxml.jackson.core.JsonProcessingException e) {
            database.run(em -> em.find(TemplateEntity.class, id).failed(e.getMessage(), now()));
            throw e instanceof VeException refused ? refused : new VeException(Kind.INVALID, null, "unreadable build request: " + e.getMessage(), e);
        }
        pendingDebian.put(id, resolved);
        return build(name, version, progress);
    }

    /**
     * A Debian build request checked and completed (variant, init, mirror, the packages systemd needs). What only the
     * building node can tell (debootstrap there, its suites, its mirror) is checked only {@code here}.
     */
    private DebianTemplateRequest resolveDebian(DebianTemplateRequest request, boolean here) {
        Debootstrap debootstrap = here ? settings.debootstrap() : null;
        if (here) {
            checkSuite(debootstrap, request.suite());
        }
        String init = request.init() == null ? DebianTemplateRequest.INIT_SYSTEMD : request.init();
        if (!List.of(DebianTemplateRequest.INIT_SYSTEMD, DebianTemplateRequest.INIT_VESSEL).contains(init)) {
            throw new VeException(Kind.INVALID, "init", "init must be systemd (a Debian server as usual) or vessel (Vessel's small init)", null);
        }
        String variant = request.variant() == null ? "minbase" : request.variant();
        if (!Debootstrap.VARIANTS.contains(variant)) {
            throw new VeException(Kind.INVALID, "variant", "variant must be one of " + Debootstrap.VARIANTS, null);
        }
        if (!here && (request.suite() == null || !request.suite().matches("[a-z][a-z0-9-]{0,40}"))) {
            throw new VeException(Kind.INVALID, "suite", "suite must name a Debian release such as bookworm", null);
        }
        String mirror = request.mirror() != null ? request.mirror() : here ? settings.debianMirror() : null;
        if (here && (mirror == null || mirror.isBlank())) {
            throw new VeException(Kind.INVALID, "mirror", "no Debian mirror is known on this node; give one, or set kernel.debian.mirror", null);
        }
        if (mirror != null && !MIRROR.matcher(mirror).matches()) {
            throw new VeException(Kind.INVALID, "mirror", "mirror must be an http:// or https:// URL", null);
        }
        List<String> packages = request.packages() == null ? List.of() : request.packages();
        if (packages.size() > 200) {
            throw new VeException(Kind.INVALID, "packages", "at most 200 extra packages", null);
        }
        for (String p : packages) {
            if (!Debootstrap.validPackage(p)) {
                throw new VeException(Kind.INVALID, "packages", "'" + p + "' is not a Debian package name", null);
            }
        }
        boolean systemd = init.equals(DebianTemplateRequest.INIT_SYSTEMD);
        List<String> all = new java.util.ArrayList<>(packages);
        if (systemd) {
            SYSTEMD_PACKAGES.stream().filter(p -> !all.contains(p)).forEach(all::add);
        }
        return new DebianTemplateRequest(request.name(), request.suite(), variant, mirror, List.copyOf(all), request.description(),
                request.owner(), init);
    }

    private static void checkSuite(Debootstrap debootstrap, String suite) {
        if (!debootstrap.installed()) {
            throw new VeException(Kind.UNPROCESSABLE, null, "debootstrap is not installed on this node (Debian package debootstrap)", null);
        }
        List<String> suites;
        try {
            suites = debootstrap.suites();
        } catch (IOException e) {
            throw new VeException(Kind.FAILED, null, "cannot list debootstrap's suites: " + e.getMessage(), e);
        }
        if (suite == null || !suites.contains(suite)) {
            throw new VeException(Kind.INVALID, "suite", "unknown suite '" + suite + "'; debootstrap knows e.g. "
                    + suites.stream().filter(s -> List.of("bullseye", "bookworm", "trixie", "sid").contains(s)).toList(), null);
        }
    }

    /** What a Debian template booting systemd gets beyond the variant's packages: init, D-Bus for logind and systemctl's
     * friends, procps for free/top/uptime. */
    static final List<String> SYSTEMD_PACKAGES = List.of("systemd-sysv", "dbus", "procps");
    private static final String SYSTEMD_INIT = "/sbin/init";

    @Override
    public Template prepareImport(TarballImportRequest request, Path tarball) {
        try {
            // a panel without storage checks the archive as any panel does, then hands it to a node to unpack
            UUID builder = storage != null ? node : builders.get().orElseThrow(() -> new VeException(Kind.CONFLICT, "no node in reach runs"
                    + " VEs to unpack the template on: this panel keeps no template files (server.role = panel); enrol a node agent first"));
            if (request == null) {
                throw new VeException(Kind.INVALID, "name", "name is required", null);
            }
            checkName(request.name());
            checkDescription(request.description());
            String init = request.init();
            if (init != null && (!init.startsWith("/") || init.length() > 200 || init.contains("\0"))) {
                throw new VeException(Kind.INVALID, "init", "init must be an absolute path inside the template", null);
            }
            RootfsTarball.Scan scan;
            try {
                scan = RootfsTarball.scan(tarball, settings.maxTemplateBytes());
            } catch (IOException e) {
                throw new VeException(Kind.UNPROCESSABLE, "archive", "the upload is not a readable tar archive (.tar, .tar.gz, .tar.xz or .tar.zst): "
                        + e.getMessage(), e);
            }
            if (!scan.ok()) {
                throw new VeException(Kind.UNPROCESSABLE, "archive", "the archive is refused: " + String.join("; ", scan.problems()), null);
            }
            if (init != null && !scan.hasFile(init)) {
                throw new VeException(Kind.UNPROCESSABLE, "init", "the archive has no file " + init + " to start as init", null);
            }
            if (init == null && !scan.hasFile("/bin/sh")) {
                throw new VeException(Kind.UNPROCESSABLE, "init", "the archive has no /bin/sh for Vessel's init; name the init it brings", null);
            }
            String fileName = request.fileName() == null ? "upload" : request.fileName();
            String origin = "tarball " + (fileName.length() > 200 ? fileName.substring(0, 200) : fileName) + " (" + scan.entries()
                    + " entries, " + scan.contentBytes() + " bytes)";
            Template prepared;
            synchronized (this) {
                prepared = record(request.name(), TemplateSource.TARBALL, request.description() != null ? request.description()
                        : "Imported from " + fileName, origin, init != null ? init : VesselInit.PATH, request.owner(), builder);
            }
            Files.createDirectories(settings.uploads());
            Files.move(tarball, upload(prepared.reference()), StandardCopyOption.REPLACE_EXISTING);
            return prepared;
        } catch (IOException e) {
            throw new VeException(Kind.FAILED, null, "keeping the upload failed: " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tarball);
            } catch (IOException e) {
                LOG.warn("Could not delete upload file={}: {}", tarball, e.getMessage());
            }
        }
    }

    private Path upload(String id) {
        return settings.uploads().resolve(id + ".tar");
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new VeException(Kind.INVALID, "name", "name must be 1 to 63 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit", null);
        }
        if (name.equals(BusyboxTemplate.NAME)) {
            throw new VeException(Kind.CONFLICT, "name", "'busybox' is the built-in template; choose another name", null);
        }
    }

    private static void checkDescription(String description) {
        if (description != null && description.length() > 500) {
            throw new VeException(Kind.INVALID, "description", "description must be at most 500 characters", null);
        }
    }

    /** Records the next version of {@code name} as BUILDING. Callers hold this object's lock. */
    private Template record(String name, TemplateSource source, String description, String origin, String init, String owner) {
        return record(name, source, description, origin, init, owner, node);
    }

    /** Records the next version of {@code name} as BUILDING by node {@code builder}. Callers hold this object's lock. */
    private Template record(String name, TemplateSource source, String description, String origin, String init, String owner, UUID builder) {
        return database.inTransaction(em -> {
            List<TemplateEntity> versions = em.createQuery("select t from TemplateEntity t where t.name = :name order by t.version desc",
                    TemplateEntity.class).setParameter("name", name).getResultList();
            if (versions.stream().anyMatch(t -> t.state() == TemplateState.BUILDING)) {
                throw new VeException(Kind.CONFLICT, "name", "template '" + name + "' is being built already; wait for it to finish", null);
            }
            String tenant = owner == null || owner.isBlank() ? null : owner.strip();
            if (!versions.isEmpty() && !java.util.Objects.equals(versions.get(0).owner(), tenant)) {
                throw new VeException(Kind.CONFLICT, "owner", "template '" + name + "' exists with another owner; new versions keep the owner", null);
            }
            int version = versions.isEmpty() ? 1 : versions.get(0).version() + 1;
            TemplateEntity entity = new TemplateEntity(name, version, source, description, origin, init, builder, now(), tenant);
            em.persist(entity);
            LOG.info("Template recorded template={} source={} origin=\"{}\"", entity.id(), source, origin);
            return entity.toTemplate(0);
        });
    }

    // ---- build -----------------------------------------------------------------------------------------------

    @Override
    public Template build(String name, int version, Progress progress) {
        requireStorage();
        String id = TemplateEntity.storageId(name, version);
        TemplateEntity entity = database.inTransaction(em -> em.find(TemplateEntity.class, id));
        if (entity == null) {
            throw new VeException(Kind.NOT_FOUND, "there is no template " + id);
        }
        if (entity.state() != TemplateState.BUILDING) {
            throw new VeException(Kind.CONFLICT, "template " + id + " is " + entity.state() + ", not waiting to be built");
        }
        long started = System.nanoTime();
        try {
            if (storage.templateExists(id)) {
                storage.deleteTemplate(id); // left by a build the panel did not finish
            }
            Path area = storage.beginTemplate(id);
            fill(entity, area, progress);
            InitSystem boots = entity.source() == TemplateSource.BUILTIN ? InitSystem.VESSEL : InitSystem.of(area, entity.init());
            if (entity.source() == TemplateSource.DEBOOTSTRAP && SYSTEMD_INIT.equals(entity.init()) && boots.kind() != InitSystem.Kind.SYSTEMD) {
                throw new IOException("the system was made but has no systemd at " + SYSTEMD_INIT);
            }
            progress.update(97, "sealing the template");
            String osName = osName(area);
            storage.sealTemplate(id);
            long size = storage.templateSize(id);
            Template ready = database.inTransaction(em -> {
                TemplateEntity e = em.find(TemplateEntity.class, id);
                e.ready(osName, size, boots, now());
                return e.toTemplate(0);
            });
            LOG.info("Template ready template={} os=\"{}\" init={} systemd={} sizeBytes={} tookMs={}", id, osName, boots.label(),
                    boots.systemdVersion(), size, (System.nanoTime() - started) / 1_000_000);
            return ready;
        } catch (IOException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            LOG.warn("Template build failed, removing what was made template={} reason=\"{}\"", id, reason);
            try {
                storage.deleteTemplate(id);
            } catch (IOException cleanup) {
                LOG.error("Could not remove the area of template={}: {}", id, cleanup.getMessage());
            }
            database.run(em -> em.find(TemplateEntity.class, id).failed(reason, now()));
            throw new VeException(Kind.FAILED, null, "building template " + id + " failed: " + reason, e);
        } finally {
            pendingDebian.remove(id);
            try {
                Files.deleteIfExists(upload(id));
            } catch (IOException e) {
                LOG.warn("Could not delete upload of template={}: {}", id, e.getMessage());
            }
        }
    }

    private void fill(TemplateEntity entity, Path area, Progress progress) throws IOException {
        switch (entity.source()) {
            case BUILTIN -> BusyboxTemplate.build(area, settings.busybox());
            case DEBOOTSTRAP -> {
                DebianTemplateRequest request = pendingDebian.get(entity.id());
                if (request == null) {
                    throw new IOException("the build request was lost when the panel restarted; build the template again");
                }
                settings.debootstrap().run(area, request.suite(), request.variant(), request.mirror(), request.packages(), progress);
                progress.update(96, "preparing the system for VEs");
                prepareDebian(area);
                VesselInit.install(area);
            }
            case TARBALL -> {
                Path upload = upload(entity.id());
                if (!Files.exists(upload)) {
                    throw new IOException("the uploaded archive was lost when the panel restarted; import it again");
                }
                RootfsExtractor.extract(upload, area, (percent, message) -> progress.update(5 + percent * 90 / 100, message));
                if (VesselInit.PATH.equals(entity.init())) {
                    VesselInit.install(area);
                }
            }
        }
    }

    /** Removes what debootstrap copied from the host and what each VE must have of its own. */
    private static void prepareDebian(Path root) throws IOException {
        InRoot.write(root, "etc/hostname", "localhost\n", "rw-r--r--");
        InRoot.write(root, "etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n", "rw-r--r--");
        InRoot.write(root, "etc/resolv.conf", "", "rw-r--r--");
        InRoot.write(root, "etc/machine-id", "", "r--r--r--");
        Path archives = InRoot.resolve(root, "var/cache/apt/archives", false);
        if (Files.isDirectory(archives)) {
            try (var debs = Files.list(archives)) {
                for (Path deb : debs.filter(p -> p.getFileName().toString().endsWith(".deb")).toList()) {
                    Files.delete(deb);
                }
            }
        }
    }

    private static String osName(Path root) {
        for (String file : List.of("etc/os-release", "usr/lib/os-release")) {
            Optional<String> text = InRoot.read(root, file);
            if (text.isPresent()) {
                for (String key : List.of("PRETTY_NAME=", "NAME=")) {
                    for (String line : text.get().lines().toList()) {
                        if (line.startsWith(key)) {
                            String value = line.substring(key.length()).replace("\"", "").strip();
                            return value.length() > 200 ? value.substring(0, 200) : value;
                        }
                    }
                }
            }
        }
        return null;
    }

    // ---- retire and delete -----------------------------------------------------------------------------------

    @Override
    public List<Template> retire(String name, boolean retired) {
        int changed = database.inTransaction(em -> {
            List<TemplateEntity> versions = em.createQuery("select t from TemplateEntity t where t.name = :name", TemplateEntity.class)
                    .setParameter("name", name).getResultList();
            versions.forEach(t -> t.setRetired(retired, now()));
            return versions.size();
        });
        if (changed == 0) {
            throw new VeException(Kind.NOT_FOUND, "there is no template " + name);
        }
        LOG.info("Template {} template={}", retired ? "retired" : "back in use", name);
        return versions(name);
    }

    @Override
    public synchronized void delete(String name, int version) {
        String id = TemplateEntity.storageId(name, version);
        database.run(em -> {
            TemplateEntity entity = em.find(TemplateEntity.class, id);
            if (entity == null) {
                throw new VeException(Kind.NOT_FOUND, "there is no template " + id);
            }
            if (entity.state() == TemplateState.BUILDING) {
                throw new VeException(Kind.CONFLICT, "template " + id + " is being built; wait for it to finish");
            }
            List<Integer> users = em.createQuery("select v.id from VeEntity v where v.template = :name and v.templateVersion = :version order by v.id",
                    Integer.class).setParameter("name", name).setParameter("version", version).getResultList();
            if (!users.isEmpty()) {
                throw new VeException(Kind.CONFLICT, "template " + id + " is used by VE" + (users.size() > 1 ? "s " : " ")
                        + users.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse("")
                        + "; retire it to stop new VEs from using it, or reinstall or destroy those VEs first");
            }
            try {
                if (storage != null) {
                    storage.deleteTemplate(id);
                }
            } catch (IOException e) {
                throw new VeException(Kind.FAILED, null, "deleting template " + id + " failed: " + e.getMessage(), e);
            }
            em.remove(entity);
        });
        LOG.info("Template deleted template={}", id);
    }

    // ---- reconcile -------------------------------------------------------------------------------------------

    /** After a crash: builds that were cut short fail, their areas and uploads go; unknown areas are reported. */
    void reconcile() throws IOException {
        // this node's builds only: another node's build under way is that node's
        @SuppressWarnings("unchecked") // native SQL: see list()
        List<TemplateEntity> own = database.inTransaction(em -> em.createNativeQuery("select * from template where node_id = ?1",
                TemplateEntity.class).setParameter(1, node).getResultList());
        List<String> ownBuilding = own.stream().map(TemplateEntity::id).toList();
        for (Template t : list()) {
            if (t.state() == TemplateState.BUILDING && t.source() != TemplateSource.BUILTIN && ownBuilding.contains(t.reference())) {
                String id = t.reference();
                LOG.warn("Reconcile: template build was interrupted template={}", id);
                storage.deleteTemplate(id);
                database.run(em -> em.find(TemplateEntity.class, id).failed("interrupted: the panel stopped while it was being built; build it again", now()));
            }
        }
        java.util.Set<String> known = new java.util.HashSet<>();
        list().forEach(t -> known.add(t.reference()));
        for (String area : storage.templateAreas()) {
            if (!known.contains(area)) {
                if (!storage.templateSealed(area)) {
                    LOG.warn("Reconcile: removing unfinished template area without a record template={}", area);
                    storage.deleteTemplate(area);
                } else {
                    LOG.warn("Reconcile: template area without a record template={} (left alone)", area);
                }
            }
        }
        if (Files.isDirectory(settings.uploads())) {
            try (var files = Files.list(settings.uploads())) {
                for (Path leftover : files.toList()) {
                    Files.deleteIfExists(leftover);
                }
            }
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
