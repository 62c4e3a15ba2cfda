package io.vessel.kernel.internal.template;

import java.io.IOException;
import java.nio.file.Path;

/**
 * PID 1 for VEs whose template brings no init of its own (busybox, debootstrap minbase, most rootfs tarballs):
 * a POSIX shell script that starts the System V services in {@code /etc/rc2.d} and {@code /etc/rc.local}, waits,
 * and on SIGTERM/SIGPWR/SIGINT (what {@code stop} sends) stops them, signals every process and exits, so the VE
 * stops cleanly. A shell traps signals; PID 1 ignores any signal it has no handler for.
 */
public final class VesselInit {

    /** Where templates carry it. */
    public static final String PATH = "/sbin/vessel-init";

    static final String SCRIPT = """
            #!/bin/sh
            # Vessel init: bring the VE up, wait, and on SIGTERM/SIGPWR stop every process and exit.
            export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
            rc() {
                for script in "$1"/"$2"*; do
                    [ -x "$script" ] && "$script" "$3" </dev/null
                done
            }
            shutdown() {
                echo "init: stopping"
                [ -d /etc/rc0.d ] && rc /etc/rc0.d K stop
                kill -TERM -1 2>/dev/null
                # give services up to 5 s to exit; kill -0 -1 succeeds while any other process is left
                i=0
                while kill -0 -1 2>/dev/null && [ $i -lt 50 ]; do
                    sleep 0.1
                    i=$((i+1))
                done
                kill -KILL -1 2>/dev/null
                exit 0
            }
            trap shutdown TERM PWR INT
            [ -d /etc/rc2.d ] && rc /etc/rc2.d S start
            [ -x /etc/rc.local ] && /etc/rc.local
            echo "init: up"
            while :; do
                sleep 2147483647 &
                wait $!
            done
            """;

    private VesselInit() {
    }

    /** Installs the init into a template being built (no link of the template is followed out of it). */
    public static void install(Path root) throws IOException {
        InRoot.write(root, PATH.substring(1), SCRIPT, "rwxr-xr-x");
    }
}
