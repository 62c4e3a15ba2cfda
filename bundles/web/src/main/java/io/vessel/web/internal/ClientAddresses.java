package io.vessel.web.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The address a request came from, for the audit log and the login throttle. Behind a load balancer every request
 * comes from the balancer, so the client's own address is taken from {@code X-Forwarded-For} — but only when the
 * request comes from a proxy the provider trusts ({@code web.trusted.proxies}), and only as far as that chain of
 * trusted proxies reaches: read from the right, the first address that is not a trusted proxy is the client. Anyone
 * else can write the header, so from anywhere else it is ignored (a client rotating it must not escape the throttle).
 *
 * <p>Written here rather than taken from a library: it is one prefix comparison over {@link InetAddress} bytes, and
 * Jetty's {@code ForwardedRequestCustomizer} trusts every sender of the header (it has no list of trusted proxies).
 */
final class ClientAddresses {

    /** An IP literal and nothing else: a host name here must never be looked up. */
    private static final Pattern LITERAL = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    private record Network(byte[] prefix, int bits) {
        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            int whole = bits / 8;
            for (int i = 0; i < whole; i++) {
                if (address[i] != prefix[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            return rest == 0 || ((address[whole] ^ prefix[whole]) & (0xff << (8 - rest))) == 0;
        }
    }

    private final List<Network> trusted;

    private ClientAddresses(List<Network> trusted) {
        this.trusted = trusted;
    }

    /**
     * The trusted proxies as addresses or networks ({@code 10.0.0.5}, {@code 10.0.0.0/24}, {@code fd00::/64});
     * an entry that is neither is refused with the reason, so a typo cannot silently trust nobody.
     */
    static ClientAddresses trusting(String... proxies) {
        List<Network> networks = new ArrayList<>();
        for (String entry : proxies == null ? new String[0] : proxies) {
            String proxy = entry.strip();
            if (proxy.isEmpty()) {
                continue;
            }
            int slash = proxy.indexOf('/');
            byte[] address = parse(slash < 0 ? proxy : proxy.substring(0, slash));
            int bits;
            try {
                bits = slash < 0 ? address == null ? 0 : address.length * 8 : Integer.parseInt(proxy.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (address == null || bits < 0 || bits > address.length * 8) {
                throw new IllegalArgumentException("web.trusted.proxies: '" + proxy + "' is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)");
            }
            networks.add(new Network(address, bits));
        }
        return new ClientAddresses(List.copyOf(networks));
    }

    boolean trustsAnyone() {
        return !trusted.isEmpty();
    }

    /** The client's address: {@code remote}, or when that is a trusted proxy, the nearest untrusted hop it forwarded. */
    String clientOf(String remote, Enumeration<String> forwardedFor) {
        if (trusted.isEmpty() || !trusted(parse(remote)) || forwardedFor == null) {
            return remote;
        }
        List<String> hops = new ArrayList<>();
        for (String header : Collections.list(forwardedFor)) {
            for (String hop : header.split(",")) {
                hops.add(hop.strip());
            }
        }
        String client = remote;
        for (int i = hops.size() - 1; i >= 0; i--) {
            byte[] hop = parse(hops.get(i));
            if (hop == null) {
                return client; // garbage in the chain: what the last trusted proxy saw is all that can be believed
            }
            client = hops.get(i);
            if (!trusted(hop)) {
                return client;
            }
        }
        return client;
    }

    private boolean trusted(byte[] address) {
        return address != null && trusted.stream().anyMatch(n -> n.contains(address));
    }

    /** The address's bytes, or null for anything but an IP literal; an IPv4-mapped IPv6 address counts as IPv4. */
    private static byte[] parse(String text) {
        if (text == null || !LITERAL.matcher(text).matches() || !text.contains(".") && !text.contains(":")) {
            return null;
        }
        try {
            return InetAddress.getByName(text).getAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
