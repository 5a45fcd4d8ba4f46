/*
 * cli.h — dbtool's command line: one static table of commands and one of options drive
 * parsing, validation (which option belongs to which command, how many arguments) and
 * the --help texts, so the three never disagree.
 *
 * Global options (--env-file, --database-url, --dir, --schema) are accepted before or
 * after the command. A word like "-1" is an argument (a downgrade target), not an option.
 */
#ifndef DBTOOL_CLI_H
#define DBTOOL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "common/settings.h"

#define EXIT_OK     0
#define EXIT_FAILED 1
#define EXIT_USAGE  2

enum cli_opt {
    OPT_ENV_FILE,
    OPT_DATABASE_URL,
    OPT_DIR,
    OPT_SCHEMA,
    OPT_HELP,
    OPT_VERSION,
    OPT_MESSAGE,
    OPT_AUTOGENERATE,
    OPT_HEAD,
    OPT_REV_ID,
    OPT_SQL,
    OPT_SINGLE_TRANSACTION,
    OPT_IGNORE_CHECKSUMS,
    OPT_LOCK_WAIT,
    OPT_LOCK_TIMEOUT,
    OPT_VERBOSE,
    OPT_CHECK_HEADS,
    OPT_REV_RANGE,
    OPT_SCRATCH_URL,
    OPT_COUNT
};

#define CLI_MAX_ARGS 8

struct cli;

/* A command: its handler gets the parsed line and the loaded settings and returns the
 * exit status. */
struct cli_command {
    const char *name;
    int (*run)(const struct cli *cli, const struct settings *s);
    unsigned options; /* bit (1u << OPT_x) for each command-specific option it takes */
    int min_args, max_args;
    const char *args_usage; /* e.g. "[TARGET]" */
    const char *summary;    /* one line for `dbtool --help` */
    const char *help;       /* the paragraph for `dbtool COMMAND --help` */
};

struct cli {
    const struct cli_command *cmd;
    const char *opt[OPT_COUNT]; /* value, or "" for a flag that is set; NULL when absent */
    const char *args[CLI_MAX_ARGS];
    int nargs;
};

/*
 * Parses argv. Returns -1 when the caller should exit with *status right away: after
 * printing help or the version (status 0) or a usage error (status 2, one line on
 * stderr ending with "see dbtool --help"). Returns 0 when cli->cmd is set and valid.
 */
int cli_parse(struct cli *cli, int argc, char **argv, int *status);

/* Prints "dbtool: error: <message>" to stderr and returns EXIT_FAILED. */
__attribute__((format(printf, 1, 2))) int cli_fail(const char *fmt, ...);

/* Prints a usage error naming the command's help and returns EXIT_USAGE. */
__attribute__((format(printf, 2, 3))) int cli_usage_error(const struct cli *cli, const char *fmt,
                                                          ...);

/* True when a flag or option was given. */
bool cli_has(const struct cli *cli, enum cli_opt opt);

#endif
