package io.vessel.misbehaving.internal;

import io.vessel.kernel.api.hook.VeLifecycleEvent;
import io.vessel.kernel.api.hook.VeLifecycleHook;
import org.osgi.service.component.annotations.Component;

/**
 * Fails closed within 500 ms. Before a start of a VE whose host name begins with {@code hang}, it never returns
 * and ignores interrupts, as a hook stuck on a dead connection would; {@code slow} takes 100 ms.
 */
@Component(service = VeLifecycleHook.class, property = {
        VeLifecycleHook.NAME + "=stubborn-policy",
        VeLifecycleHook.ACTIONS + "=START",
        VeLifecycleHook.TIME_LIMIT + "=500",
        VeLifecycleHook.ON_FAILURE + "=refuse",
        "service.ranking:Integer=10"})
public final class StubbornHook implements VeLifecycleHook {

    @Override
    public void before(VeLifecycleEvent event) {
        String name = event.hostname() == null ? "" : event.hostname();
        if (name.startsWith("hang")) {
            while (true) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException ignored) {
                    // a stuck hook does not listen
                }
            }
        }
        if (name.startsWith("slow")) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
