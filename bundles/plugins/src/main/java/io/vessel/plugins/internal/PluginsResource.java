package io.vessel.plugins.internal;

import io.vessel.api.security.Caller;
import io.vessel.api.security.RequiresPermission;
import io.vessel.web.api.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * {@code /api/v1/plugins}: what is installed, in which state and why, and what each plugin contributes; disable,
 * enable and remove. Plugins run as the panel (root), so only the provider's own administrators manage them.
 */
@Path("plugins")
@Produces(MediaType.APPLICATION_JSON)
public final class PluginsResource {

    /**
     * A plugin as listed. {@code reason} says, in one sentence, why it is not ACTIVE (or what is wrong with it).
     * {@code kind} is {@code plugin}, or {@code library} for a bundle the catalogue installed because a plugin needs
     * it; {@code usedBy} names the bundles that use a library.
     */
    public record PluginView(String name, String title, String version, String vendor, String state, String reason,
                             List<String> requires, Contributions contributes, String file, int stuckCalls, String kind, List<String> usedBy,
                             Long hookTimeLimitMs) {
    }

    /**
     * Body of {@code PUT /api/v1/plugins/{name}/hook-time-limit}: how long each of the plugin's VE hooks may take, in
     * milliseconds (10 to 60,000), whatever the plugin declares; {@code null} gives the hooks their own limits back.
     */
    public record HookTimeLimitRequest(Long milliseconds) {
    }

    /**
     * {@code GET /api/v1/plugins/catalogue}: the catalogue's name and source, and what it offers; without one
     * configured, no source and a {@code note} saying how to configure one.
     */
    public record CatalogueView(String name, String source, List<CatalogueItemView> items, String note) {
    }

    /**
     * An artifact of the catalogue, newest version first. {@code installed} is the version this panel runs (or null);
     * {@code kind} is {@code plugin} or {@code library}; {@code offer} is {@code install} or {@code upgrade} for the
     * newest version of a plugin that is not installed or older here, else null.
     */
    public record CatalogueItemView(String name, String version, String description, String kind, long size, String sha256, String installed,
                                    String offer) {
    }

    /** Body of {@code POST /api/v1/plugins/catalogue/{name}/install} (optional): which version; the newest if none. */
    public record CatalogueInstallRequest(String version) {
    }

