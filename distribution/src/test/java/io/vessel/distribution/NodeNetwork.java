package io.vessel.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A server of its own for a node in the tests: a network namespace (its own interfaces, bridge, addresses, routes,
 * nftables and forwarding) joined to the host by a veth pair on a /30, and a mount namespace in which {@code /sys}
 * is that network's (as {@code ip netns exec} has it: {@code /sys/class/net} shows the interfaces of the namespace
 * that mounted sysfs) with the host's cgroup hierarchies kept. The mount namespace is kept (bound to a file), so the
 * node runs in the same one after a restart, as a server keeps its mounts; its mounts do not reach the host. The
 * installation's PostgreSQL, which listens on the host's loopback, is reached at 127.0.0.1:5432 inside too (socat
 * to its Unix socket), as a real server would reach its database server.
 */
final class NodeNetwork implements AutoCloseable {

    private static final Path STATE = Path.of("/run/vessel-test-nodes");

    final String name;
    /** The host's end, 10.231.&lt;subnet&gt;.1: where the node reaches the host's nodes. */
    final String hostAddress;
    /** The node's own address, 10.231.&lt;subnet&gt;.2. */
    final String nodeAddress;
    private final String hostInterface;
    private final Path mounts;
    private Process database;

    NodeNetwork(String name, int subnet) throws Exception {
        this(name, subnet, List.of());
    }

    /**
     * A server that also reaches the outside through the host (masqueraded, as behind a router) and knows the
     * addresses of {@code outsideNames} as the host resolves them now (its own resolver answers nothing else): the
     * host's Debian mirror, say ({@link #aptMirrors}).
     */
    NodeNetwork(String name, int subnet, List<String> outsideNames) throws Exception {
        this.name = name;
        this.hostAddress = "10.231." + subnet + ".1";
        this.nodeAddress = "10.231." + subnet + ".2";
        this.hostInterface = "vt" + subnet + "h";
        this.mounts = STATE.resolve(name + ".mnt");
        PanelProcess.host("ip", "netns", "delete", name); // one a killed run left
        PanelProcess.host("ip", "link", "delete", hostInterface);
        run("ip", "netns", "add", name);
        run("ip", "link", "add", hostInterface, "type", "veth", "peer", "name", "eth0", "netns", name);
        run("ip", "addr", "add", hostAddress + "/30", "dev", hostInterface);
        run("ip", "link", "set", hostInterface, "up");
        String net = "--net=/run/netns/" + name;
        run("nsenter", net, "ip", "link", "set", "lo", "up");
        run("nsenter", net, "ip", "addr", "add", nodeAddress + "/30", "dev", "eth0");
        run("nsenter", net, "ip", "link", "set", "eth0", "up");
        run("nsenter", net, "ip", "route", "add", "default", "via", hostAddress);
        // a mount namespace kept in a file needs a private mount above that file
        Files.createDirectories(STATE);
        if (!PanelProcess.host("findmnt", "-n", STATE.toString()).contains(STATE.toString())) {
            run("mount", "--bind", STATE.toString(), STATE.toString());
            run("mount", "--make-private", STATE.toString());
        }
        PanelProcess.host("umount", mounts.toString()); // one a killed run left
        Files.deleteIfExists(mounts);
        Files.createFile(mounts);
        // its own name service, as a server has: the host's resolver is not reachable from here, and the JDK's HTTPS
        // server (the node channel) looks up the name of every peer that connects
        StringBuilder outside = new StringBuilder();
        for (String outsideName : outsideNames) {
            outside.append(PanelProcess.host("getent", "ahostsv4", outsideName).lines().findFirst()
                    .map(line -> line.split("\\s+")[0] + " " + outsideName + "\n").orElse(""));
        }
        Path hosts = Files.writeString(STATE.resolve(name + ".hosts"), "127.0.0.1 localhost\n" + hostAddress + " " + name + "-uplink\n"
                + nodeAddress + " " + name + "\n" + outside);
        this.uplink = !outsideNames.isEmpty();
        if (uplink) {
            PanelProcess.host("nft", "delete", "table", "ip", "vtest-" + name); // one a killed run left
            run("nft", "add table ip vtest-" + name + "; add chain ip vtest-" + name + " post { type nat hook postrouting priority 100; };"
                    + " add rule ip vtest-" + name + " post ip saddr " + nodeAddress + " oifname != \"" + hostInterface + "\" masquerade");
        }
        Path resolver = Files.writeString(STATE.resolve(name + ".resolv.conf"), "nameserver 127.0.0.1\n");
        run("nsenter", "--net=/run/netns/" + name, "--", "unshare", "--mount=" + mounts, "--propagation", "unchanged", "sh", "-ec",
                "mount --make-rslave /; t=$(mktemp -d); mount --rbind /sys/fs/cgroup $t; mount -t sysfs sysfs /sys;"
                        + " mount --rbind $t /sys/fs/cgroup; umount -l $t; rmdir $t;"
                        + " mount --bind " + hosts + " /etc/hosts; mount --bind " + resolver + " /etc/resolv.conf");
        this.database = new ProcessBuilder(prefix(List.of("socat", "TCP-LISTEN:5432,bind=127.0.0.1,reuseaddr,fork",
                "UNIX-CONNECT:/var/run/postgresql/.s.PGSQL.5432"))).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        PanelProcess.poll(Duration.ofSeconds(10), () -> PanelProcess.host("nsenter", "--net=/run/netns/" + name, "--", "bash", "-c",
                "echo > /dev/tcp/127.0.0.1/5432 && echo open").contains("open"), "the database reachable in " + name);
    }

