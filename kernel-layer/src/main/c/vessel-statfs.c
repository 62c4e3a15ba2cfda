/*
 * vessel-statfs: makes a VE's root file system report its disk quota to statfs(2) and fstatfs(2), so that `df`
 * inside the VE shows the quota as the size and the VE's usage as used.
 *
 * Why by hand: btrfs answers statfs with the whole pool and ignores quota groups, and no maintained program answers
 * seccomp user notifications for this. runc installs a filter whose rule for statfs/fstatfs is SCMP_ACT_NOTIFY and
 * hands the filter's listener to this program over the unix socket named in the OCI config (listenerPath), once for
 * the VE's init and once for every `runc exec`. For each call this program works out, from the host and without
 * running anything of the VE's, whether the file asked about lies on the VE's root file system: if not, the call
 * continues in the kernel unchanged (SECCOMP_USER_NOTIF_FLAG_CONTINUE); if so, it writes the real statfs answer
 * with the size, free space and inode figures of the quota into the caller's buffer.
 *
 * One process per VE, detached from the panel (a panel restart or crash changes nothing for running VEs); it ends
 * when the VE's init and everything sharing its filter have ended. It reads the caller's memory and names only
 * through descriptors checked against the notification (SECCOMP_IOCTL_NOTIF_ID_VALID), so a recycled pid never gets
 * an answer meant for another process; everything the tenant controls (paths, descriptors) is resolved inside the
 * caller's own root (openat2 RESOLVE_IN_ROOT).
 *
 * Usage: vessel-statfs SOCKET QGROUP_DIR PIDFILE
 *   SOCKET      the unix socket runc sends listeners to (made here, mode 0600; it appears once it listens)
 *   QGROUP_DIR  /sys/fs/btrfs/<fsid>/qgroups/0_<subvolume>: max_referenced is the quota, referenced the usage
 *   PIDFILE     where this process's pid is written, before SOCKET appears
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "vessel-statfs knows x86_64 and aarch64"
#endif

#define MAX_LISTENERS 256
/* btrfs keeps no inode table: a VE may make files until its quota is full. Inode figures are the quota in units of
 * this many bytes, so `df -i` gives defined numbers whose use follows the space used. */
#define BYTES_PER_INODE 4096

static const char *qgroup_dir;

static void log_line(const char *what) {
    fprintf(stderr, "vessel-statfs: %s: %s\n", what, strerror(errno));
}

static long long read_number(const char *name) {
    char path[PATH_MAX], text[64];
    snprintf(path, sizeof path, "%s/%s", qgroup_dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) {
        return -1;
    }
    text[n] = 0;
    return strtoll(text, NULL, 10);
}

static int open_proc(pid_t pid, const char *entry, int flags) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int) pid, entry);
    return open(path, flags | O_CLOEXEC);
}

static int still_valid(int listener, uint64_t id) {
    return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

/* The NUL-terminated path at addr in the caller's memory, read through its /proc/<pid>/mem. */
static int read_path(int mem, uint64_t addr, char *path) {
    size_t have = 0;
    while (have < PATH_MAX) {
        /* never read across a page boundary in one go: the next page may not be mapped */
        size_t chunk = 4096 - ((addr + have) & 4095);
        if (chunk > PATH_MAX - have) {
            chunk = PATH_MAX - have;
        }
        ssize_t n = pread(mem, path + have, chunk, (off_t) (addr + have));
        if (n <= 0) {
            return -1;
        }
        void *nul = memchr(path + have, 0, (size_t) n);
        if (nul) {
            return 0;
        }
        have += (size_t) n;
    }
    return -1;
}

/*
 * An O_PATH descriptor of what statfs(path) names, as the caller would resolve it: absolute paths and absolute
 * symbolic links inside the caller's root, relative ones from its working directory (refusing symbolic links there,
 * whose absolute targets would be resolved against this program's root; such calls continue in the kernel).
 */
static int resolve(pid_t pid, const char *path) {
    int absolute = path[0] == '/';
    int dir = open_proc(pid, absolute ? "root" : "cwd", O_PATH | O_DIRECTORY);
    if (dir < 0) {
        return -1;
    }
    struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                           .resolve = RESOLVE_NO_MAGICLINKS | (absolute ? RESOLVE_IN_ROOT : RESOLVE_NO_SYMLINKS)};
    int fd = (int) syscall(SYS_openat2, dir, path[0] ? path : ".", &how, sizeof how);
    close(dir);
    return fd;
}

static int same_fsid(const struct statfs *a, const struct statfs *b) {
    return memcmp(&a->f_fsid, &b->f_fsid, sizeof a->f_fsid) == 0 && a->f_type == b->f_type;
}

/* Fills *answer for a call on the VE's root file system; 0: continue the call in the kernel unchanged. */
static int quota_view(struct statfs *answer) {
    long long limit = read_number("max_referenced");
    long long used = read_number("referenced");
    if (limit <= 0 || used < 0 || answer->f_bsize <= 0) {
        return 0;
    }
    unsigned long long bsize = (unsigned long long) answer->f_bsize;
    unsigned long long free_bytes = limit > used ? (unsigned long long) (limit - used) : 0;
    unsigned long long blocks = (unsigned long long) limit / bsize;
    unsigned long long bfree = free_bytes / bsize;
    answer->f_blocks = blocks;
    answer->f_bfree = bfree;
    /* never promise more than the pool itself still has */
    answer->f_bavail = bfree < answer->f_bavail ? bfree : answer->f_bavail;
    answer->f_files = (unsigned long long) limit / BYTES_PER_INODE;
    answer->f_ffree = free_bytes / BYTES_PER_INODE;
    return 1;
}

