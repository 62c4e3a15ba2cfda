package io.vessel.kernel.api;

import java.util.List;

/**
 * What it takes to create an IP pool; gateway default: the first address of the network; {@code owner}: the tenant
 * that alone may use it (null: shared); {@code nodes}: the nodes its network reaches, by id (null or empty: every
 * node; 2.14).
 */
public record NewIpPool(String name, String cidr, String gateway, IpPoolMode mode, List<String> excluded, List<String> dns, String owner,
                        List<String> nodes) {

    /** A pool every node reaches (as before 2.14). */
    public NewIpPool(String name, String cidr, String gateway, IpPoolMode mode, List<String> excluded, List<String> dns, String owner) {
        this(name, cidr, gateway, mode, excluded, dns, owner, null);
    }
}
