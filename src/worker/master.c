/*
 * master.c — the api-worker master (see master.h): forks the workers, watches them and
 * keeps the pool at WORKERS ready workers.
 *
 * Model. The pool has WORKERS slots. Each worker process ("child") belongs to a slot and
 * to a settings generation (bumped by every successful reload). A child is "current"
 * when it is of the current generation and has not asked to be recycled; any other live
 * child is "old". One pass of master_reconcile() brings the pool one step closer to
 * "every slot holds exactly one ready current child":
 *   - an empty slot (its worker died, or at start) gets a new child at once, unless the
 *     slot is backing off after failed starts;
 *   - a slot holding only an old child gets a replacement, one slot at a time (rolling);
 *   - once a slot's current child reported ready, the old one there is stopped.
 * Waiting for readiness before stopping the old worker is what keeps every request
 * served during a reload or a recycle; the listening socket never closes.
 *
 * Events come from three places, all read in one poll(2): signals (blocked and read
 * through a signalfd, so no work happens in a signal handler), the report pipe (workers
 * write fixed-size "ready" and "recycle me" reports), and timers (back-off, start and
 * stop deadlines) through poll's timeout.
 */
#include "worker/master.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "worker/gate.h"
#include "worker/listen.h"
#include "worker/notify.h"
#include "worker/worker_loop.h"

struct child {
    pid_t pid; /* 0: free entry */
    int slot;
    unsigned gen;
    bool ready;     /* reported ready */
    bool retiring;  /* asked to be recycled (MAX_REQUESTS) */
    bool stopping;  /* SIGTERM sent: leaving on our request */
    bool killed;    /* SIGKILL sent (start or stop deadline) */
    double started; /* monotonic seconds */
    double stop_sent;
};

struct slot {
    double backoff;    /* seconds to wait after the next failed start, 0 = none yet */
    double not_before; /* no fork for this slot before this time */
};

static struct {
    struct settings settings;
    const struct master_reload *reload;
    struct listen_socket ls;
    pid_t pid;
    int sigfd;
    int report_rd, report_wr;
    unsigned gen;
    struct child *children;
    size_t nchildren; /* entries allocated */
    struct slot *slots;
    size_t nslots; /* == settings.workers */
    bool stopping;
    bool announced; /* READY=1 sent for the current generation */
} m;

static double master_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- children and slots ---- */

static struct child *master_find(pid_t pid)
{
    size_t i;

    for (i = 0; i < m.nchildren; i++) {
        if (m.children[i].pid == pid) {
            return &m.children[i];
        }
    }
    return NULL;
}

/* A free child entry (grows the table); NULL when out of memory. */
static struct child *master_free_entry(void)
{
    struct child *c = master_find(0);
    size_t n;

    if (c != NULL) {
        return c;
    }
    n = m.nchildren == 0 ? 8 : m.nchildren * 2;
    c = realloc(m.children, n * sizeof *c);
    if (c == NULL) {
        return NULL;
    }
    memset(c + m.nchildren, 0, (n - m.nchildren) * sizeof *c);
    m.children = c;
    c += m.nchildren;
    m.nchildren = n;
    return c;
}

static bool master_is_current(const struct child *c)
{
    return c->gen == m.gen && !c->retiring;
}

/* The live, not stopping child of a slot that is current (want_current) or old. */
static struct child *master_slot_child(int slot, bool want_current)
{
    size_t i;

    for (i = 0; i < m.nchildren; i++) {
        struct child *c = &m.children[i];

        if (c->pid != 0 && !c->stopping && c->slot == slot &&
            master_is_current(c) == want_current) {
            return c;
        }
    }
    return NULL;
}

static size_t master_live(void)
{
    size_t i, n = 0;

    for (i = 0; i < m.nchildren; i++) {
        n += m.children[i].pid != 0;
    }
    return n;
}

