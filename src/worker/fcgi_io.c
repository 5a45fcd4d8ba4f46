/*
 * fcgi_io.c — the worker's FastCGI transport over libfcgi (see fcgi_io.h). The only file
 * that includes fcgiapp.h.
 *
 * What libfcgi 2.4.x does, read in its source (libfcgi/os_unix.c, libfcgi/fcgiapp.c),
 * and what follows from it here:
 *
 * - OS_Read() and OS_Write() are plain read(2)/write(2) with no EINTR retry. A signal
 *   that interrupts one while a request's params or body are read (FillBuffProc) or its
 *   response written (EmptyBuffProc, write_it_all) puts the stream in an error state and
 *   the request is lost. So stop signals are kept BLOCKED while a request is in hand and
 *   unblocked only inside our own wait (ppoll with a signal mask), which is atomic: a
 *   stop signal is either seen by the wait or stays pending until the next one. A
 *   request in hand therefore always completes, which is what a graceful stop promises.
 *
 * - OS_Accept() blocks the worker in the first read of a new connection (up to 2 s on a
 *   unix socket, is_af_unix_keeper; without limit on TCP), so libfcgi never accepts
 *   here: see "Accepting is ours" below. The stop handler still calls
 *   FCGX_ShutdownPending() (fcgi_io_shutdown_pending), so libfcgi refuses anything after
 *   a stop.
 *
 * - FCGX_Accept_r() first finishes the previous request, then, when the previous request
 *   asked for keep-alive (FCGI_KEEP_CONN, nginx's fastcgi_keep_conn on), reads the next
 *   request from the same connection; only when that read fails (nginx closed it) does
 *   it close the connection. So while it holds a kept-alive connection a worker waits on
 *   that connection only (the "one connection at a time per worker" of SPEC §3), which is
 *   why every shipped nginx configuration has keep-alive off.
 *
 * - FCGX_Init() installs handlers for SIGPIPE and SIGUSR1 only where the disposition is
 *   still SIG_DFL (installSignalHandler(..., force = FALSE)): the worker's own settings,
 *   made before FCGX_Init, are kept.
 *
 * Stopping while holding nginx's kept-alive connection needs care of our own, because
 * nginx may be sending the next request into it at the moment we close it, and nginx
 * retries that elsewhere for a GET but answers 502 for a POST. See fcgi_io_accept (a
 * short linger) and fcgi_io_write_whole (a last response after which nginx itself closes
 * the connection).
 *
 * Accepting is ours, not libfcgi's (SPEC §12: an idle or slow peer must never hold a
 * worker). libfcgi's OS_Accept would block the worker in the read of a new connection's
 * first record (up to 2 s on a unix socket, forever on TCP), so it is given a "sink" as
 * its listening socket, an unbound socket on which accept(2) fails at once, and never
 * accepts anything. We accept (checking the peer against FCGI_WEB_SERVER_ADDRS on TCP),
 * keep connections that have sent nothing yet in a small per-worker set polled together
 * with the listening socket (an idle peer costs a file descriptor, not a worker), and drop
 * them after FCGI_READ_TIMEOUT_MS. A connection with data is handed to libfcgi by setting
 * FCGX_Request.ipcFd with keepConnection set, which is exactly the state libfcgi leaves
 * after a kept-alive request: FCGX_Accept_r then reads the request from that descriptor.
 * Reading the request (params and body) and writing the response run under a deadline
 * (fcgi_io_deadline): a repeating SIGALRM interrupts the blocking read(2)/write(2), which
 * libfcgi does not retry, so the request fails and the connection is closed. The repeat
 * also cuts short libfcgi's lingering close (OS_Close reads until EOF, 2 s per poll, which
 * a peer dripping bytes could otherwise stretch forever).
 *
 * Every idle worker polls the listening socket, so a new connection wakes them all and
 * the losers get EAGAIN. That costs a few microseconds per new connection and, unlike
 * EPOLLEXCLUSIVE, never leaves a connection waiting in the
 * backlog because the one worker woken for it was told to stop at the same moment.
 */
#include "worker/fcgi_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "common/addrlist.h"
#include "common/log.h"

/* How long a stopping worker waits for nginx's next request on a kept-alive connection
 * before closing it (see fcgi_io_accept). */
#define FCGI_IO_LINGER_MS 250

