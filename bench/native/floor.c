/* floor.c — reference "floor" MJPEG fan-out server for the mjpgd benchmark.
 *
 * The least work a native server can do to fan one MJPEG stream out to many viewers: frames are
 * preloaded, each tick writes one part per ready client with a single writev, non-blocking sockets,
 * one frame in flight per client (busy clients skip). mjpgd's figures are reported as ratios to this.
 * With --device it is the capture floor instead: each frame an MJPEG V4L2 device hands over (MMAP
 * buffers) is copied out once, the buffer requeued at once, and the copy fanned out the same way.
 *
 * Build: gcc -O2 -Wall -Wextra -o floor floor.c
 * Usage: floor --port P (--fps F --frames DIR | --device /dev/videoN [--width W --height H])
 *              [--duration SEC] [--host IPV4 (127.0.0.1)]
 * Prints "listening <port>" when ready, one JSON line of totals on SIGTERM/SIGINT/duration end, and a
 * snapshot line of the same totals ("final":false) on each SIGUSR1.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/videodev2.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static const char RESPONSE_HEAD[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: multipart/x-mixed-replace;boundary=frame\r\n"
    "Cache-Control: no-cache\r\n"
    "Connection: close\r\n"
    "\r\n";
static const char PART_TAIL[] = "\r\n";

struct frame {
    unsigned char *data;
    size_t len, cap;
    int refs; /* clients with a part of this frame still pending (a captured frame's copy is reused only at 0) */
};

struct client {
    int fd;
    int idx;          /* position in the dense client array */
    int streaming;    /* request head fully read, response head queued */
    int head_match;   /* progress matching "\r\n\r\n" across reads */
    size_t head_bytes;
    /* Pending (partially written) output. iov points at the frame (frames live for the whole run),
     * at the static tail, and at hdr: the tick's part header is copied here only on a partial write,
     * so a client never depends on a per-tick buffer that the next tick overwrites. */
    int pending;
    int pending_part; /* pending output is a part (not the response head) */
    struct frame *held; /* the frame of the part being sent, until it is all written */
    struct iovec iov[3];
    int iov_first, iov_cnt;
    char hdr[128];
};

static struct {
    uint64_t clients_max, frames_ticked, ticks_missed, parts_sent, parts_skipped, bytes_sent;
} st;

static int epfd;
static struct client **by_fd; /* fd -> client, for epoll events */
static int fd_cap;
static struct client **all;   /* dense array, iterated every tick */
static int n_clients;

static void die(const char *what) {
    perror(what);
    exit(1);
}

static uint64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_jpeg_name(const char *n) {
    size_t l = strlen(n);
    return (l > 4 && strcasecmp(n + l - 4, ".jpg") == 0) || (l > 5 && strcasecmp(n + l - 5, ".jpeg") == 0);
}

/* Loads every .jpg in dir (name order) into memory once, so the tick path never touches the disk. */
static struct frame *load_frames(const char *dir, int *count) {
    DIR *d = opendir(dir);
    if (!d) die(dir);
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_jpeg_name(e->d_name)) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, sizeof *names * cap);
            if (!names) die("realloc");
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n == 0) {
        fprintf(stderr, "floor: no .jpg files in %s\n", dir);
        exit(1);
    }
    qsort(names, n, sizeof *names, name_cmp);
    struct frame *fr = calloc(n, sizeof *fr);
    if (!fr) die("calloc");
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        if (!f) die(path);
        struct stat sb;
        if (fstat(fileno(f), &sb) < 0 || sb.st_size <= 0) {
            fprintf(stderr, "floor: empty or unreadable %s\n", path);
            exit(1);
        }
        fr[i].len = (size_t)sb.st_size;
        fr[i].data = malloc(fr[i].len);
        if (!fr[i].data || fread(fr[i].data, 1, fr[i].len, f) != fr[i].len) die(path);
        fclose(f);
        free(names[i]);
    }
    free(names);
    *count = n;
    return fr;
}

static void set_events(struct client *c, uint32_t ev) {
    struct epoll_event e = {.events = ev, .data.fd = c->fd};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e);
}

static void release_frame(struct client *c) {
    if (c->held) c->held->refs--;
    c->held = NULL;
}

