package io.vessel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vesselctl ve …}: the VEs, in the vzctl/pct tradition. */
@Command(name = "ve", description = "Virtual environments: list, create, start, stop, exec, enter, set limits, …",
        subcommands = {VeCommand.ListVes.class, VeCommand.Show.class, VeCommand.Create.class, VeCommand.Start.class, VeCommand.Stop.class,
                VeCommand.Restart.class, VeCommand.Kill.class, VeCommand.Suspend.class, VeCommand.Resume.class, VeCommand.Destroy.class,
                VeCommand.Reinstall.class, VeCommand.Exec.class, VeConsole.class, VeCommand.Set.class, VeCommand.Usage.class,
                VeCommand.Password.class, VeSshKeyCommand.class, VeCommand.Migrate.class})
final class VeCommand {

    static final List<Output.Column> COLUMNS = List.of(
            Output.Column.of("ID", "/id"),
            Output.Column.of("NAME", "/name"),
            Output.Column.of("STATE", "/state"),
            new Output.Column("TEMPLATE", ve -> ve.path("template").asText() + (ve.has("templateVersion") ? " v" + ve.path("templateVersion").asText() : "")),
            // path().path(), not at("/limits/…"): at() with a string parses the pointer anew for each of a thousand rows
            new Output.Column("CPUS", ve -> ve.path("limits").path("cpus").isMissingNode() ? "-" : ve.path("limits").path("cpus").asText()),
            new Output.Column("MEMORY", ve -> Sizes.format(ve.path("limits").path("memoryBytes").asLong())),
            new Output.Column("DISK", ve -> Sizes.format(ve.path("limits").path("diskBytes").asLong())),
            Output.Column.of("HOSTNAME", "/hostname"));

    private VeCommand() {
    }

    static String path(int id) {
        return "api/v1/ves/" + id;
    }

    @Command(name = "list", aliases = "ls", description = "List the VEs you can see.")
    static final class ListVes extends ApiCommand {
        @Option(names = "--state", paramLabel = "STATE", description = "Only VEs in this state (RUNNING, STOPPED, SUSPENDED, …).")
        String state;

        @Override
        int run() {
            PanelClient.Answer answer = client().call("GET", "api/v1/ves", null);
            if (state == null) {
                out().list(answer, "/id", COLUMNS);
                return ExitCode.OK;
            }
            JsonNode ves = answer.json();
            List<JsonNode> shown = new ArrayList<>();
            ves.forEach(ve -> {
                if (ve.path("state").asText().equalsIgnoreCase(state)) {
                    shown.add(ve);
                }
            });
            out().list(Output.array(shown), "/id", COLUMNS);
            return ExitCode.OK;
        }
    }

    @Command(name = "show", description = "Show one VE: its limits, state and current usage.")
    static final class Show extends ApiCommand {
        @Parameters(paramLabel = "ID")
        int id;

        @Override
        int run() {
            out().object(client().call("GET", path(id), null).json(), "/id");
            return ExitCode.OK;
        }
    }

    /** Limits as options, shared by create and set: sizes like 512M or 20G, CPUs as a number of cores. */
    static final class LimitOptions {
        @Option(names = "--memory", paramLabel = "SIZE", description = "Memory limit, e.g. 512M, 2G.")
        String memory;
        @Option(names = "--swap", paramLabel = "SIZE", description = "Swap limit.")
        String swap;
        @Option(names = "--disk", paramLabel = "SIZE", description = "Disk quota, e.g. 20G.")
        String disk;
        @Option(names = "--cpus", paramLabel = "N", description = "CPU cap in cores, e.g. 2 or 0.5.")
        Double cpus;
        @Option(names = "--cpu-weight", paramLabel = "N", description = "CPU weight against other VEs (1–10000).")
        Integer cpuWeight;
        @Option(names = "--cpuset", paramLabel = "LIST", description = "CPUs the VE may run on, e.g. 0-1.")
        String cpuset;
        @Option(names = "--processes", paramLabel = "N", description = "Most processes at once.")
        Integer processes;
        @Option(names = "--io-weight", paramLabel = "N", description = "Disk I/O weight.")
        Integer ioWeight;
        @Option(names = "--read-bps", paramLabel = "SIZE", description = "Disk read cap per second, e.g. 100M.")
        String readBps;
        @Option(names = "--write-bps", paramLabel = "SIZE", description = "Disk write cap per second.")
        String writeBps;
        @Option(names = "--net-in", paramLabel = "BITS", description = "Inbound bandwidth cap in bits per second, e.g. 100M.")
        String netIn;
        @Option(names = "--net-out", paramLabel = "BITS", description = "Outbound bandwidth cap in bits per second.")
        String netOut;

