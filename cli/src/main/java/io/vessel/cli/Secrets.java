package io.vessel.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** Passwords are never options (they would show in ps and shell history): typed without echo, or one line of stdin. */
final class Secrets {

    private Secrets() {
    }

    static String read(String prompt, boolean fromStdin) {
        Console console = System.console();
        String secret;
        if (!fromStdin && console != null) {
            char[] typed = console.readPassword(prompt);
            secret = typed == null ? null : new String(typed);
        } else {
            try {
                secret = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            } catch (IOException e) {
                throw new CliException(ExitCode.ERROR, "cannot read the password: " + e.getMessage());
            }
        }
        if (secret == null || secret.isEmpty()) {
            throw new CliException(ExitCode.USAGE, "no password given" + (console == null && !fromStdin ? " (no terminal: pipe it with --stdin)" : ""));
        }
        return secret;
    }
}
