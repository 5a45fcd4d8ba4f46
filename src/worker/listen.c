/*
 * listen.c — opening the FastCGI listening socket (see listen.h).
 */
#include "worker/listen.h"

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

/* systemd passed a listening socket: use it (fd 3) when it is a listening stream. */
static int listen_from_systemd(struct listen_socket *out, char *err, size_t errlen)
{
    int n = sd_listen_fds(1); /* 1: unset LISTEN_* so workers do not see them */

    if (n <= 0) {
        return n; /* 0: not socket-activated */
    }
    if (n > 1) {
        snprintf(err, errlen, "systemd passed %d sockets, expected 1", n);
        return -1;
    }
    if (sd_is_socket(SD_LISTEN_FDS_START, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
        snprintf(err, errlen, "fd %d from systemd is not a listening stream socket",
                 SD_LISTEN_FDS_START);
        return -1;
    }
    out->fd = SD_LISTEN_FDS_START;
    out->from_systemd = true;
    return 1;
}

/*
 * A new unix stream socket (close-on-exec) and in sa the address of `path`, which the
 * caller has checked fits. Returns the fd, or -1 with err set.
 */
static int listen_unix_socket(const char *path, struct sockaddr_un *sa, char *err, size_t errlen)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path, path, strlen(path) + 1);
    return fd;
}

/* Removes a socket file nobody listens on any more; refuses anything else. */
static int listen_remove_stale(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    struct stat st;
    int fd, rc;

    if (lstat(path, &st) != 0) {
        if (errno == ENOENT) {
            return 0;
        }
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a socket", path);
        return -1;
    }
    fd = listen_unix_socket(path, &sa, err, errlen);
    if (fd < 0) {
        return -1;
    }
    rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    close(fd);
    if (rc == 0) {
        snprintf(err, errlen, "%s: another process is listening on it", path);
        return -1;
    }
    if (unlink(path) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot remove stale %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Gives the socket file its group (by name; "" keeps ours) and mode, before listen(2), so
 * no connection can arrive while it is still more open than asked. */
static int listen_unix_access(const char *path, unsigned mode, const char *group, char *err,
                              size_t errlen)
{
    if (group != NULL && group[0] != '\0') {
        struct group *g = getgrnam(group);

        if (g == NULL) {
            snprintf(err, errlen, "LISTEN_GROUP %s: no such group", group);
            return -1;
        }
        if (chown(path, (uid_t)-1, g->gr_gid) != 0) {
            snprintf(err, errlen, "chown %s to group %s: %s", path, group, strerror(errno));
            return -1;
        }
    }
    if (chmod(path, (mode_t)mode) != 0) {
        snprintf(err, errlen, "chmod %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int listen_unix(const char *path, unsigned mode, const char *group,
                       struct listen_socket *out, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    int fd;

    if (strlen(path) >= sizeof sa.sun_path) {
        snprintf(err, errlen, "unix socket path too long (max %zu): %s", sizeof sa.sun_path - 1,
                 path);
        return -1;
    }
    if (listen_remove_stale(path, err, errlen) != 0) {
        return -1;
    }
    fd = listen_unix_socket(path, &sa, err, errlen);
    if (fd < 0) {
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        snprintf(err, errlen, "bind %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    snprintf(out->unix_path, sizeof out->unix_path, "%s", path);
    /* nginx's workers run as another user (www-data, nobody): they connect through the
     * socket's group (LISTEN_GROUP), not through a world-writable socket. */
    if (listen_unix_access(path, mode, group, err, errlen) != 0 ||
        listen(fd, LISTEN_BACKLOG) != 0) {
        if (err[0] == '\0') {
            snprintf(err, errlen, "listen %s: %s", path, strerror(errno));
        }
        close(fd);
        unlink(path);
        out->unix_path[0] = '\0';
        return -1;
    }
    out->fd = fd;
    return 0;
}

int listen_split_host_port(const char *addr, char *host, size_t hostlen, char *port, size_t portlen)
{
    const char *colon = strrchr(addr, ':');
    const char *h = addr;
    size_t hl;

    if (colon == NULL || colon[1] == '\0' || strlen(colon + 1) >= portlen) {
        return -1;
    }
    hl = (size_t)(colon - addr);
    if (hl >= 2 && addr[0] == '[' && addr[hl - 1] == ']') {
        h = addr + 1;
        hl -= 2;
    } else if (memchr(addr, ':', hl) != NULL) {
        return -1; /* a bare IPv6 address needs brackets */
    }
    if (hl >= hostlen) {
        return -1;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    snprintf(port, portlen, "%s", colon + 1);
    return 0;
}

static int listen_tcp(const char *addr, struct listen_socket *out, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL, *ai;
    char host[256], port[16];
    int fd = -1, rc, saved = 0;

    if (listen_split_host_port(addr, host, sizeof host, port, sizeof port) != 0) {
        snprintf(err, errlen, "LISTEN %s: expected unix:/path or host:port", addr);
        return -1;
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    rc = getaddrinfo(host[0] == '\0' || strcmp(host, "*") == 0 ? NULL : host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "LISTEN %s: %s", addr, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        int one = 1;

        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
            bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, LISTEN_BACKLOG) == 0) {
            break;
        }
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "LISTEN %s: %s", addr, strerror(saved));
        return -1;
    }
    out->fd = fd;
    return 0;
}

int listen_open(const char *addr, unsigned mode, const char *group, struct listen_socket *out,
                char *err, size_t errlen)
{
    int rc;

    err[0] = '\0';
    out->fd = -1;
    out->from_systemd = false;
    out->unix_path[0] = '\0';
    rc = listen_from_systemd(out, err, errlen);
    if (rc != 0) {
        return rc < 0 ? -1 : 0;
    }
    if (strncmp(addr, "unix:", 5) == 0) {
        return listen_unix(addr + 5, mode, group, out, err, errlen);
    }
    return listen_tcp(addr, out, err, errlen);
}

void listen_close(struct listen_socket *ls)
{
    if (ls->fd >= 0) {
        close(ls->fd);
        ls->fd = -1;
    }
    if (ls->unix_path[0] != '\0') {
        unlink(ls->unix_path);
        ls->unix_path[0] = '\0';
    }
}