/* Content bytes per FastCGI record we frame ourselves (the length field is 16 bits). */
#define FCGI_IO_RECORD_MAX 65528

/* Body bytes read or discarded per FCGX_GetStr call (its length is an int). */
#define FCGI_IO_CHUNK 65536

/* Connections accepted but silent so far, per worker: beyond this the oldest is dropped. */
#define FCGI_IO_PENDING_MAX 64

/* Once a deadline has passed, SIGALRM repeats this often, so every blocking call libfcgi
 * makes after it (including its lingering close) is interrupted too. */
#define FCGI_IO_DEADLINE_REPEAT_MS 50

static struct {
    int listen_fd;                       /* the real listening socket, shared by all workers */
    int sink_fd;                         /* what libfcgi believes it listens on (never accepts) */
    long timeout_ms;                     /* FCGI_READ_TIMEOUT_MS */
    struct in6_addr allow[ADDRLIST_MAX]; /* FCGI_WEB_SERVER_ADDRS, for TCP peers */
    size_t nallow;
    struct {
        int fd;
        struct timespec since;
    } pending[FCGI_IO_PENDING_MAX];
    size_t npending;
} fcgi_conn = {.listen_fd = -1, .sink_fd = -1};

static FCGX_Request fcgi_req;
static bool fcgi_open;       /* a request is in hand (accepted, not yet finished) */
static bool fcgi_last;       /* ...and its response ends the connection */
static char *fcgi_body;      /* the current request's body, or NULL */
static char *fcgi_path_copy; /* REQUEST_URI without its query, when that is the path */
static char fcgi_rid[FCGI_IO_REQUEST_ID_MAX + 1];

int fcgi_io_init(int listen_fd, long read_timeout_ms, const char *allowed_peers)
{
    int flags = fcntl(listen_fd, F_GETFL);

    /* O_NONBLOCK is a property of the socket shared by all workers; setting it again in
     * each worker is harmless. See the comment at the top for why it is needed. */
    if (flags < 0 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        log_error("event=fcgi_init_failed step=nonblock errno=%d", errno);
        return -1;
    }
    char why[128];

    if (addrlist_parse(allowed_peers, fcgi_conn.allow, ADDRLIST_MAX, &fcgi_conn.nallow, why,
                       sizeof why) != 0) {
        log_error("event=fcgi_init_failed step=allowlist"); /* settings checked it already */
        return -1;
    }
    fcgi_conn.listen_fd = listen_fd;
    fcgi_conn.timeout_ms = read_timeout_ms;
    fcgi_conn.sink_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fcgi_conn.sink_fd < 0) {
        log_error("event=fcgi_init_failed step=sink errno=%d", errno);
        return -1;
    }
    if (FCGX_Init() != 0) {
        log_error("event=fcgi_init_failed step=FCGX_Init");
        return -1;
    }
    if (FCGX_InitRequest(&fcgi_req, fcgi_conn.sink_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
        log_error("event=fcgi_init_failed step=FCGX_InitRequest");
        return -1;
    }
    return 0;
}

/* True when fd has something to read (data or EOF) within timeout_ms. */
static bool fcgi_io_readable_within(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n;

    do {
        n = poll(&p, 1, timeout_ms);
    } while (n < 0 && errno == EINTR);
    return n > 0;
}

void fcgi_io_deadline(long ms)
{
    struct itimerval it;

    memset(&it, 0, sizeof it);
    if (ms > 0) {
        it.it_value.tv_sec = ms / 1000;
        it.it_value.tv_usec = (ms % 1000) * 1000;
        it.it_interval.tv_usec = FCGI_IO_DEADLINE_REPEAT_MS * 1000;
    }
    (void)setitimer(ITIMER_REAL, &it, NULL); /* cannot fail with these arguments */
}

