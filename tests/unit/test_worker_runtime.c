/*
 * test_worker_runtime.c — the runtime's pure pieces: CONTENT_LENGTH parsing, request id
 * checks and generation (fcgi_io), LISTEN address splitting and the unix socket's
 * stale-file handling (listen). Processes, signals and FastCGI are covered end to end
 * (tests/e2e/test_worker_runtime.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/addrlist.h"
#include "worker/fcgi_io.h"
#include "worker/listen.h"

static void test_content_length_accepts_plain_digits(void **state)
{
    long long n = 0;

    (void)state;
    assert_int_equal(fcgi_io_parse_content_length("0", &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(fcgi_io_parse_content_length("1048576", &n), 0);
    assert_int_equal(n, 1048576);
    assert_int_equal(fcgi_io_parse_content_length("999999999999999999", &n), 0);
    assert_true(n == 999999999999999999LL);
}

static void test_content_length_absent_or_empty_means_unknown(void **state)
{
    long long n = 0;

    (void)state;
    assert_int_equal(fcgi_io_parse_content_length(NULL, &n), 0);
    assert_int_equal(n, -1);
    assert_int_equal(fcgi_io_parse_content_length("", &n), 0);
    assert_int_equal(n, -1);
}

static void test_content_length_rejects_anything_else(void **state)
{
    static const char *const bad[] = {"-1",
                                      "+1",
                                      " 1",
                                      "1 ",
                                      "1e3",
                                      "0x10",
                                      "abc",
                                      "1000000000000000000",
                                      "99999999999999999999"};
    long long n;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(fcgi_io_parse_content_length(bad[i], &n), -1);
    }
}

static void test_request_id_accepts_nginx_ids_and_refuses_unsafe_text(void **state)
{
    char long_id[FCGI_IO_REQUEST_ID_MAX + 2];

    (void)state;
    assert_true(fcgi_io_request_id_ok("0123456789abcdef0123456789abcdef"));
    assert_true(fcgi_io_request_id_ok("req-1.a_b:c"));
    assert_false(fcgi_io_request_id_ok(""));
    assert_false(fcgi_io_request_id_ok("has space"));
    assert_false(fcgi_io_request_id_ok("crlf\r\nX-Evil: 1"));
    assert_false(fcgi_io_request_id_ok("quote\"d"));
    assert_false(fcgi_io_request_id_ok("k=v"));
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert_false(fcgi_io_request_id_ok(long_id));
    long_id[FCGI_IO_REQUEST_ID_MAX] = '\0';
    assert_true(fcgi_io_request_id_ok(long_id));
}

static void test_new_request_ids_are_32_hex_digits_and_differ(void **state)
{
    char a[33], b[33];

    (void)state;
    fcgi_io_new_request_id(a, sizeof a);
    fcgi_io_new_request_id(b, sizeof b);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(strspn(a, "0123456789abcdef"), 32);
    assert_true(fcgi_io_request_id_ok(a));
    assert_string_not_equal(a, b);
}

static void test_listen_splits_host_and_port(void **state)
{
    char host[64], port[16];

    (void)state;
    assert_int_equal(listen_split_host_port("127.0.0.1:9000", host, sizeof host, port, sizeof port),
                     0);
    assert_string_equal(host, "127.0.0.1");
    assert_string_equal(port, "9000");
    assert_int_equal(listen_split_host_port("[::1]:9001", host, sizeof host, port, sizeof port), 0);
    assert_string_equal(host, "::1");
    assert_string_equal(port, "9001");
    assert_int_equal(listen_split_host_port(":9002", host, sizeof host, port, sizeof port), 0);
    assert_string_equal(host, "");
    assert_int_equal(listen_split_host_port("::1:9000", host, sizeof host, port, sizeof port), -1);
    assert_int_equal(listen_split_host_port("localhost", host, sizeof host, port, sizeof port), -1);
    assert_int_equal(listen_split_host_port("localhost:", host, sizeof host, port, sizeof port),
                     -1);
}

/* A unique socket path in /tmp (the folder is removed by the caller). */
static void temp_socket_path(char *dir, size_t dirlen, char *path, size_t pathlen)
{
    snprintf(dir, dirlen, "/tmp/test_listen_XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, pathlen, "%s/fcgi.sock", dir);
}

/* Leaves a socket file behind, as a SIGKILLed master would. */
static void make_stale_socket(const char *path)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    assert_true(strlen(path) < sizeof sa.sun_path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    close(fd);
}

static void test_listen_unix_replaces_a_stale_socket_and_cleans_up(void **state)
{
    char dir[64], path[128], addr[140], err[256];
    struct listen_socket ls;
    struct stat st;

    (void)state;
    temp_socket_path(dir, sizeof dir, path, sizeof path);
    make_stale_socket(path);
    snprintf(addr, sizeof addr, "unix:%s", path);
    assert_int_equal(listen_open(addr, 0660, "nogroup", &ls, err, sizeof err), 0);
    assert_int_equal(stat(path, &st), 0);
    /* Owner and nginx's group may connect, nobody else (SPEC §12). */
    assert_int_equal(st.st_mode & 0777, 0660);
    assert_int_equal(st.st_gid, getgrnam("nogroup")->gr_gid);

    /* A second server on the same live socket is refused, and the file stays. */
    {
        struct listen_socket other;

        assert_int_equal(listen_open(addr, 0660, "", &other, err, sizeof err), -1);
        assert_non_null(strstr(err, "another process"));
        assert_int_equal(stat(path, &st), 0);
    }
    listen_close(&ls);
    assert_int_equal(stat(path, &st), -1);
    rmdir(dir);
}

static void test_listen_unix_never_removes_a_regular_file(void **state)
{
    char dir[64], path[128], addr[140], err[256];
    struct listen_socket ls;
    int fd;

    (void)state;
    temp_socket_path(dir, sizeof dir, path, sizeof path);
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    snprintf(addr, sizeof addr, "unix:%s", path);
    assert_int_equal(listen_open(addr, 0660, "", &ls, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a socket"));
    assert_int_equal(access(path, F_OK), 0);
    unlink(path);
    rmdir(dir);
}

static void test_listen_tcp_reports_a_busy_port(void **state)
{
    struct listen_socket a, b;
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    char addr[64], err[256];

    (void)state;
    assert_int_equal(listen_open("127.0.0.1:0", 0660, "", &a, err, sizeof err), 0);
    assert_int_equal(getsockname(a.fd, (struct sockaddr *)&sin, &len), 0);
    snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
    assert_int_equal(listen_open(addr, 0660, "", &b, err, sizeof err), -1);
    assert_non_null(strstr(err, addr));
    listen_close(&a);
}

/* SPEC §12: FCGI_WEB_SERVER_ADDRS, IPv4 and IPv6, with IPv4 peers also seen as v4-mapped
 * (common/addrlist, which the settings check and fcgi_io share). */
static void test_tcp_peers_are_checked_against_the_allowlist(void **state)
{
    struct in6_addr allow[4];
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    struct sockaddr_un un;
    char err[128];
    size_t n;

    (void)state;
    assert_int_equal(addrlist_parse("127.0.0.1, ::1,10.0.0.11", allow, 4, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    memset(&v4, 0, sizeof v4);
    v4.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr);
    assert_true(addrlist_contains((struct sockaddr *)&v4, allow, n));
    inet_pton(AF_INET, "127.0.0.2", &v4.sin_addr);
    assert_false(addrlist_contains((struct sockaddr *)&v4, allow, n));
    memset(&v6, 0, sizeof v6);
    v6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::1", &v6.sin6_addr);
    assert_true(addrlist_contains((struct sockaddr *)&v6, allow, n));
    inet_pton(AF_INET6, "::ffff:10.0.0.11", &v6.sin6_addr); /* dual-stack socket */
    assert_true(addrlist_contains((struct sockaddr *)&v6, allow, n));
    inet_pton(AF_INET6, "::2", &v6.sin6_addr);
    assert_false(addrlist_contains((struct sockaddr *)&v6, allow, n));
    memset(&un, 0, sizeof un);
    un.sun_family = AF_UNIX; /* not an address: fcgi_io lets the socket file decide */
    assert_false(addrlist_contains((struct sockaddr *)&un, allow, n));

    assert_int_equal(addrlist_parse("", allow, 4, &n, err, sizeof err), -1);
    assert_string_equal(err, "must list at least one address");
    assert_int_equal(addrlist_parse("localhost", allow, 4, &n, err, sizeof err), -1);
    assert_string_equal(err, "not an IP address: \"localhost\"");
    assert_int_equal(
        addrlist_parse("1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5", allow, 4, &n, err, sizeof err),
        -1);
    assert_string_equal(err, "more than 4 addresses");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_length_accepts_plain_digits),
        cmocka_unit_test(test_content_length_absent_or_empty_means_unknown),
        cmocka_unit_test(test_content_length_rejects_anything_else),
        cmocka_unit_test(test_request_id_accepts_nginx_ids_and_refuses_unsafe_text),
        cmocka_unit_test(test_new_request_ids_are_32_hex_digits_and_differ),
        cmocka_unit_test(test_listen_splits_host_and_port),
        cmocka_unit_test(test_listen_unix_replaces_a_stale_socket_and_cleans_up),
        cmocka_unit_test(test_listen_unix_never_removes_a_regular_file),
        cmocka_unit_test(test_listen_tcp_reports_a_busy_port),
        cmocka_unit_test(test_tcp_peers_are_checked_against_the_allowlist),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
