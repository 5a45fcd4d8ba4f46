/*
 * cli.c — the command and option tables, argv parsing and the --help texts
 * (see cli.h).
 */
#include "dbtool/cli.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "dbtool/commands.h"

struct cli_option {
    enum cli_opt id;
    const char *name; /* long name without "--" */
    char short_name;  /* 0 when none */
    const char *arg;  /* value placeholder, NULL for a flag */
    const char *help;
};

#define GLOBAL_OPTIONS                                                                             \
    ((1u << OPT_ENV_FILE) | (1u << OPT_DATABASE_URL) | (1u << OPT_DIR) | (1u << OPT_SCHEMA) |      \
     (1u << OPT_HELP) | (1u << OPT_VERSION))
#define BIT(o)  (1u << (o))
#define LOCKING (BIT(OPT_IGNORE_CHECKSUMS) | BIT(OPT_LOCK_WAIT) | BIT(OPT_LOCK_TIMEOUT))

static const struct cli_option cli_options[OPT_COUNT] = {
    {OPT_ENV_FILE, "env-file", 0, "FILE", "settings file (default etc/$APP_ENV.env)"},
    {OPT_DATABASE_URL, "database-url", 0, "URL", "the database (default: DATABASE_URL)"},
    {OPT_DIR, "dir", 0, "DIR", "revision folder (default: MIGRATIONS_DIR, sql/versions)"},
    {OPT_SCHEMA, "schema", 0, "FILE", "declared schema (default: SCHEMA_FILE, sql/schema.sql)"},
    {OPT_HELP, "help", 'h', NULL, "show help (dbtool COMMAND --help for one command)"},
    {OPT_VERSION, "version", 0, NULL, "print the version"},
    {OPT_MESSAGE, "message", 'm', "MSG", "the revision's message (required)"},
    {OPT_AUTOGENERATE, "autogenerate", 0, NULL,
     "fill it with the SQL that turns the database into sql/schema.sql"},
    {OPT_HEAD, "head", 0, "REV", "parent of the new revision (default: the single head)"},
    {OPT_REV_ID, "rev-id", 0, "ID", "use this revision id instead of a random one"},
    {OPT_SQL, "sql", 0, NULL, "print the SQL instead of running it (offline, FROM:TO)"},
    {OPT_SINGLE_TRANSACTION, "single-transaction", 0, NULL,
     "run every revision in one transaction: all or nothing"},
    {OPT_IGNORE_CHECKSUMS, "ignore-checksums", 0, NULL,
     "go on although an applied file was changed"},
    {OPT_LOCK_WAIT, "lock-wait", 0, "SECONDS",
     "wait this long for another dbtool (default: LOCK_WAIT_SECONDS)"},
    {OPT_LOCK_TIMEOUT, "lock-timeout", 0, "MS",
     "lock_timeout of migration statements (default: LOCK_TIMEOUT_MS, 5000)"},
    {OPT_VERBOSE, "verbose", 'v', NULL, "show every field of each revision"},
    {OPT_CHECK_HEADS, "check-heads", 0, NULL, "exit 1 unless the database is at head"},
    {OPT_REV_RANGE, "rev-range", 'r', "A:B", "only revisions from A up to B (inclusive)"},
    {OPT_SCRATCH_URL, "scratch-url", 0, "URL",
     "an empty database to work in instead of creating one (left empty)"},
};

