/*
 * addrlist.h — lists of IP addresses as settings write them ("127.0.0.1, ::1"): parsed
 * once here for both the settings check (settings.c) and the FastCGI peer allowlist
 * (FCGI_WEB_SERVER_ADDRS, worker/fcgi_io.c). IPv4 addresses are kept as v4-mapped IPv6,
 * so one comparison serves both families and dual-stack sockets.
 */
#ifndef COMMON_ADDRLIST_H
#define COMMON_ADDRLIST_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Most addresses a list may hold. */
#define ADDRLIST_MAX 32

/*
 * Parses a list of numeric IPv4/IPv6 addresses separated by commas and/or spaces into
 * out[0..*n). Returns 0, or -1 with a one-line reason in err (an entry that is not an IP
 * address, quoted; more than max; none at all).
 */
int addrlist_parse(const char *list, struct in6_addr *out, size_t max, size_t *n, char *err,
                   size_t errlen);

/* True when the peer address sa (AF_INET or AF_INET6) is one of list[0..n). Any other
 * family (a unix socket's peer) is false: the caller decides what that means. */
bool addrlist_contains(const struct sockaddr *sa, const struct in6_addr *list, size_t n);

#endif
