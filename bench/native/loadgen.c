/* loadgen.c — MJPEG load generator for the mjpgd benchmark.
 *
 * Opens N viewers of an MJPEG stream on one epoll loop, parses every part strictly (multipart framing,
 * Content-Length, JPEG SOI/EOI, trailing CRLF; de-chunks Transfer-Encoding: chunked first, as
 * uWebSockets.js streams that way), and reports fps per viewer and capture->receive latency
 * (now - X-Timestamp). K of the N viewers are slow: they read at a capped byte rate through a small
 * receive buffer, like a viewer on a poor link.
 *
 * Build: gcc -O2 -Wall -Wextra -o loadgen loadgen.c
 * Usage: loadgen --port P --clients N [--host 127.0.0.1] [--path /stream] [--slow K]
 *                [--slow-rate BYTES_PER_SEC] [--duration SEC] [--warmup SEC]
 * Prints one JSON object on stdout at the end.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_BUF (256 * 1024)
#define MAX_PENDING_CONNECTS 64 /* connects not yet answered: keeps the server's accept queue small */
#define MAX_RETRIES 40
#define SLOW_RCVBUF 16384
#define REFILL_EVERY_US 2000

enum { C_IDLE, C_CONNECTING, C_HEAD, C_STREAM, C_DONE };
enum { CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_END };
enum { M_DELIM, M_HEADERS, M_BODY, M_CR, M_LF, M_END };

struct client {
    int fd, state, slow, retries;
    uint64_t next_try_us;
    int failed, closed_by_server, got_head;
    double tokens; /* slow clients: byte budget (token bucket) */
    int throttled; /* slow client with EPOLLIN disarmed until the bucket refills */

    /* Line accumulator, shared by the response head and the part headers (never active at once). */
    char line[512];
    size_t line_len;

    int status_seen, status, chunked;
    char boundary[128];
    size_t blen;

    int ch_state, ch_digits;
    uint64_t ch_left;

    int m_state, have_ts;
    int64_t clen, ts_us;
    uint64_t body_left, body_pos;
    unsigned char first[2], last[2];

    uint64_t parts_ok, parts_window, bad_parts, bytes;
};

/* Log-linear histogram: exact below 64 us, then 64 sub-buckets per power of two (~1.5% error). */
#define H_SUB 64
#define H_BUCKETS (H_SUB + 58 * H_SUB)
struct hist {
    uint64_t n, max;
    uint64_t b[H_BUCKETS];
};

static void hist_add(struct hist *h, uint64_t v) {
    int i;
    if (v < H_SUB) {
        i = (int)v;
    } else {
        int e = 63 - __builtin_clzll(v); /* >= 6 */
        i = H_SUB + (e - 6) * H_SUB + (int)((v >> (e - 6)) & (H_SUB - 1));
        if (i >= H_BUCKETS) i = H_BUCKETS - 1;
    }
    h->b[i]++;
    h->n++;
    if (v > h->max) h->max = v;
}

static uint64_t hist_pct(const struct hist *h, double q) {
    if (h->n == 0) return 0;
    uint64_t rank = (uint64_t)(q * (double)(h->n - 1)) + 1, seen = 0;
    for (int i = 0; i < H_BUCKETS; i++) {
        seen += h->b[i];
        if (seen < rank) continue;
        if (i < H_SUB) return (uint64_t)i;
        int e = (i - H_SUB) / H_SUB + 6;
        uint64_t lo = ((uint64_t)H_SUB + (uint64_t)((i - H_SUB) % H_SUB)) << (e - 6);
        uint64_t mid = lo + ((1ull << (e - 6)) >> 1);
        return mid > h->max ? h->max : mid;
    }
    return h->max;
}

static struct client *cl;
static int n_clients, n_slow;
static int epfd;
static struct sockaddr_in target;
static char request[1024];
static size_t request_len;
static double slow_rate = 200000, bucket_cap;
static uint64_t win_start, win_end;
static int64_t now_rt_us; /* wall clock at the last read: parts parsed from one read share it */
static uint64_t now_mono_us;
static int n_pending_connects; /* C_CONNECTING + C_HEAD */
static struct hist lat_all, lat_fast, lat_slow;
static unsigned char rbuf[READ_BUF]; /* one buffer for all: parsing is streaming, nothing is kept */

