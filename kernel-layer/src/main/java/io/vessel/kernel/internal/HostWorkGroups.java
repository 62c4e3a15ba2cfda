package io.vessel.kernel.internal;

import io.vessel.kernel.api.HostWork;
import io.vessel.kernel.api.VeException;
import io.vessel.kernel.internal.cgroup.CgroupDriver;
import io.vessel.kernel.internal.ve.HostTools;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Work groups as cgroups beside the node's VEs ({@code /vessel/<node>/work-<name>}), entered through vessel-run. */
final class HostWorkGroups implements HostWork {

    private static final Logger LOG = LoggerFactory.getLogger(HostWorkGroups.class);

    private final CgroupDriver cgroups;
    private final String nodeGroup;
    private final Optional<String> device;
    private final HostTools tools;
    /** The groups made by this panel's run, removed when it stops (when empty: a backup's restic is killed first). */
    private final java.util.Set<String> made = java.util.concurrent.ConcurrentHashMap.newKeySet();

    HostWorkGroups(CgroupDriver cgroups, String nodeGroup, Optional<String> device, HostTools tools) {
        this.cgroups = cgroups;
        this.nodeGroup = nodeGroup;
        this.device = device;
        this.tools = tools;
    }

    @Override
    public List<String> commandIn(String name, Caps caps) {
        try {
            String group = group(name);
            made.add(group);
            return tools.inCgroups(cgroups.workGroup(group, caps.cpus(), device, caps.readBytesPerSecond(), caps.writeBytesPerSecond()));
        } catch (IOException e) {
            throw new VeException(VeException.Kind.FAILED, null, "making work group " + name + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public int killAll(String name) {
        try {
            int killed = cgroups.killAll(group(name));
            if (killed > 0) {
                LOG.warn("Killed the processes left in a work group group={} processes={}", name, killed);
            }
            return killed;
        } catch (IOException e) {
            throw new VeException(VeException.Kind.FAILED, null, "killing work group " + name + " failed: " + e.getMessage(), e);
        }
    }

    /** Removes the empty groups this run made: nothing of the panel's own work outlives it. */
    void close() {
        made.forEach(cgroups::removeIfEmpty);
    }

    private String group(String name) {
        if (name == null || !name.matches("[a-z0-9][a-z0-9-]{0,40}")) {
            throw new VeException(VeException.Kind.INVALID, "name", "a work group's name is lower-case letters, digits and dashes", null);
        }
        return nodeGroup + "/work-" + name;
    }
}