static void drop_client(struct client *c) {
    release_frame(c);
    close(c->fd); /* also removes it from epoll */
    by_fd[c->fd] = NULL;
    all[c->idx] = all[--n_clients];
    all[c->idx]->idx = c->idx;
    free(c);
}

/* Writes whatever of c->iov is still pending. Returns 0 when all sent, 1 when still pending, -1 on error. */
static int flush_pending(struct client *c) {
    while (c->iov_first < c->iov_cnt) {
        ssize_t w = writev(c->fd, c->iov + c->iov_first, c->iov_cnt - c->iov_first);
        if (w < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 1 : (errno == EINTR ? 1 : -1);
        st.bytes_sent += (uint64_t)w;
        size_t left = (size_t)w;
        while (c->iov_first < c->iov_cnt && left >= c->iov[c->iov_first].iov_len)
            left -= c->iov[c->iov_first++].iov_len;
        if (c->iov_first < c->iov_cnt) {
            c->iov[c->iov_first].iov_base = (char *)c->iov[c->iov_first].iov_base + left;
            c->iov[c->iov_first].iov_len -= left;
        }
    }
    return 0;
}

/* Called with c->iov set up; on a partial write keeps the rest and waits for EPOLLOUT.
 * Returns -1 if the client was dropped (c is freed), else 0. */
static int send_or_park(struct client *c) {
    int r = flush_pending(c);
    if (r < 0) {
        drop_client(c);
        return -1;
    }
    if (r == 0) {
        if (c->pending_part) st.parts_sent++;
        release_frame(c);
        if (c->pending) set_events(c, EPOLLIN | EPOLLRDHUP); /* was parked: stop watching EPOLLOUT */
        c->pending = 0;
        return 0;
    }
    /* Partial inside the part header: that header lives in on_tick's stack buffer, which the next
     * tick reuses, so keep a private copy of what is left of it. */
    char *b = c->iov[0].iov_base;
    if (c->pending_part && c->iov_first == 0 && !(b >= c->hdr && b < c->hdr + sizeof c->hdr)) {
        memcpy(c->hdr, b, c->iov[0].iov_len);
        c->iov[0].iov_base = c->hdr;
    }
    if (!c->pending) set_events(c, EPOLLIN | EPOLLRDHUP | EPOLLOUT);
    c->pending = 1;
    return 0;
}

static void on_readable(struct client *c) {
    char buf[4096];
    for (;;) {
        ssize_t r = read(c->fd, buf, sizeof buf);
        if (r == 0) {
            drop_client(c);
            return;
        }
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            if (errno == EINTR) continue;
            drop_client(c);
            return;
        }
        if (c->streaming) continue; /* anything after the request head is ignored */
        c->head_bytes += (size_t)r;
        for (ssize_t i = 0; i < r && !c->streaming; i++) {
            char want = (c->head_match & 1) ? '\n' : '\r';
            if (buf[i] == want) c->head_match++;
            else c->head_match = (buf[i] == '\r') ? 1 : 0;
            if (c->head_match == 4) c->streaming = 1;
        }
        if (c->streaming) {
            c->iov[0] = (struct iovec){(void *)RESPONSE_HEAD, sizeof RESPONSE_HEAD - 1};
            c->iov_first = 0;
            c->iov_cnt = 1;
            c->pending_part = 0;
            send_or_park(c);
            return;
        }
        if (c->head_bytes > 65536) { /* not HTTP; don't buffer forever */
            drop_client(c);
            return;
        }
    }
}

static void on_accept(int lfd) {
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return; /* EAGAIN, or EMFILE: leave it in the backlog */
        }
        if (fd >= fd_cap) {
            close(fd);
            continue;
        }
        int one = 1; /* latency: a part's tail must not wait for Nagle */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct client *c = calloc(1, sizeof *c);
        if (!c) die("calloc");
        c->fd = fd;
        c->idx = n_clients;
        all[n_clients++] = c;
        by_fd[fd] = c;
        if ((uint64_t)n_clients > st.clients_max) st.clients_max = (uint64_t)n_clients;
        struct epoll_event e = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = fd};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) < 0) drop_client(c);
    }
}

