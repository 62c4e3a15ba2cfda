package io.vessel.sample.internal;

import io.vessel.billing.api.PluginMeter;
import org.osgi.service.component.annotations.Component;

/** Shows how a plugin adds a meter plans can charge for: every greeting counts one (see {@link GreetingResource}). */
@Component(service = PluginMeter.class)
public final class GreetingMeter implements PluginMeter {

    static final String NAME = "sample.greetings";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Greetings sent";
    }

    @Override
    public Aggregation aggregation() {
        return Aggregation.SUM;
    }
}
