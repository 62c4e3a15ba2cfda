package io.vessel.notifications.internal;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Keeps webhooks from reaching into the provider's own network (server-side request forgery): an endpoint must be
 * {@code https}, and every address its host name resolves to must be a public one — not loopback, link-local,
 * private, carrier-grade NAT, multicast or reserved — unless it lies in a network the provider allowed
 * ({@code notifications.webhook.allow}); plain {@code http} is accepted only for allowed networks (a receiver on
 * the provider's LAN). The check runs on the resolved addresses right before each delivery, and the JVM's address
 * cache hands the HTTP client the same answer, so a name re-pointed after the check is not followed; redirects
 * are never followed.
 */
final class AddressGuard {

    /** An address block. */
    record Block(BigInteger network, int prefix, int bits) {
        boolean contains(InetAddress address) {
            byte[] raw = address.getAddress();
            if (raw.length * 8 != bits) {
                return false;
            }
            BigInteger value = new BigInteger(1, raw);
            return value.shiftRight(bits - prefix).equals(network.shiftRight(bits - prefix));
        }

        static Block parse(String cidr) {
            String[] parts = cidr.strip().split("/");
            try {
                InetAddress address = InetAddress.getByName(parts[0]);
                int bits = address.getAddress().length * 8;
                int prefix = parts.length > 1 ? Integer.parseInt(parts[1]) : bits;
                if (prefix < 0 || prefix > bits) {
                    throw new IllegalArgumentException("'" + cidr + "' has a prefix outside 0.." + bits);
                }
                return new Block(new BigInteger(1, address.getAddress()), prefix, bits);
            } catch (UnknownHostException | NumberFormatException e) {
                throw new IllegalArgumentException("'" + cidr + "' is not a network such as 10.0.0.0/8");
            }
        }
    }

    /** Java hands IPv4-mapped IPv6 addresses ({@code ::ffff:10.0.0.1}) over as IPv4 ones, so the IPv4 blocks cover them. */
    private static final List<Block> NOT_PUBLIC = List.of("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
            "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
            "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "64:ff9b::/96", "100::/64", "2001:db8::/32", "fc00::/7",
            "fe80::/10", "ff00::/8").stream().map(Block::parse).toList();

    private final List<Block> allowed;

    AddressGuard(List<Block> allowed) {
        this.allowed = List.copyOf(allowed);
    }

    /** {@code 10.0.0.0/8, 192.168.1.5} */
    static AddressGuard allowing(String list) {
        List<Block> blocks = new ArrayList<>();
        if (list != null) {
            for (String item : list.split("[,\\s]+")) {
                if (!item.isBlank()) {
                    blocks.add(Block.parse(item));
                }
            }
        }
        return new AddressGuard(blocks);
    }

    /** Why the endpoint may not be called, or null when it may. Resolves the host name. */
    String refusal(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || url.getHost() == null) {
            return "the address must be an https:// URL";
        }
        if (url.getUserInfo() != null) {
            return "the address must not contain a user name or password";
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(url.getHost());
        } catch (UnknownHostException e) {
            return "its host name " + url.getHost() + " does not resolve";
        }
        for (InetAddress address : addresses) {
            boolean isAllowed = allowed.stream().anyMatch(b -> b.contains(address));
            if (!isAllowed && !isPublic(address)) {
                return url.getHost() + " resolves to " + address.getHostAddress() + ", which is not a public address";
            }
            if (!isAllowed && scheme.equals("http")) {
                return "the address must be an https:// URL";
            }
        }
        return null;
    }

    static boolean isPublic(InetAddress address) {
        return NOT_PUBLIC.stream().noneMatch(b -> b.contains(address));
    }
}