static long fcgi_io_ms_since(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Drops pending connection i (plain close: it never sent anything worth lingering for). */
static void fcgi_io_drop_pending(size_t i, const char *why)
{
    log_debug("event=fcgi_peer_dropped reason=%s", why);
    close(fcgi_conn.pending[i].fd);
    fcgi_conn.pending[i] = fcgi_conn.pending[--fcgi_conn.npending];
}

/* Accepts one connection from the listening socket into the pending set. */
static void fcgi_io_accept_one(void)
{
    struct sockaddr_storage sa = {0};
    socklen_t len = sizeof sa;
    int fd = accept4(fcgi_conn.listen_fd, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC);
    int one = 1;

    if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED) {
            /* Out of descriptors or memory: the connection stays queued and the socket
             * readable; pause instead of spinning on it, and let another worker try. */
            struct timespec pause = {.tv_sec = 0, .tv_nsec = 10 * 1000000L};

            log_warn("event=accept_failed errno=%d", errno);
            nanosleep(&pause, NULL);
        }
        return; /* EAGAIN: another worker took it */
    }
    /* A unix socket's peer is allowed by the socket file's mode and group. */
    if (sa.ss_family != AF_UNIX &&
        !addrlist_contains((struct sockaddr *)&sa, fcgi_conn.allow, fcgi_conn.nallow)) {
        char host[INET6_ADDRSTRLEN] = "?";
        const void *a = sa.ss_family == AF_INET
                            ? (const void *)&((struct sockaddr_in *)&sa)->sin_addr
                            : (const void *)&((struct sockaddr_in6 *)&sa)->sin6_addr;

        inet_ntop(sa.ss_family, a, host, sizeof host);
        log_warn("event=fcgi_peer_refused peer=%s", host);
        close(fd);
        return;
    }
    if (sa.ss_family != AF_UNIX) {
        /* One response in a few writes: no reason to wait for acknowledgements. */
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (fcgi_conn.npending == FCGI_IO_PENDING_MAX) {
        size_t oldest = 0;

        for (size_t i = 1; i < fcgi_conn.npending; i++) {
            const struct timespec *a = &fcgi_conn.pending[i].since;
            const struct timespec *b = &fcgi_conn.pending[oldest].since;

            if (a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec)) {
                oldest = i;
            }
        }
        fcgi_io_drop_pending(oldest, "too_many_idle");
    }
    fcgi_conn.pending[fcgi_conn.npending].fd = fd;
    clock_gettime(CLOCK_MONOTONIC, &fcgi_conn.pending[fcgi_conn.npending].since);
    fcgi_conn.npending++;
}

/* Fills p[0..npending) with the pending connections, p[i] for pending[i]; returns how many. */
static size_t fcgi_io_pending_pollset(struct pollfd *p)
{
    for (size_t i = 0; i < fcgi_conn.npending; i++) {
        p[i] = (struct pollfd){.fd = fcgi_conn.pending[i].fd, .events = POLLIN};
    }
    return fcgi_conn.npending;
}

/* Takes the first pending connection that p (from fcgi_io_pending_pollset, polled) says
 * is readable or hung up out of the set: its descriptor, or -1 when none is. */
static int fcgi_io_pending_take(const struct pollfd *p)
{
    for (size_t i = 0; i < fcgi_conn.npending; i++) {
        if (p[i].revents != 0) {
            int fd = fcgi_conn.pending[i].fd;

            fcgi_conn.pending[i] = fcgi_conn.pending[--fcgi_conn.npending];
            return fd;
        }
    }
    return -1;
}

/*
 * Sleeps until a request can be read: on nginx's kept-alive connection when we hold one,
 * else on the listening socket and the silent connections accepted so far, accepting
 * and expiring on the way. Signals outside waitmask are deliverable only during the wait.
 * Returns 1 (a connection to read from is in fcgi_req.ipcFd), 0 (interrupted by a
 * signal, or nothing yet), -1 (error, logged).
 */
static int fcgi_io_wait(const sigset_t *waitmask)
{
    struct pollfd p[FCGI_IO_PENDING_MAX + 1];
    struct timespec timeout, *tp = NULL;
    long soonest = -1;
    size_t i, n;
    int rc;

    if (fcgi_req.ipcFd >= 0) {
        p[0] = (struct pollfd){.fd = fcgi_req.ipcFd, .events = POLLIN};
        rc = ppoll(p, 1, NULL, waitmask);
        if (rc < 0 && errno != EINTR) {
            log_error("event=wait_failed errno=%d", errno);
            return -1;
        }
        return rc > 0 ? 1 : 0;
    }
    for (i = 0; i < fcgi_conn.npending;) {
        long left = fcgi_conn.timeout_ms - fcgi_io_ms_since(&fcgi_conn.pending[i].since);

        if (left <= 0) {
            fcgi_io_drop_pending(i, "read_timeout");
            continue;
        }
        soonest = soonest < 0 || left < soonest ? left : soonest;
        i++;
    }
    n = fcgi_io_pending_pollset(p);
    p[n] = (struct pollfd){.fd = fcgi_conn.listen_fd, .events = POLLIN};
    if (soonest >= 0) {
        timeout.tv_sec = soonest / 1000;
        timeout.tv_nsec = (soonest % 1000) * 1000000L;
        tp = &timeout;
    }
    rc = ppoll(p, n + 1, tp, waitmask);
    if (rc < 0) {
        if (errno == EINTR) {
            return 0;
        }
        log_error("event=wait_failed errno=%d", errno);
        return -1;
    }
    /* A silent connection that spoke (or hung up: libfcgi then finds nothing and closes
     * it) is served first: nginx is waiting on it. */
    fcgi_req.ipcFd = fcgi_io_pending_take(p);
    if (fcgi_req.ipcFd >= 0) {
        return 1;
    }
    if (p[n].revents != 0) {
        fcgi_io_accept_one();
    }
    return 0; /* the new connection is polled on the next round (usually readable at once) */
}

