package io.vessel.kernel.internal.network;

import io.vessel.kernel.api.IpPoolMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host side of VE networking: one bridge, one veth pair per running VE (the VE's end is its {@code eth0},
 * configured from the host before the VE's init runs, so it works with any template), gateway addresses of NAT
 * pools on the bridge with outbound masquerading, and nftables rules on the bridge that let each VE send only
 * from its own MAC and IP addresses: a VE that takes a neighbour's address or a foreign MAC reaches nobody.
 */
public final class VeNetwork {

    private static final Logger LOG = LoggerFactory.getLogger(VeNetwork.class);
    /** nftables tables are named after the bridge, so two panels with their own bridges never touch each other's rules. */
    private final String table;
    private final String natTable;

    private final String bridge;
    private final int nodeByte;
    private final String uplink;
    private final HostPolicy policy;
    private final String hostTable;

    /**
     * What VEs may reach of the host and beyond it: {@code deny} networks are never forwarded to (cloud metadata,
     * link-local, the provider's management networks); {@code panelPort} is the one port of the host besides DNS a VE
     * may connect to (-1: none). DNS is let through when this host serves it (see {@link #start}).
     */
    public record HostPolicy(List<String> deny, int panelPort) {
        public static final List<String> DEFAULT_DENY = List.of("169.254.0.0/16", "fe80::/10", "fc00::/7");
        public static final HostPolicy DEFAULT = new HostPolicy(DEFAULT_DENY, -1);
    }

    /**
     * A bit of the packet mark set on every frame a VE sends (in the bridge's per-VE chain), so the host's IP hooks
     * can tell VE traffic from the provider's own traffic arriving on the same bridge through an uplink.
     */
    static final String VE_MARK = "0x01000000";

    public VeNetwork(String bridge, int nodeByte) {
        this(bridge, nodeByte, "", HostPolicy.DEFAULT);
    }

    public VeNetwork(String bridge, int nodeByte, String uplink) {
        this(bridge, nodeByte, uplink, HostPolicy.DEFAULT);
    }

    /**
     * @param uplink the host's interface to join to the bridge for BRIDGED pools (VEs then sit on the provider's
     *               network, their gateway being its router); empty: none
     */
    public VeNetwork(String bridge, int nodeByte, String uplink, HostPolicy policy) {
        this.bridge = bridge;
        this.nodeByte = nodeByte & 0xff;
        this.uplink = uplink == null ? "" : uplink.strip();
        this.table = "vessel-" + bridge;
        this.natTable = "vessel-nat-" + bridge;
        this.hostTable = "vessel-host-" + bridge;
        this.policy = policy;
    }

    public String bridge() {
        return bridge;
    }

    /** Host-side name of a VE's veth ({@code vh101}). */
    public static String hostInterface(int veId) {
        return "vh" + veId;
    }

    /** A stable, locally administered MAC per VE (and node). */
    public String mac(int veId) {
        return String.format("02:76:%02x:00:%02x:%02x", nodeByte, (veId >> 8) & 0xff, veId & 0xff);
    }

    /**
     * The VE's IPv6 link-local address: EUI-64 of its MAC. The panel gives it to the VE itself (no address is made
     * by the VE's kernel), and the anti-spoofing chain allows no other link-local source.
     */
    public String linkLocal(int veId) {
        String[] mac = mac(veId).split(":");
        byte[] address = new byte[16];
        address[0] = (byte) 0xfe;
        address[1] = (byte) 0x80;
        int[] eui64 = {Integer.parseInt(mac[0], 16) ^ 0x02, Integer.parseInt(mac[1], 16), Integer.parseInt(mac[2], 16), 0xff, 0xfe,
                Integer.parseInt(mac[3], 16), Integer.parseInt(mac[4], 16), Integer.parseInt(mac[5], 16)};
        for (int i = 0; i < 8; i++) {
            address[8 + i] = (byte) eui64[i];
        }
        try {
            return java.net.InetAddress.getByAddress(address).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A bridge takes the lowest MAC of its ports unless one was set: each VE's interface joining or leaving would
     * change it, and every change flushes the host's neighbour entries on it and leaves the VEs' entries for their
     * gateway stale. So the bridge keeps the MAC it has (its uplink's, or the one it was made with) once and for all.
     */
    private void keepBridgeAddress() throws IOException {
        Path sys = Path.of("/sys/class/net", bridge);
        if (Files.readString(sys.resolve("addr_assign_type")).strip().equals("3")) { // NET_ADDR_SET: set already
            return;
        }
        HostCommands.ip("link", "set", bridge, "address", Files.readString(sys.resolve("address")).strip());
    }

    /** The bridge and the anti-spoofing table, made once; idempotent. */
    public synchronized void ensureHost() throws IOException {
        if (!HostCommands.linkExists(bridge)) {
            HostCommands.ip("link", "add", bridge, "type", "bridge");
            LOG.info("VE bridge created bridge={}", bridge);
        }
        keepBridgeAddress();
        HostCommands.ip("link", "set", bridge, "up");
        refuseRouterAdvertisements();
        ensureDns();
        syncHostFilter(smtpAllowed);
        if (!uplink.isEmpty() && !HostCommands.ip("link", "show", "dev", uplink).contains("master " + bridge + " ")) {
            HostCommands.ip("link", "set", uplink, "master", bridge);
            HostCommands.ip("link", "set", uplink, "up");
            LOG.info("Uplink joined to the VE bridge uplink={} bridge={}", uplink, bridge);
        }
        String existing;
        try {
            existing = HostCommands.run(List.of("nft", "list", "chain", "bridge", table, "prerouting"));
        } catch (IOException none) {
            existing = "";
        }
        if (!existing.contains("iifname vmap @ports")) { // right already after a panel restart: left as it is
            HostCommands.nft("add table bridge " + table + "\n"
                    + "add map bridge " + table + " ports { type ifname : verdict; }\n"
                    + "add chain bridge " + table + " prerouting { type filter hook prerouting priority -200; policy accept; }\n"
                    + "flush chain bridge " + table + " prerouting\n"
                    + "add rule bridge " + table + " prerouting iifname vmap @ports\n");
        }
        ensureExternalAccounting();
    }

    /**
     * Counts each VE's external traffic — between the VE and anything but the other VEs on its bridge: the uplink,
     * the internet through the host's routing, the host itself — what a provider pays for and bills. Two dynamic sets
     * of the bridge table keep a counter per VE port ({@code out}: what the VE sent, {@code in}: what it received),
     * fed from the bridge's forward (to and from the uplink), input (to the host) and output (from the host) hooks,
     * so frames from one VE to another on the bridge are never counted. The sets survive panel restarts; a VE's
     * counters start anew with its port (like its interface's).
     */
    private void ensureExternalAccounting() throws IOException {
        String chains;
        try {
            chains = HostCommands.run(List.of("nft", "list", "chain", "bridge", table, "acct_output"));
        } catch (IOException none) {
            chains = "";
        }
        if (chains.contains("update @traffic_in")) {
            return; // in place since an earlier start
        }
        String notUplink = uplink.isEmpty() ? "" : " != \"" + uplink + "\"";
        StringBuilder script = new StringBuilder();
        for (String set : List.of("traffic_out", "traffic_in")) {
            script.append("add set bridge ").append(table).append(' ').append(set)
                    .append(" { type ifname; flags dynamic; counter; size 65536; }\n");
        }
        for (String hook : List.of("forward", "input", "output")) {
            script.append("add chain bridge ").append(table).append(" acct_").append(hook).append(" { type filter hook ").append(hook)
                    .append(" priority 0; policy accept; }\n").append("flush chain bridge ").append(table).append(" acct_").append(hook).append('\n');
        }
        String rule = "add rule bridge " + table + " acct_";
        if (!uplink.isEmpty()) {
            script.append(rule).append("forward oifname \"").append(uplink).append("\" update @traffic_out { iifname }\n");
            script.append(rule).append("forward iifname \"").append(uplink).append("\" update @traffic_in { oifname }\n");
        }
        script.append(rule).append("input").append(uplink.isEmpty() ? "" : " iifname" + notUplink).append(" update @traffic_out { iifname }\n");
        script.append(rule).append("output").append(uplink.isEmpty() ? "" : " oifname" + notUplink).append(" update @traffic_in { oifname }\n");
        HostCommands.nft(script.toString());
        LOG.info("External traffic accounting in place bridge={} uplink={}", bridge, uplink.isEmpty() ? "none" : uplink);
    }

    /**
     * Every VE's external traffic since its port came up: VE id to {bytes sent, bytes received}. Read over netlink
     * ({@link NftSetCounters}); {@code nft} only if that fails. Empty when the bridge was never made.
     */
    public Map<Integer, long[]> externalTraffic() {
        Map<Integer, long[]> traffic = new java.util.HashMap<>();
        List<String> sets = List.of("traffic_out", "traffic_in");
        for (int direction = 0; direction < 2; direction++) {
            Map<String, NftSetCounters.Counter> counters;
            try {
                counters = NftSetCounters.read(NFPROTO_BRIDGE, table, sets.get(direction));
            } catch (java.nio.file.NoSuchFileException none) {
                return Map.of();
            } catch (IOException e) {
                if (!netlinkFailed) {
                    LOG.warn("External traffic counters unreadable over netlink, read with nft from now on: {}", e.getMessage());
                    netlinkFailed = true;
                }
                return externalTrafficByNft();
            }
            if (!netlinkRead) {
                netlinkRead = true;
                LOG.info("External traffic counters read over netlink table={} ports={}", table, counters.size());
            }
            for (Map.Entry<String, NftSetCounters.Counter> e : counters.entrySet()) {
                Integer ve = veOfPort(e.getKey());
                if (ve != null) {
                    traffic.computeIfAbsent(ve, id -> new long[2])[direction] = e.getValue().bytes();
                }
            }
        }
        return traffic;
    }

    private static final int NFPROTO_BRIDGE = 7;
    private volatile boolean netlinkFailed;
    private volatile boolean netlinkRead;

    /** The VE behind a host port {@code vh<id>}; null for anything else. */
    private static Integer veOfPort(String port) {
        return port.length() > 2 && port.startsWith("vh") && port.substring(2).chars().allMatch(Character::isDigit) && port.length() < 12
                ? Integer.valueOf(port.substring(2)) : null;
    }

    /** As {@link #externalTraffic()}, by {@code nft -j list set} (one process per direction). */
    Map<Integer, long[]> externalTrafficByNft() {
        Map<Integer, long[]> traffic = new java.util.HashMap<>();
        for (int direction = 0; direction < 2; direction++) {
            String json;
            try {
                json = HostCommands.run(List.of("nft", "-j", "list", "set", "bridge", table, direction == 0 ? "traffic_out" : "traffic_in"));
            } catch (IOException none) {
                return Map.of();
            }
            try {
                for (com.fasterxml.jackson.databind.JsonNode item : JSON.readTree(json).path("nftables")) {
                    for (com.fasterxml.jackson.databind.JsonNode element : item.path("set").path("elem")) {
                        Integer ve = veOfPort(element.path("elem").path("val").asText(""));
                        if (ve != null) {
                            traffic.computeIfAbsent(ve, id -> new long[2])[direction] = element.path("elem").path("counter").path("bytes").asLong();
                        }
                    }
                }
            } catch (IOException | NumberFormatException e) {
                LOG.warn("External traffic counters unreadable: {}", e.getMessage());
                return Map.of();
            }
        }
        return traffic;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private volatile VeDns dns;

    /**
     * What the host offers VEs before any of them starts: the bridge, the resolver (when dnsmasq is installed, found
     * running or started) and the host filter. At every panel start; changes nothing that is already right.
     */
    public synchronized void start(java.util.Collection<String> smtpAllowed, Optional<VeDns> resolver) throws IOException {
        this.resolver = resolver.orElse(null);
        this.smtpAllowed = List.copyOf(smtpAllowed);
        if (HostCommands.linkExists(bridge)) {
            ensureHost(); // VEs have been attached on this host: bring it in line at once
        }
        // otherwise nothing on the host until the first VE with an address starts
    }

    private volatile VeDns resolver;
    private volatile List<String> smtpAllowed = List.of();

    /** The resolver for VEs, once the bridge exists. */
    private void ensureDns() {
        VeDns wanted = resolver;
        if (wanted == null) {
            return;
        }
        try {
            wanted.ensureRunning();
            dns = wanted;
        } catch (IOException e) {
            LOG.error("VEs get no DNS from this host: {}", e.getMessage());
        }
    }

    /** The host's bridge takes no router advertisements or redirects: only VEs sit on it. */
    private void refuseRouterAdvertisements() {
        for (String setting : List.of("ipv6/conf/" + bridge + "/accept_ra", "ipv6/conf/" + bridge + "/accept_redirects",
                "ipv4/conf/" + bridge + "/accept_redirects", "ipv4/conf/" + bridge + "/send_redirects")) {
            Path file = Path.of("/proc/sys/net", setting);
            try {
                if (Files.exists(file) && !Files.readString(file).strip().equals("0")) {
                    Files.writeString(file, "0");
                }
            } catch (IOException e) {
                LOG.warn("Cannot set {} to 0: {}", file, e.getMessage());
            }
        }
    }

    /**
     * The host's filter for what VEs send to the host itself and through it (nftables, family inet, its own table):
     * from a VE the host answers only established connections, ICMP, DNS (when it serves it, rate-limited per
     * address) and the panel's port when allowed; nothing is forwarded to the denied networks; outbound SMTP only
     * from the addresses in {@code smtpAllowed}; at most {@link #MAX_CONNECTIONS} tracked connections per VE address.
     * Written as one {@code nft -f} transaction (the old table is replaced in it, so there is never an unfiltered
     * moment) and only when it differs from what the kernel holds: its comment carries a digest of the rules.
     */
    public synchronized void syncHostFilter(java.util.Collection<String> smtpAllowed) throws IOException {
        this.smtpAllowed = List.copyOf(smtpAllowed);
        if (!HostCommands.linkExists(bridge)) {
            return; // no VE was ever attached: nothing to filter yet (the first attach writes it)
        }
        String rules = hostFilterRules(new TreeSet<>(smtpAllowed));
        String digest = digest(rules);
        String current;
        try {
            current = HostCommands.run(List.of("nft", "list", "table", "inet", hostTable));
        } catch (IOException none) {
            current = "";
        }
        if (current.contains("comment \"vessel:" + digest + "\"")) {
            return;
        }
        HostCommands.nft("add table inet " + hostTable + "\ndelete table inet " + hostTable + "\n"
                + "table inet " + hostTable + " {\n\tcomment \"vessel:" + digest + "\"\n" + rules + "}\n");
        LOG.info("Host filter for VEs written table={} smtpAllowed={}", hostTable, smtpAllowed.size());
    }

    /** Connections one VE address may have tracked at once (the host's conntrack table is shared by all VEs). */
    static final int MAX_CONNECTIONS = 20000;

    String hostFilterRules(java.util.SortedSet<String> smtpAllowed) {
        List<String> deny4 = policy.deny().stream().filter(n -> !n.contains(":")).toList();
        List<String> deny6 = policy.deny().stream().filter(n -> n.contains(":")).toList();
        List<String> smtp4 = smtpAllowed.stream().filter(a -> !a.contains(":")).toList();
        List<String> smtp6 = smtpAllowed.stream().filter(a -> a.contains(":")).toList();
        StringBuilder t = new StringBuilder();
        t.append(set("deny4", "ipv4_addr", "flags interval; auto-merge;", deny4));
        t.append(set("deny6", "ipv6_addr", "flags interval; auto-merge;", deny6));
        t.append(set("smtp4", "ipv4_addr", "", smtp4));
        t.append(set("smtp6", "ipv6_addr", "", smtp6));
        t.append(set("dns4", "ipv4_addr", "flags dynamic; timeout 1m;", List.of()));
        t.append(set("dns6", "ipv6_addr", "flags dynamic; timeout 1m;", List.of()));
        t.append(set("conns4", "ipv4_addr", "flags dynamic;", List.of()));
        t.append(set("conns6", "ipv6_addr", "flags dynamic;", List.of()));
        // from this bridge and sent by a VE (an uplink's traffic on the same bridge carries no mark)
        String fromVe = "iifname \"" + bridge + "\" meta mark & " + VE_MARK + " == " + VE_MARK;
        t.append("\tchain input {\n\t\ttype filter hook input priority filter - 5; policy accept;\n\t\t")
                .append(fromVe).append(" jump ve_to_host\n\t}\n");
        // leaving through another interface: routed beyond the host. A frame bridged from one VE to another shows up
        // here too when br_netfilter is loaded, with the bridge as both ends; the bridge's own chains judge those.
        t.append("\tchain forward {\n\t\ttype filter hook forward priority filter - 5; policy accept;\n\t\t")
                .append(fromVe).append(" oifname != \"").append(bridge).append("\" jump ve_through_host\n\t}\n");
        t.append("\tchain ve_limits {\n")
                .append("\t\tct state new add @conns4 { ip saddr ct count over ").append(MAX_CONNECTIONS).append(" } drop\n")
                .append("\t\tct state new add @conns6 { ip6 saddr ct count over ").append(MAX_CONNECTIONS).append(" } drop\n")
                .append("\t}\n");
        t.append("\tchain ve_to_host {\n")
                .append("\t\tct state established,related accept\n")
                .append("\t\tct state invalid drop\n")
                .append("\t\tjump ve_limits\n")
                .append("\t\ticmp type { echo-request, destination-unreachable, time-exceeded, parameter-problem } accept\n")
                .append("\t\ticmpv6 type { echo-request, destination-unreachable, packet-too-big, time-exceeded, parameter-problem, "
                        + "nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept\n");
        if (dns != null) {
            t.append("\t\tmeta l4proto { tcp, udp } th dport 53 add @dns4 { ip saddr limit rate over 100/second burst 200 packets } drop\n")
                    .append("\t\tmeta l4proto { tcp, udp } th dport 53 add @dns6 { ip6 saddr limit rate over 100/second burst 200 packets } drop\n")
                    .append("\t\tmeta l4proto { tcp, udp } th dport 53 accept\n");
        }
        if (policy.panelPort() > 0) {
            t.append("\t\ttcp dport ").append(policy.panelPort()).append(" accept\n");
        }
        t.append("\t\tcounter drop\n\t}\n");
        t.append("\tchain ve_through_host {\n")
                .append("\t\tct state established,related accept\n")
                .append("\t\tjump ve_limits\n");
        if (!deny4.isEmpty()) {
            t.append("\t\tip daddr @deny4 counter reject with icmpx type admin-prohibited\n");
        }
        if (!deny6.isEmpty()) {
            t.append("\t\tip6 daddr @deny6 counter reject with icmpx type admin-prohibited\n");
        }
        t.append("\t\ttcp dport 25 ip saddr != @smtp4 counter reject with tcp reset\n")
                .append("\t\ttcp dport 25 ip6 saddr != @smtp6 counter reject with tcp reset\n")
                .append("\t}\n");
        return t.toString();
    }

    private static String set(String name, String type, String flags, List<String> elements) {
        StringBuilder s = new StringBuilder("\tset ").append(name).append(" {\n\t\ttype ").append(type).append(";");
        if (!flags.isEmpty()) {
            s.append(' ').append(flags);
        }
        if (!elements.isEmpty()) {
            s.append(" elements = { ").append(String.join(", ", elements)).append(" };");
        }
        return s.append("\n\t}\n").toString();
    }

    private static String digest(String text) {
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(hash, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Gives the host the gateway address of a NAT pool on the bridge and masquerades the pool's outgoing traffic. */
    private void ensureGateway(IpPools.PoolAddress a) throws IOException {
        String gateway = a.gateway() + "/" + a.network().prefixLength();
        String existing = HostCommands.ip(a.network().ipv6() ? "-6" : "-4", "addr", "show", "dev", bridge);
        if (!existing.contains(" " + gateway + " ") && !existing.contains(" " + gateway + "\n") && !existing.endsWith(" " + gateway)) {
            HostCommands.ip("addr", "add", gateway, "dev", bridge);
        }
        String family = a.network().ipv6() ? "ip6" : "ip";
        String table = natTable;
        String chain = "postrouting";
        HostCommands.nft("add table " + family + " " + table + "\n"
                + "add chain " + family + " " + table + " " + chain + " { type nat hook postrouting priority 100; policy accept; }\n");
        String rules = HostCommands.run(List.of("nft", "list", "chain", family, table, chain));
        String network = a.network().toString();
        if (!rules.contains(family + " saddr " + network)) {
            HostCommands.nft("add rule " + family + " " + table + " " + chain + " " + family + " saddr " + network + " " + family
                    + " daddr != " + network + " masquerade\n");
        }
        enableForwarding(a.network().ipv6());
    }

    /** NAT pools and port forwards need the host to route between the bridge and its other interfaces. */
    private static void enableForwarding(boolean ipv6) throws IOException {
        Path forwarding = Path.of(ipv6 ? "/proc/sys/net/ipv6/conf/all/forwarding" : "/proc/sys/net/ipv4/ip_forward");
        if (!Files.readString(forwarding).strip().equals("1")) {
            Files.writeString(forwarding, "1");
            LOG.info("Forwarding enabled file={}", forwarding);
        }
    }

    /**
     * Connects the VE whose init (not yet running its program) is {@code pid}: veth pair, its MAC, addresses and
     * default routes inside, the host end on the bridge, and the anti-spoofing chain.
     */
    public synchronized void attach(int veId, int pid, List<IpPools.PoolAddress> addresses, long inBitsPerSecond, long outBitsPerSecond)
            throws IOException {
        ensureHost();
        String host = hostInterface(veId);
        if (HostCommands.linkExists(host)) {
            // one on our bridge, or on none, was left by a VE of ours; one on another bridge is the live interface of a
            // VE of the same id of another installation on this host (a second node, a test panel): deleting it
            // would cut that VE off its network, so this VE does not start instead
            Optional<String> master = masterOf(host);
            if (master.isPresent() && !master.get().equals(bridge)) {
                throw new IOException("host interface " + host + " is taken by a VE " + veId + " on bridge " + master.get()
                        + " of another installation on this host");
            }
            HostCommands.ip("link", "del", host);
        }
        HostCommands.ip("link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", String.valueOf(pid));
        HostCommands.ip("link", "set", host, "master", bridge, "up");
        HostCommands.ipIn(pid, "link", "set", "eth0", "address", mac(veId));
        // no address of the kernel's choosing: the VE's one link-local address is set here, and only it may send
        HostCommands.ipIn(pid, "link", "set", "eth0", "addrgenmode", "none");
        HostCommands.ipIn(pid, "link", "set", "lo", "up");
        HostCommands.ipIn(pid, "link", "set", "eth0", "up");
        HostCommands.ipIn(pid, "-6", "addr", "add", linkLocal(veId) + "/64", "dev", "eth0", "nodad");
        boolean v4Route = false;
        boolean v6Route = false;
        for (IpPools.PoolAddress a : addresses) {
            addAddress(pid, a);
            boolean v6 = a.network().ipv6();
            if (v6 && !v6Route) {
                HostCommands.ipIn(pid, "-6", "route", "add", "default", "via", a.gateway(), "dev", "eth0");
                v6Route = true;
            } else if (!v6 && !v4Route) {
                HostCommands.ipIn(pid, "route", "add", "default", "via", a.gateway(), "dev", "eth0");
                v4Route = true;
            }
        }
        guard(veId, addresses);
        loadExistingRules();
        attached.add(veId);
        shape(veId, inBitsPerSecond, outBitsPerSecond);
        announce(veId, pid, addresses);
        LOG.info("VE network attached ve={} interface={} addresses={}", veId, host, addresses.stream().map(IpPools.PoolAddress::address).toList());
    }

    /**
     * Brings a running VE's interface in line with the addresses it holds now: attaches it when it has none yet,
     * otherwise adds and removes addresses inside and renews its anti-spoofing chain.
     */
    public synchronized void update(int veId, int pid, List<IpPools.PoolAddress> addresses, long inBitsPerSecond, long outBitsPerSecond)
            throws IOException {
        // attached when its host end is on our bridge: an interface of its name on another bridge is another
        // installation's, and taking it for this VE's would leave the VE without its eth0 (seen in CI)
        if (!onOurBridge(hostInterface(veId))) { // false too when there is no such interface
            if (!addresses.isEmpty()) {
                attach(veId, pid, addresses, inBitsPerSecond, outBitsPerSecond);
            }
            return;
        }
        Set<String> wanted = new TreeSet<>();
        for (IpPools.PoolAddress a : addresses) {
            wanted.add(a.address() + "/" + a.network().prefixLength());
        }
        Set<String> present = new TreeSet<>();
        for (String line : HostCommands.ipIn(pid, "-o", "addr", "show", "dev", "eth0").lines().toList()) {
            String[] parts = line.trim().split("\\s+");
            for (int i = 0; i + 1 < parts.length; i++) {
                if ((parts[i].equals("inet") || parts[i].equals("inet6")) && !parts[i + 1].startsWith("fe80:")) {
                    present.add(parts[i + 1]);
                }
            }
        }
        List<IpPools.PoolAddress> added = new ArrayList<>();
        for (IpPools.PoolAddress a : addresses) {
            String cidr = a.address() + "/" + a.network().prefixLength();
            if (!present.contains(cidr)) {
                addAddress(pid, a);
                added.add(a);
            }
        }
        for (String cidr : present) {
            if (!wanted.contains(cidr)) {
                HostCommands.ipIn(pid, "addr", "del", cidr, "dev", "eth0");
            }
        }
        guard(veId, addresses);
        announce(veId, pid, added);
        LOG.info("VE network updated ve={} addresses={}", veId, wanted);
    }

    /** Where the unsolicited ARP comes from (Debian's iputils-arping); without it, addresses are not announced. */
    private static final java.nio.file.Path ARPING = java.nio.file.Path.of("/usr/bin/arping");
    private static final java.util.concurrent.ExecutorService ANNOUNCER = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "vessel-address-announcer");
        t.setDaemon(true);
        return t;
    });
    private static volatile boolean saidNoArping;

    /**
     * Tells the VE's network its IPv4 addresses are at the VE's MAC now (unsolicited ARP, twice, from inside the VE's
     * network namespace with the host's arping, never a binary of the tenant's): after a move to another node the
     * VE's MAC is the new node's, and switches, routers and neighbours still hold the old one until their entries
     * expire (the kernel's arp_notify announces only on a MAC change or a link coming up, before any address is on
     * it). In the background: a start does not wait for it. IPv6 addresses are announced by the kernel itself
     * ({@link #announceIpv6}).
     */
    private void announce(int veId, int pid, List<IpPools.PoolAddress> addresses) {
        if (addresses.stream().anyMatch(a -> a.network().ipv6())) {
            ANNOUNCER.execute(() -> announceIpv6(veId, pid));
        }
        List<String> v4 = addresses.stream().filter(a -> !a.network().ipv6()).map(IpPools.PoolAddress::address).toList();
        if (v4.isEmpty()) {
            return;
        }
        if (!java.nio.file.Files.isExecutable(ARPING)) {
            if (!saidNoArping) {
                saidNoArping = true;
                LOG.warn("No {} (Debian package iputils-arping): a VE's addresses are not announced when it starts or moves", ARPING);
            }
            return;
        }
        ANNOUNCER.execute(() -> {
            for (String address : v4) {
                try {
                    HostCommands.run(List.of("nsenter", "-t", String.valueOf(pid), "-n", ARPING.toString(), "-q", "-U", "-c", "2", "-w", "3",
                            "-I", "eth0", "-s", address, address));
                    LOG.debug("Address announced ve={} address={}", veId, address);
                } catch (IOException e) {
                    // the VE stopped meanwhile, or renamed its interface: its neighbours learn the address when it next speaks
                    LOG.debug("Address not announced ve={} address={}: {}", veId, address, e.getMessage());
                }
            }
        });
    }

    /**
     * Unsolicited neighbour advertisements (override flag) for every IPv6 address of the VE, sent by the kernel of
     * the VE's network namespace: with {@code ndisc_notify} on its interface, the kernel advertises all its addresses
     * when the interface's MAC is set — even to the MAC it has. Debian packages no sender of unsolicited
     * advertisements (ndisc6 has none), and the kernel's own after duplicate address detection does not come for
     * addresses added without it, as the VE's are; so the MAC is set to itself. Host binaries only, never the
     * tenant's; a VE that renamed or removed its interface is simply not announced.
     */
    private void announceIpv6(int veId, int pid) {
        try {
            HostCommands.run(List.of("nsenter", "-t", String.valueOf(pid), "-n", "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/eth0/ndisc_notify"));
            HostCommands.ipIn(pid, "link", "set", "dev", "eth0", "address", mac(veId));
            LOG.debug("IPv6 addresses announced ve={}", veId);
        } catch (IOException e) {
            LOG.debug("IPv6 addresses not announced ve={}: {}", veId, e.getMessage());
        }
    }

    /** One address on the VE's eth0 (IPv6 without duplicate detection: the pool guarantees uniqueness). */
    private void addAddress(int pid, IpPools.PoolAddress a) throws IOException {
        if (a.mode() == IpPoolMode.NAT) {
            ensureGateway(a);
        }
        List<String> add = new ArrayList<>(List.of("addr", "add", a.address() + "/" + a.network().prefixLength(), "dev", "eth0"));
        if (a.network().ipv6()) {
            add.add("nodad");
        }
        HostCommands.ipIn(pid, add.toArray(String[]::new));
    }

    /** The anti-spoofing chain of a VE: frames from its port must carry its MAC and one of its addresses. */
    private void guard(int veId, List<IpPools.PoolAddress> addresses) throws IOException {
        String chain = "ve" + veId;
        Set<String> v4 = new TreeSet<>();
        Set<String> v6 = new TreeSet<>();
        for (IpPools.PoolAddress a : addresses) {
            (a.network().ipv6() ? v6 : v4).add(a.address());
        }
        v6.add(linkLocal(veId)); // its one link-local address: neighbour discovery
        Set<String> owned6 = new TreeSet<>(v6);
        v6.add("::");             // duplicate address detection
        StringBuilder script = new StringBuilder();
        script.append("add chain bridge ").append(table).append(' ').append(chain).append('\n');
        script.append("flush chain bridge ").append(table).append(' ').append(chain).append('\n');
        String rule = "add rule bridge " + table + " " + chain + " ";
        script.append(rule).append("ether saddr != ").append(mac(veId)).append(" drop\n");
        if (v4.isEmpty()) {
            script.append(rule).append("ether type { ip, arp } drop\n");
        } else {
            script.append(rule).append("ether type arp arp saddr ether != ").append(mac(veId)).append(" drop\n");
            script.append(rule).append("ether type arp arp saddr ip != { ").append(String.join(", ", v4)).append(" } drop\n");
            script.append(rule).append("ether type ip ip saddr != { ").append(String.join(", ", v4)).append(" } drop\n");
        }
        script.append(rule).append("ether type ip6 ip6 saddr != { ").append(String.join(", ", v6)).append(" } drop\n");
        // a VE is no router and no DHCP server to anyone: no router advertisements, redirects or DHCP answers
        script.append(rule).append("icmpv6 type { nd-router-advert, nd-redirect } drop\n");
        script.append(rule).append("icmp type redirect drop\n");
        script.append(rule).append("udp sport { 67, 547 } drop\n");
        // what neighbour discovery claims must be true too: the target of an advertisement is one of its addresses,
        // the link-layer address option (right after the 24-byte message) its MAC
        script.append(rule).append("icmpv6 type nd-neighbor-advert @th,64,128 != { ")
                .append(String.join(", ", owned6.stream().map(VeNetwork::hex128).toList())).append(" } drop\n");
        script.append(rule).append("icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } @th,192,8 { 1, 2 } @th,208,48 != 0x")
                .append(mac(veId).replace(":", "")).append(" drop\n");
        // marks it as a VE's for the host's IP filter (syncHostFilter)
        script.append(rule).append("meta mark set meta mark | ").append(VE_MARK).append('\n');
        script.append("add element bridge ").append(table).append(" ports { \"").append(hostInterface(veId)).append("\" : jump ")
                .append(chain).append(" }\n");
        // Every bridge table sees every bridge's frames (this kernel cannot match the bridge in a bridge-family rule),
        // and interface names are the host's: an entry for this port in another table (a bridge renamed, a panel of
        // the past) is stale and would judge this VE by another's rules.
        for (String other : bridgeTables()) {
            try {
                HostCommands.nft("delete element bridge " + other + " ports { \"" + hostInterface(veId) + "\" }\n");
            } catch (IOException notThere) {
                // the usual case
            }
        }
        HostCommands.nft(script.toString());
    }

    /** The networks of the host's own interfaces but {@code bridge}: {@code local-networks} in {@code kernel.network.deny}. */
    public static List<String> localNetworks(String bridge) {
        return HostCommands.localNetworks(bridge);
    }

    /** Every Vessel bridge table on the host, this panel's included. */
    private static List<String> bridgeTables() {
        try {
            return HostCommands.run(List.of("nft", "list", "tables", "bridge")).lines().map(String::strip)
                    .filter(l -> l.startsWith("table bridge vessel-")).map(l -> l.substring("table bridge ".length())).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** An IPv6 address as the 128-bit number nftables compares raw payload with. */
    static String hex128(String address) {
        try {
            byte[] bytes = java.net.InetAddress.getByName(address).getAddress();
            return "0x" + java.util.HexFormat.of().formatHex(bytes);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv6 address: " + address, e);
        }
    }

    /**
     * Network bandwidth caps of a running VE, changed live, both shaped with a token bucket (queued rather than
     * dropped, so TCP settles at the rate): traffic into the VE on the host end's egress; traffic out of it is
     * redirected from the host end's ingress to an IFB device of its own ({@code vi101}) and shaped there. (No
     * policing: act_police is not in every kernel; u32, mirred and ifb are.) 0 removes a cap. Nothing to do for a
     * VE without an interface.
     */
    public synchronized void shape(int veId, long inBitsPerSecond, long outBitsPerSecond) throws IOException {
        String host = hostInterface(veId);
        if (!HostCommands.linkExists(host)) {
            return;
        }
        deleteQdisc(host, "root");
        deleteQdisc(host, "ingress");
        String ifb = ifbInterface(veId);
        if (HostCommands.linkExists(ifb)) {
            HostCommands.ip("link", "del", ifb);
        }
        if (inBitsPerSecond > 0) {
            tokenBucket(host, inBitsPerSecond);
        }
        if (outBitsPerSecond > 0) {
            HostCommands.ip("link", "add", ifb, "type", "ifb");
            HostCommands.ip("link", "set", ifb, "up");
            tokenBucket(ifb, outBitsPerSecond);
            HostCommands.run(List.of("tc", "qdisc", "add", "dev", host, "handle", "ffff:", "ingress"));
            HostCommands.run(List.of("tc", "filter", "add", "dev", host, "parent", "ffff:", "protocol", "all", "prio", "1", "u32", "match",
                    "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", ifb));
        }
        LOG.info("VE bandwidth set ve={} inBitsPerSecond={} outBitsPerSecond={}", veId, inBitsPerSecond, outBitsPerSecond);
    }

    private static void tokenBucket(String device, long bitsPerSecond) throws IOException {
        HostCommands.run(List.of("tc", "qdisc", "add", "dev", device, "root", "tbf", "rate", bitsPerSecond + "bit",
                "burst", burstBytes(bitsPerSecond) + "b", "latency", "100ms"));
    }

    /** The IFB device that shapes what a VE sends ({@code vi101}). */
    static String ifbInterface(int veId) {
        return "vi" + veId;
    }

    /** 20 ms worth of traffic, at least 16 KiB: enough for TCP to keep the rate, small enough to keep it honest. */
    static long burstBytes(long bitsPerSecond) {
        return Math.max(16 * 1024, bitsPerSecond / 8 / 50);
    }

    private static void deleteQdisc(String device, String which) {
        try {
            HostCommands.run(List.of("tc", "qdisc", "del", "dev", device, which));
        } catch (IOException none) {
            // there was none
        }
    }

    /**
     * Traffic counters of a VE's interface, from the VE's point of view; empty when it has none. Read through
     * {@code files}, which keeps the statistics files open from one sweep to the next.
     */
    public static java.util.Optional<long[]> counters(int veId, io.vessel.kernel.internal.linux.KernelFiles files) {
        Path stats = statistics(veId);
        try {
            // the host end receives what the VE sends
            return java.util.Optional.of(new long[] {read(files, stats, "tx_bytes"), read(files, stats, "rx_bytes"),
                    read(files, stats, "tx_packets"), read(files, stats, "rx_packets")});
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    /** Where the kernel keeps the counters of VE {@code veId}'s host interface. */
    public static Path statistics(int veId) {
        return Path.of("/sys/class/net", hostInterface(veId), "statistics");
    }

    private static long read(io.vessel.kernel.internal.linux.KernelFiles files, Path stats, String name) throws IOException {
        Long value = files.number(stats.resolve(name));
        if (value == null) {
            throw new IOException("no " + stats.resolve(name));
        }
        return value;
    }

    /**
     * Makes the host's port forwards these: connections to a forwarded port of any local address, from outside or
     * from the host itself, go to the VE. Rules live in the NAT table of this bridge, written as one transaction and
     * only when they differ from what the kernel holds (the first rule of each chain carries a digest of them): a
     * panel restart leaves rules that are right alone.
     */
    public synchronized void syncForwards(List<io.vessel.kernel.api.PortForward> forwards) throws IOException {
        if (forwards.isEmpty()) {
            // nothing to forward: empty the chains if they exist, but never create tables for nothing
            try {
                HostCommands.nft("flush chain ip " + natTable + " forward-in\nflush chain ip " + natTable + " forward-local\n");
            } catch (IOException none) {
                // no forwards were ever written
            }
            return;
        }
        StringBuilder rules = new StringBuilder();
        for (io.vessel.kernel.api.PortForward f : forwards) {
            rules.append("fib daddr type local ").append(f.protocol()).append(" dport ").append(f.hostPort()).append(" dnat to ")
                    .append(f.address()).append(':').append(f.port()).append('\n');
        }
        String marker = "comment \"vessel:" + digest(rules.toString()) + "\"";
        String current;
        try {
            current = HostCommands.run(List.of("nft", "list", "table", "ip", natTable));
        } catch (IOException none) {
            current = "";
        }
        if (current.split(java.util.regex.Pattern.quote(marker), -1).length - 1 == 2) {
            enableForwarding(false);
            return; // both chains hold exactly these rules already
        }
        StringBuilder script = new StringBuilder();
        script.append("add table ip ").append(natTable).append('\n');
        script.append("add chain ip ").append(natTable).append(" forward-in { type nat hook prerouting priority -100; policy accept; }\n");
        script.append("add chain ip ").append(natTable).append(" forward-local { type nat hook output priority -100; policy accept; }\n");
        script.append("flush chain ip ").append(natTable).append(" forward-in\n");
        script.append("flush chain ip ").append(natTable).append(" forward-local\n");
        for (String chain : List.of("forward-in", "forward-local")) {
            boolean first = true;
            for (String match : rules.toString().split("\n")) {
                script.append("add rule ip ").append(natTable).append(' ').append(chain).append(' ').append(match)
                        .append(first ? " " + marker : "").append('\n');
                first = false;
            }
        }
        HostCommands.nft(script.toString());
        enableForwarding(false);
        LOG.info("Port forwards written count={}", forwards.size());
    }

    /** VEs with host-side state: attached by this panel, or found with rules at its start. */
    private final Set<Integer> attached = new java.util.HashSet<>();
    private boolean rulesLoaded;

    private void loadExistingRules() {
        if (rulesLoaded) {
            return;
        }
        rulesLoaded = true;
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("chain ve(\\d+) ")
                    .matcher(HostCommands.run(List.of("nft", "list", "table", "bridge", table)));
            while (m.find()) {
                attached.add(Integer.parseInt(m.group(1)));
            }
        } catch (IOException noTableYet) {
            // nothing attached before
        }
    }

    /** Removes what {@link #attach} made on the host (the veth goes with the VE's namespace; removed here too if left). */
    /** Whether interface {@code name} is a port of this panel's bridge (sysfs: its master link). */
    private boolean onOurBridge(String name) {
        return masterOf(name).filter(bridge::equals).isPresent();
    }

    /** The bridge a host interface is a port of; empty when it is a port of none (or gone). */
    private static Optional<String> masterOf(String name) {
        try {
            return Optional.of(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/sys/class/net", name, "master")).getFileName().toString());
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    public synchronized void detach(int veId) {
        loadExistingRules();
        boolean wasAttached = attached.remove(veId);
        String host = hostInterface(veId);
        // only an interface on this panel's bridge is this VE's: another installation on the host (a second node, a
        // test panel) may have a VE of the same id, whose interface has the same name
        boolean hostExists = HostCommands.linkExists(host);
        boolean ours = hostExists && onOurBridge(host);
        // a shaping device left by a VE whose pair is gone is ours to remove; one beside another bridge's pair is not
        boolean ifbOurs = HostCommands.linkExists(ifbInterface(veId)) && (wasAttached || ours || !hostExists);
        if (!wasAttached && !ours && !ifbOurs) {
            return; // a VE without a network here: nothing to fork a command for
        }
        try {
            if (ours) {
                HostCommands.ip("link", "del", host);
            }
            if (ifbOurs) {
                HostCommands.ip("link", "del", ifbInterface(veId));
            }
        } catch (IOException e) {
            LOG.warn("Could not remove interface={}: {}", host, e.getMessage());
        }
        try {
            HostCommands.nft("delete element bridge " + table + " ports { \"" + host + "\" }\n");
        } catch (IOException notThere) {
            // nothing attached
        }
        try {
            HostCommands.nft("delete chain bridge " + table + " ve" + veId + "\n");
        } catch (IOException notThere) {
            // nothing attached
        }
        for (String set : List.of("traffic_out", "traffic_in")) {
            try {
                // the next port of this VE counts from zero, as its interface does
                HostCommands.nft("delete element bridge " + table + " " + set + " { \"" + host + "\" }\n");
            } catch (IOException notThere) {
                // it sent or received nothing external
            }
        }
    }
}
