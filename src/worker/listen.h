/*
 * listen.h — the FastCGI listening socket the master opens once and every worker
 * inherits: from LISTEN ("unix:/path" or "host:port") or from systemd socket activation.
 */
#ifndef WORKER_LISTEN_H
#define WORKER_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

/* Listen backlog: connections wait here while every worker is busy, e.g. during a
 * reload; the kernel caps it at net.core.somaxconn. */
#define LISTEN_BACKLOG 1024

struct listen_socket {
    int fd;
    bool from_systemd;   /* inherited through LISTEN_FDS: systemd owns it */
    char unix_path[108]; /* the socket file we created ("" otherwise), removed at exit */
};

/*
 * Takes the socket passed by systemd (LISTEN_FDS/LISTEN_PID, exactly one stream socket,
 * fd 3), else opens `addr`:
 *   "unix:/path"  — a stale socket file left by a dead process is removed first (one a
 *                   live process still answers on is an error, as is any other file);
 *                   the file gets `mode` and, unless `group` is NULL or "", that group
 *                   (nginx's workers run as another user and connect through it);
 *   "host:port"   — TCP (IPv4 or IPv6, "[::1]:9000"), SO_REUSEADDR.
 * Returns 0, or -1 with a one-line reason in err.
 */
int listen_open(const char *addr, unsigned mode, const char *group, struct listen_socket *out,
                char *err, size_t errlen);

/* Closes the socket and removes the socket file we created. */
void listen_close(struct listen_socket *ls);

/* Splits "host:port" / "[v6]:port" into host (brackets removed; "" or "*" = any) and
 * port. Returns 0, or -1 when malformed. */
int listen_split_host_port(const char *addr, char *host, size_t hostlen, char *port,
                           size_t portlen);

#endif
