package io.vessel.kernel.api;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.OptionalInt;

/**
 * An interactive shell in a VE on a pseudo-terminal ({@code vzctl enter}); the web console and the CLI attach
 * to it. What is written to {@link #input()} is typed into the terminal; {@link #output()} is what the terminal
 * shows, escape sequences included. Closing hangs the terminal up, which ends the shell and what it started in
 * the foreground.
 */
public interface VeConsole extends AutoCloseable {

    InputStream output();

    OutputStream input();

    /** Changes the terminal size; full-screen programs in the VE redraw. */
    void resize(int columns, int rows);

    /** The shell's exit status once it has ended. */
    OptionalInt exitCode();

    /** Waits up to {@code timeout} for the shell to end; its exit status, if it did. */
    OptionalInt awaitExit(java.time.Duration timeout) throws InterruptedException;

    @Override
    void close();
}
