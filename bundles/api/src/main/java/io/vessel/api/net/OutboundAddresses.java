package io.vessel.api.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a connection the panel opens on a user's behalf may go. A URL a tenant or plugin supplies must not make the
 * panel reach its own host (loopback), the node's private networks, link-local addresses such as a cloud's metadata
 * service, or anything else internal — unless the provider allow-listed that network. The name is resolved once and
 * every address it resolves to is checked (a name with one public and one private address is refused); the caller
 * connects to the returned address, so a second lookup (DNS rebinding) cannot redirect it.
 *
 * <p>Written by hand: the JDK's {@code InetAddress} knows the categories but no library in use bundles the rule.
 */
public final class OutboundAddresses {

    /** Why a destination was refused. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        public Refused(String message) {
            super(message);
        }
    }

    private final List<byte[][]> allowed = new ArrayList<>();

    /** {@code allowedNetworks}: CIDR blocks the provider allows despite being internal, e.g. {@code 10.20.0.0/16}. */
    public OutboundAddresses(List<String> allowedNetworks) {
        for (String network : allowedNetworks) {
            allowed.add(cidr(network));
        }
    }

    /** The address to connect to for {@code host}, if every address it resolves to may be reached. */
    public InetAddress resolve(String host) throws Refused {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new Refused("the name " + host + " does not resolve");
        }
        for (InetAddress address : addresses) {
            String why = internal(address);
            if (why != null && !isAllowed(address)) {
                throw new Refused(host + " resolves to " + address.getHostAddress() + ", " + why + "; the panel does not connect there unless "
                        + "the provider allows that network");
            }
        }
        return addresses[0];
    }

    /** What kind of internal address this is, or null for a public one. */
    static String internal(InetAddress a) {
        if (a.isAnyLocalAddress()) {
            return "the unspecified address";
        }
        if (a.isLoopbackAddress()) {
            return "a loopback address (the panel's own host)";
        }
        if (a.isLinkLocalAddress()) {
            return "a link-local address (such as a cloud metadata service)";
        }
        if (a.isSiteLocalAddress()) {
            return "a private network address";
        }
        if (a.isMulticastAddress()) {
            return "a multicast address";
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if (first == 100 && second >= 64 && second < 128) {
                return "a carrier-grade NAT address";
            }
            if (first == 0 || first >= 240 || first == 192 && second == 0 && (b[2] & 0xff) == 0 || first == 198 && (second == 18 || second == 19)) {
                return "a reserved address";
            }
        }
        if (a instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) {
                return "a unique local IPv6 address";
            }
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                try {
                    return internal(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16)));
                } catch (UnknownHostException impossible) {
                    return "an IPv4-mapped address";
                }
            }
        }
        return null;
    }

    private boolean isAllowed(InetAddress address) {
        byte[] b = address.getAddress();
        for (byte[][] network : allowed) {
            byte[] base = network[0];
            int prefix = network[1][0] & 0xff;
            if (base.length != b.length) {
                continue;
            }
            boolean match = true;
            for (int bit = 0; bit < prefix && match; bit++) {
                int mask = 0x80 >> (bit % 8);
                match = (base[bit / 8] & mask) == (b[bit / 8] & mask);
            }
            if (match) {
                return true;
            }
        }
        return false;
    }

    private static byte[][] cidr(String text) {
        String[] parts = text.strip().split("/");
        try {
            if (!parts[0].matches("[0-9a-fA-F:.]+")) {
                throw new IllegalArgumentException("'" + text + "' is not a network such as 10.20.0.0/16");
            }
            byte[] base = InetAddress.getByName(parts[0]).getAddress(); // a literal: no lookup
            int prefix = parts.length > 1 ? Integer.parseInt(parts[1]) : base.length * 8;
            if (prefix < 0 || prefix > base.length * 8) {
                throw new IllegalArgumentException("'" + text + "' has an impossible prefix length");
            }
            return new byte[][] {base, {(byte) prefix}};
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a network such as 10.20.0.0/16", e);
        }
    }
}