static const struct cli_command cli_commands[] = {
    {"revision", cmd_revision,
     BIT(OPT_MESSAGE) | BIT(OPT_AUTOGENERATE) | BIT(OPT_HEAD) | BIT(OPT_REV_ID) |
         BIT(OPT_SCRATCH_URL),
     0, 0, "-m MSG", "write a new revision file whose parent is the current head",
     "Writes sql/versions/<id>_<slug>.sql with a fresh 12-hex id, today's date (UTC) and\n"
     "empty up and down sections. The parent is the single head of the folder; with\n"
     "several heads name one with --head (or merge them first).\n"
     "--autogenerate fills the sections: the database (which must be at the parent) is\n"
     "compared with the declared schema (--schema, SCHEMA_FILE, else schema.sql beside the\n"
     "revision folder) applied to a scratch database; the up section turns the one into\n"
     "the other, the down section back. Each change is printed (\"Detected added table\n"
     "'items'\"), destructive steps carry a -- WARNING comment and a warning on stderr, and\n"
     "nothing is written when nothing differs. The scratch database is created and dropped\n"
     "on the server of DATABASE_URL (the role needs CREATEDB) unless --scratch-url names an\n"
     "empty one."},
    {"upgrade", cmd_upgrade, BIT(OPT_SQL) | BIT(OPT_SINGLE_TRANSACTION) | LOCKING, 0, 1, "[TARGET]",
     "apply revisions up to TARGET (default head)",
     "TARGET: head (default), heads, a revision id or unique prefix, +N (N above the\n"
     "current revision), REV+N. Each revision runs in its own transaction with its\n"
     "version bookkeeping; --single-transaction makes the run all or nothing. Concurrent\n"
     "runs wait for each other (advisory lock), so run it from every host if you like.\n"
     "--sql prints the SQL instead, without connecting: `upgrade --sql [FROM:]TO`\n"
     "(FROM defaults to base)."},
    {"downgrade", cmd_downgrade, BIT(OPT_SQL) | BIT(OPT_SINGLE_TRANSACTION) | LOCKING, 1, 1,
     "TARGET", "revert revisions down to TARGET",
     "TARGET: -N (N revisions down), a revision id or prefix (revert everything above it),\n"
     "base (revert everything). A revision whose file is gone is reverted with the down\n"
     "SQL stored when it was applied. --sql needs a range: `downgrade --sql FROM:TO`."},
    {"current", cmd_current, BIT(OPT_VERBOSE) | BIT(OPT_CHECK_HEADS), 0, 0, "",
     "show the revision(s) the database is at",
     "Prints each current revision, marked (head) when it is a head of the folder.\n"
     "--check-heads exits 1 unless the database is exactly at the head(s)."},
    {"history", cmd_history, BIT(OPT_VERBOSE) | BIT(OPT_REV_RANGE), 0, 0, "",
     "list revisions, newest first, marking (head) and (current)",
     "-r A:B limits the list to revisions from A up to B; either end may be empty, base,\n"
     "head, heads, current, a revision or REV+N/REV-N. (current) marks need the database;\n"
     "when it cannot be reached the list is printed without them."},
    {"heads", cmd_heads, BIT(OPT_VERBOSE), 0, 0, "", "show the head revision(s) of the folder",
     "Prints every revision without children. More than one head means branches that\n"
     "`dbtool merge` can join."},
    {"branches", cmd_branches, BIT(OPT_VERBOSE), 0, 0, "",
     "show branch points (revisions with several children)",
     "Prints each revision that several revisions revise, with its children."},
    {"show", cmd_show, 0, 1, 1, "REV", "show one revision",
     "REV: a revision id or prefix, head or base+N and the like."},
    {"merge", cmd_merge, BIT(OPT_MESSAGE) | BIT(OPT_REV_ID), 1, CLI_MAX_ARGS, "-m MSG REV...",
     "write a revision that joins several heads",
     "Writes a revision whose parents are the given revisions (at least two), or every\n"
     "head with the single argument `heads`. Its sections are empty unless you add SQL."},
    {"stamp", cmd_stamp, LOCKING, 1, 1, "TARGET", "set the recorded revision without running SQL",
     "TARGET: head, heads, base, a revision. Records stamp rows in dbtool_history."},
    {"check", cmd_check, BIT(OPT_SCRATCH_URL), 0, 0, "",
     "exit 0 only when at head, files unchanged and the schema as declared",
     "Lists every problem found (revisions not applied, applied files changed since, and\n"
     "every difference between the database and the declared schema, compared as\n"
     "revision --autogenerate does) and exits 1 when there is one. Without a declared\n"
     "schema file (the default one missing) the schema is not compared."},
    {"test", cmd_test, BIT(OPT_SCRATCH_URL), 0, 0, "",
     "test the revisions on a scratch database (for CI)",
     "Checks that every file parses and the folder has one head; then, on a scratch\n"
     "database, runs each revision up, down and up again (the stairway) and requires the\n"
     "schema after the downgrade to be exactly the one before the upgrade; then requires\n"
     "the schema at head to match the declared schema, and downgrade base to leave an\n"
     "empty schema. Prints one line per check and exits 1 when one fails."},
    {"catalog", cmd_catalog, 0, 0, 0, "", "print the database's schema as dbtool compares it",
     "Prints the tables, columns, constraints, indexes, enums and sequences of schema\n"
     "public as dbtool reads them from pg_catalog (what check and autogenerate compare)."},
};

