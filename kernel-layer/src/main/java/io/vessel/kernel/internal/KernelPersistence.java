package io.vessel.kernel.internal;

import io.vessel.persistence.api.PersistenceContribution;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/** The kernel layer's tables. */
@Component(service = PersistenceContribution.class)
public final class KernelPersistence implements PersistenceContribution {

    static final String MODULE = "kernel";

    @Override
    public String module() {
        return MODULE;
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public List<Class<?>> entityClasses() {
        return List.of(NodeEntity.class, VeEntity.class, TemplateEntity.class, io.vessel.kernel.internal.network.IpPoolEntity.class,
                io.vessel.kernel.internal.network.IpAddressEntity.class, io.vessel.kernel.internal.network.PortForwardEntity.class, SshKeyEntity.class);
    }
}