/* A pending connection readable within timeout_ms, taken out of the set; -1 if none. */
static int fcgi_io_pending_ready(int timeout_ms)
{
    struct pollfd p[FCGI_IO_PENDING_MAX];
    size_t n = fcgi_io_pending_pollset(p);

    if (n == 0 || poll(p, n, timeout_ms) <= 0) {
        return -1;
    }
    return fcgi_io_pending_take(p);
}

/* Hands the connection in fcgi_req.ipcFd to libfcgi, which reads the request's params
 * under the read deadline. False when it could not (libfcgi closed the connection). */
static bool fcgi_io_take_request(void)
{
    int rc;

    /* keepConnection: FCGX_Accept_r starts by finishing the previous request and must not
     * close the connection we just gave it (see the comment at the top). */
    fcgi_req.keepConnection = 1;
    fcgi_io_deadline(fcgi_conn.timeout_ms);
    rc = FCGX_Accept_r(&fcgi_req);
    if (rc == 0) {
        /* nginx did not ask to keep the connection: its response ends it, so it goes out
         * with the end of the request in one write (fcgi_io_write_whole). */
        fcgi_last = !fcgi_req.keepConnection;
        return true; /* the deadline runs on while fcgi_io_read_request reads the body */
    }
    fcgi_io_deadline(0);
    if (fcgi_req.ipcFd >= 0) {
        FCGX_Free(&fcgi_req, 1);
    }
    log_debug("event=fcgi_request_unreadable rc=%d", rc);
    return false;
}

enum fcgi_io_event fcgi_io_accept(const sigset_t *waitmask, const volatile sig_atomic_t *stop)
{
    for (;;) {
        int rc;

        if (*stop) {
            /* A connection accepted just before the stop may be nginx's, with its request
             * on the way: serve what arrives within the linger, drop the rest. */
            int fd = fcgi_req.ipcFd < 0 ? fcgi_io_pending_ready(FCGI_IO_LINGER_MS) : -1;

            if (fd >= 0) {
                fcgi_req.ipcFd = fd;
                if (fcgi_io_take_request()) {
                    fcgi_open = true;
                    return FCGI_IO_REQUEST;
                }
                continue;
            }
            /* Holding nginx's kept-alive connection: closing it now could cross a
             * request nginx is sending into it (lost, or 502 for a POST). Wait briefly:
             * a request that comes is served as the last one, whose response makes
             * nginx drop the connection (fcgi_io_last_response); a connection left
             * idle that long is not in use, and nginx drops it from its cache as soon
             * as it sees our close. */
            if (fcgi_req.ipcFd >= 0 && fcgi_io_readable_within(fcgi_req.ipcFd, FCGI_IO_LINGER_MS) &&
                fcgi_io_take_request()) {
                fcgi_open = true;
                return FCGI_IO_REQUEST;
            }
            return FCGI_IO_STOP;
        }
        rc = fcgi_io_wait(waitmask);
        if (rc < 0) {
            return FCGI_IO_FAILED;
        }
        if (rc > 0 && fcgi_io_take_request()) {
            fcgi_open = true;
            return FCGI_IO_REQUEST;
        }
    }
}

static const char *fcgi_io_param(const char *name)
{
    return FCGX_GetParam(name, fcgi_req.envp);
}

/* The request path without query: DOCUMENT_URI (nginx's decoded, normalised $uri),
 * else SCRIPT_NAME, else REQUEST_URI up to '?', else "/". */