        ObjectNode limits() {
            ObjectNode l = ApiCommand.object();
            bytes(l, "memoryBytes", "--memory", memory);
            bytes(l, "swapBytes", "--swap", swap);
            bytes(l, "diskBytes", "--disk", disk);
            if (cpus != null) {
                l.put("cpus", cpus);
            }
            if (cpuWeight != null) {
                l.put("cpuWeight", cpuWeight);
            }
            if (cpuset != null) {
                l.put("cpuset", cpuset);
            }
            if (processes != null) {
                l.put("processes", processes);
            }
            if (ioWeight != null) {
                l.put("ioWeight", ioWeight);
            }
            bytes(l, "readBytesPerSecond", "--read-bps", readBps);
            bytes(l, "writeBytesPerSecond", "--write-bps", writeBps);
            decimal(l, "netInBitsPerSecond", "--net-in", netIn);
            decimal(l, "netOutBitsPerSecond", "--net-out", netOut);
            return l;
        }

        private static void bytes(ObjectNode l, String field, String option, String value) {
            if (value != null) {
                l.put(field, Sizes.parse(option, value));
            }
        }

        /** Bandwidth counts in powers of 1000, as networks do: 100M is 100,000,000 bits per second. */
        private static void decimal(ObjectNode l, String field, String option, String value) {
            if (value != null) {
                long binary = Sizes.parse(option, value);
                String unit = value.strip().toUpperCase(java.util.Locale.ROOT).replaceAll("I?B$", "");
                int steps = unit.endsWith("K") ? 1 : unit.endsWith("M") ? 2 : unit.endsWith("G") ? 3 : unit.endsWith("T") ? 4 : 0;
                l.put(field, Math.round(binary / Math.pow(1024, steps) * Math.pow(1000, steps)));
            }
        }
    }

    @Command(name = "create", description = "Create a VE from a template (and start it with --start).")
    static final class Create extends ApiCommand.Operation {
        @Parameters(paramLabel = "ID", arity = "0..1", description = "The VE's number (default: the next free one).")
        Integer id;
        @Option(names = {"-t", "--template"}, required = true, paramLabel = "NAME", description = "Template, e.g. debian-12 (vesselctl template list).")
        String template;
        @Option(names = "--hostname", paramLabel = "NAME")
        String hostname;
        @Option(names = "--name", paramLabel = "NAME")
        String name;
        @Option(names = "--ip-pool", paramLabel = "POOL", description = "Take an address from this pool.")
        String ipPool;
        @Option(names = "--owner", paramLabel = "TENANT", description = "Tenant id that owns the VE (default: yours).")
        String owner;
        @Option(names = "--privileged", description = "Without a user namespace (trusted workloads only).")
        boolean privileged;
        @Option(names = "--nesting", description = "Allow containers inside the VE.")
        boolean nesting;
        @Option(names = "--start", description = "Start it once created.")
        boolean start;
        @picocli.CommandLine.ArgGroup(exclusive = false, heading = "Limits:%n")
        LimitOptions limits = new LimitOptions();

        @Override
        int run() {
            ObjectNode body = object().put("template", template);
            if (id != null) {
                body.put("id", id);
            }
            putIfSet(body, "hostname", hostname);
            putIfSet(body, "name", name);
            putIfSet(body, "ipPool", ipPool);
            putIfSet(body, "owner", owner);
            if (privileged) {
                body.put("privileged", true);
            }
            if (nesting) {
                body.putObject("features").put("nesting", true);
            }
            ObjectNode l = (limits == null ? new LimitOptions() : limits).limits();
            if (!l.isEmpty()) {
                body.set("limits", l);
            }
            JsonNode operation = follow(client().call("POST", "api/v1/ves", body));
            if (start && waitForIt) {
                int made = Integer.parseInt(operation.path("target").asText().replace("ve/", ""));
                follow(client().call("POST", path(made) + "/start", null));
            }
            report(operation, "/id");
            return ExitCode.OK;
        }
    }

    static void putIfSet(ObjectNode body, String field, String value) {
        if (value != null) {
            body.put(field, value);
        }
    }

    /** start, stop, restart, …: one operation per VE named, in order; the first failure ends the command. */
    abstract static class Power extends ApiCommand.Operation {
        @Parameters(paramLabel = "ID", arity = "1..*", description = "One or more VEs.")
        List<Integer> ids;