    /** {@code command} run on this node: in its network and mount namespaces. */
    List<String> prefix(List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + name, "--mount=" + mounts, "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Runs {@code command} on this node and answers what it printed. */
    String inside(String... command) {
        return PanelProcess.host(prefix(List.of(command)).toArray(String[]::new));
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }

    private final List<Process> forwards = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final boolean uplink;

    /**
     * The host name of the Debian mirror the host's apt uses, as the kernel layer's debootstrap picks it
     * ({@link io.vessel.kernel.internal.template.Debootstrap#hostMirror}): the one a node's Debian build reaches.
     */
    static List<String> aptMirrors() {
        return io.vessel.kernel.internal.template.Debootstrap.hostMirror(Path.of("/etc/apt")).map(java.net.URI::create)
                .map(java.net.URI::getHost).stream().toList();
    }

    /**
     * Port {@code port} of the node's loopback, reached at the same port of the host's, as through a reverse proxy on
     * the node: the node sees a local client (a panel serves plain HTTP to nothing else). Two socats meet at a Unix
     * socket, a file both namespaces see.
     */
    void forwardLoopback(int port) throws IOException {
        Path socket = STATE.resolve(name + "-" + port + ".sock");
        Files.deleteIfExists(socket);
        forwards.add(new ProcessBuilder(prefix(List.of("socat", "UNIX-LISTEN:" + socket + ",fork", "TCP:127.0.0.1:" + port)))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        PanelProcess.poll(Duration.ofSeconds(10), () -> Files.exists(socket), "the node's end of the forward of port " + port);
        forwards.add(new ProcessBuilder("socat", "TCP-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr,fork", "UNIX-CONNECT:" + socket)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
    }

    /** Ends everything still running on the node (LXCFS, say), then its namespaces: its mounts go with them. */
    @Override
    public void close() throws Exception {
        if (database != null) {
            database.destroyForcibly();
        }
        for (Process forward : forwards) {
            forward.destroyForcibly();
        }
        try (var sockets = Files.newDirectoryStream(STATE, name + "-*.sock")) {
            for (Path socket : sockets) {
                Files.deleteIfExists(socket);
            }
        }
        String namespace = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
        String ours = PanelProcess.host("stat", "-L", "-c", "%i", mounts.toString()).strip();
        try (var pids = Files.list(Path.of("/proc"))) {
            for (Path pid : pids.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String ns = Files.readSymbolicLink(pid.resolve("ns/mnt")).toString();
                    if (!ns.equals(namespace) && ns.equals("mnt:[" + ours + "]")) {
                        PanelProcess.host("kill", "-9", pid.getFileName().toString());
                    }
                } catch (IOException gone) {
                    // the process ended meanwhile
                }
            }
        }
        PanelProcess.host("umount", mounts.toString());
        Files.deleteIfExists(mounts);
        Files.deleteIfExists(STATE.resolve(name + ".hosts"));
        Files.deleteIfExists(STATE.resolve(name + ".resolv.conf"));
        PanelProcess.host("ip", "netns", "delete", name);
        PanelProcess.host("ip", "link", "delete", hostInterface);
        if (uplink) {
            PanelProcess.host("nft", "delete", "table", "ip", "vtest-" + name);
        }
    }
}