static const char *fcgi_io_path(void)
{
    static const char *const names[] = {"DOCUMENT_URI", "SCRIPT_NAME"};
    const char *uri;
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = fcgi_io_param(names[i]);

        if (v != NULL && v[0] == '/') {
            return v;
        }
    }
    uri = fcgi_io_param("REQUEST_URI");
    if (uri != NULL && uri[0] == '/') {
        fcgi_path_copy = strndup(uri, strcspn(uri, "?"));
        if (fcgi_path_copy != NULL) {
            return fcgi_path_copy;
        }
    }
    return "/";
}

/* nginx's $request_id (REQUEST_ID), else a client's X-Request-Id, else a new one. */
static const char *fcgi_io_request_id(void)
{
    static const char *const names[] = {"REQUEST_ID", "HTTP_X_REQUEST_ID"};
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = fcgi_io_param(names[i]);

        if (v != NULL && fcgi_io_request_id_ok(v)) {
            return v;
        }
    }
    fcgi_io_new_request_id(fcgi_rid, sizeof fcgi_rid);
    return fcgi_rid;
}

/* Reads up to n body bytes into buf; returns how many (fewer only at the body's end or
 * on a connection error). */
static size_t fcgi_io_read_some(char *buf, size_t n)
{
    size_t got = 0;

    while (got < n) {
        size_t want = n - got < FCGI_IO_CHUNK ? n - got : FCGI_IO_CHUNK;
        int r = FCGX_GetStr(buf + got, (int)want, fcgi_req.in);

        if (r <= 0) {
            break;
        }
        got += (size_t)r;
    }
    return got;
}

/* Reads and throws away the rest of the body, so nginx's connection stays in step. */
static void fcgi_io_discard_body(void)
{
    char scratch[8192];

    while (FCGX_GetStr(scratch, (int)sizeof scratch, fcgi_req.in) > 0) {
    }
}

/* Reads a body of unknown length (no CONTENT_LENGTH, e.g. a chunked upload) into
 * fcgi_body. Returns 0, 413 when it is longer than max (the rest is discarded), or -1
 * when out of memory. */
static int fcgi_io_read_unsized(long long max, size_t *len)
{
    size_t limit = (size_t)max + 1; /* reading one byte more than allowed proves "too long" */
    size_t cap = 0, used = 0;

    for (;;) {
        size_t want, got;

        if (used == cap) {
            char *grown;

            if (cap >= limit) {
                fcgi_io_discard_body();
                return 413;
            }
            cap = cap == 0 ? 4096 : cap * 2;
            cap = cap > limit ? limit : cap;
            grown = realloc(fcgi_body, cap + 1);
            if (grown == NULL) {
                fcgi_io_discard_body();
                return -1;
            }
            fcgi_body = grown;
        }
        want = cap - used;
        got = fcgi_io_read_some(fcgi_body + used, want);
        used += got;
        if (got < want) {
            break; /* end of the body */
        }
    }
    if (fcgi_body != NULL) {
        fcgi_body[used] = '\0';
    }
    *len = used;
    return 0;
}

/* Reads the request under the deadline armed by fcgi_io_take_request (see below). */
static int fcgi_io_read_request_timed(struct http_request *req, long long max_body,
                                      const char **detail);

int fcgi_io_read_request(struct http_request *req, long long max_body, const char **detail)
{
    int status = fcgi_io_read_request_timed(req, max_body, detail);

    fcgi_io_deadline(0); /* the handler runs without one (its statements have their own) */
    return status;
}

