package io.vessel.kernel.internal.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs iproute2, nftables and nsenter on the host and turns a failure into an exception that says what failed. */
final class HostCommands {

    private HostCommands() {
    }

    static String run(List<String> command) throws IOException {
        return run(command, null);
    }

    static String run(List<String> command, String stdin) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } else {
            p.getOutputStream().close();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    static String ip(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        return run(command);
    }

    /** {@code ip} inside the network namespace of process {@code pid}. */
    static String ipIn(int pid, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("nsenter", "-t", String.valueOf(pid), "-n", "ip"));
        command.addAll(List.of(args));
        return run(command);
    }

    static void nft(String script) throws IOException {
        run(List.of("nft", "-f", "-"), script);
    }

    /** Whether a network interface exists in the host's namespace (sysfs: no process forked). */
    static boolean linkExists(String name) {
        return java.nio.file.Files.exists(java.nio.file.Path.of("/sys/class/net", name));
    }

    /**
     * The networks of the host's own interfaces (its LAN, its management network), other than loopback and the VE
     * bridge: what {@code local-networks} in {@code kernel.network.deny} stands for. Read once at start.
     */
    static List<String> localNetworks(String bridge) {
        List<String> networks = new ArrayList<>();
        try {
            for (String line : run(List.of("ip", "-o", "addr", "show")).lines().toList()) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 4 || f[1].equals("lo") || f[1].equals(bridge) || !(f[2].equals("inet") || f[2].equals("inet6"))) {
                    continue;
                }
                String[] parts = f[3].split("/");
                java.net.InetAddress address = Cidr.address(parts[0]);
                if (address == null || parts.length != 2) {
                    continue;
                }
                byte[] bytes = address.getAddress();
                int prefix = Integer.parseInt(parts[1]);
                for (int bit = prefix; bit < bytes.length * 8; bit++) {
                    bytes[bit / 8] &= (byte) ~(0x80 >> (bit % 8)); // the network: host bits cleared
                }
                String network = new Cidr(java.net.InetAddress.getByAddress(bytes), prefix).toString();
                if (!networks.contains(network)) {
                    networks.add(network);
                }
            }
        } catch (IOException | RuntimeException e) {
            // without the list the other deny entries still hold
        }
        return networks;
    }
}
