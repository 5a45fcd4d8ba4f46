/*
 * test_settings.c — loading, precedence, validation, problem reports, --print-config
 * and password masking of the settings module (SPEC §2).
 *
 * The tests run inside a fresh temporary directory (so the repository's etc/dev.env is
 * not picked up by accident) and start and end with every setting-like variable
 * removed from the environment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/settings.h"

#define URL "postgresql://app:s3cret@127.0.0.1:5432/awesome_api"

static char saved_cwd[PATH_MAX];
static char tmp_dir[] = "/tmp/test_settings_XXXXXX";

/* Removes every variable named like a setting (any case), ENV_FILE and APP_ENV. */
static void clean_environment(void)
{
    size_t count;
    const struct setting_def *defs = settings_table(&count);
    for (;;) {
        char name[128] = "";
        for (char **e = environ; *e != NULL && name[0] == '\0'; e++) {
            size_t n = strcspn(*e, "=");
            if (n >= sizeof name)
                continue;
            int ours = (n == 8 && strncasecmp(*e, "ENV_FILE", 8) == 0) ||
                       (n == 7 && strncasecmp(*e, "APP_ENV", 7) == 0);
            for (size_t i = 0; i < count && !ours; i++)
                ours = strlen(defs[i].name) == n && strncasecmp(*e, defs[i].name, n) == 0;
            if (ours)
                snprintf(name, sizeof name, "%.*s", (int)n, *e);
        }
        if (name[0] == '\0')
            return;
        unsetenv(name);
    }
}