#define CLI_NCOMMANDS (sizeof cli_commands / sizeof cli_commands[0])

bool cli_has(const struct cli *cli, enum cli_opt opt)
{
    return cli->opt[opt] != NULL;
}

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("dbtool: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_FAILED;
}

int cli_usage_error(const struct cli *cli, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("dbtool: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    if (cli && cli->cmd)
        fprintf(stderr, "; see dbtool %s --help\n", cli->cmd->name);
    else
        fputs("; see dbtool --help\n", stderr);
    va_end(ap);
    return EXIT_USAGE;
}

static void cli_print_option(FILE *out, const struct cli_option *o)
{
    char left[64], shortname[8] = "    ";
    if (o->short_name)
        snprintf(shortname, sizeof shortname, "-%c, ", o->short_name);
    snprintf(left, sizeof left, "%s--%s%s%s", shortname, o->name, o->arg ? " " : "",
             o->arg ? o->arg : "");
    fprintf(out, "  %-26s %s\n", left, o->help);
}

static void cli_help_general(FILE *out)
{
    fputs("usage: dbtool [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
          "Database migrations for Awesome API, the Alembic counterpart: revisions are SQL\n"
          "files in sql/versions/, and the database records the applied ones in\n"
          "dbtool_version (current heads) and dbtool_history (append-only log).\n\ncommands:\n",
          out);
    for (size_t i = 0; i < CLI_NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", cli_commands[i].name, cli_commands[i].summary);
    fputs("\nglobal options (before or after the command):\n", out);
    for (int o = 0; o < OPT_COUNT; o++)
        if (GLOBAL_OPTIONS & BIT(o))
            cli_print_option(out, &cli_options[o]);
    fputs("\ntargets: head, heads, base, a revision id or unique prefix, +N, -N, REV+N, REV-N\n"
          "exit status: 0 done, 1 failed, 2 usage error, 78 bad settings\n",
          out);
}

static void cli_help_command(FILE *out, const struct cli_command *c)
{
    fprintf(out, "usage: dbtool %s %s%s[OPTIONS]\n\n%s.\n\n%s\n", c->name, c->args_usage,
            *c->args_usage ? " " : "", c->summary, c->help);
    if (c->options) {
        fputs("\noptions:\n", out);
        for (int o = 0; o < OPT_COUNT; o++)
            if (c->options & BIT(o))
                cli_print_option(out, &cli_options[o]);
    }
    fputs("\nglobal options: --env-file FILE, --database-url URL, --dir DIR, --schema FILE\n"
          "exit status: 0 done, 1 failed, 2 usage error, 78 bad settings\n",
          out);
}

static const struct cli_command *cli_find_command(const char *name)
{
    for (size_t i = 0; i < CLI_NCOMMANDS; i++)
        if (strcmp(cli_commands[i].name, name) == 0)
            return &cli_commands[i];
    return NULL;
}

/* The command whose name is closest to a misspelt one, or NULL. */
static const char *cli_suggest(const char *name)
{
    const char *best = NULL;
    size_t best_score = 3;
    for (size_t i = 0; i < CLI_NCOMMANDS; i++) {
        const char *c = cli_commands[i].name;
        size_t la = strlen(name), lb = strlen(c), common = 0;
        /* cheap similarity: length difference plus mismatching positions */
        for (size_t k = 0; k < la && k < lb; k++)
            common += name[k] == c[k];
        size_t score = (la > lb ? la : lb) - common;
        if (score < best_score) {
            best_score = score;
            best = c;
        }
    }
    return best;
}

/* "-1", "-12": a relative downgrade target, not an option. */
static bool cli_is_number(const char *a)
{
    if (a[0] != '-' || !isdigit((unsigned char)a[1]))
        return false;
    for (const char *p = a + 1; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return true;
}

static const struct cli_option *cli_find_option(const char *a, const char **inline_value)
{
    *inline_value = NULL;
    if (a[1] != '-') {
        if (a[2] != '\0')
            return NULL;
        for (int o = 0; o < OPT_COUNT; o++)
            if (cli_options[o].short_name == a[1])
                return &cli_options[o];
        return NULL;
    }
    const char *name = a + 2;
    size_t len = strcspn(name, "=");
    for (int o = 0; o < OPT_COUNT; o++)
        if (strlen(cli_options[o].name) == len && strncmp(cli_options[o].name, name, len) == 0) {
            if (name[len] == '=')
                *inline_value = name + len + 1;
            return &cli_options[o];
        }
    return NULL;
}

int cli_parse(struct cli *cli, int argc, char **argv, int *status)
{
    memset(cli, 0, sizeof *cli);
    bool options_done = false;
    *status = EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!options_done && strcmp(a, "--") == 0) {
            options_done = true;
        } else if (!options_done && a[0] == '-' && a[1] != '\0' && !cli_is_number(a)) {
            const char *value;
            const struct cli_option *o = cli_find_option(a, &value);
            if (!o)
                return cli_usage_error(cli, "unknown option \"%s\"", a), -1;
            if (o->arg && !value) {
                if (i + 1 >= argc)
                    return cli_usage_error(cli, "option %s needs a value (%s)", a, o->arg), -1;
                value = argv[++i];
            } else if (!o->arg && value) {
                return cli_usage_error(cli, "option --%s takes no value", o->name), -1;
            }
            cli->opt[o->id] = o->arg ? value : "";
        } else if (!cli->cmd) {
            if (strcmp(a, "help") == 0 && !cli->opt[OPT_HELP]) {
                cli->opt[OPT_HELP] = "";
                continue;
            }
            cli->cmd = cli_find_command(a);
            if (!cli->cmd) {
                const char *near = cli_suggest(a);
                if (near)
                    return cli_usage_error(NULL, "unknown command \"%s\" (did you mean %s?)", a,
                                           near),
                           -1;
                return cli_usage_error(NULL, "unknown command \"%s\"", a), -1;
            }
        } else if (cli->nargs < CLI_MAX_ARGS) {
            cli->args[cli->nargs++] = a;
        } else {
            return cli_usage_error(cli, "too many arguments"), -1;
        }
    }
    if (cli->opt[OPT_HELP]) {
        if (cli->cmd)
            cli_help_command(stdout, cli->cmd);
        else
            cli_help_general(stdout);
        *status = EXIT_OK;
        return -1;
    }
    if (cli->opt[OPT_VERSION]) {
        printf("dbtool %s\n", APP_VERSION);
        *status = EXIT_OK;
        return -1;
    }
    if (!cli->cmd)
        return cli_usage_error(NULL, "no command given"), -1;
    for (int o = 0; o < OPT_COUNT; o++)
        if (cli->opt[o] && !(GLOBAL_OPTIONS & BIT(o)) && !(cli->cmd->options & BIT(o)))
            return cli_usage_error(cli, "option --%s does not apply to %s", cli_options[o].name,
                                   cli->cmd->name),
                   -1;
    if (cli->nargs < cli->cmd->min_args)
        return cli_usage_error(cli, "%s needs %s", cli->cmd->name, cli->cmd->args_usage), -1;
    if (cli->nargs > cli->cmd->max_args)
        return cli_usage_error(cli, "unexpected argument \"%s\" for %s",
                               cli->args[cli->cmd->max_args], cli->cmd->name),
               -1;
    *status = EXIT_OK;
    return 0;
}