static uint64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int64_t realtime_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void arm(struct client *c, uint32_t ev) {
    struct epoll_event e = {.events = ev, .data.u64 = (uint64_t)(c - cl)};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e);
}

static void finish(struct client *c, int failed) {
    if (c->state == C_CONNECTING || c->state == C_HEAD) n_pending_connects--;
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    c->state = C_DONE;
    if (failed) c->failed = 1;
    else c->closed_by_server = 1;
}

/* Moves bytes up to and including LF into c->line. 1: line complete (CRLF stripped, NUL-terminated,
 * caller resets line_len), 0: need more bytes, -1: too long or bare LF. */
static int take_line(struct client *c, const unsigned char **p, const unsigned char *end) {
    const unsigned char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl ? (size_t)(nl - *p) + 1 : (size_t)(end - *p);
    if (c->line_len + n > sizeof c->line - 1) return -1;
    memcpy(c->line + c->line_len, *p, n);
    c->line_len += n;
    *p += n;
    if (!nl) return 0;
    if (c->line_len < 2 || c->line[c->line_len - 2] != '\r') return -1;
    c->line_len -= 2;
    c->line[c->line_len] = 0;
    return 1;
}

static int name_is(const char *l, size_t name_len, const char *want) {
    return name_len == strlen(want) && strncasecmp(l, want, name_len) == 0;
}

/* Strict decimal; -1 if anything else. */
static int64_t parse_uint(const char *s) {
    while (*s == ' ' || *s == '\t') s++;
    if (*s < '0' || *s > '9') return -1;
    int64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (*s - '0');
        if (v > (int64_t)1 << 40) return -1;
    }
    while (*s == ' ' || *s == '\t') s++;
    return *s ? -1 : v;
}

/* "S.UUUUUU" (any number of fraction digits) -> microseconds, exactly; -1 if malformed. */
static int64_t parse_timestamp(const char *s) {
    while (*s == ' ' || *s == '\t') s++;
    int64_t sec = 0, us = 0, scale = 100000;
    if (*s < '0' || *s > '9') return -1;
    for (; *s >= '0' && *s <= '9'; s++) sec = sec * 10 + (*s - '0');
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++) {
            us += (*s - '0') * scale;
            scale /= 10;
        }
    }
    return sec * 1000000 + us;
}

static void part_done(struct client *c) {
    c->parts_ok++;
    if (now_mono_us < win_start || now_mono_us >= win_end) return;
    c->parts_window++;
    if (c->have_ts) {
        int64_t d = now_rt_us - c->ts_us;
        uint64_t v = d > 0 ? (uint64_t)d : 0;
        hist_add(&lat_all, v);
        hist_add(c->slow ? &lat_slow : &lat_fast, v);
    }
}