static void on_tick(const struct frame *f) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char hdr[128];
    int hlen = snprintf(hdr, sizeof hdr,
                        "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %zu\r\n"
                        "X-Timestamp: %lld.%06ld\r\n\r\n",
                        f->len, (long long)ts.tv_sec, ts.tv_nsec / 1000);
    st.frames_ticked++;
    /* Backwards, so drop_client's swap-with-last never skips a client. */
    for (int i = n_clients - 1; i >= 0; i--) {
        struct client *c = all[i];
        if (!c->streaming) continue;
        if (c->pending) { /* one frame in flight per client: a busy client skips this one */
            st.parts_skipped++;
            continue;
        }
        c->iov[0] = (struct iovec){hdr, (size_t)hlen};
        c->iov[1] = (struct iovec){f->data, f->len};
        c->iov[2] = (struct iovec){(void *)PART_TAIL, 2};
        c->iov_first = 0;
        c->iov_cnt = 3;
        c->pending_part = 1;
        c->held = (struct frame *)f;
        c->held->refs++;
        send_or_park(c);
    }
}

/* --- capture (--device): MJPEG frames from a V4L2 device ----------------------------------- */

#define CAM_BUFFERS 4
#define POOL_MAX 64
static int cam_fd = -1;
static struct { void *p; size_t len; } cam_buf[CAM_BUFFERS];
static int cam_n;
static struct frame pool[POOL_MAX]; /* copies of captured frames; one is reused once no client holds it */
static int pool_n;
static uint64_t frames_bad; /* dequeued buffers with no whole JPEG in them */

/* The length of the JPEG at the start of p (up to its EOI marker), or 0 if there is no whole one.
 * bytesused can't be trusted: v4l2loopback's first frame claims the whole buffer. */
static size_t jpeg_len(const unsigned char *p, size_t n) {
    if (n < 4 || p[0] != 0xFF || p[1] != 0xD8) return 0;
    size_t i = 2;
    while (i + 2 <= n) {
        if (p[i] != 0xFF) return 0;
        unsigned m = p[i + 1];
        if (m == 0xFF) { i++; continue; } /* fill byte */
        if (m == 0xD9) return i + 2;
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { i += 2; continue; }
        if (i + 4 > n) return 0;
        size_t seg = ((size_t)p[i + 2] << 8) | p[i + 3];
        i += 2 + seg;
        if (m != 0xDA) continue;
        /* Entropy-coded data: a marker is 0xFF followed by neither 0x00 (stuffing) nor RSTn. */
        while (i + 1 < n && !(p[i] == 0xFF && p[i + 1] != 0x00 && !(p[i + 1] >= 0xD0 && p[i + 1] <= 0xD7))) i++;
    }
    return 0;
}

static void xioctl(unsigned long req, void *arg, const char *what) {
    while (ioctl(cam_fd, req, arg) < 0) {
        if (errno == EINTR) continue;
        die(what);
    }
}

/* Opens dev for MJPEG at w x h with CAM_BUFFERS MMAP buffers, all queued, streaming. */
static void cam_open(const char *dev, unsigned w, unsigned h) {
    cam_fd = open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (cam_fd < 0) die(dev);
    struct v4l2_format fmt = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
    fmt.fmt.pix.width = w;
    fmt.fmt.pix.height = h;
    fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_MJPEG;
    fmt.fmt.pix.field = V4L2_FIELD_ANY;
    xioctl(VIDIOC_S_FMT, &fmt, "VIDIOC_S_FMT");
    if (fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_MJPEG && fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_JPEG) {
        fprintf(stderr, "floor: %s offers no MJPEG\n", dev);
        exit(1);
    }
    struct v4l2_requestbuffers rb = {.count = CAM_BUFFERS, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
    xioctl(VIDIOC_REQBUFS, &rb, "VIDIOC_REQBUFS");
    cam_n = rb.count < CAM_BUFFERS ? (int)rb.count : CAM_BUFFERS;
    if (cam_n < 1) {
        fprintf(stderr, "floor: %s gave no buffers\n", dev);
        exit(1);
    }
    for (int i = 0; i < cam_n; i++) {
        struct v4l2_buffer b = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP, .index = (unsigned)i};
        xioctl(VIDIOC_QUERYBUF, &b, "VIDIOC_QUERYBUF");
        cam_buf[i].len = b.length;
        cam_buf[i].p = mmap(NULL, b.length, PROT_READ, MAP_SHARED, cam_fd, b.m.offset);
        if (cam_buf[i].p == MAP_FAILED) die("mmap");
        xioctl(VIDIOC_QBUF, &b, "VIDIOC_QBUF");
    }
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    xioctl(VIDIOC_STREAMON, &type, "VIDIOC_STREAMON");
}

