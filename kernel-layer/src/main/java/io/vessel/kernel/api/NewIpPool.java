package io.vessel.kernel.api;

import java.util.List;

/** What it takes to create an IP pool; gateway default: the first address of the network. */
public record NewIpPool(String name, String cidr, String gateway, IpPoolMode mode, List<String> excluded, List<String> dns) {
}