    /** What a running plugin adds to the panel: REST paths, the permissions they declare, hooks, pages, tasks, other services. */
    public record Contributions(List<String> resources, List<String> permissions, List<String> hooks, List<String> pages, List<String> tasks,
                                List<String> services) {
        static final Contributions NONE = new Contributions(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
    }

    /** Body of {@code POST /api/v1/plugins/{name}/disable}: why, for the list (optional). */
    public record DisableRequest(String reason) {
    }

    static final String READ = "plugin.read";
    static final String MANAGE = "plugin.manage";
    private static final String HOOK = "io.vessel.kernel.api.hook.VeLifecycleHook";

    private final PluginDirectory directory;
    private final PluginPools pools;
    private final Supplier<ServiceComponentRuntime> components;
    private final Events events;

    /** Where plugin changes are announced. */
    interface Events {
        void post(String what, String plugin, String reason);
    }

    private final PluginInstaller installer;
    private final Supplier<io.vessel.api.security.SecondFactor> secondFactor;
    private final Supplier<io.vessel.persistence.api.ModulePurge> modulePurge;
    private final Supplier<io.vessel.web.api.ApiRefusals> refusals;
    private final PluginCatalogue catalogue;
    private final org.osgi.framework.BundleContext context;
    private final Supplier<org.osgi.service.resolver.Resolver> resolver;
    private final Supplier<io.vessel.persistence.api.PersistenceRefusals> persistenceRefusals;
    private final HookTimeLimits hookLimits;

    @SuppressWarnings("checkstyle:ParameterNumber")
    PluginsResource(PluginDirectory directory, PluginPools pools, Supplier<ServiceComponentRuntime> components, Events events,
                    PluginInstaller.Settings install, Supplier<io.vessel.api.security.SecondFactor> secondFactor,
                    Supplier<io.vessel.persistence.api.ModulePurge> modulePurge, Supplier<io.vessel.web.api.ApiRefusals> refusals,
                    PluginCatalogue catalogue, org.osgi.framework.BundleContext context, Supplier<org.osgi.service.resolver.Resolver> resolver,
                    Supplier<io.vessel.persistence.api.PersistenceRefusals> persistenceRefusals, HookTimeLimits hookLimits)
            throws java.io.IOException,
            java.security.cert.CertificateException {
        this.persistenceRefusals = persistenceRefusals;
        this.hookLimits = hookLimits;
        this.catalogue = catalogue;
        this.context = context;
        this.resolver = resolver;
        this.directory = directory;
        this.pools = pools;
        this.components = components;
        this.events = events;
        this.installer = new PluginInstaller(directory, install, entry -> entry.bundle() == null ? "not installed" : failedComponents(entry.bundle()));
        this.secondFactor = secondFactor;
        this.modulePurge = modulePurge;
        this.refusals = refusals;
    }

    private static final java.time.Duration CONFIRMATION_VALID = java.time.Duration.ofMinutes(5);

    /** The header carrying a current code from the caller's authenticator app, for uploads. */
    static final String SECOND_FACTOR = "Vessel-Second-Factor";

    /**
     * Installs an uploaded plugin jar (the request body). Off unless {@code plugins.upload = true}; the provider
     * admin confirms with a current second-factor code ({@value #SECOND_FACTOR} header); the jar must be signed by
     * a trusted key unless {@code plugins.signature} says otherwise. Answers once the plugin started or failed to.
     */
    @POST
    @Consumes({"application/java-archive", MediaType.APPLICATION_OCTET_STREAM})
    @RequiresPermission(MANAGE)
    public Response uploadPlugin(java.io.InputStream body, @jakarta.ws.rs.HeaderParam(SECOND_FACTOR) String code, @Context SecurityContext security) {
        return install(PluginInstaller.raw(body), code, security);
    }

    /** The same as a form upload ({@code multipart/form-data}: the first file part is the jar). */
    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @RequiresPermission(MANAGE)
    public Response uploadPluginForm(java.io.InputStream body, @jakarta.ws.rs.HeaderParam("Content-Type") String contentType,
                                     @jakarta.ws.rs.HeaderParam(SECOND_FACTOR) String code, @Context SecurityContext security) {
        return install(MultipartUpload.firstFile(body, contentType), code, security);
    }

    private Response install(PluginInstaller.Upload upload, String code, SecurityContext security) {
        Caller caller = mayUpload(security, code);
        PluginDirectory.Entry entry = io(() -> installer.install(upload));
        events.post("INSTALLED", entry.descriptor().symbolicName(), "uploaded by " + caller.getName());
        return Response.created(java.net.URI.create("/api/v1/plugins/" + entry.descriptor().symbolicName())).entity(view(entry)).build();
    }

    /** Upgrades a plugin in place with an uploaded jar; a version that cannot start is rolled back (422). */
    @jakarta.ws.rs.PUT
    @Path("{name}")
    @Consumes({"application/java-archive", MediaType.APPLICATION_OCTET_STREAM})
    @RequiresPermission(MANAGE)
    public PluginView upgradePlugin(@PathParam("name") String name, java.io.InputStream body, @jakarta.ws.rs.HeaderParam(SECOND_FACTOR) String code,
                                    @Context SecurityContext security) {
        return upgrade(name, PluginInstaller.raw(body), code, security);
    }

    /** The same as an upgrade, from a form ({@code multipart/form-data}). */
    @jakarta.ws.rs.PUT
    @Path("{name}")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @RequiresPermission(MANAGE)
    public PluginView upgradePluginForm(@PathParam("name") String name, java.io.InputStream body, @jakarta.ws.rs.HeaderParam("Content-Type") String contentType,
                                        @jakarta.ws.rs.HeaderParam(SECOND_FACTOR) String code, @Context SecurityContext security) {
        return upgrade(name, MultipartUpload.firstFile(body, contentType), code, security);
    }

    /** Checks the caller once (a second-factor code works once), then replaces the plugin. */
    private PluginView upgrade(String name, PluginInstaller.Upload upload, String code, SecurityContext security) {
        Caller caller = mayUpload(security, code);
        PluginDirectory.Entry entry = io(() -> installer.upgrade(name, upload));
        events.post("UPGRADED", name, "by " + caller.getName());
        return view(entry);
    }

    private Caller mayUpload(SecurityContext security, String code) {
        Caller caller = providerOnly(security);
        if (!installer.uploadEnabled()) {
            throw new ProblemException(403, "forbidden", "Uploads are off", "Installing plugins by upload is off on this panel: set"
                    + " plugins.upload = true in vessel.conf, or put the jar into the plugins directory.");
        }
        if (io.vessel.api.platform.LocalPeer.HOST_ROOT_SCHEME.equals(security.getAuthenticationScheme())) {
            return caller; // root on the host could drop the jar into the plugins directory anyway
        }
        io.vessel.api.security.SecondFactor factor = secondFactor.get();
        if (factor == null || !factor.enrolled(caller.accountId())) {
            throw new ProblemException(403, "forbidden", "Two-factor authentication needed", "A plugin runs as root on this server: set up"
                    + " two-factor authentication on your account before uploading one.");
        }
        boolean confirmed = code != null ? factor.confirm(caller.accountId(), code) : factor.confirmedWithin(caller.accountId(), CONFIRMATION_VALID);
        if (!confirmed) {
            throw new ProblemException(403, "forbidden", "Confirmation needed", "Confirm the upload with a current code from your"
                    + " authenticator app (header " + SECOND_FACTOR + "); each code works once, and a confirmation holds for 5 minutes.");
        }
        return caller;
    }

    /** What the configured catalogue offers, with what of it this panel runs. */
    @GET
    @Path("catalogue")
    @RequiresPermission(READ)
    public CatalogueView getCatalogue(@Context SecurityContext security) {
        providerOnly(security);
        if (!catalogue.configured()) {
            return new CatalogueView(null, null, List.of(), PluginCatalogue.NOT_CONFIGURED);
        }
        PluginCatalogue.Index index = catalogue.read();
        Map<String, String> running = new java.util.HashMap<>();
        io(() -> directory.list()).forEach(e -> running.put(e.descriptor().symbolicName(),
                e.bundle() != null ? e.bundle().getVersion().toString() : e.descriptor().version()));
        java.util.Set<String> offered = new java.util.HashSet<>();
        List<CatalogueItemView> items = index.items().stream().map(i -> {
            String installed = running.get(i.name());
            String offer = null;
            if (i.plugin() && offered.add(i.name())) {
                offer = installed == null ? "install"
                        : org.osgi.framework.Version.parseVersion(installed).compareTo(i.version()) < 0 ? "upgrade" : null;
            }
            return new CatalogueItemView(i.name(), i.version().toString(), i.description(), i.plugin() ? "plugin" : "library", i.size(), i.sha256(),
                    installed, offer);
        }).toList();
        return new CatalogueView(index.name(), index.source().toString(), items, null);
    }

    /**
     * Installs a plugin from the catalogue with the library bundles it needs, all or nothing (see
     * {@link PluginInstaller#installFromCatalogue}). The catalogue is the provider's own choice of what may run, so
     * unlike an upload this needs no second factor; what is fetched must match the catalogue's SHA-256.
     */
    @POST
    @Path("catalogue/{name}/install")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @RequiresPermission(MANAGE)
    public Response installFromCatalogue(@PathParam("name") String name, CatalogueInstallRequest body, @Context SecurityContext security) {
        Caller caller = providerOnly(security);
        boolean upgrade = io(() -> directory.find(name)).isPresent();
        PluginDirectory.Entry entry = io(() -> installer.installFromCatalogue(catalogue, context, resolver.get(), name,
                body == null ? null : body.version()));
        events.post(upgrade ? "UPGRADED" : "INSTALLED", name, "from the catalogue by " + caller.getName());
        return upgrade ? Response.ok(view(entry)).build()
                : Response.created(java.net.URI.create("/api/v1/plugins/" + name)).entity(view(entry)).build();
    }

    @GET
    @RequiresPermission(READ)
    public List<PluginView> listPlugins(@Context SecurityContext security) {
        providerOnly(security);
        return io(() -> directory.list().stream().map(this::viewWhileChanging).toList());
    }

    /**
     * A plugin's view while plugins may be changing under the list (an install or upgrade replaces a bundle between
     * reading the directory and asking the bundle): a bundle uninstalled meanwhile is shown as being installed
     * rather than failing the whole list with a 500.
     */
    private PluginView viewWhileChanging(PluginDirectory.Entry entry) {
        try {
            return view(entry);
        } catch (IllegalStateException | IllegalArgumentException e) {
            return view(new PluginDirectory.Entry(entry.file(), entry.descriptor(), null, entry.disabled(), entry.reason(), entry.installedFor()));
        }
    }

    @GET
    @Path("{name}")
    @RequiresPermission(READ)
    public PluginView getPlugin(@PathParam("name") String name, @Context SecurityContext security) {
        providerOnly(security);
        return view(require(name));
    }

    @POST
    @Path("{name}/disable")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    @RequiresPermission(MANAGE)
    public PluginView disablePlugin(@PathParam("name") String name, DisableRequest body, @Context SecurityContext security) {
        Caller caller = providerOnly(security);
        PluginDirectory.Entry entry = require(name);
        String reason = body != null && body.reason() != null && !body.reason().isBlank()
                ? clip(body.reason().strip()) + " (" + caller.getName() + ")" : "disabled by " + caller.getName();
        io(() -> {
            directory.disable(entry, reason);
            return null;
        });
        events.post("DISABLED", name, reason);
        return view(require(name));
    }

    @POST
    @Path("{name}/enable")
    @RequiresPermission(MANAGE)
    public PluginView enablePlugin(@PathParam("name") String name, @Context SecurityContext security) {
        providerOnly(security);
        PluginDirectory.Entry entry = require(name);
        io(() -> {
            directory.enable(entry);
            return null;
        });
        events.post("ENABLED", name, null);
        return view(require(name));
    }

    /**
     * Sets how long the plugin's VE hooks may take before a start, create, ... goes on without them (a fail-open
     * hook) or is refused (a fail-closed one), overriding what the plugin declares; applies to the next call.
     */
    @jakarta.ws.rs.PUT
    @Path("{name}/hook-time-limit")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequiresPermission(MANAGE)
    public PluginView setHookTimeLimit(@PathParam("name") String name, HookTimeLimitRequest body, @Context SecurityContext security) {
        Caller caller = providerOnly(security);
        PluginDirectory.Entry entry = require(name);
        if (entry.library()) {
            throw ProblemException.conflict(name + " is a library: it has no hooks of its own.");
        }
        java.time.Duration limit = body == null || body.milliseconds() == null ? null : java.time.Duration.ofMillis(body.milliseconds());
        try {
            io(() -> {
                hookLimits.set(name, limit);
                return null;
            });
        } catch (IllegalArgumentException e) {
            String message = "The " + e.getMessage() + ", or null for the hooks' own limits.";
            throw ProblemException.invalid(message, List.of(new io.vessel.web.api.Problem.FieldError("milliseconds", message)));
        }
        events.post("CHANGED", name, limit == null ? "hook time limit reset by " + caller.getName()
                : "hook time limit set to " + limit.toMillis() + " ms by " + caller.getName());
        return view(require(name));
    }

    /**
     * Uninstalls the plugin. The tables it made stay (a later version finds its data) unless {@code purge=true}:
     * then, once the plugin is gone, the tables its migrations created are dropped and its migrations forgotten.
     */
    @DELETE
    @Path("{name}")
    @RequiresPermission(MANAGE)
    public Response removePlugin(@PathParam("name") String name, @jakarta.ws.rs.QueryParam("purge") @jakarta.ws.rs.DefaultValue("false") boolean purge,
                                 @Context SecurityContext security) {
        providerOnly(security);
        PluginDirectory.Entry entry = require(name);
        List<String> users = entry.library() ? PluginDirectory.usedBy(entry.bundle()) : List.of();
        if (!users.isEmpty()) {
            throw ProblemException.conflict("Library " + name + " is used by " + String.join(", ", users) + "; remove "
                    + (users.size() == 1 ? "it" : "them") + " first.");
        }
        List<PluginDirectory.Entry> libraries = entry.library() ? List.of() : io(() -> directory.librariesOnlyFor(entry));
        Map<String, List<String>> tables = purge ? io(() -> PluginDirectory.migrationTables(entry.file())) : Map.of();
        io.vessel.persistence.api.ModulePurge purger = modulePurge.get();
        if (purge && !tables.isEmpty() && purger == null) {
            throw new ProblemException(503, "unavailable", "Database unavailable", "The plugin's data cannot be purged now; try again.");
        }
        io(() -> {
            directory.remove(entry);
            hookLimits.set(name, null);
            for (PluginDirectory.Entry library : libraries) {
                directory.remove(library);
            }
            return null;
        });
        events.post("REMOVED", name, null);
        libraries.forEach(library -> events.post("REMOVED", library.descriptor().symbolicName(), "no longer needed by " + name));
        if (!tables.isEmpty()) {
            purge(name, tables, purger);
        }
        return Response.noContent().build();
    }

    /** Drops the plugin's tables once its bundle and its share of the database mapping are gone (a few seconds). */
    private void purge(String name, Map<String, List<String>> tables, io.vessel.persistence.api.ModulePurge purger) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        for (Map.Entry<String, List<String>> module : tables.entrySet()) {
            while (true) {
                try {
                    purger.purge(module.getKey(), module.getValue());
                    break;
                } catch (IllegalStateException inUse) {
                    if (System.nanoTime() > deadline) {
                        throw new ProblemException(409, "conflict", "Still in use", "Plugin " + name + " was removed, but its module "
                                + module.getKey() + " is still in use, so its data was kept; purge it again later.");
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    private PluginDirectory.Entry require(String name) {
        return io(() -> directory.find(name)).orElseThrow(() -> ProblemException.notFound("There is no plugin " + name + "."));
    }

    /** Resellers and customers do not learn which plugins (and tasks, and settings) a provider runs. */
    static Caller providerOnly(SecurityContext security) {
        Caller caller = Caller.of(security);
        if (!caller.sees(null)) {
            throw ProblemException.notFound("There is no such resource.");
        }
        return caller;
    }

    PluginView view(PluginDirectory.Entry entry) {
        PluginDirectory.Descriptor d = entry.descriptor();
        String file = entry.file().getFileName().toString();
        String kind = entry.library() ? "library" : "plugin";
        if (entry.disabled()) {
            return new PluginView(d.symbolicName(), d.name(), d.version(), d.vendor(), "DISABLED", entry.reason(), d.imports(), Contributions.NONE, file, 0,
                    kind, List.of(), limitOf(d));
        }
        if (!d.bundle()) {
            return new PluginView(d.symbolicName(), d.name(), d.version(), d.vendor(), "FAILED",
                    "not an OSGi bundle: its manifest has no Bundle-SymbolicName", d.imports(), Contributions.NONE, file, 0, kind, List.of(), null);
        }
        Bundle bundle = entry.bundle();
        if (bundle == null) {
            return new PluginView(d.symbolicName(), d.name(), d.version(), d.vendor(), "INSTALLED", "being installed (plugins/ is read every second)",
                    d.imports(), Contributions.NONE, file, 0, kind, List.of(), limitOf(d));
        }
        String failure = directory.failure(bundle.getBundleId());
        String state;
        String reason = failure;
        switch (bundle.getState()) {
            case Bundle.ACTIVE -> {
                reason = failedComponents(bundle);
                io.vessel.web.api.ApiRefusals api = refusals.get();
                String refused = api == null ? null : api.refusedByBundle().get(bundle.getBundleId());
                if (refused != null) {
                    reason = reason == null ? refused : reason + "; " + refused;
                }
                io.vessel.persistence.api.PersistenceRefusals database = persistenceRefusals.get();
                String leftOut = database == null ? null : database.refusedByBundle().get(bundle.getBundleId());
                if (leftOut != null) {
                    reason = reason == null ? leftOut : reason + "; " + leftOut;
                }
                state = reason == null ? "ACTIVE" : "FAILED";
            }
            case Bundle.INSTALLED -> state = "INSTALLED";
            default -> state = failure != null ? "FAILED" : "RESOLVED";
        }
        return new PluginView(d.symbolicName(), d.name(), bundle.getVersion().toString(), d.vendor(), state, reason, d.imports(),
                contributions(bundle), file, pools.stuck(bundle.getBundleId()), kind, entry.library() ? PluginDirectory.usedBy(bundle) : List.of(),
                limitOf(d));
    }

    private Long limitOf(PluginDirectory.Descriptor d) {
        return hookLimits.of(d.symbolicName()).map(java.time.Duration::toMillis).orElse(null);
    }

    /** Components of the plugin whose activation threw, in one sentence. */
    private String failedComponents(Bundle bundle) {
        ServiceComponentRuntime scr = components.get();
        if (scr == null) {
            return null;
        }
        List<String> failed = new ArrayList<>();
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs(bundle)) {
            for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(description)) {
                if (configuration.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                    failed.add("component " + description.name + " failed to activate: " + firstLine(configuration.failure));
                }
            }
        }
        return failed.isEmpty() ? null : String.join("; ", failed);
    }

    private static Contributions contributions(Bundle bundle) {
        ServiceReference<?>[] refs = bundle.getRegisteredServices();
        if (refs == null) {
            return Contributions.NONE;
        }
        List<String> resources = new ArrayList<>();
        java.util.Set<String> permissions = new java.util.TreeSet<>();
        List<String> hooks = new ArrayList<>();
        List<String> pages = new ArrayList<>();
        List<String> tasks = new ArrayList<>();
        List<String> services = new ArrayList<>();
        for (ServiceReference<?> ref : refs) {
            String[] classes = (String[]) ref.getProperty(Constants.OBJECTCLASS);
            List<String> names = List.of(classes);
            if ("true".equals(String.valueOf(ref.getProperty("osgi.jaxrs.resource")))) {
                resources.add(resourcePath(bundle, classes[0]));
                permissions.addAll(declaredPermissions(bundle, classes[0]));
            } else if (names.contains(HOOK)) {
                Object name = ref.getProperty("vessel.hook.name");
                Object actions = ref.getProperty("vessel.hook.actions");
                hooks.add((name == null ? bundle.getSymbolicName() : name) + (actions == null ? " (all actions)"
                        : " (" + String.join(", ", actions instanceof String[] a ? a : new String[] {String.valueOf(actions)}) + ")"));
            } else if (names.contains(io.vessel.web.api.UiContribution.class.getName())) {
                pages.add(ref.getProperty(io.vessel.web.api.UiContribution.LABEL) + " (" + ref.getProperty(io.vessel.web.api.UiContribution.PLACEMENT) + ")");
            } else if (names.contains(io.vessel.api.schedule.ScheduledTask.class.getName())) {
                tasks.add(ref.getProperty(io.vessel.api.schedule.ScheduledTask.NAME) + " (" + ref.getProperty(io.vessel.api.schedule.ScheduledTask.CRON) + ")");
            } else {
                services.addAll(names);
            }
        }
        return new Contributions(resources, List.copyOf(permissions), hooks, pages, tasks, services);
    }

    /** The permissions a resource class's methods declare. */
    private static List<String> declaredPermissions(Bundle bundle, String className) {
        List<String> out = new ArrayList<>();
        try {
            Class<?> type = bundle.loadClass(className);
            RequiresPermission onClass = type.getAnnotation(RequiresPermission.class);
            if (onClass != null) {
                out.add(onClass.value());
            }
            for (java.lang.reflect.Method m : type.getMethods()) {
                RequiresPermission p = m.getAnnotation(RequiresPermission.class);
                if (p != null) {
                    out.add(p.value());
                }
            }
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            // listed without
        }
        return out;
    }

    /** {@code /api/v1/sample} for a resource class annotated {@code @Path("sample")}. */
    private static String resourcePath(Bundle bundle, String className) {
        try {
            Path path = bundle.loadClass(className).getAnnotation(Path.class);
            return path == null ? className : "/api/v1/" + path.value().replaceAll("^/", "");
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            return className;
        }
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "unknown error";
        }
        String line = text.lines().findFirst().orElse(text);
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }

    private static String clip(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    private interface IoWork<T> {
        T run() throws IOException;
    }

    private static <T> T io(IoWork<T> work) {
        try {
            return work.run();
        } catch (IOException e) {
            throw new UncheckedIOException("plugins directory: " + e.getMessage(), e);
        }
    }
}
