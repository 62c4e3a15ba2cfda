package io.vessel.noop.internal;

import io.vessel.kernel.api.hook.VeLifecycleEvent;
import io.vessel.kernel.api.hook.VeLifecycleHook;
import org.osgi.service.component.annotations.Component;

/** Asked about every VE action, agrees at once. */
@Component(service = VeLifecycleHook.class)
public final class NoopHook implements VeLifecycleHook {

    @Override
    public void before(VeLifecycleEvent event) {
    }
}
