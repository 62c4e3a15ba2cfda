package io.vessel.plugins.internal;

import io.vessel.api.plugin.PluginCallException;
import io.vessel.api.plugin.PluginCalls;
import io.vessel.web.api.ApiWhiteboard;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.Callable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugin platform: {@code plugins/} and its plugins ({@link PluginDirectory}), the bounded pools their code runs
 * on ({@link PluginPools}, offered to the other bundles as {@link PluginCalls}), and {@code /api/v1/plugins}.
 * Configured by the {@code plugins.*} lines of vessel.conf.
 */
@Component(service = PluginCalls.class, configurationPid = "io.vessel.plugins", configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = PluginPlatform.Config.class)
public final class PluginPlatform implements PluginCalls {

    private static final Logger LOG = LoggerFactory.getLogger(PluginPlatform.class);

    /** Topic of plugin changes (the last segment is what happened: DISABLED, ...), with {@code plugin} and {@code reason}. */
    static final String TOPIC_PREFIX = "io/vessel/plugins/";

    @ObjectClassDefinition(name = "Vessel plugin platform")
    public @interface Config {
        @AttributeDefinition(description = "Threads of each plugin's own pool")
        int threads() default 4;

        @AttributeDefinition(description = "Calls that may wait for a plugin's busy pool")
        int queue() default 16;

        @AttributeDefinition(description = "How long a plugin's pool may stay exhausted before the plugin is disabled (e.g. 30s)")
        String exhausted_grace() default "30s";

        @AttributeDefinition(description = "Whether provider admins may upload plugin jars through the API (they run as root)")
        boolean upload() default false;

        @AttributeDefinition(description = "Uploaded jars must be signed by a trusted key: require, warn or off")
        String signature() default "require";

        @AttributeDefinition(description = "PEM file with the certificates of trusted plugin signers")
        String trust() default "";

        @AttributeDefinition(description = "Largest plugin jar accepted, in MiB")
        int max_size() default 50;

        @AttributeDefinition(description = "The plugin catalogue: path or HTTPS URL of an OSGi repository index (index.xml); empty for none")
        String catalogue() default "";
    }

    private final PluginDirectory directory;
    private final PluginPools pools;
    private final HookTimeLimits hookLimits;
    private final BundleContext context;
    private final ServiceRegistration<PluginsResource> resource;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventAdmin events;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ServiceComponentRuntime components;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.api.notify.Notifier notifier;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.api.security.SecondFactor secondFactor;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.persistence.api.ModulePurge modulePurge;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.web.api.ApiRefusals apiRefusals;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile io.vessel.persistence.api.PersistenceRefusals persistenceRefusals;

    /** The framework's own resolver (Felix registers it), for installing from the catalogue. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile org.osgi.service.resolver.Resolver resolver;

    @Activate
    public PluginPlatform(BundleContext context, Config config) throws IOException, java.security.cert.CertificateException {
        Path dir = PluginDirectory.configuredDir(context);
        PluginPools.Settings settings = new PluginPools.Settings(Math.max(1, config.threads()), Math.max(1, config.queue()),
                io.vessel.api.platform.SettingDurations.parse("plugins.exhausted.grace", config.exhausted_grace()));
        this.pools = new PluginPools(settings, id -> directoryName(context, id), this::disableAutomatically);
        this.directory = new PluginDirectory(context, dir, pools::forget, (what, plugin) -> post(what, plugin, null));
        directory.open();
        this.context = context;
        this.hookLimits = new HookTimeLimits(dir);
        hookLimits.load();
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(ApiWhiteboard.RESOURCE, "true");
        String signature = config.signature().strip().toLowerCase(java.util.Locale.ROOT);
        if (!signature.matches("require|warn|off")) {
            throw new IllegalArgumentException("plugins.signature must be require, warn or off, not '" + config.signature() + "'");
        }
        PluginInstaller.Settings install = new PluginInstaller.Settings(config.upload(), signature,
                config.trust().isBlank() ? null : Path.of(config.trust().strip()), Math.max(1, config.max_size()) * 1024L * 1024L);
        this.resource = context.registerService(PluginsResource.class, new PluginsResource(directory, pools, () -> components, this::post,
                install, () -> secondFactor, () -> modulePurge, () -> apiRefusals, new PluginCatalogue(config.catalogue(), install.maxBytes()),
                context, () -> resolver, () -> persistenceRefusals, hookLimits), properties);
        LOG.info("Plugin platform ready dir={} threadsPerPlugin={} exhaustedGraceS={}", dir, settings.threads(), settings.exhaustedGrace().toSeconds());
    }

    @Override
    public <T> T call(long bundleId, String what, Duration timeLimit, Callable<T> work) throws PluginCallException {
        return pools.call(bundleId, what, timeLimit, work);
    }

    @Override
    public Duration hookTimeLimit(long bundleId, Duration declared) {
        var bundle = context.getBundle(bundleId);
        return hookLimits.of(bundle == null ? null : bundle.getSymbolicName()).orElse(declared);
    }

    @Override
    public void tell(long bundleId, String what, Runnable work) {
        pools.tell(bundleId, what, work);
    }

    /** A plugin whose pool stays exhausted is disabled, and the provider told (an event the notifications follow). */
    private void disableAutomatically(long bundleId, String reason) {
        directory.bundle(bundleId).ifPresent(bundle -> {
            try {
                var entry = directory.list().stream().filter(e -> e.bundle() != null && e.bundle().getBundleId() == bundleId).findFirst();
                if (entry.isPresent()) {
                    String name = entry.get().descriptor().symbolicName();
                    directory.disable(entry.get(), reason);
                    post("DISABLED", name, reason);
                    io.vessel.api.notify.Notifier provider = notifier;
                    if (provider != null) {
                        provider.notifyProvider(new io.vessel.api.notify.Notification("plugin.disabled", "Plugin " + name + " was disabled",
                                "The plugin " + name + " was " + reason + ".\n\nEverything else keeps running. Enable it again under Plugins"
                                        + " once it is fixed (or its service is reachable again).", Map.of("plugin", name, "reason", reason)));
                    }
                }
            } catch (IOException e) {
                LOG.error("Plugin could not be disabled plugin={}: {}", bundle.getSymbolicName(), e.toString());
            }
        });
    }

    void post(String what, String plugin, String reason) {
        EventAdmin admin = events;
        if (admin != null && plugin != null) {
            Map<String, Object> properties = new java.util.HashMap<>();
            properties.put("plugin", plugin);
            if (reason != null) {
                properties.put("reason", reason);
            }
            admin.postEvent(new Event(TOPIC_PREFIX + what, properties));
        }
    }

    private static String directoryName(BundleContext context, long id) {
        var bundle = context.getBundle(id);
        String name = bundle == null ? null : bundle.getSymbolicName();
        return name == null ? "bundle-" + id : name;
    }

    @Deactivate
    void deactivate() {
        try {
            resource.unregister();
        } catch (IllegalStateException e) {
            // already gone with the framework
        }
        directory.close();
        pools.close();
    }
}
