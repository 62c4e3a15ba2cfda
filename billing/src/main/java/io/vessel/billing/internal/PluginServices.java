package io.vessel.billing.internal;

import io.vessel.api.plugin.PluginCallException;
import io.vessel.api.plugin.PluginCalls;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.Constants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Services plugins add to billing under an id of their choosing (payment gateways, tax engines): the ones installed
 * now, by id, with the bundle each came from, and the one way billing calls them — on that plugin's own threads with
 * a time limit ({@link PluginCalls}), so a hanging plugin holds up nobody else's work.
 */
final class PluginServices<S> {

    private static final Logger LOG = LoggerFactory.getLogger(PluginServices.class);

    /** A service as installed. */
    record Registered<S>(String id, S service, long bundleId) {
    }

    private final String idProperty;
    private final String kind;
    private final Map<String, Registered<S>> byId = new ConcurrentHashMap<>();

    /** @param kind what the services are, in logs ("payment gateway") */
    PluginServices(String idProperty, String kind) {
        this.idProperty = idProperty;
        this.kind = kind;
    }

    /** Takes a service in under the id its {@code idProperty} gives (lower-case letters, digits, '-'); others are ignored. */
    void add(S service, Map<String, Object> properties) {
        Object id = properties.get(idProperty);
        if (id == null || !id.toString().matches("[a-z0-9][a-z0-9-]{0,63}")) {
            LOG.warn("A {} ignored: its {} property must be lower-case letters, digits and '-' id={}", kind, idProperty, id);
            return;
        }
        long bundle = ((Number) properties.getOrDefault(Constants.SERVICE_BUNDLEID, -1L)).longValue();
        byId.put(id.toString(), new Registered<>(id.toString(), service, bundle));
        LOG.info("A {} is available id={}", kind, id);
    }

    void remove(S service) {
        byId.values().removeIf(r -> r.service() == service);
    }

    Optional<Registered<S>> find(String id) {
        return Optional.ofNullable(id == null ? null : byId.get(id));
    }

    /** The services installed now, by id. */
    List<Registered<S>> all() {
        return byId.values().stream().sorted(Comparator.comparing(Registered::id)).toList();
    }

    /**
     * Runs {@code work} of the service on its plugin's pool, waiting at most {@code limit} (directly when the plugin
     * platform is not there). What the plugin threw comes out as it was; an overrun or a full pool as a
     * {@link PluginCallException}.
     */
    static <T> T call(PluginCalls platform, Registered<?> service, String what, Duration limit, Callable<T> work) throws Exception {
        if (platform == null) {
            return work.call();
        }
        try {
            return platform.call(service.bundleId(), what, limit, work);
        } catch (PluginCallException e) {
            if (e.getCause() instanceof Exception thrown) {
                throw thrown;
            }
            throw e;
        }
    }
}