/* Makes the slot table match settings.workers (new slots start with no back-off). */
static int master_resize_slots(void)
{
    size_t n = (size_t)m.settings.workers;
    struct slot *s = realloc(m.slots, n * sizeof *s);

    if (s == NULL) {
        return -1;
    }
    if (n > m.nslots) {
        memset(s + m.nslots, 0, (n - m.nslots) * sizeof *s);
    }
    m.slots = s;
    m.nslots = n;
    return 0;
}

/* ---- forking and stopping ---- */

/* In the new child: drop the master's descriptors and become a worker. */
__attribute__((noreturn)) static void master_become_worker(int slot)
{
    struct worker_args args = {.settings = &m.settings,
                               .listen_fd = m.ls.fd,
                               .report_fd = m.report_wr,
                               .number = slot + 1};

    close(m.sigfd);
    close(m.report_rd);
    free(m.children);
    m.children = NULL;
    free(m.slots);
    m.slots = NULL;
    /* A worker must not outlive its master (e.g. after a SIGKILL to the master): it gets
     * a graceful stop. The getppid() check closes the race with a master that died
     * before prctl. */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != m.pid) {
        _exit(0);
    }
    log_init("worker", m.settings.log_level);
    exit(worker_run(&args));
}

/* Records a failed start for a slot and returns the wait before the next fork. */
static double master_slot_failed(int slot)
{
    struct slot *s = &m.slots[slot];

    s->backoff = s->backoff == 0 ? MASTER_BACKOFF_FIRST_S : s->backoff * 2;
    if (s->backoff > MASTER_BACKOFF_MAX_S) {
        s->backoff = MASTER_BACKOFF_MAX_S;
    }
    s->not_before = master_now() + s->backoff;
    return s->backoff;
}

static void master_fork(int slot)
{
    struct child *c = master_free_entry();
    pid_t pid;

    if (c == NULL) {
        log_error("event=fork_failed worker=%d error=out_of_memory", slot + 1);
        master_slot_failed(slot);
        return;
    }
    fflush(NULL); /* nothing buffered may be written twice */
    pid = fork();
    if (pid < 0) {
        log_error("event=fork_failed worker=%d errno=%d retry_in_s=%.1f", slot + 1, errno,
                  master_slot_failed(slot));
        return;
    }
    if (pid == 0) {
        master_become_worker(slot);
    }
    memset(c, 0, sizeof *c);
    c->pid = pid;
    c->slot = slot;
    c->gen = m.gen;
    c->started = master_now();
    log_info("event=worker_started pid=%d worker=%d gen=%u", (int)pid, slot + 1, m.gen);
}

static void master_stop_child(struct child *c, const char *why)
{
    log_info("event=worker_stop pid=%d worker=%d reason=%s", (int)c->pid, c->slot + 1, why);
    if (kill(c->pid, SIGTERM) != 0 && errno != ESRCH) {
        log_error("event=kill_failed pid=%d errno=%d", (int)c->pid, errno);
    }
    c->stopping = true;
    c->stop_sent = master_now();
}

/* ---- the pool ---- */

/* True when every slot holds a ready current child and no old child is left. */
static bool master_pool_ready(void)
{
    size_t i;

    for (i = 0; i < m.nslots; i++) {
        const struct child *cur = master_slot_child((int)i, true);

        if (cur == NULL || !cur->ready || master_slot_child((int)i, false) != NULL) {
            return false;
        }
    }
    return true;
}

