package io.vessel.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code vesselctl}: the panel from a shell. Every verb is a call of the REST API under {@code /api/v1} — nothing
 * here reaches the panel any other way — over the host's local socket (root needs no token) or over HTTP(S) with
 * an API token.
 */
@Command(name = "vesselctl", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, versionProvider = Vesselctl.Version.class, sortOptions = false,
        description = {"Manage Vessel VEs, templates, tenants and the rest of the panel from a shell.", "",
                "On the panel's host, root reaches the panel through its local socket without a token. Elsewhere, or as another user, give"
                        + " --url and --token, or store them once with 'vesselctl login'."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:error (the panel unreachable, or an error of its own)", "2:usage (wrong command line or invalid input)",
                "3:not found", "4:refused (no permission, not logged in, a conflict with the object's state, a quota)",
                "5:the long operation failed"})
public final class Vesselctl implements Runnable {

    /** The nouns, in the order help lists them. */
    static final List<Class<?>> NOUNS = List.of(VeCommand.class, TemplateCommand.class, IpPoolCommand.class,
            TenantCommand.class, AccountCommand.class, TokenCommand.class, OperationCommand.class, NodeCommand.class, PluginCommand.class,
            BackupCommand.class, BillingCommand.class, LoginCommand.class, LogoutCommand.class, CompletionCommand.class,
            CommandLine.HelpCommand.class);

