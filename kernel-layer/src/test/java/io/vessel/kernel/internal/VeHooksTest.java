package io.vessel.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vessel.api.plugin.PluginCallException;
import io.vessel.api.plugin.PluginCalls;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.api.VeLimits;
import io.vessel.kernel.api.hook.VeAction;
import io.vessel.kernel.api.hook.VeLifecycleEvent;
import io.vessel.kernel.api.hook.VeLifecycleHook;
import io.vessel.kernel.api.hook.VeVeto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/** The order, refusals and failure policies of lifecycle hooks; calls run inline here (the pools have their own test). */
class VeHooksTest {

    private final List<String> asked = new ArrayList<>();
    private final VeHooks hooks = new VeHooks(() -> new InlineCalls());
    private static final VeLifecycleEvent START = new VeLifecycleEvent(VeAction.START, 101, null, "web", "busybox", VeLimits.DEFAULTS);

    /** Runs calls on the caller's thread; a hook that sleeps longer than its limit counts as overrunning. */
    private static final class InlineCalls implements PluginCalls {
        @Override
        public <T> T call(long bundleId, String what, Duration timeLimit, Callable<T> work) throws PluginCallException {
            try {
                return work.call();
            } catch (InterruptedException e) {
                throw new PluginCallException(PluginCallException.Reason.TIMED_OUT, "overran", null);
            } catch (Exception e) {
                throw new PluginCallException(PluginCallException.Reason.FAILED, "failed", e);
            }
        }

        @Override
        public void tell(long bundleId, String what, Runnable work) {
            work.run();
        }
    }

    private VeLifecycleHook recording(String name, Runnable before) {
        return new VeLifecycleHook() {
            @Override
            public void before(VeLifecycleEvent event) throws VeVeto {
                asked.add(name);
                before.run();
            }
        };
    }

    private void add(VeLifecycleHook hook, String name, long serviceId, int ranking, Map<String, Object> extra) {
        Map<String, Object> p = new java.util.HashMap<>(extra);
        p.put(VeLifecycleHook.NAME, name);
        p.put("service.id", serviceId);
        p.put("service.ranking", ranking);
        p.put("service.bundleid", 5L);
        hooks.add(hook, p, "bundle");
    }

    @Test
    void hooksAreAskedByRankingThenAgeAndOnlyForTheirActions() {
        add(recording("old", () -> { }), "old", 1, 0, Map.of());
        add(recording("young", () -> { }), "young", 2, 0, Map.of());
        add(recording("ranked", () -> { }), "ranked", 3, 50, Map.of());
        add(recording("creates-only", () -> { }), "creates-only", 4, 100, Map.of(VeLifecycleHook.ACTIONS, new String[] {"CREATE"}));
        hooks.before(START);
        assertEquals(List.of("ranked", "old", "young"), asked);
    }

    @Test
    void theFirstRefusalEndsTheAskingAndCarriesThePluginsReason() {
        add(new VeLifecycleHook() {
            @Override
            public void before(VeLifecycleEvent event) throws VeVeto {
                asked.add("policy");
                throw VeVeto.conflict("VE 101 is being backed up");
            }
        }, "backup-guard", 1, 10, Map.of());
        add(recording("later", () -> { }), "later", 2, 0, Map.of());
        VeException e = assertThrows(VeException.class, () -> hooks.before(START));
        assertEquals(VeException.Kind.CONFLICT, e.kind());
        assertEquals("plugin backup-guard refused: VE 101 is being backed up", e.getMessage());
        assertEquals(List.of("policy"), asked);
    }

    @Test
    void aFailingHookRefusesOrIsSkippedAsItDeclared() {
        add(recording("sick-open", () -> {
            throw new IllegalStateException("db down");
        }), "sick-open", 1, 10, Map.of(VeLifecycleHook.ON_FAILURE, "allow"));
        add(recording("after", () -> { }), "after", 2, 5, Map.of());
        hooks.before(START);
        assertEquals(List.of("sick-open", "after"), asked, "a fail-open hook that throws is skipped");

        add(recording("sick-closed", () -> {
            throw new IllegalStateException("db down");
        }), "sick-closed", 3, 20, Map.of());
        VeException e = assertThrows(VeException.class, () -> hooks.before(START));
        assertEquals(VeException.Kind.UNAVAILABLE, e.kind());
        assertEquals(true, e.getMessage().startsWith("plugin sick-closed failed (db down)"), e.getMessage());
    }

    @Test
    void withoutThePluginPlatformAFailClosedHookRefuses() {
        VeHooks orphaned = new VeHooks(() -> null);
        orphaned.add(new VeLifecycleHook() { }, Map.of(VeLifecycleHook.NAME, "policy"), "bundle");
        VeException e = assertThrows(VeException.class, () -> orphaned.before(START));
        assertEquals(VeException.Kind.UNAVAILABLE, e.kind());
    }

    @Test
    void declaredLimitsAndActionsAreRead() {
        VeHooks.Hook hook = VeHooks.describe(new VeLifecycleHook() { }, Map.of(VeLifecycleHook.TIME_LIMIT, "750",
                VeLifecycleHook.ACTIONS, "start, destroy,bogus"), "io.vessel.x");
        assertEquals(Duration.ofMillis(750), hook.timeLimit());
        assertEquals(java.util.Set.of(VeAction.START, VeAction.DESTROY), hook.actions());
        assertEquals("io.vessel.x", hook.name());
        assertEquals(false, hook.failOpen());
    }
}