/* One step towards "every slot holds one ready current child" (see the top). */
static void master_reconcile(void)
{
    double now = master_now();
    bool rolling = false;
    size_t i;

    if (m.stopping) {
        return;
    }
    for (i = 0; i < m.nchildren; i++) {
        struct child *c = &m.children[i];

        if (c->pid == 0 || c->stopping) {
            continue;
        }
        if ((size_t)c->slot >= m.nslots) {
            master_stop_child(c, "surplus"); /* WORKERS was lowered */
        } else if (c->gen != m.gen && !c->ready) {
            master_stop_child(c, "superseded"); /* a reload came while it started */
        } else if (master_is_current(c) && !c->ready && master_slot_child(c->slot, false) != NULL) {
            rolling = true; /* a replacement is on its way */
        }
    }
    for (i = 0; i < m.nslots; i++) {
        struct child *cur = master_slot_child((int)i, true);
        struct child *old = master_slot_child((int)i, false);

        if (cur == NULL) {
            if (now < m.slots[i].not_before || (old != NULL && rolling)) {
                continue;
            }
            rolling = rolling || old != NULL;
            master_fork((int)i);
        } else if (cur->ready && old != NULL) {
            master_stop_child(old, old->retiring ? "recycled" : "reloaded");
        }
    }
    if (!m.announced && master_pool_ready()) {
        char status[128];

        m.announced = true;
        snprintf(status, sizeof status, "%zu workers ready (generation %u)", m.nslots, m.gen);
        log_info("event=ready workers=%zu gen=%u", m.nslots, m.gen);
        notify_ready(status);
    }
}

/* Describes how a child ended, e.g. "exit_code=0" or "signal=KILL". */
static void master_describe_status(int status, char *buf, size_t buflen)
{
    if (WIFEXITED(status)) {
        snprintf(buf, buflen, "exit_code=%d", WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        const char *name = sigabbrev_np(WTERMSIG(status));

        snprintf(buf, buflen, "signal=%s%s", name != NULL ? name : "?",
                 WCOREDUMP(status) ? " core_dumped=yes" : "");
    } else {
        snprintf(buf, buflen, "status=%d", status);
    }
}

/* Collects every child that ended; logs each and sets its slot's back-off. */
static void master_reap(void)
{
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        struct child *c = master_find(pid);
        char how[64];
        double lived;

        if (c == NULL) {
            continue;
        }
        master_describe_status(status, how, sizeof how);
        lived = master_now() - c->started;
        if (c->stopping) {
            log_info("event=worker_exited pid=%d worker=%d %s lived_s=%.1f reason=stopped",
                     (int)pid, c->slot + 1, how, lived);
        } else if ((size_t)c->slot < m.nslots && c->gen == m.gen &&
                   (!c->ready || lived < MASTER_FAILED_START_S)) {
            log_error("event=worker_exited pid=%d worker=%d %s lived_s=%.1f reason=failed_start "
                      "retry_in_s=%.1f",
                      (int)pid, c->slot + 1, how, lived, master_slot_failed(c->slot));
        } else {
            if ((size_t)c->slot < m.nslots && c->gen == m.gen) {
                m.slots[c->slot].backoff = 0; /* it lived: the next start is not throttled */
                m.slots[c->slot].not_before = 0;
            }
            log_error("event=worker_exited pid=%d worker=%d %s lived_s=%.1f reason=died", (int)pid,
                      c->slot + 1, how, lived);
        }
        gate_release_pid(pid); /* a worker killed mid-hash gives its slot back */
        memset(c, 0, sizeof *c);
    }
}

/* SIGKILLs children past their start or stop deadline. */
static void master_check_deadlines(void)
{
    double now = master_now();
    size_t i;

    for (i = 0; i < m.nchildren; i++) {
        struct child *c = &m.children[i];
        const char *why = NULL;

        if (c->pid == 0 || c->killed) {
            continue;
        }
        if (c->stopping && now - c->stop_sent >= MASTER_STOP_TIMEOUT_S) {
            why = "stop_timeout";
        } else if (!c->stopping && !c->ready && now - c->started >= MASTER_START_TIMEOUT_S) {
            why = "start_timeout";
        }
        if (why != NULL) {
            log_warn("event=worker_kill pid=%d worker=%d reason=%s", (int)c->pid, c->slot + 1, why);
            if (kill(c->pid, SIGKILL) != 0 && errno != ESRCH) {
                log_error("event=kill_failed pid=%d errno=%d", (int)c->pid, errno);
            }
            c->killed = true;
        }
    }
}

