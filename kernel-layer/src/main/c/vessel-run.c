/*
 * vessel-run: starts a program the way the panel needs it started and Java's ProcessBuilder cannot.
 *
 *  --cgroup FILE   joins a cgroup (FILE is its cgroup.procs) before anything else, so the program runs capped from
 *                  its first instruction: restic started by the panel, then moved, would run uncapped for a moment
 *                  and the children it starts in that moment (ssh for SFTP) would stay uncapped.
 *  --ve PID GROUP  runs the program inside a running VE as the VE's own root: in the user and mount namespaces of
 *                  the VE's init PID (checked to still be in cgroup GROUP through a pidfd, so a recycled pid is never
 *                  entered), with only the file capabilities a file extractor needs, no_new_privs set. The program is
 *                  opened on the host BEFORE entering and executed by descriptor (execveat AT_EMPTY_PATH), so nothing
 *                  of the VE's file system is ever run, not even through a /proc the tenant could replace. Inside
 *                  the VE every path, also a symbolic link the tenant plants or swaps meanwhile, resolves in the VE's
 *                  own root: the worst a hostile tenant can do is to the VE's own files.
 *
 * Usage: vessel-run [--cgroup FILE]... [--ve PID GROUP] -- PROGRAM ARGV0 [ARG]...
 *   PROGRAM is the host path of the binary (a static one with --ve: the VE's libraries are not ours to load),
 *   ARGV0 the name it is given (a busybox applet's name).
 *
 * Why by hand: joining a user namespace needs a single-threaded process (a JVM never is), and neither nsenter nor
 * setpriv executes a program by descriptor or joins cgroups; a few system calls, no parsing of tenant data.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static void fail(const char *what) {
    fprintf(stderr, "vessel-run: %s: %s\n", what, strerror(errno));
    exit(125);
}

static void usage(void) {
    fprintf(stderr, "usage: vessel-run [--cgroup FILE]... [--ve PID GROUP] -- PROGRAM ARGV0 [ARG]...\n");
    exit(125);
}

static void join_cgroup(const char *procs) {
    int fd = open(procs, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        fail(procs);
    }
    if (write(fd, "0", 1) != 1) {
        fail(procs);
    }
    close(fd);
}

/* Whether /proc/PID/cgroup names GROUP (or a cgroup below it: systemd in a VE moves its init into init.scope). */
static int in_group(int pid, const char *group) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        return 0;
    }
    char line[4096];
    size_t length = strlen(group);
    int found = 0;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        char *path_part = strchr(line, ':');
        path_part = path_part == NULL ? NULL : strchr(path_part + 1, ':');
        if (path_part == NULL) {
            continue;
        }
        path_part++;
        path_part[strcspn(path_part, "\n")] = '\0';
        found = strncmp(path_part, group, length) == 0 && (path_part[length] == '\0' || path_part[length] == '/');
    }
    fclose(f);
    return found;
}

/* The capabilities an extractor needs for the VE's own files; everything else leaves the bounding set. */
static int kept(int cap) {
    return cap == CAP_CHOWN || cap == CAP_DAC_OVERRIDE || cap == CAP_DAC_READ_SEARCH || cap == CAP_FOWNER || cap == CAP_FSETID;
}

static int enter_ve(int pid, const char *group, const char *program) {
    int binary = open(program, O_RDONLY | O_CLOEXEC);
    if (binary < 0) {
        fail(program);
    }
    int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) {
        fail("pidfd_open");
    }
    // the pidfd holds the process; if it is still alive after /proc/PID was read, /proc/PID was that process
    if (!in_group(pid, group) || syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) != 0) {
        fprintf(stderr, "vessel-run: process %d is not the VE's (cgroup %s)\n", pid, group);
        exit(125);
    }
    if (setns(pidfd, CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        fail("setns");
    }
    close(pidfd);
    if (chdir("/") != 0) {
        fail("chdir /");
    }
    if (setgroups(0, NULL) != 0 || setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0) {
        fail("becoming the VE's root");
    }
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
        if (!kept(cap) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
            fail("dropping capabilities");
        }
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        fail("no_new_privs");
    }
    return binary;
}

int main(int argc, char **argv) {
    int i = 1;
    int ve_pid = 0;
    const char *ve_group = NULL;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--cgroup") == 0 && i + 1 < argc) {
            join_cgroup(argv[++i]);
        } else if (strcmp(argv[i], "--ve") == 0 && i + 2 < argc) {
            ve_pid = atoi(argv[++i]);
            ve_group = argv[++i];
        } else {
            usage();
        }
    }
    if (i + 2 >= argc || (ve_group != NULL && ve_pid <= 0)) {
        usage();
    }
    const char *program = argv[i + 1];
    char **program_argv = &argv[i + 2];
    if (ve_group == NULL) {
        execv(program, program_argv);
        fail(program);
    }
    int binary = enter_ve(ve_pid, ve_group, program);
    char *environment[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
    syscall(SYS_execveat, binary, "", program_argv, environment, AT_EMPTY_PATH);
    fail("execveat");
    return 125;
}
