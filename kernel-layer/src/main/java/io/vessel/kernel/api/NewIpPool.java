package io.vessel.kernel.api;

import java.util.List;

/**
 * What it takes to create an IP pool; gateway default: the first address of the network; {@code owner}: the tenant
 * that alone may use it (null: shared).
 */
public record NewIpPool(String name, String cidr, String gateway, IpPoolMode mode, List<String> excluded, List<String> dns, String owner) {
}
