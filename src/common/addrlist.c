/*
 * addrlist.c — parsing and matching lists of IP addresses (see addrlist.h).
 */
#include "common/addrlist.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* ::ffff:a.b.c.d for an IPv4 address. */
static void addrlist_map_v4(const struct in_addr *v4, struct in6_addr *out)
{
    memset(out, 0, sizeof *out);
    out->s6_addr[10] = 0xff;
    out->s6_addr[11] = 0xff;
    memcpy(&out->s6_addr[12], v4, 4);
}

int addrlist_parse(const char *list, struct in6_addr *out, size_t max, size_t *n, char *err,
                   size_t errlen)
{
    *n = 0;
    for (const char *p = list; *p != '\0';) {
        char addr[INET6_ADDRSTRLEN];
        struct in_addr v4;
        size_t len;

        p += strspn(p, ", ");
        len = strcspn(p, ", ");
        if (len == 0) {
            break;
        }
        if (*n == max) {
            snprintf(err, errlen, "more than %zu addresses", max);
            return -1;
        }
        if (len < sizeof addr) {
            memcpy(addr, p, len);
            addr[len] = '\0';
        }
        if (len < sizeof addr && inet_pton(AF_INET, addr, &v4) == 1) {
            addrlist_map_v4(&v4, &out[*n]);
        } else if (len >= sizeof addr || inet_pton(AF_INET6, addr, &out[*n]) != 1) {
            snprintf(err, errlen, "not an IP address: \"%.*s\"", (int)(len < 64 ? len : 64), p);
            return -1;
        }
        (*n)++;
        p += len;
    }
    if (*n == 0) {
        snprintf(err, errlen, "must list at least one address");
        return -1;
    }
    return 0;
}

bool addrlist_contains(const struct sockaddr *sa, const struct in6_addr *list, size_t n)
{
    struct in6_addr peer;

    if (sa->sa_family == AF_INET) {
        addrlist_map_v4(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, &peer);
    } else if (sa->sa_family == AF_INET6) {
        peer = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    } else {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (memcmp(&peer, &list[i], sizeof peer) == 0) {
            return true;
        }
    }
    return false;
}
