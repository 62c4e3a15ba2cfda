package io.vessel.kernel.api;

import java.time.Instant;
import java.util.List;

/**
 * Addresses a provider hands to VEs.
 *
 * @param cidr      the pool's network, IPv4 ({@code 192.0.2.0/24}) or IPv6 ({@code 2001:db8::/64})
 * @param gateway   the VEs' default gateway; in NAT mode the host takes this address on the VE bridge
 * @param mode      how VEs on the pool reach the world
 * @param excluded  addresses never handed out (besides the network, broadcast and gateway addresses)
 * @param dns       name servers written to the VEs' {@code /etc/resolv.conf}
 * @param capacity  addresses the pool can hand out in all
 * @param allocated addresses handed out now
 * @param owner     the tenant that alone may use the pool (e.g. a reseller's own range); null for a shared pool
 * @param nodes     the nodes the pool's network reaches (ids); empty: every node (2.14)
 */
public record IpPool(String name, String cidr, String gateway, IpPoolMode mode, List<String> excluded, List<String> dns,
                     long capacity, long allocated, Instant createdAt, String owner, List<String> nodes) {

    /** A pool every node reaches (as before 2.14). */
    public IpPool(String name, String cidr, String gateway, IpPoolMode mode, List<String> excluded, List<String> dns,
                  long capacity, long allocated, Instant createdAt, String owner) {
        this(name, cidr, gateway, mode, excluded, dns, capacity, allocated, createdAt, owner, List.of());
    }
}
