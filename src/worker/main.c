/*
 * main.c — the api-worker command line: parses options, loads settings (exit 78 on any
 * problem, before a socket is opened), then hands over to the master (master.c).
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/settings.h"
#include "worker/master.h"

#define EXIT_USAGE 64 /* EX_USAGE */

static void usage(FILE *out)
{
    fprintf(out, "usage: api-worker [--env-file FILE] [--listen ADDR] [--workers N]\n"
                 "                  [--print-config] [--version] [--help]\n"
                 "\n"
                 "FastCGI application server of Awesome API: a master process that opens\n"
                 "the listening socket (LISTEN, or systemd's) and supervises WORKERS\n"
                 "worker processes.\n"
                 "\n"
                 "  --env-file FILE  read settings from FILE (default etc/$APP_ENV.env)\n"
                 "  --listen ADDR    LISTEN: unix:/path or host:port\n"
                 "  --workers N      WORKERS: number of worker processes\n"
                 "  --print-config   print the effective settings and where each came from\n"
                 "  --version        print the version\n"
                 "\n"
                 "Signals to the master: TERM/INT graceful stop, HUP reload settings and\n"
                 "replace the workers one by one.\n"
                 "\n"
                 "Settings (environment or env file; flags win over both):\n");
}

/* Matches "--name VALUE" or "--name=VALUE" at argv[*i]; advances *i past what it used. */
static int option_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    size_t n = strlen(name);
    const char *arg = argv[*i];

    if (strncmp(arg, name, n) != 0) {
        return 0;
    }
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    if (arg[n] != '\0') {
        return 0;
    }
    if (*i + 1 >= argc) {
        fprintf(stderr, "api-worker: %s needs a value\n", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

int main(int argc, char **argv)
{
    struct settings_flag flags[2] = {{NULL, NULL}, {NULL, NULL}};
    struct master_reload reload = {.env_file = NULL, .flags = flags, .nflags = 0};
    struct settings settings;
    const char *listen = NULL, *workers = NULL;
    int print_config = 0;
    int i;

    for (i = 1; i < argc; i++) {
        const char *v = NULL;
        int rc;

        if (strcmp(argv[i], "--version") == 0) {
            printf("api-worker %s\n", APP_VERSION);
            return 0;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            settings_describe(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--print-config") == 0) {
            print_config = 1;
            continue;
        }
        if ((rc = option_value(argc, argv, &i, "--env-file", &v)) != 0) {
            reload.env_file = v;
        } else if ((rc = option_value(argc, argv, &i, "--listen", &v)) != 0) {
            listen = v;
        } else if ((rc = option_value(argc, argv, &i, "--workers", &v)) != 0) {
            workers = v;
        } else {
            fprintf(stderr, "api-worker: unknown argument: %s\n", argv[i]);
            rc = -1;
        }
        if (rc < 0) {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (listen != NULL) {
        flags[reload.nflags++] = (struct settings_flag){"LISTEN", listen};
    }
    if (workers != NULL) {
        flags[reload.nflags++] = (struct settings_flag){"WORKERS", workers};
    }

    if (settings_load(&settings, reload.env_file, flags, reload.nflags, stderr) != 0) {
        return SETTINGS_EXIT_CONFIG;
    }
    if (print_config) {
        settings_print(&settings, stdout);
        settings_free(&settings);
        return 0;
    }
    log_init("master", settings.log_level);
    return master_run(&settings, &reload);
}
