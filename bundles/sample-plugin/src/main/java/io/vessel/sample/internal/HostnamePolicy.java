package io.vessel.sample.internal;

import io.vessel.kernel.api.hook.VeLifecycleEvent;
import io.vessel.kernel.api.hook.VeLifecycleHook;
import io.vessel.kernel.api.hook.VeVeto;
import java.util.Locale;
import org.osgi.service.component.annotations.Component;

/**
 * A VE lifecycle hook that refuses host names a provider does not want its customers to use. Asked before a VE is
 * created; fails closed (a policy that must hold), within the default time limit.
 */
@Component(service = VeLifecycleHook.class, property = {
        VeLifecycleHook.NAME + "=hostname-policy",
        VeLifecycleHook.ACTIONS + "=CREATE",
        VeLifecycleHook.ON_FAILURE + "=refuse"})
public final class HostnamePolicy implements VeLifecycleHook {

    @Override
    public void before(VeLifecycleEvent event) throws VeVeto {
        if (event.hostname() != null && event.hostname().toLowerCase(Locale.ROOT).contains("admin")) {
            throw new VeVeto("names must not contain 'admin'");
        }
    }
}
