package io.vessel.kernel.internal.network;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** An IPv4 or IPv6 network in CIDR notation; addresses are numbered from the network address (0). */
public record Cidr(InetAddress network, int prefixLength) {

    private static final Pattern V4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern V6 = Pattern.compile("[0-9a-fA-F:.]{2,45}");

    /** Parses {@code 192.0.2.0/24} or {@code 2001:db8::/64}; null when it is not one. Host bits must be zero. */
    public static Cidr parse(String text) {
        if (text == null) {
            return null;
        }
        int slash = text.indexOf('/');
        if (slash < 0) {
            return null;
        }
        InetAddress address = address(text.substring(0, slash));
        if (address == null) {
            return null;
        }
        int bits = address.getAddress().length * 8;
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        if (prefix < 1 || prefix > bits) {
            return null;
        }
        Cidr cidr = new Cidr(address, prefix);
        return cidr.indexOf(address).signum() == 0 ? cidr : null;
    }

    /** A literal IPv4 or IPv6 address (never a host name to resolve); null when it is not one. */
    public static InetAddress address(String text) {
        if (text == null || !(V4.matcher(text).matches() || (text.contains(":") && V6.matcher(text).matches()))) {
            return null;
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    public boolean ipv6() {
        return network.getAddress().length == 16;
    }

    private int bits() {
        return network.getAddress().length * 8;
    }

    /** How many addresses the network spans. */
    public BigInteger size() {
        return BigInteger.ONE.shiftLeft(bits() - prefixLength);
    }

    public boolean contains(InetAddress address) {
        if (address.getAddress().length != network.getAddress().length) {
            return false;
        }
        BigInteger index = indexOf(address);
        return index.signum() >= 0 && index.compareTo(size()) < 0
                && new BigInteger(1, address.getAddress()).shiftRight(bits() - prefixLength)
                .equals(new BigInteger(1, network.getAddress()).shiftRight(bits() - prefixLength));
    }

    /** The address's number within the network. */
    public BigInteger indexOf(InetAddress address) {
        BigInteger mask = size().subtract(BigInteger.ONE);
        return new BigInteger(1, address.getAddress()).and(mask);
    }

    public InetAddress at(BigInteger index) {
        BigInteger value = new BigInteger(1, network.getAddress()).add(index);
        byte[] raw = value.toByteArray();
        byte[] bytes = new byte[network.getAddress().length];
        int copy = Math.min(raw.length, bytes.length);
        System.arraycopy(raw, raw.length - copy, bytes, bytes.length - copy, copy);
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether an address may go to a host: not the network address, nor IPv4's broadcast address. */
    public boolean usable(BigInteger index) {
        if (index.signum() == 0 && !(ipv6() && prefixLength == 128)) {
            return false;
        }
        return ipv6() || prefixLength >= 31 || !index.equals(size().subtract(BigInteger.ONE));
    }

    /** Canonical text of an address: IPv4 dotted, IPv6 in the RFC 5952 form (lower case, longest zero run as ::). */
    public static String text(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return address.getHostAddress();
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return text(network) + "/" + prefixLength;
    }
}