/* A pool frame no client holds (the pool grows while every one is held), or NULL when all are. */
static struct frame *pool_free(void) {
    for (int i = 0; i < pool_n; i++)
        if (pool[i].refs == 0) return &pool[i];
    return pool_n < POOL_MAX ? &pool[pool_n++] : NULL;
}

/* Dequeues one buffer, copies its JPEG out, requeues it. Returns 0 when no buffer was ready, else 1 with
 * *out = the copy (NULL if the buffer held no whole JPEG, or every copy is still held by a viewer). */
static int cam_take(struct frame **out) {
    struct v4l2_buffer b = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
    *out = NULL;
    if (ioctl(cam_fd, VIDIOC_DQBUF, &b) < 0) {
        if (errno == EAGAIN || errno == EINTR) return 0;
        die("VIDIOC_DQBUF");
    }
    size_t used = b.bytesused && b.bytesused <= cam_buf[b.index].len ? b.bytesused : cam_buf[b.index].len;
    size_t len = jpeg_len(cam_buf[b.index].p, used);
    struct frame *f = len ? pool_free() : NULL;
    if (f) {
        if (f->cap < len) {
            free(f->data);
            f->cap = len;
            f->data = malloc(len);
            if (!f->data) die("malloc");
        }
        memcpy(f->data, cam_buf[b.index].p, len);
        f->len = len;
    }
    xioctl(VIDIOC_QBUF, &b, "VIDIOC_QBUF");
    if (!f) frames_bad++;
    *out = f;
    return 1;
}

/* Watches the device with epoll again. v4l2loopback's poll registers its wait queue only when no frame
 * is ready, and epoll asks a file's poll with a queue only when the fd is added: re-adding it once the
 * device is drained is what keeps the wake-ups coming (a videobuf2 driver, UVC say, would not need it). */
static void cam_watch(void) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, cam_fd, NULL);
    struct epoll_event e = {.events = EPOLLIN, .data.fd = cam_fd};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, cam_fd, &e) < 0) die("epoll_ctl camera");
}

/* One JSON line of totals since start. final=0 is a SIGUSR1 snapshot: the driver takes two and subtracts
 * them to get the CPU of exactly its measurement window. */
