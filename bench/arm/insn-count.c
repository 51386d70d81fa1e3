/* insn-count.c — a qemu TCG plugin that counts the guest's executed instructions, split into user
 * and kernel by the instruction's virtual address, and answers snapshots over a Unix socket.
 *
 * Written against include/qemu/qemu-plugin.h of Debian bookworm's qemu 7.2 (plugin API version 1).
 * Build: gcc -O2 -shared -fPIC -I<qemu>/include/qemu -o insn-count.so insn-count.c -lpthread
 * Use:   qemu-system-arm ... -plugin insn-count.so,sock=/path/ctl.sock[,kernel=0xc0000000]
 *
 * Counting: with one vCPU (-smp 1) every instruction gets an inline add to the user or the kernel
 * counter, chosen at translation time by its address (>= kernel=, default 0xC0000000, the ARM 3G/1G
 * split; the bench passes 0xBF000000 so that kernel modules, mapped just below, count as kernel).
 * An inline add runs before its instruction, so an instruction that faults and is re-executed counts
 * twice: a few per page fault, nothing next to millions a second. Inline adds are not atomic, so with
 * more than one vCPU the plugin uses a per-TB callback instead that adds the block's counts to that
 * vCPU's own counters (no sharing, no atomics; a block left early by an exception counts whole).
 *
 * Protocol: connect to sock=, send a line; each line is answered with
 *   "<user> <kernel> <mono_ns>\n"
 * (totals since start; mono_ns is the host's CLOCK_MONOTONIC when they were read).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_VCPUS 64

struct counts {
    uint64_t user, kernel;
} __attribute__((aligned(64))); /* one cache line per vCPU */

static struct counts per_vcpu[MAX_VCPUS];
static uint64_t kernel_base = 0xC0000000u;
static int n_vcpus = 1;
static int listen_fd = -1;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

/* Per-TB counts for the multi-vCPU path (allocated per translation, live as long as the TB may). */
struct tb_counts {
    uint32_t user, kernel;
};

static void tb_exec(unsigned int vcpu, void *udata) {
    const struct tb_counts *c = udata;
    if (vcpu >= MAX_VCPUS) vcpu = MAX_VCPUS - 1;
    per_vcpu[vcpu].user += c->user;
    per_vcpu[vcpu].kernel += c->kernel;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    if (n_vcpus == 1) {
        for (size_t i = 0; i < n; i++) {
            struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
            uint64_t *ctr = qemu_plugin_insn_vaddr(insn) >= kernel_base ? &per_vcpu[0].kernel : &per_vcpu[0].user;
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, ctr, 1);
        }
        return;
    }
    struct tb_counts *c = calloc(1, sizeof *c);
    if (!c) abort();
    for (size_t i = 0; i < n; i++) {
        if (qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, i)) >= kernel_base)
            c->kernel++;
        else
            c->user++;
    }
    qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS, c);
}

static int snapshot(char *buf, size_t cap) {
    uint64_t user = 0, kernel = 0;
    for (int i = 0; i < n_vcpus && i < MAX_VCPUS; i++) {
        user += __atomic_load_n(&per_vcpu[i].user, __ATOMIC_RELAXED);
        kernel += __atomic_load_n(&per_vcpu[i].kernel, __ATOMIC_RELAXED);
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return snprintf(buf, cap, "%llu %llu %llu\n", (unsigned long long)user, (unsigned long long)kernel,
                    (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec);
}

/* One client at a time; every '\n' it sends is answered with a snapshot line. */
static void *server(void *arg) {
    (void)arg;
    for (;;) {
        int fd = accept(listen_fd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR) continue;
            return NULL;
        }
        char in[256];
        ssize_t r;
        while ((r = read(fd, in, sizeof in)) > 0) {
            for (ssize_t i = 0; i < r; i++) {
                if (in[i] != '\n') continue;
                char out[96];
                int len = snapshot(out, sizeof out);
                if (write(fd, out, (size_t)len) != len) break;
            }
        }
        close(fd);
    }
}

static void at_exit(qemu_plugin_id_t id, void *p) {
    (void)id;
    (void)p;
    if (sock_path[0]) unlink(sock_path);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "sock=", 5) == 0) {
            if (strlen(argv[i] + 5) >= sizeof sock_path) {
                fprintf(stderr, "insn-count: socket path too long\n");
                return -1;
            }
            strcpy(sock_path, argv[i] + 5);
        } else if (strncmp(argv[i], "kernel=", 7) == 0) {
            kernel_base = strtoull(argv[i] + 7, NULL, 0);
        } else {
            fprintf(stderr, "insn-count: unknown argument %s (sock=PATH, kernel=ADDR)\n", argv[i]);
            return -1;
        }
    }
    if (!sock_path[0]) {
        fprintf(stderr, "insn-count: sock=PATH is required\n");
        return -1;
    }
    n_vcpus = info->system_emulation ? info->system.max_vcpus : 1;
    if (n_vcpus < 1) n_vcpus = 1;
    if (n_vcpus > MAX_VCPUS) {
        fprintf(stderr, "insn-count: at most %d vCPUs\n", MAX_VCPUS);
        return -1;
    }

    listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, sock_path);
    unlink(sock_path);
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(listen_fd, 4) < 0) {
        fprintf(stderr, "insn-count: %s: %s\n", sock_path, strerror(errno));
        return -1;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, server, NULL) != 0) return -1;
    pthread_detach(t);

    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