static void answer(int listener, struct seccomp_notif *req, struct seccomp_notif_resp *resp) {
    resp->id = req->id;
    resp->val = 0;
    resp->error = 0;
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    int nr = req->data.nr;
    int mem = -1, target = -1, root = -1, pidfd = -1;
    if (req->data.arch != NATIVE_ARCH || (nr != SYS_statfs && nr != SYS_fstatfs)) {
        goto send;
    }
    pid_t pid = (pid_t) req->pid;
    mem = open_proc(pid, "mem", O_RDWR);
    root = open_proc(pid, "root", O_PATH | O_DIRECTORY);
    pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    if (mem < 0 || root < 0 || pidfd < 0 || !still_valid(listener, req->id)) {
        goto send; /* the caller is gone, or the pid is another process's already */
    }
    if (nr == SYS_statfs) {
        char path[PATH_MAX];
        if (read_path(mem, req->data.args[0], path) < 0) {
            goto send;
        }
        target = resolve(pid, path);
    } else {
        target = (int) syscall(SYS_pidfd_getfd, pidfd, (int) req->data.args[0], 0);
    }
    struct statfs root_fs, target_fs;
    if (target < 0 || fstatfs(root, &root_fs) < 0 || fstatfs(target, &target_fs) < 0 || !same_fsid(&root_fs, &target_fs)) {
        goto send; /* not the VE's root file system, or an error the kernel will report itself */
    }
    if (!quota_view(&target_fs)) {
        goto send;
    }
    if (!still_valid(listener, req->id)) {
        goto send;
    }
    if (pwrite(mem, &target_fs, sizeof target_fs, (off_t) req->data.args[1]) != (ssize_t) sizeof target_fs) {
        resp->flags = 0;
        resp->error = -EFAULT;
        goto send;
    }
    resp->flags = 0;
send:
    if (mem >= 0) close(mem);
    if (target >= 0) close(target);
    if (root >= 0) close(root);
    if (pidfd >= 0) close(pidfd);
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT) {
        log_line("answer");
    }
}

/* Takes the listener runc sends with SCM_RIGHTS on a new connection (with the container's state, not needed here). */
static int receive_listener(int server) {
    int conn = accept4(server, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0) {
        return -1;
    }
    char state[8192];
    char control[CMSG_SPACE(sizeof(int) * 4)];
    struct iovec iov = {.iov_base = state, .iov_len = sizeof state};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    int fd = -1;
    if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) >= 0) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int count = (int) ((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                int *fds = (int *) CMSG_DATA(c);
                for (int i = 0; i < count; i++) {
                    if (fd < 0) {
                        fd = fds[i];
                    } else {
                        close(fds[i]);
                    }
                }
            }
        }
    }
    close(conn);
    return fd;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: vessel-statfs SOCKET QGROUP_DIR PIDFILE\n");
        return 2;
    }
    qgroup_dir = argv[2];
    signal(SIGPIPE, SIG_IGN);
    struct seccomp_notif_sizes sizes;
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0) {
        log_line("seccomp notification sizes");
        return 1;
    }
    struct seccomp_notif *req = calloc(1, sizes.seccomp_notif > sizeof *req ? sizes.seccomp_notif : sizeof *req);
    struct seccomp_notif_resp *resp = calloc(1, sizes.seccomp_notif_resp > sizeof *resp ? sizes.seccomp_notif_resp : sizeof *resp);
    size_t req_size = sizes.seccomp_notif > sizeof *req ? sizes.seccomp_notif : sizeof *req;

    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    /* bound under a temporary name and renamed once listening: whoever waits for SOCKET can connect at once */
    char pending[sizeof addr.sun_path + 8];
    snprintf(pending, sizeof pending, "%s.new", argv[1]);
    if (strlen(pending) >= sizeof addr.sun_path) {
        fprintf(stderr, "vessel-statfs: socket path too long\n");
        return 2;
    }
    strcpy(addr.sun_path, pending);
    unlink(pending);
    int server = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    umask(0077);
    FILE *pidfile = fopen(argv[3], "we");
    if (!pidfile || fprintf(pidfile, "%d\n", (int) getpid()) < 0 || fclose(pidfile) != 0) {
        log_line("pid file");
        return 1;
    }
    if (server < 0 || bind(server, (struct sockaddr *) &addr, sizeof addr) < 0 || listen(server, 16) < 0
            || rename(pending, argv[1]) < 0) {
        log_line("listen");
        return 1;
    }

    struct pollfd fds[MAX_LISTENERS + 1];
    int count = 1;
    fds[0] = (struct pollfd){.fd = server, .events = POLLIN};
    for (;;) {
        if (poll(fds, (nfds_t) count, -1) < 0) {
            if (errno == EINTR) continue;
            log_line("poll");
            return 1;
        }
        if (fds[0].revents & POLLIN) {
            int listener = receive_listener(server);
            if (listener >= 0 && count <= MAX_LISTENERS) {
                fds[count++] = (struct pollfd){.fd = listener, .events = POLLIN};
            } else if (listener >= 0) {
                close(listener); /* too many execs at once: their statfs calls fail with ENOSYS */
            }
        }
        for (int i = 1; i < count; i++) {
            if (fds[i].revents & POLLIN) {
                memset(req, 0, req_size);
                if (ioctl(fds[i].fd, SECCOMP_IOCTL_NOTIF_RECV, req) == 0) {
                    answer(fds[i].fd, req, resp);
                } else if (errno != EINTR && errno != ENOENT) {
                    fds[i].revents |= POLLHUP;
                }
            }
            if (fds[i].revents & (POLLHUP | POLLERR | POLLNVAL)) {
                if (i == 1) {
                    return 0; /* the VE's init and all its processes have ended: so has the VE */
                }
                close(fds[i].fd);
                fds[i] = fds[--count];
                fds[count].revents = 0;
                i--;
            }
        }
    }
}