        abstract String action();

        abstract String done();

        String method() {
            return "POST";
        }

        String pathOf(int id) {
            return path(id) + "/" + action();
        }

        @Override
        int run() {
            ArrayNode operations = Json.MAPPER.createArrayNode();
            for (int id : ids) {
                prepare(id);
                JsonNode operation = follow(client().call(method(), pathOf(id), body()));
                operations.add(operation);
                if (out().quiet()) {
                    root().out().println(id);
                } else {
                    out().note("VE " + id + " " + (waitForIt ? done() : action() + " submitted (operation " + operation.path("id").asText() + ")"));
                }
            }
            if (!out().quiet() && !out().human()) {
                out().structured(operations);
            }
            return ExitCode.OK;
        }

        JsonNode body() {
            return null;
        }

        /** What must happen to a VE before its operation is asked for; nothing by default. */
        void prepare(int id) {
        }
    }

    @Command(name = "start", description = "Start VEs.")
    static final class Start extends Power {
        String action() { return "start"; }
        String done() { return "started"; }
    }

    @Command(name = "stop", description = "Stop VEs cleanly (their init is asked to shut down).")
    static final class Stop extends Power {
        String action() { return "stop"; }
        String done() { return "stopped"; }
    }

    @Command(name = "restart", description = "Restart VEs.")
    static final class Restart extends Power {
        String action() { return "restart"; }
        String done() { return "restarted"; }
    }

    @Command(name = "kill", description = "Stop VEs at once (every process killed).")
    static final class Kill extends Power {
        String action() { return "kill"; }
        String done() { return "killed"; }
    }

    @Command(name = "suspend", description = "Suspend VEs (frozen in memory).")
    static final class Suspend extends Power {
        String action() { return "suspend"; }
        String done() { return "suspended"; }
    }

    @Command(name = "resume", description = "Resume suspended VEs.")
    static final class Resume extends Power {
        String action() { return "resume"; }
        String done() { return "resumed"; }
    }

    @Command(name = "destroy", aliases = "rm", description = "Destroy stopped VEs and their data (--force: stop running ones at once first).")
    static final class Destroy extends Power {
        @Option(names = {"-f", "--force"}, description = "Kill a running VE first instead of refusing.")
        boolean force;

        String action() { return "destroy"; }
        String done() { return "destroyed"; }
        @Override
        String method() { return "DELETE"; }

        @Override
        String pathOf(int id) {
            return path(id);
        }

        /** With --force a VE that is not stopped is killed first, and waited for even with --no-wait. */
        @Override
        void prepare(int id) {
            if (force && !client().call("GET", path(id), null).json().path("state").asText().equals("STOPPED")) {
                JsonNode killed = client().call("POST", path(id) + "/kill", null).json();
                if (!OperationWaiter.finished(killed)) {
                    new OperationWaiter(client(), root().err(), root().terminal()).await(killed, false);
                }
            }
        }
    }

    @Command(name = "reinstall", description = "Reinstall VEs from a template (their data is replaced).")
    static final class Reinstall extends Power {
        @Option(names = {"-t", "--template"}, paramLabel = "NAME", description = "Template (default: the one it has).")
        String template;

        String action() { return "reinstall"; }
        String done() { return "reinstalled"; }

        @Override
        JsonNode body() {
            ObjectNode body = object();
            putIfSet(body, "template", template);
            return body;
        }
    }

    @Command(name = "migrate", description = "Move VEs to another node, cold: a running VE is stopped for the move and started there.")
    static final class Migrate extends Power {
        @Option(names = {"-n", "--node"}, required = true, paramLabel = "NODE", description = "The node to move to (its id, or a host name only one node has).")
        String node;
        @Option(names = "--live", description = "Try a live move (checkpointed with CRIU, experimental); where that cannot be done the VE "
                + "moves cold and the operation says why.")
        boolean live;

        String action() { return "migrate"; }
        String done() { return "moved to " + node; }

        @Override
        JsonNode body() {
            ObjectNode body = object();
            body.put("node", node);
            if (live) {
                body.put("live", true);
            }
            return body;
        }
    }

    @Command(name = "set", description = "Change a VE's limits or hostname, live for a running VE.")
    static final class Set extends ApiCommand {
        @Parameters(paramLabel = "ID")
        int id;
        @Option(names = "--hostname", paramLabel = "NAME")
        String hostname;
        @Option(names = "--nesting", negatable = true, paramLabel = "BOOL", description = "Allow containers inside the VE.")
        Boolean nesting;
        @picocli.CommandLine.ArgGroup(exclusive = false, heading = "Limits:%n")
        LimitOptions limits = new LimitOptions();