/* Milliseconds until the next timer (back-off end or deadline), -1 for none. */
static int master_timeout_ms(void)
{
    double now = master_now(), next = -1;
    size_t i;

    for (i = 0; i < m.nchildren; i++) {
        const struct child *c = &m.children[i];
        double t;

        if (c->pid == 0 || c->killed || (c->ready && !c->stopping)) {
            continue;
        }
        t = c->stopping ? c->stop_sent + MASTER_STOP_TIMEOUT_S
                        : c->started + MASTER_START_TIMEOUT_S;
        next = next < 0 || t < next ? t : next;
    }
    for (i = 0; i < m.nslots && !m.stopping; i++) {
        double t = m.slots[i].not_before;

        if (t > now && (next < 0 || t < next)) {
            next = t;
        }
    }
    if (next < 0) {
        return -1;
    }
    return next <= now ? 0 : (int)((next - now) * 1000.0) + 1;
}

/* ---- events ---- */

static void master_begin_stop(int signo)
{
    size_t i;

    if (m.stopping) {
        return;
    }
    m.stopping = true;
    log_info("event=stopping signal=%s workers=%zu", sigabbrev_np(signo), master_live());
    notify_stopping();
    for (i = 0; i < m.nchildren; i++) {
        if (m.children[i].pid != 0 && !m.children[i].stopping) {
            master_stop_child(&m.children[i], "shutdown");
        }
    }
}

/* Logs every line settings_load() wrote about a failed reload. */
static void master_log_problems(const char *text)
{
    while (text != NULL && *text != '\0') {
        size_t n = strcspn(text, "\n");
        char line[512], quoted[600];

        snprintf(line, sizeof line, "%.*s", (int)n, text);
        if (line[strspn(line, " ")] != '\0') {
            log_error("event=reload_failed problem=%s",
                      log_quote(line + strspn(line, " "), quoted, sizeof quoted));
        }
        text += n + (text[n] == '\n');
    }
}

/* SIGHUP: new settings, then a rolling replacement of every worker (see the top). */
static void master_reload(void)
{
    struct settings fresh;
    char *text = NULL;
    size_t len = 0;
    FILE *mem;
    int rc;

    if (m.stopping) {
        return;
    }
    log_info("event=reload_started");
    notify_reloading();
    mem = open_memstream(&text, &len);
    if (mem == NULL) {
        log_error("event=reload_failed problem=out_of_memory");
        notify_ready("reload failed: running with the previous settings");
        return;
    }
    rc = settings_load(&fresh, m.reload->env_file, m.reload->flags, m.reload->nflags, mem);
    fclose(mem);
    if (rc != 0) {
        master_log_problems(text);
        free(text);
        log_error("event=reload_failed kept=previous_settings");
        notify_ready("reload failed: running with the previous settings");
        return;
    }
    free(text);
    if (strcmp(fresh.listen, m.settings.listen) != 0 && !m.ls.from_systemd) {
        log_warn("event=reload_listen_ignored reason=\"LISTEN changes need a restart\"");
    }
    settings_free(&m.settings);
    m.settings = fresh;
    log_set_level(m.settings.log_level);
    gate_set_capacity(m.settings.password_hash_concurrency);
    if (master_resize_slots() != 0) {
        log_error("event=reload_failed problem=out_of_memory");
    }
    m.gen++;
    m.announced = false; /* READY=1 again once the replacements are ready */
    log_info("event=reload_settings workers=%zu gen=%u", m.nslots, m.gen);
}