/* Multipart layer: consumes de-chunked body bytes. 0 ok, -1 framing violation. */
static int mp_feed(struct client *c, const unsigned char *p, const unsigned char *end) {
    while (p < end) {
        switch (c->m_state) {
        case M_DELIM:
        case M_HEADERS: {
            int r = take_line(c, &p, end);
            if (r <= 0) return r;
            char *l = c->line;
            size_t len = c->line_len;
            c->line_len = 0;
            if (c->m_state == M_DELIM) {
                if (len == 0) continue; /* tolerated: extra CRLFs before a delimiter */
                while (len > 0 && (l[len - 1] == ' ' || l[len - 1] == '\t')) len--; /* RFC 2046 padding */
                if (len < 2 + c->blen || l[0] != '-' || l[1] != '-' || memcmp(l + 2, c->boundary, c->blen))
                    return -1;
                if (len == 2 + c->blen) {
                    c->m_state = M_HEADERS;
                    c->clen = -1;
                    c->have_ts = 0;
                } else if (len == 4 + c->blen && l[len - 2] == '-' && l[len - 1] == '-') {
                    c->m_state = M_END; /* close delimiter: the server ended the stream */
                } else {
                    return -1;
                }
                continue;
            }
            if (len == 0) { /* end of part headers */
                if (c->clen < 4) return -1; /* Content-Length is required; a JPEG has >= 4 bytes */
                c->body_left = (uint64_t)c->clen;
                c->body_pos = 0;
                c->m_state = M_BODY;
                continue;
            }
            char *colon = memchr(l, ':', len);
            if (!colon) return -1;
            size_t nlen = (size_t)(colon - l);
            if (name_is(l, nlen, "content-length")) {
                if (c->clen >= 0) return -1;
                c->clen = parse_uint(colon + 1);
                if (c->clen < 0) return -1;
            } else if (name_is(l, nlen, "x-timestamp")) {
                c->ts_us = parse_timestamp(colon + 1);
                c->have_ts = c->ts_us >= 0;
            }
            continue;
        }
        case M_BODY: {
            size_t n = (size_t)(end - p);
            if (n > c->body_left) n = (size_t)c->body_left;
            for (size_t i = 0; c->body_pos + i < 2 && i < n; i++) c->first[c->body_pos + i] = p[i];
            if (n >= 2) {
                c->last[0] = p[n - 2];
                c->last[1] = p[n - 1];
            } else {
                c->last[0] = c->last[1];
                c->last[1] = p[0];
            }
            p += n;
            c->body_pos += n;
            c->body_left -= n;
            if (c->body_left == 0) {
                if (c->first[0] != 0xFF || c->first[1] != 0xD8 || c->last[0] != 0xFF || c->last[1] != 0xD9)
                    return -1;
                c->m_state = M_CR;
            }
            continue;
        }
        case M_CR:
            if (*p++ != '\r') return -1;
            c->m_state = M_LF;
            continue;
        case M_LF:
            if (*p++ != '\n') return -1;
            c->m_state = M_DELIM;
            part_done(c);
            continue;
        default: /* M_END: ignore an epilogue */
            return 0;
        }
    }
    return 0;
}