        @Override
        int run() {
            ObjectNode body = object();
            putIfSet(body, "hostname", hostname);
            if (nesting != null) {
                body.putObject("features").put("nesting", nesting);
            }
            ObjectNode l = (limits == null ? new LimitOptions() : limits).limits();
            if (!l.isEmpty()) {
                body.set("limits", l);
            }
            if (body.isEmpty()) {
                throw new CliException(ExitCode.USAGE, "nothing to set: give --memory, --cpus, --disk, --hostname, … (vesselctl ve set --help)");
            }
            out().object(client().call("PATCH", path(id), body).json(), "/id");
            return ExitCode.OK;
        }
    }

    @Command(name = "usage", description = "A VE's resource usage now: CPU time, memory, disk, processes, traffic.")
    static final class Usage extends ApiCommand {
        @Parameters(paramLabel = "ID")
        int id;

        @Override
        int run() {
            JsonNode usage = client().call("GET", path(id), null).json().path("usage");
            if (usage.isMissingNode() || usage.isNull()) {
                throw new CliException(ExitCode.NOT_FOUND, "VE " + id + " has no usage sample yet");
            }
            out().object(usage, "/veId");
            return ExitCode.OK;
        }
    }

    @Command(name = "password", description = "Set the password of root in the VE (read from the terminal, or from standard input with --stdin).")
    static final class Password extends ApiCommand {
        @Parameters(paramLabel = "ID")
        int id;
        @Option(names = "--stdin", description = "Read the password from standard input (one line).")
        boolean stdin;

        @Override
        int run() {
            String password = Secrets.read("New password for VE " + id + ": ", stdin);
            client().call("POST", path(id) + "/password", object().put("password", password));
            out().note("Password of root in VE " + id + " changed.");
            return ExitCode.OK;
        }
    }

    @Command(name = "exec", description = {"Run a command in a running VE; its output streams, and vesselctl exits with its exit status.",
            "Example: vesselctl ve exec 101 -- uname -a"})
    static final class Exec extends ApiCommand {
        @Parameters(index = "0", paramLabel = "ID")
        int id;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "The command and its arguments (after --).")
        List<String> command;
        @Option(names = "--timeout", paramLabel = "SECONDS", description = "Kill the command after this long (default: the panel's limit).")
        Integer timeout;
        @Option(names = {"-i", "--stdin"}, description = "Pass standard input to the command.")
        boolean stdin;
        @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Environment variable for the command.")
        List<String> env;

        @Override
        int run() {
            ObjectNode body = object();
            ArrayNode argv = body.putArray("command");
            command.forEach(argv::add);
            if (timeout != null) {
                body.put("timeoutSeconds", timeout);
            }
            if (env != null) {
                ObjectNode e = body.putObject("env");
                for (String pair : env) {
                    int eq = pair.indexOf('=');
                    if (eq <= 0) {
                        throw new CliException(ExitCode.USAGE, "--env: \"" + pair + "\" is not NAME=VALUE");
                    }
                    e.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
            if (stdin) {
                try {
                    body.put("stdin", new String(System.in.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new CliException(ExitCode.ERROR, "cannot read standard input: " + e.getMessage());
                }
            }
            try (InputStream stream = client().stream("POST", path(id) + "/exec?stream=true", body);
                 BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    JsonNode chunk = Json.MAPPER.readTree(line);
                    if (chunk.has("stream")) {
                        byte[] data = Base64.getDecoder().decode(chunk.path("data").asText());
                        java.io.PrintStream target = "stderr".equals(chunk.path("stream").asText()) ? root().err() : root().out();
                        target.write(data);
                        target.flush();
                    } else if (chunk.has("error")) {
                        throw new CliException(ExitCode.ERROR, chunk.path("error").asText());
                    } else if (chunk.has("exitCode")) {
                        if (chunk.path("timedOut").asBoolean()) {
                            root().err().println("vesselctl: the command ran out of time and was killed");
                        }
                        return chunk.path("exitCode").asInt();
                    }
                }
            } catch (IOException e) {
                throw new CliException(ExitCode.ERROR, "the command's output broke off: " + e.getMessage());
            }
            throw new CliException(ExitCode.ERROR, "the command's output ended without its exit status");
        }
    }
}
