package io.vessel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientHeadStartTest {

    @Test
    void rootOptionsAreReadAsPicocliReadsThemAndNotPastTheDoubleDash() {
        assertEquals(Arrays.asList("https://panel.example:8443", "/run/p.sock", "tok", "AB:CD", "/etc/p.json"),
                ClientHeadStart.rootOptions(new String[] {"--url", "https://panel.example:8443", "--socket=/run/p.sock",
                        "ve", "list", "--token", "tok", "--fingerprint=AB:CD", "--profile", "/etc/p.json"}));
        assertEquals(Arrays.asList(null, null, null, null, null),
                ClientHeadStart.rootOptions(new String[] {"ve", "exec", "101", "--", "curl", "--url", "x", "--token=y"}));
        assertEquals(Arrays.asList(null, null, null, null, null), ClientHeadStart.rootOptions(new String[] {"ve", "list", "--url"}),
                "an option without its value is picocli's error to report, not a value");
    }

    @Test
    void commandsThatDoNotTalkToThePanelGetNoHeadStart() {
        assertNull(ClientHeadStart.begin(null, new String[0]));
        assertNull(ClientHeadStart.begin("help", new String[] {"help", "ve"}));
        assertNull(ClientHeadStart.begin("login", new String[] {"login", "https://panel.example"}));
        assertNull(ClientHeadStart.begin("completion", new String[] {"completion", "bash"}));
        assertNull(ClientHeadStart.begin("ve", new String[] {"ve", "list", "--help"}));
        assertNull(ClientHeadStart.begin("ve", new String[] {"--version"}));
    }

    @Test
    void aClientMadeForOtherOptionsIsNotUsedAndIsClosed(@TempDir Path home) {
        Path profile = home.resolve("profile.json");
        String[] args = {"--socket", home.resolve("panel.sock").toString(), "--profile", profile.toString(), "ve", "list"};
        ClientHeadStart start = ClientHeadStart.begin("ve", args);
        assertNotNull(start);
        assertNull(start.take(null, home.resolve("other.sock").toString(), null, null, profile),
                "picocli read another socket than the scan: the command makes its own client");
        start.discardUnlessTaken(); // the unused client is stopped; nothing left running
    }

    @Test
    void theHeadStartsFailureIsTheCommandsOwn(@TempDir Path home) {
        Path profile = home.resolve("profile.json");
        String[] args = {"--url", "ftp://nowhere", "--profile", profile.toString(), "ve", "list"};
        ClientHeadStart start = ClientHeadStart.begin("ve", args);
        CliException failure = assertThrows(CliException.class, () -> start.take("ftp://nowhere", null, null, null, profile));
        assertEquals(ExitCode.USAGE, failure.exitCode(), failure.getMessage());
        start.discardUnlessTaken();
    }
}
