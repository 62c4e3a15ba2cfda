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
}
