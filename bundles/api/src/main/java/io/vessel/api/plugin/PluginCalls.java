package io.vessel.api.plugin;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Runs code of a plugin (a hook, a task, a channel) on behalf of the panel. Java cannot stop a runaway thread, so a
 * plugin's code never runs on a thread anybody else needs: each plugin has its own small bounded pool, and a
 * caller waits at most its time limit. A plugin whose pool stays exhausted (its calls hang past their limits, or
 * pile up) is disabled, and the provider is told, much as WordPress's recovery mode pauses a plugin that breaks
 * the site.
 */
public interface PluginCalls {

    /**
     * Runs {@code work} on the pool of the plugin bundle {@code bundleId} and waits for it at most
     * {@code timeLimit}. {@code what} names the call in logs ({@code "hook before START of VE 101"}).
     *
     * @throws PluginCallException when the work threw (its exception is the cause), overran its limit, or could
     *                             not run at all (the plugin's pool is full, or it was disabled)
     */
    <T> T call(long bundleId, String what, Duration timeLimit, Callable<T> work) throws PluginCallException;

    /**
     * Runs {@code work} on the plugin's pool without waiting for it; a failure is logged, never passed on. For
     * notifications after the fact, which must never hold up what they report.
     */
    void tell(long bundleId, String what, Runnable work);

    /**
     * The time limit for a VE hook of the plugin bundle {@code bundleId}: what the provider set for that plugin, or
     * else {@code declared} (what the hook itself declares). Asked by the bundles that call hooks, at each call, so
     * a changed limit applies at once.
     *
     * @since 1.1.0
     */
    default Duration hookTimeLimit(long bundleId, Duration declared) {
        return declared;
    }
}
