package io.vessel.kernel.internal;

import io.vessel.api.plugin.PluginCallException;
import io.vessel.api.plugin.PluginCalls;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.api.hook.VeAction;
import io.vessel.kernel.api.hook.VeLifecycleEvent;
import io.vessel.kernel.api.hook.VeLifecycleHook;
import io.vessel.kernel.api.hook.VeVeto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugins' {@link VeLifecycleHook}s, asked before and told after VE actions. Each call goes through
 * {@link PluginCalls}: on the plugin's own threads, within the hook's time limit. Asked in ranking order; the first
 * refusal ends the asking. A hook that fails or overruns counts as a refusal or is skipped, as it declared.
 */
final class VeHooks {

    private static final Logger LOG = LoggerFactory.getLogger(VeHooks.class);

    /** A registered hook with what its service properties declare. */
    record Hook(VeLifecycleHook hook, long serviceId, int ranking, long bundleId, String name, Set<VeAction> actions,
                Duration timeLimit, boolean failOpen) {
    }

    private static final Comparator<Hook> ORDER = Comparator.comparingInt(Hook::ranking).reversed().thenComparingLong(Hook::serviceId);

    private final Supplier<PluginCalls> calls;
    private volatile List<Hook> hooks = List.of();

    VeHooks(Supplier<PluginCalls> calls) {
        this.calls = calls;
    }

    synchronized void add(VeLifecycleHook hook, Map<String, ?> properties, String bundleName) {
        List<Hook> next = new ArrayList<>(hooks);
        next.add(describe(hook, properties, bundleName));
        next.sort(ORDER);
        hooks = List.copyOf(next);
    }

    synchronized void remove(VeLifecycleHook hook) {
        hooks = hooks.stream().filter(h -> h.hook() != hook).toList();
    }

    static Hook describe(VeLifecycleHook hook, Map<String, ?> p, String bundleName) {
        Object name = p.get(VeLifecycleHook.NAME);
        Set<VeAction> actions = EnumSet.allOf(VeAction.class);
        Object declared = p.get(VeLifecycleHook.ACTIONS);
        if (declared != null) {
            actions = EnumSet.noneOf(VeAction.class);
            for (String a : declared instanceof String[] array ? array : String.valueOf(declared).split(",")) {
                try {
                    actions.add(VeAction.valueOf(a.strip().toUpperCase(java.util.Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    LOG.warn("Hook declares an unknown action hook={} action={}", name != null ? name : bundleName, a);
                }
            }
        }
        long limit = VeLifecycleHook.DEFAULT_TIME_LIMIT_MS;
        Object declaredLimit = p.get(VeLifecycleHook.TIME_LIMIT);
        if (declaredLimit != null) {
            try {
                limit = Math.max(10, Math.min(60_000, Long.parseLong(String.valueOf(declaredLimit).strip())));
            } catch (NumberFormatException e) {
                LOG.warn("Hook time limit is not a number of milliseconds hook={} value={}", bundleName, declaredLimit);
            }
        }
        boolean failOpen = "allow".equalsIgnoreCase(String.valueOf(p.get(VeLifecycleHook.ON_FAILURE)).strip());
        Object ranking = p.get("service.ranking");
        Object bundleId = p.get("service.bundleid");
        Object serviceId = p.get("service.id");
        return new Hook(hook, serviceId instanceof Number n ? n.longValue() : 0, ranking instanceof Integer r ? r : 0,
                bundleId instanceof Number b ? b.longValue() : -1, name != null ? String.valueOf(name) : bundleName, Set.copyOf(actions),
                Duration.ofMillis(limit), failOpen);
    }

    boolean isEmpty() {
        return hooks.isEmpty();
    }

    /**
     * Asks every hook that cares about the event's action; throws {@link VeException} (UNPROCESSABLE or CONFLICT)
     * with the plugin's reason when one refuses, UNAVAILABLE when a fail-closed hook could not answer.
     */
    void before(VeLifecycleEvent event) {
        for (Hook hook : hooks) {
            if (hook.actions().contains(event.action())) {
                ask(hook, event);
            }
        }
    }

    private void ask(Hook hook, VeLifecycleEvent event) {
        PluginCalls platform = calls.get();
        String what = "hook " + hook.name() + " before " + event.action() + " of VE " + event.veId();
        Duration limit = hook.timeLimit();
        try {
            if (platform == null) {
                throw new PluginCallException(PluginCallException.Reason.UNAVAILABLE, "the plugin platform is not running", null);
            }
            limit = platform.hookTimeLimit(hook.bundleId(), hook.timeLimit());
            platform.call(hook.bundleId(), what, limit, () -> {
                hook.hook().before(event);
                return null;
            });
        } catch (PluginCallException e) {
            if (e.getCause() instanceof VeVeto veto) {
                LOG.info("VE action refused by a plugin ve={} action={} plugin={} reason=\"{}\"", event.veId(), event.action(), hook.name(), veto.getMessage());
                throw new VeException(veto.isConflict() ? VeException.Kind.CONFLICT : VeException.Kind.UNPROCESSABLE,
                        "plugin " + hook.name() + " refused: " + veto.getMessage());
            }
            String failure = switch (e.reason()) {
                case TIMED_OUT -> "did not answer within " + limit.toMillis() + " ms";
                // the exception's message only: class names stay in the log, out of answers to callers
                case FAILED -> "failed (" + (e.getCause() == null || e.getCause().getMessage() == null ? "it gave no reason" : e.getCause().getMessage()) + ")";
                case UNAVAILABLE -> "could not be asked (" + e.getMessage() + ")";
            };
            if (hook.failOpen()) {
                LOG.warn("VE hook skipped ve={} action={} plugin={}: it {}", event.veId(), event.action(), hook.name(), failure);
                return;
            }
            LOG.warn("VE action refused, a hook that must answer did not ve={} action={} plugin={}: it {}", event.veId(), event.action(), hook.name(), failure,
                    e.getCause());
            throw new VeException(VeException.Kind.UNAVAILABLE, "plugin " + hook.name() + " " + failure
                    + ", and it must agree before VE " + event.veId() + " can " + verb(event.action()) + "; try again later or ask your provider");
        }
    }

    /** Tells every hook that cares, asynchronously; nothing they do reaches the action. */
    void after(VeLifecycleEvent event) {
        PluginCalls platform = calls.get();
        if (platform == null) {
            return;
        }
        for (Hook hook : hooks) {
            if (hook.actions().contains(event.action())) {
                platform.tell(hook.bundleId(), "hook " + hook.name() + " after " + event.action() + " of VE " + event.veId(),
                        () -> hook.hook().after(event));
            }
        }
    }

    private static String verb(VeAction action) {
        return switch (action) {
            case CREATE -> "be created";
            case START -> "start";
            case REINSTALL -> "be reinstalled";
            case CHANGE_LIMITS -> "get new limits";
            case DESTROY -> "be destroyed";
        };
    }
}