static int fcgi_io_read_request_timed(struct http_request *req, long long max_body,
                                      const char **detail)
{
    const char *ctype = fcgi_io_param("CONTENT_TYPE");
    const char *method = fcgi_io_param("REQUEST_METHOD");
    const char *query = fcgi_io_param("QUERY_STRING");
    long long declared;
    size_t len = 0;
    int rc;

    req->method = method != NULL && method[0] != '\0' ? method : "GET";
    req->path = fcgi_io_path();
    req->query = query != NULL ? query : "";
    req->content_type = ctype != NULL && ctype[0] != '\0' ? ctype : NULL;
    req->request_id = fcgi_io_request_id();
    req->body = NULL;
    req->body_len = 0;

    if (fcgi_io_parse_content_length(fcgi_io_param("CONTENT_LENGTH"), &declared) != 0) {
        fcgi_io_discard_body();
        *detail = "Invalid Content-Length";
        return 400;
    }
    if (declared > max_body) {
        fcgi_io_discard_body();
        *detail = "Request Entity Too Large";
        return 413;
    }
    if (declared < 0) {
        rc = fcgi_io_read_unsized(max_body, &len);
    } else {
        fcgi_body = malloc((size_t)declared + 1);
        rc = fcgi_body == NULL ? -1 : 0;
        if (rc == 0) {
            len = fcgi_io_read_some(fcgi_body, (size_t)declared);
            fcgi_body[len] = '\0';
        }
        fcgi_io_discard_body(); /* anything past CONTENT_LENGTH, and the EOF record */
        if (rc == 0 && len < (size_t)declared) {
            *detail = "Incomplete request body";
            return 400;
        }
    }
    if (rc == 413) {
        *detail = "Request Entity Too Large";
        return 413;
    }
    if (rc != 0) {
        log_error("event=body_alloc_failed rid=%s bytes=%lld", req->request_id, declared);
        *detail = "Internal Server Error";
        return 500;
    }
    if (len > 0) {
        req->body = fcgi_body;
        req->body_len = len;
    }
    return 0;
}

void fcgi_io_last_response(void)
{
    /* Only a kept-alive connection can be reused by nginx; otherwise libfcgi closes it. */
    fcgi_last = fcgi_req.ipcFd >= 0 && fcgi_req.keepConnection;
}

/* Writes a FastCGI record header (FastCGI 1.0 spec, 3.3) for a record without padding. */
static unsigned char *fcgi_io_header(unsigned char *p, int type, size_t content_len)
{
    p[0] = 1; /* FCGI_VERSION_1 */
    p[1] = (unsigned char)type;
    p[2] = (unsigned char)((fcgi_req.requestId >> 8) & 0xff);
    p[3] = (unsigned char)(fcgi_req.requestId & 0xff);
    p[4] = (unsigned char)((content_len >> 8) & 0xff);
    p[5] = (unsigned char)(content_len & 0xff);
    p[6] = 0; /* padding length */
    p[7] = 0;
    return p + FCGI_HEADER_LEN;
}

/*
 * The response and the end of the request in ONE write, framed here rather than by
 * libfcgi (which writes the end of the request separately when the request finishes):
 * FCGI_STDOUT records with the data, the empty FCGI_STDOUT that ends the stream,
 * FCGI_END_REQUEST. Used for every response after which the connection closes: nginx
 * asked for none to be kept (the shipped configuration), or this is the last one on a
 * kept-alive connection (fcgi_io_last_response). In the second case one more (empty
 * FCGI_STDERR) record follows: nginx reads the end of the request and the extra record
 * together, and its FastCGI module (ngx_http_fastcgi_input_filter) does not mark a
 * connection reusable when data follows FCGI_END_REQUEST, so nginx closes the connection
 * itself instead of caching it and no later request can be sent into it while we close
 * our end. fcgi_io_finish() then releases the request and closes.
 * EINTR is not retried: only the I/O deadline's SIGALRM can interrupt here (stop signals
 * are blocked during a request), and it means the peer has had its time.
 */
static bool fcgi_io_write_whole(const char *data, size_t len)
{
    bool trailer = fcgi_req.keepConnection != 0;
    size_t nrec = (len + FCGI_IO_RECORD_MAX - 1) / FCGI_IO_RECORD_MAX;
    size_t total =
        len + FCGI_HEADER_LEN * (nrec + 2 + (trailer ? 1 : 0)) + sizeof(FCGI_EndRequestBody);
    unsigned char *buf = malloc(total), *p = buf;
    bool ok = true;
    size_t done = 0;

    if (buf == NULL) {
        return false;
    }
    while (done < len) {
        size_t n = len - done < FCGI_IO_RECORD_MAX ? len - done : FCGI_IO_RECORD_MAX;

        p = fcgi_io_header(p, FCGI_STDOUT, n);
        memcpy(p, data + done, n);
        p += n;
        done += n;
    }
    p = fcgi_io_header(p, FCGI_STDOUT, 0);
    p = fcgi_io_header(p, FCGI_END_REQUEST, sizeof(FCGI_EndRequestBody));
    memset(p, 0, sizeof(FCGI_EndRequestBody)); /* appStatus 0, FCGI_REQUEST_COMPLETE */
    p += sizeof(FCGI_EndRequestBody);
    if (trailer) {
        (void)fcgi_io_header(p, FCGI_STDERR, 0); /* the record after the end (see above) */
    }
    for (done = 0; ok && done < total;) {
        ssize_t n = write(fcgi_req.ipcFd, buf + done, total - done);

        if (n > 0) {
            done += (size_t)n;
        } else {
            ok = false;
        }
    }
    free(buf);
    return ok;
}