static int hexval(unsigned char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Chunked layer: hands each chunk's data straight to the multipart layer (no copy). */
static int chunk_feed(struct client *c, const unsigned char *p, const unsigned char *end) {
    while (p < end) {
        switch (c->ch_state) {
        case CH_SIZE: {
            int v = hexval(*p);
            if (v >= 0) {
                if (++c->ch_digits > 15) return -1;
                c->ch_left = c->ch_left * 16 + (uint64_t)v;
                p++;
            } else if (c->ch_digits == 0) {
                return -1;
            } else if (*p == ';' || *p == ' ' || *p == '\t') {
                c->ch_state = CH_EXT;
                p++;
            } else if (*p == '\r') {
                c->ch_state = CH_SIZE_LF;
                p++;
            } else {
                return -1;
            }
            continue;
        }
        case CH_EXT: /* chunk extensions: skipped */
            if (*p++ == '\r') c->ch_state = CH_SIZE_LF;
            continue;
        case CH_SIZE_LF:
            if (*p++ != '\n') return -1;
            c->ch_state = c->ch_left ? CH_DATA : CH_END;
            continue;
        case CH_DATA: {
            size_t n = (size_t)(end - p);
            if (n > c->ch_left) n = (size_t)c->ch_left;
            if (mp_feed(c, p, p + n) < 0) return -1;
            p += n;
            c->ch_left -= n;
            if (c->ch_left == 0) c->ch_state = CH_DATA_CR;
            continue;
        }
        case CH_DATA_CR:
            if (*p++ != '\r') return -1;
            c->ch_state = CH_DATA_LF;
            continue;
        case CH_DATA_LF:
            if (*p++ != '\n') return -1;
            c->ch_state = CH_SIZE;
            c->ch_left = 0;
            c->ch_digits = 0;
            continue;
        default: /* CH_END: last chunk seen; trailers ignored */
            return 0;
        }
    }
    return 0;
}

/* Takes the boundary from a Content-Type value; 0 if it is not multipart with a boundary. */
static int parse_content_type(struct client *c, const char *v) {
    while (*v == ' ' || *v == '\t') v++;
    if (strncasecmp(v, "multipart/", 10) != 0) return 0;
    const char *b = strcasestr(v, "boundary=");
    if (!b) return 0;
    b += 9;
    const char *e;
    if (*b == '"') {
        e = strchr(++b, '"');
        if (!e) return 0;
    } else {
        e = b + strcspn(b, "; \t");
    }
    size_t n = (size_t)(e - b);
    if (n == 0 || n >= sizeof c->boundary) return 0;
    memcpy(c->boundary, b, n);
    c->boundary[n] = 0;
    c->blen = n;
    return 1;
}

/* Response head, line by line; on its end hands the rest of the bytes to the body layers. */
static int head_feed(struct client *c, const unsigned char *p, const unsigned char *end) {
    while (p < end) {
        int r = take_line(c, &p, end);
        if (r <= 0) return r;
        char *l = c->line;
        size_t len = c->line_len;
        c->line_len = 0;
        if (!c->status_seen) {
            c->status_seen = 1;
            if (len < 12 || strncmp(l, "HTTP/1.", 7) != 0) return -1;
            c->status = atoi(l + 9);
            continue;
        }
        if (len > 0) {
            char *colon = memchr(l, ':', len);
            if (!colon) return -1;
            size_t nlen = (size_t)(colon - l);
            if (name_is(l, nlen, "content-type")) {
                if (!parse_content_type(c, colon + 1)) return -1;
            } else if (name_is(l, nlen, "transfer-encoding")) {
                if (strcasestr(colon + 1, "chunked")) c->chunked = 1;
            }
            continue;
        }
        if (c->status != 200 || c->blen == 0) return -1;
        c->state = C_STREAM;
        c->got_head = 1;
        n_pending_connects--;
        return c->chunked ? chunk_feed(c, p, end) : mp_feed(c, p, end);
    }
    return 0;
}

static void retry_later(struct client *c) {
    close(c->fd);
    c->fd = -1;
    n_pending_connects--;
    if (++c->retries > MAX_RETRIES) {
        c->state = C_DONE;
        c->failed = 1;
        return;
    }
    c->state = C_IDLE;
    uint64_t backoff = 20000u * (uint64_t)c->retries;
    c->next_try_us = now_mono_us + (backoff > 500000 ? 500000 : backoff);
}

static void on_connected(struct client *c) {
    /* A fresh socket's send buffer is empty: the short request goes out whole. */
    if (write(c->fd, request, request_len) != (ssize_t)request_len) {
        finish(c, 1);
        return;
    }
    c->state = C_HEAD;
    arm(c, EPOLLIN | EPOLLRDHUP);
}

static void start_connect(struct client *c) {
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        c->state = C_DONE;
        c->failed = 1;
        return;
    }
    n_pending_connects++;
    if (c->slow) { /* small window: the server sees back-pressure like a slow link; set before connect */
        int sz = SLOW_RCVBUF;
        setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    }
    c->state = C_CONNECTING;
    struct epoll_event e = {.events = EPOLLOUT, .data.u64 = (uint64_t)(c - cl)};
    epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &e);
    if (connect(c->fd, (struct sockaddr *)&target, sizeof target) == 0) on_connected(c);
    else if (errno != EINPROGRESS) retry_later(c); /* ECONNREFUSED, EAGAIN (no ports yet), ... */
}

static void on_readable(struct client *c) {
    size_t want = READ_BUF;
    if (c->slow) {
        if (c->tokens < 1) {
            c->throttled = 1;
            arm(c, 0);
            return;
        }
        if (c->tokens < (double)want) want = (size_t)c->tokens;
    }
    ssize_t r = read(c->fd, rbuf, want);
    if (r <= 0) {
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        /* EOF/reset: fails the client if it came before the response head. */
        finish(c, c->state != C_STREAM);
        return;
    }
    c->bytes += (uint64_t)r;
    now_rt_us = realtime_us();
    now_mono_us = mono_us();
    const unsigned char *p = rbuf, *end = rbuf + r;
    int rc;
    if (c->state == C_HEAD) rc = head_feed(c, p, end);
    else rc = c->chunked ? chunk_feed(c, p, end) : mp_feed(c, p, end);
    if (rc < 0) {
        if (c->state == C_STREAM) c->bad_parts++;
        finish(c, 1);
        return;
    }
    if (c->slow) {
        c->tokens -= (double)r;
        if (c->tokens < 1) {
            c->throttled = 1;
            arm(c, 0);
        }
    }
}