static void print_stats(uint64_t t0, int final) {
    uint64_t wall = mono_us() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    struct timespec cpu; /* exact total; getrusage's user/sys split may be tick-sampled */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    printf("{\"final\":%s,\"clients\":%d,\"clients_max\":%llu,\"frames_ticked\":%llu,\"ticks_missed\":%llu,"
           "\"parts_sent\":%llu,\"parts_skipped\":%llu,\"bytes_sent\":%llu,\"cpu_user_us\":%lld,"
           "\"cpu_sys_us\":%lld,\"cpu_us\":%lld,\"wall_us\":%llu,\"frames_bad\":%llu}\n",
           final ? "true" : "false", n_clients, (unsigned long long)st.clients_max,
           (unsigned long long)st.frames_ticked, (unsigned long long)st.ticks_missed,
           (unsigned long long)st.parts_sent, (unsigned long long)st.parts_skipped,
           (unsigned long long)st.bytes_sent, (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
           (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec,
           (long long)cpu.tv_sec * 1000000 + cpu.tv_nsec / 1000, (unsigned long long)wall,
           (unsigned long long)frames_bad);
    fflush(stdout);
}

static void usage(void) {
    fprintf(stderr, "usage: floor --port P (--fps F --frames DIR | --device /dev/videoN [--width W --height H])\n"
                    "             [--duration SEC] [--host IPV4]\n");
    exit(2);
}

int main(int argc, char **argv) {
    int port = -1;
    double fps = 0, duration = 0;
    const char *dir = NULL, *host = "127.0.0.1", *device = NULL;
    unsigned width = 640, height = 480;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) usage();
        if (!strcmp(argv[i], "--port")) port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--fps")) fps = atof(argv[++i]);
        else if (!strcmp(argv[i], "--frames")) dir = argv[++i];
        else if (!strcmp(argv[i], "--duration")) duration = atof(argv[++i]);
        else if (!strcmp(argv[i], "--host")) host = argv[++i];
        else if (!strcmp(argv[i], "--device")) device = argv[++i];
        else if (!strcmp(argv[i], "--width")) width = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--height")) height = (unsigned)atoi(argv[++i]);
        else usage();
    }
    if (port < 0 || port > 65535 || (device ? (dir != NULL) : (fps <= 0 || !dir))) usage();

    int n_frames = 0;
    struct frame *frames = device ? NULL : load_frames(dir, &n_frames);
    if (device) cam_open(device, width, height);

    /* Many viewers need many fds. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    fd_cap = rl.rlim_cur > 1048576 ? 1048576 : (int)rl.rlim_cur;
    by_fd = calloc(fd_cap, sizeof *by_fd);
    all = calloc(fd_cap, sizeof *all);
    if (!by_fd || !all) die("calloc");

    signal(SIGPIPE, SIG_IGN); /* a vanished viewer is an EPIPE, not a crash */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGUSR1);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd < 0) die("signalfd");

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) die("socket");
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) usage();
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    if (listen(lfd, 4096) < 0) die("listen");
    socklen_t alen = sizeof addr;
    getsockname(lfd, (struct sockaddr *)&addr, &alen); /* --port 0 picks a free port */

    int tfd = -1; /* the frame clock, when playing files; a device brings its own */
    if (!device) {
        tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (tfd < 0) die("timerfd_create");
        long long period_ns = (long long)(1e9 / fps);
        struct itimerspec its = {.it_interval = {period_ns / 1000000000, period_ns % 1000000000},
                                 .it_value = {period_ns / 1000000000, period_ns % 1000000000}};
        timerfd_settime(tfd, 0, &its, NULL);
    }

    int dfd = -1;
    if (duration > 0) {
        dfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        long long d_ns = (long long)(duration * 1e9);
        struct itimerspec dts = {.it_value = {d_ns / 1000000000, d_ns % 1000000000}};
        timerfd_settime(dfd, 0, &dts, NULL);
    }

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");
    int special[] = {lfd, tfd, sfd, dfd, cam_fd};
    for (int i = 0; i < 5; i++) {
        if (special[i] < 0) continue;
        struct epoll_event e = {.events = EPOLLIN, .data.fd = special[i]};
        epoll_ctl(epfd, EPOLL_CTL_ADD, special[i], &e);
    }

    uint64_t t0 = mono_us();
    printf("listening %d\n", ntohs(addr.sin_port));
    fflush(stdout);

    int next_frame = 0, running = 1;
    struct epoll_event evs[256];
    while (running) {
        int n = epoll_wait(epfd, evs, 256, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            uint32_t ev = evs[i].events;
            if (fd == lfd) {
                on_accept(lfd);
            } else if (fd == cam_fd) {
                struct frame *f;
                while (cam_take(&f))
                    if (f) on_tick(f);
                cam_watch();
            } else if (fd == tfd) {
                uint64_t exp;
                if (read(tfd, &exp, sizeof exp) == sizeof exp && exp > 0) {
                    st.ticks_missed += exp - 1; /* loop fell behind: those ticks are lost, not queued */
                    on_tick(&frames[next_frame]);
                    next_frame = (next_frame + 1) % n_frames;
                }
            } else if (fd == sfd) {
                struct signalfd_siginfo si;
                while (read(sfd, &si, sizeof si) == sizeof si) {
                    if (si.ssi_signo == SIGUSR1) print_stats(t0, 0);
                    else running = 0;
                }
            } else if (fd == dfd) {
                running = 0;
            } else {
                struct client *c = fd < fd_cap ? by_fd[fd] : NULL;
                if (!c) continue; /* dropped earlier in this batch */
                if (ev & (EPOLLERR | EPOLLHUP)) {
                    drop_client(c);
                    continue;
                }
                if ((ev & EPOLLOUT) && c->pending && send_or_park(c) < 0) continue;
                if (ev & (EPOLLIN | EPOLLRDHUP)) on_readable(c);
            }
        }
    }

    print_stats(t0, 1);
    for (int i = 0; i < n_frames; i++) free(frames[i].data); /* keeps leak checkers quiet */
    free(frames);
    for (int i = 0; i < pool_n; i++) free(pool[i].data);
    return 0;
}