/* Writes the response; see fcgi_io_write. */
static bool fcgi_io_write_all(const char *data, size_t len)
{
    if (fcgi_last) {
        return fcgi_io_write_whole(data, len);
    }
    while (len > 0) {
        int n = len < FCGI_IO_CHUNK ? (int)len : FCGI_IO_CHUNK;

        if (FCGX_PutStr(data, n, fcgi_req.out) != n) {
            return false;
        }
        data += n;
        len -= (size_t)n;
    }
    return FCGX_FFlush(fcgi_req.out) == 0;
}

bool fcgi_io_write(const char *data, size_t len)
{
    /* A peer that does not read its response is dropped like one that does not send.
     * The deadline runs on until fcgi_io_finish has ended the request. */
    fcgi_io_deadline(fcgi_conn.timeout_ms);
    return fcgi_io_write_all(data, len);
}

void fcgi_io_finish(void)
{
    /* Finishing flushes the end of the request and may close the connection, which
     * libfcgi does with a lingering read: still under the deadline fcgi_io_write armed. */
    if (fcgi_open && fcgi_last) {
        FCGX_Free(&fcgi_req, 1); /* written by fcgi_io_write_whole: release and close */
    } else if (fcgi_open) {
        FCGX_Finish_r(&fcgi_req);
    }
    fcgi_io_deadline(0);
    fcgi_open = false;
    fcgi_last = false;
    free(fcgi_body);
    fcgi_body = NULL;
    free(fcgi_path_copy);
    fcgi_path_copy = NULL;
}

void fcgi_io_shutdown_pending(void)
{
    FCGX_ShutdownPending();
}

void fcgi_io_close(void)
{
    fcgi_io_finish();
    if (fcgi_req.ipcFd >= 0) {
        fcgi_io_deadline(fcgi_conn.timeout_ms);
        FCGX_Free(&fcgi_req, 1); /* closes nginx's kept-alive connection */
        fcgi_io_deadline(0);
    }
    while (fcgi_conn.npending > 0) {
        fcgi_io_drop_pending(0, "worker_stopping");
    }
    if (fcgi_conn.sink_fd >= 0) {
        close(fcgi_conn.sink_fd);
        fcgi_conn.sink_fd = -1;
    }
}

int fcgi_io_parse_content_length(const char *text, long long *len)
{
    long long v = 0;
    size_t i;

    *len = -1;
    if (text == NULL || text[0] == '\0') {
        return 0;
    }
    for (i = 0; text[i] != '\0'; i++) {
        if (text[i] < '0' || text[i] > '9' || i >= 18) {
            return -1;
        }
        v = v * 10 + (text[i] - '0');
    }
    *len = v;
    return 0;
}

bool fcgi_io_request_id_ok(const char *id)
{
    size_t n = strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-");

    return n > 0 && n <= FCGI_IO_REQUEST_ID_MAX && id[n] == '\0';
}

void fcgi_io_new_request_id(char *buf, size_t buflen)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[16];
    size_t i;

    if (getrandom(raw, sizeof raw, GRND_NONBLOCK) != (ssize_t)sizeof raw) {
        /* No entropy yet (early boot): unique enough for correlating log lines. */
        static uint64_t counter;
        struct timespec ts;
        uint64_t a, b;

        clock_gettime(CLOCK_REALTIME, &ts);
        a = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
        b = ((uint64_t)getpid() << 32) ^ ++counter;
        memcpy(raw, &a, sizeof a);
        memcpy(raw + sizeof a, &b, sizeof b);
    }
    if (buflen < 2 * sizeof raw + 1) {
        buf[0] = '\0';
        return;
    }
    for (i = 0; i < sizeof raw; i++) {
        buf[2 * i] = hex[raw[i] >> 4];
        buf[2 * i + 1] = hex[raw[i] & 0x0f];
    }
    buf[2 * sizeof raw] = '\0';
}