    @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "The panel, e.g. https://panel.example.net:8443 (default: VESSEL_URL, the profile, else this host's local socket).")
    String url;

    @Option(names = "--token", scope = ScopeType.INHERIT, paramLabel = "TOKEN", description = "API token (default: VESSEL_TOKEN, the profile).")
    String token;

    @Option(names = "--socket", scope = ScopeType.INHERIT, paramLabel = "PATH",
            description = "The panel's local socket (default: VESSEL_SOCKET, else the one under /run/vessel).")
    String socket;

    @Option(names = "--fingerprint", scope = ScopeType.INHERIT, paramLabel = "SHA256",
            description = "Trust only the panel certificate with this SHA-256 fingerprint, as the panel prints it (self-signed certificates).")
    String fingerprint;

    @Option(names = "--profile", scope = ScopeType.INHERIT, paramLabel = "FILE", description = "Profile file (default: ~/.config/vessel/cli.conf).")
    Path profile;

    @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "FORMAT", defaultValue = "table",
            description = "table (default), json (the API's JSON) or yaml.")
    String format;

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT, description = "Print only ids, one per line.")
    boolean quiet;

    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;
    private PanelClient client;
    private ClientHeadStart headStart;
    private Output output;

    Vesselctl(PrintStream out, PrintStream err, boolean terminal) {
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "say what to do, e.g. vesselctl ve list (vesselctl help lists it all)");
    }

    PanelClient client() {
        if (client == null && headStart != null) {
            client = headStart.take(url, socket, token, fingerprint, profile);
        }
        if (client == null) {
            client = new PanelClient(Target.resolve(url, socket, token, fingerprint, Profile.read(profilePath())));
        }
        return client;
    }

    Path profilePath() {
        return profile != null ? profile : Profile.defaultPath();
    }

    Output output() {
        if (output == null) {
            Output.Format chosen = switch (format.toLowerCase(java.util.Locale.ROOT)) {
                case "table" -> Output.Format.TABLE;
                case "json" -> Output.Format.JSON;
                case "yaml" -> Output.Format.YAML;
                default -> throw new CliException(ExitCode.USAGE, "-o: \"" + format + "\" is not an output format (table, json, yaml)");
            };
            output = new Output(chosen, quiet, out, terminal);
        }
        return output;
    }

    PrintStream out() {
        return out;
    }

    PrintStream err() {
        return err;
    }

    boolean terminal() {
        return terminal;
    }

    void close() {
        if (headStart != null) {
            headStart.discardUnlessTaken();
        }
        if (client != null) {
            client.close();
        }
    }

    /** The command line as a program: runs it and answers the exit code. */
    public static int execute(PrintStream out, PrintStream err, boolean terminal, String... args) {
        Vesselctl root = new Vesselctl(out, err, terminal);
        List<String> words = words(args);
        root.headStart = ClientHeadStart.begin(words.isEmpty() ? null : words.get(0), args);
        Class<?> noun = nounOf(words);
        boolean versionOnly = words.isEmpty() && args.length == 1 && List.of("-V", "--version").contains(args[0]);
        CommandLine line = versionOnly ? new CommandLine(root) : commandLine(root, noun, words.size() > 1 ? words.get(1) : null);
        line.setOut(new java.io.PrintWriter(out, true));
        line.setErr(new java.io.PrintWriter(err, true));
        line.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof CliException failure) {
                err.println("vesselctl: " + failure.getMessage());
                return failure.exitCode();
            }
            err.println("vesselctl: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            return ExitCode.ERROR;
        });
        try {
            return line.execute(args);
        } finally {
            root.close();
        }
    }

    /**
     * The command model: every noun, or only {@code noun} when the command line names one, and of that noun only
     * {@code verb} when it names one of its verbs. picocli builds its model by reflection over every option of every
     * command it is given — a third of a second for all of them in a cold JVM, most of a short command's run — so
     * {@code vesselctl ve list} builds the {@code ve list} branch only; help, completion and anything unrecognised
     * get the whole tree (a mistyped verb is answered with the noun's whole list).
     */
    static CommandLine commandLine(Vesselctl root, Class<?> noun, String verb) {
        CommandLine line = new CommandLine(root);
        if (noun == null) {
            NOUNS.forEach(type -> line.addSubcommand(new CommandLine(type)));
        } else {
            line.addSubcommand(branch(noun, verb));
        }
        line.setCaseInsensitiveEnumValuesAllowed(true);
        line.setUsageHelpAutoWidth(true);
        return line;
    }

    static CommandLine commandLine(Vesselctl root) {
        return commandLine(root, null, null);
    }

    /**
     * A noun with only the named verb, or with all of them when {@code verb} names none. The nouns are plain groups
     * (no options, no code of their own), so what picocli would read from the noun's annotation is its name, aliases
     * and description; the verb is then built as picocli builds any command.
     */
    static CommandLine branch(Class<?> noun, String verb) {
        Command group = noun.getAnnotation(Command.class);
        Class<?> named = verb == null ? null : java.util.Arrays.stream(group.subcommands()).filter(type -> names(type).contains(verb))
                .findFirst().orElse(null);
        if (named == null) {
            return new CommandLine(noun);
        }
        CommandLine.Model.CommandSpec spec = CommandLine.Model.CommandSpec.wrapWithoutInspection(noun);
        spec.name(group.name()).aliases(group.aliases());
        spec.usageMessage().description(group.description());
        CommandLine line = new CommandLine(spec);
        line.addSubcommand(new CommandLine(named));
        return line;
    }

    /** A command's name and aliases, as its annotation gives them. */
    private static List<String> names(Class<?> type) {
        Command command = type.getAnnotation(Command.class);
        if (command == null) {
            return List.of();
        }
        List<String> names = new java.util.ArrayList<>(List.of(command.aliases()));
        names.add(command.name());
        return names;
    }

    /** The words of the command line that are not options or the values of the root's options. */
    static List<String> words(String[] args) {
        List<String> words = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--")) {
                break; // what follows is a command's own (ve exec 101 -- uname -a)
            }
            if (arg.startsWith("-")) {
                if (!arg.contains("=") && OPTIONS_WITH_VALUES.contains(arg)) {
                    i++;
                }
                continue;
            }
            words.add(arg);
        }
        return words;
    }

    /** The noun {@code word} names (by name or alias), or null. */
    private static Class<?> nounNamed(String word) {
        for (Class<?> type : NOUNS) {
            if (type != CommandLine.HelpCommand.class && type != CompletionCommand.class && names(type).contains(word)) {
                return type;
            }
        }
        return null;
    }

    /** The noun the first word that is not an option names, or null. */
    static Class<?> nounOf(String[] args) {
        return nounOf(words(args));
    }

    private static Class<?> nounOf(List<String> words) {
        return words.isEmpty() ? null : nounNamed(words.get(0));
    }

    /** The root's options that take a value, so the value is not mistaken for a noun. */
    private static final java.util.Set<String> OPTIONS_WITH_VALUES = java.util.Set.of("--url", "--token", "--socket", "--fingerprint", "--profile",
            "-o", "--output");

    public static void main(String[] args) {
        int code = execute(System.out, System.err, onTerminal(), args);
        System.out.flush();
        System.exit(code);
    }

    /**
     * Whether a person reads the output: progress bars and indented JSON, or plain lines and the API's JSON for a
     * script. A console means a terminal up to JDK 21; from JDK 22 on there is a console also when the output is piped,
     * and {@code Console.isTerminal()} (22+, called by name: this compiles for 17) tells.
     */
    static boolean onTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException | RuntimeException beforeJdk22) {
            return true;
        }
    }

    /** The version the build stamped into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Vesselctl.class.getPackage().getImplementationVersion();
            return new String[] {"vesselctl " + (version == null ? "(development build)" : version)};
        }
    }
}