static void refill(uint64_t dt_us) {
    double add = slow_rate * (double)dt_us / 1e6;
    for (int i = 0; i < n_clients; i++) {
        struct client *c = &cl[i];
        if (!c->slow || c->state == C_DONE) continue;
        c->tokens += add;
        if (c->tokens > bucket_cap) c->tokens = bucket_cap;
        /* Re-arm only with a useful budget, so a slow client does few large reads, not many tiny ones. */
        if (c->throttled && c->tokens >= bucket_cap / 4) {
            c->throttled = 0;
            arm(c, EPOLLIN | EPOLLRDHUP);
        }
    }
}

struct group {
    int clients;
    double fps_sum, fps_min, fps_max;
    uint64_t parts;
};

static void print_group(const char *name, const struct group *g, const struct hist *h) {
    printf("\"%s\":{\"clients\":%d,\"fps_mean\":%.2f,\"fps_min\":%.2f,\"fps_max\":%.2f,\"parts\":%llu,"
           "\"latency_us\":{\"p50\":%llu,\"p99\":%llu,\"max\":%llu}}",
           name, g->clients, g->clients ? g->fps_sum / g->clients : 0.0, g->clients ? g->fps_min : 0.0,
           g->fps_max, (unsigned long long)g->parts, (unsigned long long)hist_pct(h, 0.50),
           (unsigned long long)hist_pct(h, 0.99), (unsigned long long)h->max);
}