static int group_setup(void **state)
{
    (void)state;
    if (getcwd(saved_cwd, sizeof saved_cwd) == NULL || mkdtemp(tmp_dir) == NULL ||
        chdir(tmp_dir) != 0 || mkdir("etc", 0700) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    clean_environment();
    if (rmdir("etc") != 0 || chdir(saved_cwd) != 0 || rmdir(tmp_dir) != 0)
        return -1;
    return 0;
}

static int setup(void **state)
{
    (void)state;
    clean_environment();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    clean_environment();
    return 0;
}

/* Writes text to path (relative to the test directory). */
static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* Runs settings_load and returns what it printed (caller frees). */
static char *load(struct settings *s, const char *env_file, const struct settings_flag *flags,
                  size_t nflags, int *rc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *err = open_memstream(&text, &len);
    assert_non_null(err);
    *rc = settings_load(s, env_file, flags, nflags, err);
    assert_int_equal(fclose(err), 0);
    return text;
}

/* The two required settings, from the environment. */
static void set_required(void)
{
    setenv("ADMIN_EMAIL", "admin@example.com", 1);
    setenv("DATABASE_URL", URL, 1);
}

/* Loads with the required settings plus name=value in the environment; returns the
 * output and frees the settings of a successful load. */
static char *load_one(const char *name, const char *value, int *rc)
{
    struct settings s;
    set_required();
    setenv(name, value, 1);
    char *out = load(&s, NULL, NULL, 0, rc);
    if (*rc == 0)
        settings_free(&s);
    return out;
}

static void test_defaults_fill_everything_not_given(void **state)
{
    (void)state;
    struct settings s;
    int rc;
    set_required();
    char *out = load(&s, NULL, NULL, 0, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "");
    assert_string_equal(s.app_name, "Awesome API");
    assert_string_equal(s.admin_email, "admin@example.com");
    assert_int_equal(s.items_per_user, 50);
    assert_string_equal(s.database_url, URL);
    /* SPEC §12: a unix socket by default, TCP only when set; 64 KiB bodies. */
    assert_string_equal(s.listen, "unix:/run/awesome-api/fcgi.sock");
    assert_int_equal(s.listen_mode, 0660);
    assert_string_equal(s.listen_group, "");
    assert_string_equal(s.fcgi_web_server_addrs, "127.0.0.1,::1");
    assert_int_equal(s.fcgi_read_timeout_ms, 5000);
    assert_true(s.password_hash_concurrency >= 1);
    assert_int_equal(s.max_requests, 0);
    assert_int_equal(s.max_body_bytes, 65536);
    assert_int_equal(s.statement_timeout_ms, 5000);
    assert_int_equal(s.log_level, LOG_INFO);
    assert_string_equal(s.migrations_dir, "sql/versions");
    assert_string_equal(s.schema_file, "sql/schema.sql");
    assert_int_equal(s.lock_timeout_ms, 5000);
    assert_int_equal(s.lock_wait_s, 300);
    assert_null(s.env_file);
    assert_string_equal(s.sources_label, "environment");
    assert_int_equal(s.source[settings_find("APP_NAME")], SOURCE_DEFAULT);
    assert_int_equal(s.source[settings_find("ADMIN_EMAIL")], SOURCE_ENV);
    settings_free(&s);
    free(out);
}

static void test_workers_default_is_a_multiple_of_online_cpus(void **state)
{
    (void)state;
    struct settings s;
    int rc;
    set_required();
    free(load(&s, NULL, NULL, 0, &rc));
    assert_int_equal(rc, 0);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    assert_int_equal(s.workers, SETTINGS_WORKERS_PER_CPU * (cpus < 1 ? 1 : cpus));
    settings_free(&s);
}

static void test_missing_required_settings_are_reported_as_field_required(void **state)
{
    (void)state;
    struct settings s;
    int rc;
    char *out = load(&s, NULL, NULL, 0, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(out, "config: 2 problems in environment\n"
                             "  ADMIN_EMAIL: field required\n"
                             "  DATABASE_URL: field required\n");
    /* A failed load leaves nothing to free. */
    assert_null(s.app_name);
    assert_null(s.sources_label);
    free(out);
}

static void test_spec_example_report(void **state)
{
    (void)state;
    struct settings s;
    int rc;
    write_file("etc/prod.env", "DATABASE_URL=" URL "\nITEMS_PER_USER=fifty\n");
    setenv("APP_ENV", "prod", 1);
    char *out = load(&s, NULL, NULL, 0, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(out, "config: 2 problems in etc/prod.env + environment\n"
                             "  ADMIN_EMAIL: field required\n"
                             "  ITEMS_PER_USER: not a valid integer: \"fifty\"\n");
    free(out);
    unlink("etc/prod.env");
}

static void test_all_problems_reported_at_once(void **state)
{
    (void)state;
    struct settings s;
    int rc;
    char path[] = "/tmp/test_settings_env_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "# broken on purpose\n"
                     "ITEMS_PER_USER=fifty\n"
                     "this line has no equals sign\n"
                     "ADMIN_EMIAL=admin@example.com\n"
                     "LISTEN=\"unterminated\n"
                     "WORKERS=0\n");
    setenv("LOG_LEVEL", "loud", 1);
    setenv("DATABASE_URL", "postgresql://app:s3cret@host/db?bogus=1", 1);
    char *out = load(&s, path, NULL, 0, &rc);
    assert_int_equal(rc, -1);

    char *expected = NULL;
    assert_true(asprintf(&expected,
                         "config: 8 problems in %s + environment\n"
                         "  %s:3: expected KEY=value (missing '=')\n"
                         "  %s:4: unknown setting ADMIN_EMIAL (did you mean ADMIN_EMAIL?)\n"
                         "  %s:5: unterminated double quote\n"
                         "  ADMIN_EMAIL: field required\n"
                         "  ITEMS_PER_USER: not a valid integer: \"fifty\"\n"
                         "  DATABASE_URL: not a valid connection string: invalid URI query "
                         "parameter: \"bogus\"\n"
                         "  WORKERS: must be >= 1\n"
                         "  LOG_LEVEL: must be one of debug, info, warn, error: \"loud\"\n",
                         path, path, path, path) > 0);
    assert_string_equal(out, expected);
    free(expected);
    free(out);
    unlink(path);
}

/* The §12 settings: an octal mode, an address list, bounds. */
static void test_hostile_traffic_settings_are_checked(void **state)
{
    (void)state;
    struct settings s;
    int rc;
    set_required();
    setenv("LISTEN_MODE", "0990", 1);
    setenv("FCGI_WEB_SERVER_ADDRS", "127.0.0.1, nginx.local", 1);
    setenv("FCGI_READ_TIMEOUT_MS", "0", 1);
    setenv("PASSWORD_HASH_CONCURRENCY", "0", 1);
    char *out = load(&s, NULL, NULL, 0, &rc);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(out, "  LISTEN_MODE: not an octal file mode (e.g. 0660): \"0990\"\n"));
    assert_non_null(strstr(out, "  FCGI_WEB_SERVER_ADDRS: not an IP address: \"nginx.local\"\n"));
    assert_non_null(strstr(out, "  FCGI_READ_TIMEOUT_MS: must be >= 1\n"));
    assert_non_null(strstr(out, "  PASSWORD_HASH_CONCURRENCY: must be >= 1\n"));
    free(out);

    setenv("LISTEN_MODE", "600", 1);
    setenv("FCGI_WEB_SERVER_ADDRS", "10.0.0.11 [::1]", 1);
    out = load(&s, NULL, NULL, 0, &rc);
    assert_int_equal(rc, -1); /* brackets are for LISTEN, not for a bare address */
    free(out);
    setenv("FCGI_WEB_SERVER_ADDRS", "10.0.0.11 ::1", 1);
    setenv("FCGI_READ_TIMEOUT_MS", "250", 1);
    setenv("PASSWORD_HASH_CONCURRENCY", "3", 1);
    out = load(&s, NULL, NULL, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(s.listen_mode, 0600);
    assert_int_equal(s.fcgi_read_timeout_ms, 250);
    assert_int_equal(s.password_hash_concurrency, 3);
    free(out);
    settings_free(&s);
    unsetenv("LISTEN_MODE");
    unsetenv("FCGI_WEB_SERVER_ADDRS");
    unsetenv("FCGI_READ_TIMEOUT_MS");
    unsetenv("PASSWORD_HASH_CONCURRENCY");
}

static void test_one_problem_is_singular(void **state)
{
    (void)state;
    int rc;
    char *out = load_one("ITEMS_PER_USER", "-1", &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(out, "config: 1 problem in environment\n"
                             "  ITEMS_PER_USER: must be >= 0\n");
    free(out);
}

static void test_environment_overrides_file_and_flags_override_environment(void **state)
{
    (void)state;
    struct settings s;
    int rc;
    write_file("etc/dev.env", "APP_NAME=From File\nLISTEN=127.0.0.1:1111\nWORKERS=2\n"
                              "ADMIN_EMAIL=file@example.com\nDATABASE_URL=" URL "\n");
    setenv("LISTEN", "127.0.0.1:2222", 1);
    setenv("WORKERS", "3", 1);
    const struct settings_flag flags[] = {{"WORKERS", "5"}};
    char *out = load(&s, NULL, flags, 1, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(s.app_name, "From File");
    assert_string_equal(s.listen, "127.0.0.1:2222");
    assert_int_equal(s.workers, 5);
    assert_int_equal(s.source[settings_find("APP_NAME")], SOURCE_FILE);
    assert_int_equal(s.source[settings_find("LISTEN")], SOURCE_ENV);
    assert_int_equal(s.source[settings_find("WORKERS")], SOURCE_FLAG);
    assert_int_equal(s.source[settings_find("ITEMS_PER_USER")], SOURCE_DEFAULT);
    assert_string_equal(s.env_file, "etc/dev.env");
    assert_string_equal(s.sources_label, "etc/dev.env + environment + flags");
    settings_free(&s);
    free(out);
    unlink("etc/dev.env");
}

static void test_names_are_case_insensitive(void **state)
{
    (void)state;
    struct settings s;
    int rc;
    write_file("etc/dev.env", "admin_email=file@example.com\nItems_Per_User=7\n");
    setenv("database_url", URL, 1);
    setenv("log_level", "error", 1);
    setenv("LOG_LEVEL", "warn", 1); /* the exact spelling wins over another case */
    const struct settings_flag flags[] = {{"listen", "unix:/run/x.sock"}, {"max-body-bytes", "10"}};
    char *out = load(&s, NULL, flags, 2, &rc);
    assert_string_equal(out, "");
    assert_int_equal(rc, 0);
    assert_string_equal(s.admin_email, "file@example.com");
    assert_int_equal(s.items_per_user, 7);
    assert_string_equal(s.database_url, URL);
    assert_int_equal(s.log_level, LOG_WARN);
    assert_string_equal(s.listen, "unix:/run/x.sock");
    assert_int_equal(s.max_body_bytes, 10);
    settings_free(&s);
    free(out);
    unlink("etc/dev.env");
}

static void test_unknown_setting_in_file_suggests_closest_name(void **state)
{
    (void)state;
    struct settings s;
    int rc;
    write_file("etc/dev.env", "# comment\nDATABASE_URL=" URL "\n\n"
                              "ADMIN_EMIAL=admin@example.com\n"
                              "items_per_usr=3\n"
                              "COLOUR=blue\n"
                              "APP_ENV=prod\n");
    setenv("ADMIN_EMAIL", "admin@example.com", 1);
    char *out = load(&s, NULL, NULL, 0, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(out,
                        "config: 4 problems in etc/dev.env + environment\n"
                        "  etc/dev.env:4: unknown setting ADMIN_EMIAL (did you mean ADMIN_EMAIL?)\n"
                        "  etc/dev.env:5: unknown setting items_per_usr (did you mean "
                        "ITEMS_PER_USER?)\n"
                        "  etc/dev.env:6: unknown setting COLOUR\n"
                        "  etc/dev.env:7: APP_ENV chooses the env file, so it cannot be set "
                        "inside one\n");
    free(out);
    unlink("etc/dev.env");
}

static void test_unknown_environment_variables_are_ignored(void **state)
{
    (void)state;
    int rc;
    char *out = load_one("ADMIN_EMIAL", "not an email", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "");
    free(out);
    unsetenv("ADMIN_EMIAL");
}

static void test_unknown_flag_is_reported(void **state)
{
    (void)state;
    struct settings s;
    int rc;
    set_required();
    const struct settings_flag flags[] = {{"workrs", "3"}};
    char *out = load(&s, NULL, flags, 1, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(out, "config: 1 problem in environment + flags\n"
                             "  flag: unknown setting workrs (did you mean WORKERS?)\n");
    free(out);
}

static void test_env_file_given_by_flag_or_variable_must_exist(void **state)
{
    (void)state;
    struct settings s;
    int rc;
    set_required();
    char *out = load(&s, "missing.env", NULL, 0, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(out, "config: 1 problem in missing.env + environment\n"
                             "  missing.env: cannot read: No such file or directory\n");
    free(out);

    out = load(&s, "", NULL, 0, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(out, "config: 1 problem in environment\n"
                             "  --env-file: the path is empty\n");
    free(out);

    setenv("ENV_FILE", "etc/also-missing.env", 1);
    out = load(&s, NULL, NULL, 0, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(out, "config: 1 problem in etc/also-missing.env + environment\n"
                             "  etc/also-missing.env: cannot read: No such file or directory\n");
    free(out);
}

static void test_env_file_flag_beats_env_file_variable(void **state)
{
    (void)state;
    struct settings s;
    int rc;
    set_required();
    write_file("etc/a.env", "APP_NAME=A\n");
    write_file("etc/b.env", "APP_NAME=B\n");
    setenv("ENV_FILE", "etc/a.env", 1);
    free(load(&s, "etc/b.env", NULL, 0, &rc));
    assert_int_equal(rc, 0);
    assert_string_equal(s.app_name, "B");
    settings_free(&s);

    free(load(&s, NULL, NULL, 0, &rc));
    assert_int_equal(rc, 0);
    assert_string_equal(s.app_name, "A");
    assert_string_equal(s.env_file, "etc/a.env");
    settings_free(&s);
    unlink("etc/a.env");
    unlink("etc/b.env");
}

static void test_app_env_selects_the_file_and_a_missing_one_is_skipped(void **state)
{
    (void)state;
    struct settings s;
    int rc;
    set_required();
    write_file("etc/dev.env", "APP_NAME=Dev\n");
    write_file("etc/qa.env", "APP_NAME=QA\n");

    free(load(&s, NULL, NULL, 0, &rc)); /* APP_ENV unset: dev */
    assert_int_equal(rc, 0);
    assert_string_equal(s.app_name, "Dev");
    settings_free(&s);

    setenv("APP_ENV", "qa", 1);
    free(load(&s, NULL, NULL, 0, &rc));
    assert_int_equal(rc, 0);
    assert_string_equal(s.app_name, "QA");
    assert_string_equal(s.env_file, "etc/qa.env");
    settings_free(&s);

    setenv("APP_ENV", "staging", 1);
    char *out = load(&s, NULL, NULL, 0, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "");
    assert_string_equal(s.app_name, "Awesome API");
    assert_null(s.env_file);
    assert_string_equal(s.sources_label, "environment");
    settings_free(&s);
    free(out);
    unlink("etc/dev.env");
    unlink("etc/qa.env");
}

static void test_repeated_key_in_file_last_wins(void **state)
{
    (void)state;
    struct settings s;
    int rc;
    set_required();
    write_file("etc/dev.env", "ITEMS_PER_USER=fifty\nITEMS_PER_USER=5\n");
    free(load(&s, NULL, NULL, 0, &rc));
    assert_int_equal(rc, 0);
    assert_int_equal(s.items_per_user, 5);
    settings_free(&s);
    unlink("etc/dev.env");
}

static void test_int_values_are_parsed_strictly_and_bounded(void **state)
{
    (void)state;
    static const struct {
        const char *name, *value, *problem;
    } cases[] = {
        {"WORKERS", "0", "WORKERS: must be >= 1"},
        {"WORKERS", "100000", "WORKERS: must be <= 1024"},
        {"ITEMS_PER_USER", "5x", "ITEMS_PER_USER: not a valid integer: \"5x\""},
        {"ITEMS_PER_USER", "", "ITEMS_PER_USER: not a valid integer: \"\""},
        {"ITEMS_PER_USER", "0x10", "ITEMS_PER_USER: not a valid integer: \"0x10\""},
        {"ITEMS_PER_USER", "1.5", "ITEMS_PER_USER: not a valid integer: \"1.5\""},
        {"MAX_REQUESTS", "99999999999999999999", "MAX_REQUESTS: must be <= 9223372036854775807"},
        {"MAX_REQUESTS", "-99999999999999999999", "MAX_REQUESTS: must be >= 0"},
        {"STATEMENT_TIMEOUT_MS", "2147483648", "STATEMENT_TIMEOUT_MS: must be <= 2147483647"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc;
        char *out = load_one(cases[i].name, cases[i].value, &rc);
        assert_int_equal(rc, -1);
        assert_non_null(strstr(out, cases[i].problem));
        free(out);
        clean_environment();
    }

    struct settings s;
    int rc;
    set_required();
    setenv("WORKERS", " 7 ", 1);
    free(load(&s, NULL, NULL, 0, &rc));
    assert_int_equal(rc, 0);
    assert_int_equal(s.workers, 7);
    settings_free(&s);
}

static void test_admin_email_must_be_an_address(void **state)
{
    (void)state;
    static const char *const good[] = {"a@example.com", "first.last+tag@mail.example.co.uk",
                                       "x@b-c.io", "ü@exämple.de"};
    static const char *const bad[] = {"",
                                      "admin",
                                      "admin@",
                                      "@example.com",
                                      "a@localhost",
                                      "a@@example.com",
                                      "a b@example.com",
                                      "a@example..com",
                                      "a@.example.com",
                                      "a@example.com.",
                                      "a@-x.com",
                                      "a@x-.com"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int rc;
        free(load_one("ADMIN_EMAIL", good[i], &rc));
        assert_int_equal(rc, 0);
        clean_environment();
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc;
        char *out = load_one("ADMIN_EMAIL", bad[i], &rc);
        assert_int_equal(rc, -1);
        assert_non_null(strstr(out, "ADMIN_EMAIL: not a valid email address"));
        free(out);
        clean_environment();
    }

    char long_email[300];
    memset(long_email, 'a', sizeof long_email);
    memcpy(long_email + 300 - 13, "@example.com", 13);
    int rc;
    free(load_one("ADMIN_EMAIL", long_email, &rc));
    assert_int_equal(rc, -1);
}

static void test_listen_takes_unix_path_or_host_port(void **state)
{
    (void)state;
    static const char *const good[] = {"127.0.0.1:9000", "localhost:1", "0.0.0.0:65535",
                                       "[::1]:9000", "unix:/run/awesome-api/fcgi.sock"};
    static const struct {
        const char *value, *problem;
    } bad[] = {
        {"9000", "LISTEN: expected \"unix:/absolute/path\" or \"host:port\": \"9000\""},
        {":9000", "LISTEN: expected"},
        {"host:0", "LISTEN: port must be 1-65535: \"0\""},
        {"host:65536", "LISTEN: port must be 1-65535: \"65536\""},
        {"host:", "LISTEN: port must be 1-65535: \"\""},
        {"host:http", "LISTEN: port must be 1-65535: \"http\""},
        {"::1:9000", "LISTEN: write an IPv6 address in brackets"},
        {"[::1]", "LISTEN: expected"},
        {"unix:relative.sock", "LISTEN: unix socket path must be absolute: \"unix:relative.sock\""},
        {"unix:/"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "LISTEN: unix socket path longer than 107 bytes"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int rc;
        char *out = load_one("LISTEN", good[i], &rc);
        assert_string_equal(out, "");
        assert_int_equal(rc, 0);
        free(out);
        clean_environment();
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc;
        char *out = load_one("LISTEN", bad[i].value, &rc);
        assert_int_equal(rc, -1);
        assert_non_null(strstr(out, bad[i].problem));
        free(out);
        clean_environment();
    }
}

static void test_database_url_checked_by_libpq_without_echoing_the_password(void **state)
{
    (void)state;
    static const struct {
        const char *value, *problem;
    } cases[] = {
        {"", "DATABASE_URL: must not be empty"},
        {"postgresql://app:s3cret%zz@host/db",
         "DATABASE_URL: not a valid connection string: invalid percent-encoded token: "
         "\"****\""},
        {"postgresql://app:s3cret@[::1",
         "DATABASE_URL: not a valid connection string: end of string reached when looking "
         "for matching \"]\" in IPv6 host address in URI: \"****\""},
        {"host=db password='s3cret", "DATABASE_URL: not a valid connection string: "
                                     "unterminated quoted string in connection info string"},
        {"host=db password=s3cret bogus",
         "DATABASE_URL: not a valid connection string: missing \"=\" after \"bogus\" in "
         "connection info string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc;
        char *out = load_one("DATABASE_URL", cases[i].value, &rc);
        assert_int_equal(rc, -1);
        char *line = strchr(out, '\n') + 3;
        line[strlen(line) - 1] = '\0';
        assert_string_equal(line, cases[i].problem);
        free(out);
        clean_environment();
    }
    static const char *const good[] = {URL, "postgres:///awesome_api?host=/tmp",
                                       "host=127.0.0.1 port=5432 dbname=x user=app password=p",
                                       "postgresql://h1:5432,h2:5432/db?target_session_attrs="
                                       "read-write"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int rc;
        free(load_one("DATABASE_URL", good[i], &rc));
        assert_int_equal(rc, 0);
        clean_environment();
    }
}

static void test_log_level_accepts_four_names_in_any_case(void **state)
{
    (void)state;
    static const char *const names[] = {"debug", "INFO", "Warn", "error"};
    for (size_t i = 0; i < 4; i++) {
        struct settings s;
        int rc;
        set_required();
        setenv("LOG_LEVEL", names[i], 1);
        free(load(&s, NULL, NULL, 0, &rc));
        assert_int_equal(rc, 0);
        assert_int_equal(s.log_level, (enum log_level)i);
        settings_free(&s);
    }
    int rc;
    char *out = load_one("LOG_LEVEL", "warning", &rc);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(out, "LOG_LEVEL: must be one of debug, info, warn, error: \"warning\""));
    free(out);
}

static void test_empty_paths_are_rejected(void **state)
{
    (void)state;
    int rc;
    char *out = load_one("MIGRATIONS_DIR", "", &rc);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(out, "MIGRATIONS_DIR: must not be empty"));
    free(out);
}

static void test_print_config_shows_each_value_and_its_source(void **state)
{
    (void)state;
    struct settings s;
    int rc;
    write_file("etc/dev.env", "ADMIN_EMAIL=admin@example.com\nDATABASE_URL=" URL "\n");
    setenv("LOG_LEVEL", "DEBUG", 1);
    setenv("APP_NAME", "Two\nLines", 1); /* still one line per setting */
    const struct settings_flag flags[] = {{"LISTEN", "unix:/tmp/x.sock"}, {"WORKERS", "3"}};
    free(load(&s, NULL, flags, 2, &rc));
    assert_int_equal(rc, 0);

    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    settings_print(&s, out);
    assert_int_equal(fclose(out), 0);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    char expected[2048];
    snprintf(expected, sizeof expected,
             "APP_NAME=Two\\nLines  (environment)\n"
             "ADMIN_EMAIL=admin@example.com  (etc/dev.env)\n"
             "ITEMS_PER_USER=50  (default)\n"
             "DATABASE_URL=postgresql://app:****@127.0.0.1:5432/awesome_api  "
             "(etc/dev.env)\n"
             "LISTEN=unix:/tmp/x.sock  (flag --listen)\n"
             "LISTEN_MODE=0660  (default)\n"
             "LISTEN_GROUP=  (default)\n"
             "FCGI_WEB_SERVER_ADDRS=127.0.0.1,::1  (default)\n"
             "FCGI_READ_TIMEOUT_MS=5000  (default)\n"
             "WORKERS=3  (flag --workers)\n"
             "MAX_REQUESTS=0  (default)\n"
             "MAX_BODY_BYTES=65536  (default)\n"
             "PASSWORD_HASH_CONCURRENCY=%ld  (default)\n"
             "STATEMENT_TIMEOUT_MS=5000  (default)\n"
             "LOG_LEVEL=debug  (environment)\n"
             "MIGRATIONS_DIR=sql/versions  (default)\n"
             "SCHEMA_FILE=sql/schema.sql  (default)\n"
             "LOCK_TIMEOUT_MS=5000  (default)\n"
             "LOCK_WAIT_SECONDS=300  (default)\n",
             cpus < 1 ? 1 : cpus);
    assert_string_equal(text, expected);
    assert_null(strstr(text, "s3cret"));
    free(text);
    settings_free(&s);
    unlink("etc/dev.env");
}

/* Masks url into a buffer of buflen bytes; the result must equal expected. */
static void check_mask(const char *url, const char *expected, size_t buflen)
{
    char buf[512];
    assert_true(buflen <= sizeof buf);
    settings_mask_url(url, buf, buflen);
    assert_string_equal(buf, expected);
}

static void test_password_masked_in_uri_and_conninfo(void **state)
{
    (void)state;
    static const struct {
        const char *url, *masked;
    } cases[] = {
        {URL, "postgresql://app:****@127.0.0.1:5432/awesome_api"},
        {"postgres://app:p@ss@host/db", "postgres://app:****@host/db"},
        {"postgresql://app@host/db", "postgresql://app@host/db"},
        {"postgresql://host:5432/db", "postgresql://host:5432/db"},
        {"postgresql://app:@host/db", "postgresql://app:@host/db"},
        {"postgresql://h1:1,h2:2/db?user=app&password=s3cret&sslmode=require",
         "postgresql://h1:1,h2:2/db?user=app&password=****&sslmode=require"},
        {"postgresql://app:s3cret@/db?host=/tmp", "postgresql://app:****@/db?host=/tmp"},
        {"host=db user=app password=s3cret dbname=x", "host=db user=app password=**** dbname=x"},
        {"host=db password = 's3 cret\\'s' dbname=x", "host=db password = **** dbname=x"},
        {"password=s3cret", "password=****"},
        {"host=db password= port=1", "host=db password= ****"}, /* libpq reads "port=1" */
        {"host=db password s3cret", "host=db password ****"},
        {"host=db dbname=x", "host=db dbname=x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_mask(cases[i].url, cases[i].masked, 512);

    check_mask(URL, "postgresql://app:**", 20); /* truncated, still terminated */
    check_mask(NULL, "", 8);
    char untouched = 'x';
    settings_mask_url(URL, &untouched, 0);
    assert_int_equal(untouched, 'x');
}

static void test_settings_table_describes_every_setting(void **state)
{
    (void)state;
    size_t count;
    const struct setting_def *defs = settings_table(&count);
    assert_int_equal(count, 19);

    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    settings_describe(out);
    assert_int_equal(fclose(out), 0);

    for (size_t i = 0; i < count; i++) {
        char buf[64];
        assert_true(strlen(defs[i].description) > 0);
        assert_int_equal(settings_find(defs[i].name), (int)i);
        assert_non_null(strstr(text, defs[i].name));
        assert_true(strlen(settings_type_text(&defs[i], buf, sizeof buf)) > 0);
    }
    char buf[64];
    assert_int_equal(settings_find("items_per_user"), settings_find("ITEMS_PER_USER"));
    assert_int_equal(settings_find("NOPE"), -1);
    assert_string_equal(settings_default_text(&defs[settings_find("ADMIN_EMAIL")], buf, 64),
                        "required");
    assert_string_equal(settings_default_text(&defs[settings_find("WORKERS")], buf, 64),
                        "2 x online CPUs");
    assert_string_equal(settings_type_text(&defs[settings_find("WORKERS")], buf, 64),
                        "int 1..1024");
    assert_string_equal(settings_type_text(&defs[settings_find("MAX_REQUESTS")], buf, 64),
                        "int >= 0");
    assert_string_equal(settings_log_level_name(LOG_WARN), "warn");
    free(text);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_defaults_fill_everything_not_given),
        T(test_workers_default_is_a_multiple_of_online_cpus),
        T(test_missing_required_settings_are_reported_as_field_required),
        T(test_spec_example_report),
        T(test_all_problems_reported_at_once),
        T(test_hostile_traffic_settings_are_checked),
        T(test_one_problem_is_singular),
        T(test_environment_overrides_file_and_flags_override_environment),
        T(test_names_are_case_insensitive),
        T(test_unknown_setting_in_file_suggests_closest_name),
        T(test_unknown_environment_variables_are_ignored),
        T(test_unknown_flag_is_reported),
        T(test_env_file_given_by_flag_or_variable_must_exist),
        T(test_env_file_flag_beats_env_file_variable),
        T(test_app_env_selects_the_file_and_a_missing_one_is_skipped),
        T(test_repeated_key_in_file_last_wins),
        T(test_int_values_are_parsed_strictly_and_bounded),
        T(test_admin_email_must_be_an_address),
        T(test_listen_takes_unix_path_or_host_port),
        T(test_database_url_checked_by_libpq_without_echoing_the_password),
        T(test_log_level_accepts_four_names_in_any_case),
        T(test_empty_paths_are_rejected),
        T(test_print_config_shows_each_value_and_its_source),
        T(test_password_masked_in_uri_and_conninfo),
        T(test_settings_table_describes_every_setting),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
