package io.vessel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VesselctlTest {

    @Test
    void sizesReadAsPeopleWriteThem() {
        assertEquals(512L << 20, Sizes.parse("--memory", "512M"));
        assertEquals(1L << 30, Sizes.parse("--memory", "1G"));
        assertEquals(3L << 29, Sizes.parse("--memory", "1.5GiB"));
        assertEquals(20L << 30, Sizes.parse("--disk", "20g"));
        assertEquals(4096, Sizes.parse("--disk", "4096"));
        CliException bad = assertThrows(CliException.class, () -> Sizes.parse("--memory", "lots"));
        assertEquals(ExitCode.USAGE, bad.exitCode());
        assertThrows(CliException.class, () -> Sizes.parse("--memory", "-1G"));
        assertEquals("512M", Sizes.format(512L << 20));
        assertEquals("1.5G", Sizes.format(3L << 29));
    }

    @Test
    void answersMapToTheDocumentedExitCodes() {
        assertEquals(ExitCode.NOT_FOUND, ExitCode.ofStatus(404));
        assertEquals(ExitCode.REFUSED, ExitCode.ofStatus(403));
        assertEquals(ExitCode.REFUSED, ExitCode.ofStatus(409));
        assertEquals(ExitCode.REFUSED, ExitCode.ofStatus(401));
        assertEquals(ExitCode.USAGE, ExitCode.ofStatus(422));
        assertEquals(ExitCode.ERROR, ExitCode.ofStatus(500));
    }

    @Test
    void aProblemBecomesOneLineWithItsFields() {
        PanelClient.Answer answer = new PanelClient.Answer(422, ("{\"status\":422,\"detail\":\"The VE was not created.\","
                + "\"errors\":[{\"field\":\"limits.memoryBytes\",\"message\":\"at least 64 MiB\"}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8), null);
        CliException failure = PanelClient.failure(answer);
        assertEquals(ExitCode.USAGE, failure.exitCode());
        assertEquals("The VE was not created.\n  limits.memoryBytes: at least 64 MiB", failure.getMessage());
    }

    /** {@code -o json}: a script (output piped) gets the API's JSON as it came, a person on a terminal gets it indented. */
    @Test
    void aScriptGetsTheApisJsonAsItCameAndAPersonIndented() {
        byte[] body = "[{\"id\":101,\"name\":\"web\",\"note\":\"caf\u00e9\"}]".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        PanelClient.Answer answer = new PanelClient.Answer(200, body, null);
        java.io.ByteArrayOutputStream piped = new java.io.ByteArrayOutputStream();
        new Output(Output.Format.JSON, false, new java.io.PrintStream(piped, true, java.nio.charset.StandardCharsets.UTF_8), false)
                .list(answer, "/id", VeCommand.COLUMNS);
        assertEquals(new String(body, java.nio.charset.StandardCharsets.UTF_8) + System.lineSeparator(), piped.toString(java.nio.charset.StandardCharsets.UTF_8));

        java.io.ByteArrayOutputStream shown = new java.io.ByteArrayOutputStream();
        new Output(Output.Format.JSON, false, new java.io.PrintStream(shown, true, java.nio.charset.StandardCharsets.UTF_8), true)
                .list(answer, "/id", VeCommand.COLUMNS);
        String indented = shown.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(indented.contains("\"id\" : 101,\n") && indented.lines().count() > 3, indented);
        assertTrue(indented.contains("caf\u00e9"), indented);

        java.io.ByteArrayOutputStream ids = new java.io.ByteArrayOutputStream();
        new Output(Output.Format.JSON, true, new java.io.PrintStream(ids, true, java.nio.charset.StandardCharsets.UTF_8), false)
                .list(answer, "/id", VeCommand.COLUMNS);
        assertEquals("101\n", ids.toString(java.nio.charset.StandardCharsets.UTF_8), "--quiet wins over -o json");
    }

    @Test
    void fingerprintsAreReadAsThePanelPrintsThem() {
        String printed = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
        assertEquals(printed.replace(":", ""), PanelClient.normalise(printed));
        assertEquals(printed.replace(":", ""), PanelClient.normalise("sha256:" + printed.toLowerCase()));
        assertEquals(ExitCode.USAGE, assertThrows(CliException.class, () -> PanelClient.normalise("AB:CD")).exitCode());
    }

    @Test
    void theNounOnTheCommandLineIsTheOnlyBranchBuilt() {
        assertEquals(VeCommand.class, Vesselctl.nounOf(new String[] {"--socket", "/run/x.sock", "ve", "list"}));
        assertEquals(OperationCommand.class, Vesselctl.nounOf(new String[] {"-o", "json", "op", "list"}));
        assertNull(Vesselctl.nounOf(new String[] {"help"}));
        assertNull(Vesselctl.nounOf(new String[] {"completion", "bash"}));
        assertNull(Vesselctl.nounOf(new String[] {"--help"}));
        assertEquals(java.util.List.of("ve", "exec", "101"), Vesselctl.words(new String[] {"--url=https://p:8443", "ve", "exec", "101", "--", "ls", "-l"}));
    }

    @Test
    void ofTheNounOnlyTheNamedVerbIsBuiltAndAMistypedOneGetsTheWholeList() {
        assertEquals(java.util.Set.of("list", "ls"), Vesselctl.branch(VeCommand.class, "ls").getSubcommands().keySet());
        assertEquals(java.util.Set.of("ssh-key"), Vesselctl.branch(VeCommand.class, "ssh-key").getSubcommands().keySet());
        assertTrue(Vesselctl.branch(VeCommand.class, "frobnicate").getSubcommands().keySet().containsAll(java.util.List.of("list", "create", "exec")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, Vesselctl.execute(new PrintStream(out, true), new PrintStream(err, true), false, "ve", "ssh-key", "add", "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("Usage: vesselctl ve ssh-key add") && help.contains("--output"), help);
        out.reset();
        assertEquals(ExitCode.USAGE, Vesselctl.execute(new PrintStream(out, true), new PrintStream(err, true), false, "ve", "lsit"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("Unmatched argument"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void usageErrorsExitWith2AndHelpListsEveryNoun() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Vesselctl.execute(new PrintStream(out, true), new PrintStream(err, true), false, "ve", "frobnicate");
        assertEquals(ExitCode.USAGE, code, err.toString(StandardCharsets.UTF_8));
        out.reset();
        assertEquals(0, Vesselctl.execute(new PrintStream(out, true), new PrintStream(err, true), false, "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        for (String noun : new String[] {"ve", "template", "ip-pool", "tenant", "account", "token", "operation", "node", "plugin", "backup", "billing"}) {
            assertTrue(help.contains("\n  " + noun + " ") || help.contains("\n  " + noun + ","), noun + " in " + help);
        }
        assertTrue(help.contains("Exit codes:"), help);
    }

    @Test
    void theProfileIsPrivateAndWholeOrAbsent(@TempDir Path home) throws Exception {
        Path file = home.resolve("vessel/cli.conf");
        new Profile("https://panel:8443/", "vsl_secret", "AB", "id-1").write(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertEquals(new Profile("https://panel:8443/", "vsl_secret", "AB", "id-1"), Profile.read(file));
        assertEquals(Profile.NONE, Profile.read(home.resolve("missing.conf")));
        assertTrue(Files.list(file.getParent()).allMatch(p -> p.equals(file)), "no temporary file left");
    }

    @Test
    void aSocketLeftByAKilledPanelIsNotAPanel(@TempDir Path run) throws Exception {
        Path live = Files.createDirectories(run.resolve("node-a")).resolve("panel.sock");
        Path stale = Files.createDirectories(run.resolve("node-b")).resolve("panel.sock");
        try (var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(stale));
        } // closed without removing the file, as a killed process leaves it
        try (var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(live));
            assertEquals(live, Target.findSocket(run));
            Path other = Files.createDirectories(run.resolve("node-c")).resolve("panel.sock");
            try (var second = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                second.bind(java.net.UnixDomainSocketAddress.of(other));
                CliException several = assertThrows(CliException.class, () -> Target.findSocket(run));
                assertEquals(ExitCode.USAGE, several.exitCode());
                assertTrue(several.getMessage().contains(live.toString()) && !several.getMessage().contains(stale.toString()), several.getMessage());
            }
            Files.delete(other);
        }
        CliException none = assertThrows(CliException.class, () -> Target.findSocket(run));
        assertEquals(ExitCode.ERROR, none.exitCode());
        assertTrue(none.getMessage().contains("nothing listens"), none.getMessage());
    }
}
