package io.vessel.kernel.internal.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DebootstrapTest {

    @TempDir
    Path apt;

    @Test
    void theHostsMirrorIsFoundInDeb822SourcesSkippingSecurity() throws Exception {
        Files.createDirectories(apt.resolve("sources.list.d"));
        Files.writeString(apt.resolve("sources.list.d/debian.sources"), """
                Types: deb
                URIs: http://security.example/debian-security
                Suites: bookworm-security
                Components: main

                Types: deb
                URIs: http://mirror.example/debian
                Suites: bookworm bookworm-updates
                Components: main
                """);
        assertEquals(Optional.of("http://mirror.example/debian"), Debootstrap.hostMirror(apt));
    }

    @Test
    void andInAClassicSourcesList() throws Exception {
        Files.writeString(apt.resolve("sources.list"), """
                # comment
                deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://security.example/debian-security bookworm-security main
                deb [arch=amd64] http://mirror.example/debian bookworm main
                """);
        assertEquals(Optional.of("http://mirror.example/debian"), Debootstrap.hostMirror(apt));
        assertEquals(Optional.empty(), Debootstrap.hostMirror(apt.resolve("nowhere")));
    }

    @Test
    void progressFollowsDebootstrapsOutputAndNeverGoesBack() {
        List<Integer> seen = new ArrayList<>();
        Debootstrap.ProgressModel model = new Debootstrap.ProgressModel((percent, message) -> seen.add(percent));
        model.line("I: Retrieving InRelease");
        for (int i = 0; i < 80; i++) {
            model.line("I: Retrieving pkg" + i + " 1.0");
            model.line("I: Validating pkg" + i + " 1.0");
        }
        for (String phase : List.of("Extracting", "Unpacking", "Configuring")) {
            for (int i = 0; i < 80; i++) {
                model.line("I: " + phase + " pkg" + i + "...");
            }
        }
        model.line("I: Base system installed successfully.");
        for (int i = 1; i < seen.size(); i++) {
            assertTrue(seen.get(i) >= seen.get(i - 1), "never backwards: " + seen);
        }
        assertEquals(95, seen.get(seen.size() - 1), "the last 5 % are the panel's own sealing");
        assertTrue(seen.stream().distinct().count() > 20, "many steps: " + seen.stream().distinct().toList());
    }

    @Test
    void packageNamesAreDebians() {
        assertTrue(Debootstrap.validPackage("openssh-server"));
        assertTrue(Debootstrap.validPackage("libstdc++6"));
        assertTrue(!Debootstrap.validPackage("rm -rf /") && !Debootstrap.validPackage("--foo") && !Debootstrap.validPackage(null));
    }
}
