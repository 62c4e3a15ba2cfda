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

    /**
     * The signal the panel stops a VE running this init with. SIGTERM is what busybox's {@code reboot} sends to PID 1,
     * so the panel uses SIGPWR (LXC's halt signal) and each request can be told apart.
     */
    public static final String STOP_SIGNAL = "PWR";

    /**
     * Exit statuses that tell the VE's monitor, and so the panel, how the VE ended, the same a pid namespace's init
     * gets from the kernel when a program calls reboot(2): killed by SIGHUP (128 + 1) after a reboot, by SIGINT
     * (128 + 2) after a halt or power-off. A stop by the panel ends with 0.
     */
    public static final int EXIT_REBOOT = 129;
    public static final int EXIT_POWEROFF = 130;

    static final String SCRIPT = """
            #!/bin/sh
            # Vessel init: bring the VE up, wait, and stop every process when asked:
            #   SIGPWR               the panel stops the VE                 -> exit 0
            #   SIGTERM, SIGINT      "reboot" (busybox), ctrl-alt-del       -> exit 129 (the panel starts it again)
            #   SIGUSR1, SIGUSR2     "halt", "poweroff" (busybox)           -> exit 130 (the panel records it stopped)
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
                exit "$1"
            }
            trap 'shutdown 0' PWR
            trap 'shutdown 129' TERM INT
            trap 'shutdown 130' USR1 USR2
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