static void usage(void) {
    fprintf(stderr, "usage: loadgen --port P --clients N [--host 127.0.0.1] [--path /stream] [--slow K]\n"
                    "               [--slow-rate BYTES_PER_SEC] [--duration SEC] [--warmup SEC]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1", *path = "/stream";
    int port = -1;
    double duration = 10, warmup = 0;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) usage();
        const char *a = argv[i], *v = argv[++i];
        if (!strcmp(a, "--host")) host = v;
        else if (!strcmp(a, "--port")) port = atoi(v);
        else if (!strcmp(a, "--path")) path = v;
        else if (!strcmp(a, "--clients")) n_clients = atoi(v);
        else if (!strcmp(a, "--slow")) n_slow = atoi(v);
        else if (!strcmp(a, "--slow-rate")) slow_rate = atof(v);
        else if (!strcmp(a, "--duration")) duration = atof(v);
        else if (!strcmp(a, "--warmup")) warmup = atof(v);
        else usage();
    }
    if (port <= 0 || port > 65535 || n_clients <= 0 || n_slow < 0 || n_slow > n_clients || duration <= 0 ||
        warmup < 0 || slow_rate <= 0)
        usage();
    target.sin_family = AF_INET;
    target.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &target.sin_addr) != 1) {
        fprintf(stderr, "loadgen: --host must be an IPv4 address, got %s\n", host);
        return 2;
    }
    request_len = (size_t)snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, host);
    if (request_len >= sizeof request) usage();
    /* Burst of at most 50 ms of budget, but at least a few KB so reads are not tiny. */
    bucket_cap = slow_rate / 20 < 4096 ? 4096 : slow_rate / 20;

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n_clients + 32) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < (rlim_t)n_clients + 32)
            fprintf(stderr, "loadgen: fd limit %llu is below %d clients\n", (unsigned long long)rl.rlim_cur,
                    n_clients);
    }

    cl = calloc((size_t)n_clients, sizeof *cl);
    if (!cl) {
        perror("calloc");
        return 1;
    }
    for (int i = 0; i < n_clients; i++) {
        cl[i].fd = -1;
        /* Spread slow clients evenly through the connect order. */
        cl[i].slow = (int)(((long long)(i + 1) * n_slow) / n_clients) != (int)(((long long)i * n_slow) / n_clients);
        cl[i].tokens = bucket_cap;
    }

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (sfd < 0 || epfd < 0) {
        perror("signalfd/epoll");
        return 1;
    }
    struct epoll_event se = {.events = EPOLLIN, .data.u64 = UINT64_MAX};
    epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &se);

    uint64_t t0 = mono_us(), last_refill = t0;
    win_start = t0 + (uint64_t)(warmup * 1e6);
    win_end = win_start + (uint64_t)(duration * 1e6);
    now_mono_us = t0;
    int n_idle = n_clients, stop = 0;
    struct epoll_event evs[512];

    while (!stop) {
        now_mono_us = mono_us();
        if (now_mono_us >= win_end) break;

        /* Connect in small batches; retries wait for their back-off time. */
        if (n_idle > 0) {
            n_idle = 0;
            for (int i = 0; i < n_clients; i++) {
                if (cl[i].state != C_IDLE) continue;
                if (n_pending_connects < MAX_PENDING_CONNECTS && cl[i].next_try_us <= now_mono_us)
                    start_connect(&cl[i]);
                if (cl[i].state == C_IDLE) n_idle++;
            }
        }
        if (n_slow > 0 && now_mono_us - last_refill >= REFILL_EVERY_US) {
            refill(now_mono_us - last_refill);
            last_refill = now_mono_us;
        }

        /* Wake often while connecting or throttling, else sleep until the end. */
        uint64_t left_ms = (win_end - now_mono_us + 999) / 1000;
        int timeout = (n_idle > 0 || n_slow > 0) ? 2 : (left_ms > 100 ? 100 : (int)left_ms);
        int n = epoll_wait(epfd, evs, 512, timeout);
        if (n < 0 && errno != EINTR) {
            perror("epoll_wait");
            return 1;
        }
        now_mono_us = mono_us();
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u64 == UINT64_MAX) {
                stop = 1;
                continue;
            }
            struct client *c = &cl[evs[i].data.u64];
            uint32_t ev = evs[i].events;
            if (c->state == C_CONNECTING) {
                int err = 0;
                socklen_t elen = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen);
                if (err || (ev & (EPOLLERR | EPOLLHUP))) {
                    retry_later(c);
                    n_idle++;
                } else if (ev & EPOLLOUT) {
                    on_connected(c);
                }
            } else if (c->state == C_HEAD || c->state == C_STREAM) {
                /* Read on HUP too: the last bytes before a close are still parsed, then EOF is seen.
                 * A throttled client can't read now; don't spin on its HUP, just count the close. */
                if (c->throttled && (ev & (EPOLLHUP | EPOLLERR))) finish(c, 0);
                else if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(c);
            }
        }
    }

    uint64_t t_end = mono_us();
    if (t_end > win_end) t_end = win_end;
    double window_s = t_end > win_start ? (double)(t_end - win_start) / 1e6 : 0;
    struct group fast = {.fps_min = 1e18}, slow = {.fps_min = 1e18};
    uint64_t bad = 0, bytes = 0;
    int connected = 0, failed = 0, closed = 0;
    for (int i = 0; i < n_clients; i++) {
        struct client *c = &cl[i];
        struct group *g = c->slow ? &slow : &fast;
        double fps = window_s > 0 ? (double)c->parts_window / window_s : 0;
        g->clients++;
        g->fps_sum += fps;
        if (fps < g->fps_min) g->fps_min = fps;
        if (fps > g->fps_max) g->fps_max = fps;
        g->parts += c->parts_window;
        bad += c->bad_parts;
        bytes += c->bytes;
        connected += c->got_head;
        failed += c->failed;
        closed += c->closed_by_server;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    struct timespec cpu; /* exact total; getrusage's user/sys split may be tick-sampled */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    printf("{\"clients\":%d,\"slow_clients\":%d,\"duration_s\":%.3f,\"connected\":%d,\"failed\":%d,"
           "\"closed_by_server\":%d,",
           n_clients, n_slow, window_s, connected, failed, closed);
    print_group("fast", &fast, &lat_fast);
    printf(",");
    print_group("slow", &slow, &lat_slow);
    printf(",\"bad_parts\":%llu,\"latency_us\":{\"p50\":%llu,\"p99\":%llu,\"max\":%llu},\"bytes\":%llu,"
           "\"cpu_user_us\":%lld,\"cpu_sys_us\":%lld,\"cpu_us\":%lld}\n",
           (unsigned long long)bad, (unsigned long long)hist_pct(&lat_all, 0.50),
           (unsigned long long)hist_pct(&lat_all, 0.99), (unsigned long long)lat_all.max,
           (unsigned long long)bytes, (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
           (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec,
           (long long)cpu.tv_sec * 1000000 + cpu.tv_nsec / 1000);
    fflush(stdout);
    return 0;
}