static void master_read_signals(void)
{
    struct signalfd_siginfo si;

    while (read(m.sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        switch (si.ssi_signo) {
        case SIGCHLD:
            master_reap();
            break;
        case SIGTERM:
        case SIGINT:
            master_begin_stop((int)si.ssi_signo);
            break;
        case SIGHUP:
            master_reload();
            break;
        default:
            break;
        }
    }
}

static void master_read_reports(void)
{
    struct worker_report r;

    while (read(m.report_rd, &r, sizeof r) == (ssize_t)sizeof r) {
        struct child *c = master_find((pid_t)r.pid);

        if (c == NULL) {
            continue;
        }
        if (r.kind == WORKER_REPORT_READY) {
            c->ready = true;
            log_debug("event=worker_ready_seen pid=%d worker=%d", (int)c->pid, c->slot + 1);
        } else if (r.kind == WORKER_REPORT_RECYCLE && !c->stopping) {
            c->retiring = true;
            log_info("event=worker_recycle pid=%d worker=%d", (int)c->pid, c->slot + 1);
        }
    }
}

/* ---- set-up and the loop ---- */

static int master_setup(void)
{
    sigset_t set;
    int fds[2];
    char err[300];

    /* Ignored in the master: SIGPIPE (a vanished systemd) and SIGUSR1 (a worker's
     * signal, harmless if sent to the whole process group). */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR || signal(SIGUSR1, SIG_IGN) == SIG_ERR) {
        log_error("event=master_setup_failed step=signals errno=%d", errno);
        return -1;
    }
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
        (m.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
        log_error("event=master_setup_failed step=signalfd errno=%d", errno);
        return -1;
    }
    if (pipe2(fds, O_CLOEXEC) != 0 || fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) {
        log_error("event=master_setup_failed step=pipe errno=%d", errno);
        return -1;
    }
    m.report_rd = fds[0];
    m.report_wr = fds[1];
    if (listen_open(m.settings.listen, (unsigned)m.settings.listen_mode, m.settings.listen_group,
                    &m.ls, err, sizeof err) != 0) {
        char quoted[400];

        log_error("event=listen_failed error=%s", log_quote(err, quoted, sizeof quoted));
        return -1;
    }
    if (gate_create(m.settings.password_hash_concurrency) != 0) {
        log_error("event=master_setup_failed step=gate errno=%d", errno);
        return -1;
    }
    return master_resize_slots();
}

static void master_teardown(void)
{
    listen_close(&m.ls);
    if (m.sigfd >= 0) {
        close(m.sigfd);
    }
    if (m.report_rd >= 0) {
        close(m.report_rd);
        close(m.report_wr);
    }
    free(m.children);
    free(m.slots);
    settings_free(&m.settings);
}

int master_run(struct settings *settings, const struct master_reload *reload)
{
    char quoted[300];

    memset(&m, 0, sizeof m);
    m.settings = *settings;
    m.reload = reload;
    m.pid = getpid();
    m.sigfd = m.report_rd = m.report_wr = -1;
    m.ls.fd = -1;
    if (master_setup() != 0) {
        master_teardown();
        return 1;
    }
    log_info("event=master_started version=%s listen=%s%s workers=%zu max_requests=%lld",
             APP_VERSION, log_quote(m.settings.listen, quoted, sizeof quoted),
             m.ls.from_systemd ? " socket=systemd" : "", m.nslots, m.settings.max_requests);
    notify_status("starting workers");

    for (;;) {
        struct pollfd p[2] = {{.fd = m.sigfd, .events = POLLIN},
                              {.fd = m.report_rd, .events = POLLIN}};

        master_reconcile();
        if (m.stopping && master_live() == 0) {
            break;
        }
        if (poll(p, 2, master_timeout_ms()) < 0 && errno != EINTR) {
            log_error("event=poll_failed errno=%d", errno);
            master_begin_stop(SIGTERM);
        }
        master_read_reports();
        master_read_signals();
        master_check_deadlines();
    }
    log_info("event=master_stopped");
    master_teardown();
    return 0;
}
