/*
 * settings.h — typed application settings, the BaseSettings counterpart (SPEC §2).
 *
 * One static table (settings.c) declares every setting: name, type, default or
 * "required", bounds and a one-line description. The same table drives loading,
 * validation, `--print-config` and documentation. Both binaries use this module.
 *
 * Precedence, highest first: command-line flags, process environment, the env file,
 * built-in defaults. The env file is --env-file / ENV_FILE if given (must exist),
 * else etc/$APP_ENV.env (APP_ENV defaults to "dev"; skipped when it does not exist).
 * Names are case-insensitive everywhere.
 */
#ifndef COMMON_SETTINGS_H
#define COMMON_SETTINGS_H

#include <stdio.h>

#define SETTINGS_EXIT_CONFIG 78 /* EX_CONFIG: what both binaries exit with on a bad setting */

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Where an effective value came from; shown by --print-config. */
enum setting_source { SOURCE_DEFAULT, SOURCE_FILE, SOURCE_ENV, SOURCE_FLAG };

/* The effective settings. Strings are owned by the struct (settings_free). */
struct settings {
    char *app_name;                      /* APP_NAME */
    char *admin_email;                   /* ADMIN_EMAIL (required, an email) */
    long long items_per_user;            /* ITEMS_PER_USER >= 0 */
    char *database_url;                  /* DATABASE_URL (required, libpq URI or conninfo) */
    char *listen;                        /* LISTEN: "unix:/path" or "host:port" */
    long long listen_mode;               /* LISTEN_MODE: a unix socket's permission bits */
    char *listen_group;                  /* LISTEN_GROUP: a unix socket's group, "" = ours */
    char *fcgi_web_server_addrs;         /* FCGI_WEB_SERVER_ADDRS: TCP peers allowed */
    long long fcgi_read_timeout_ms;      /* FCGI_READ_TIMEOUT_MS: idle/slow peers dropped */
    long long workers;                   /* WORKERS >= 1 */
    long long max_requests;              /* MAX_REQUESTS >= 0, 0 = never recycle */
    long long max_body_bytes;            /* MAX_BODY_BYTES >= 0 */
    long long password_hash_concurrency; /* PASSWORD_HASH_CONCURRENCY >= 1 */
    long long statement_timeout_ms;      /* STATEMENT_TIMEOUT_MS >= 0 */
    enum log_level log_level;            /* LOG_LEVEL debug/info/warn/error */
    char *migrations_dir;                /* MIGRATIONS_DIR, default sql/versions */
    char *schema_file;                   /* SCHEMA_FILE, default sql/schema.sql */
    long long lock_timeout_ms;           /* LOCK_TIMEOUT_MS, dbtool's lock_timeout, default 5000 */
    long long lock_wait_s; /* LOCK_WAIT_SECONDS, dbtool advisory-lock wait, default 300 */

    char *env_file;                 /* the env file actually read, NULL if none */
    char *sources_label;            /* e.g. "etc/prod.env + environment", used in messages */
    enum setting_source source[32]; /* per table entry, same order as the table */
};

/* A command-line override: name (any case) and raw value, e.g. {"LISTEN", "unix:/x"}. */
struct settings_flag {
    const char *name;
    const char *value;
};

/*
 * Loads settings from defaults, the env file, the environment and flags.
 * env_file: the --env-file flag value or NULL.
 * On success returns 0 and fills *out. On any problem, prints every problem at once
 * to `err` in the §2 format ("config: N problems in <sources>" then one indented
 * line per problem, env-file syntax errors naming file:line) and returns -1; the
 * caller exits SETTINGS_EXIT_CONFIG. *out is left freed on failure.
 */
int settings_load(struct settings *out, const char *env_file, const struct settings_flag *flags,
                  size_t nflags, FILE *err);

/* Prints the effective settings, one per line, with their source; the password in
 * DATABASE_URL is masked. */
void settings_print(const struct settings *s, FILE *out);

/* Writes a copy of a libpq URI or conninfo string with its password replaced by
 * "****" into buf (always NUL-terminated). Use it whenever a URL is logged. */
void settings_mask_url(const char *url, char *buf, size_t buflen);

void settings_free(struct settings *s);

/* ---- The settings table, read-only, for --help and documentation ---- */

/* WORKERS defaults to this many workers per online CPU (tuned by `make bench`: with nginx
 * keep-alive off, 2 per CPU served as much as 4 and more at low concurrency, because every
 * idle worker wakes for each new connection; tests/bench/BASELINE.md). */
#define SETTINGS_WORKERS_PER_CPU 2

enum setting_type {
    SETTING_STRING,       /* any text; min = minimum length */
    SETTING_EMAIL,        /* local@domain.tld, at most 254 characters */
    SETTING_INT,          /* decimal integer within [min, max] */
    SETTING_DATABASE_URL, /* libpq URI or conninfo, accepted by PQconninfoParse */
    SETTING_LISTEN,       /* "unix:/absolute/path" or "host:port" */
    SETTING_LOG_LEVEL,    /* debug, info, warn or error (any case) */
    SETTING_FILE_MODE,    /* octal permission bits within [0, max], stored as long long */
    SETTING_ADDR_LIST     /* comma-separated numeric IPv4/IPv6 addresses */
};

struct setting_def {
    const char *name;              /* canonical upper-case, e.g. "ITEMS_PER_USER" */
    enum setting_type type;        /* how the text is parsed and checked */
    size_t offset;                 /* of the value in struct settings */
    const char *default_value;     /* parsed like any other source; NULL: none */
    long long (*default_fn)(void); /* computed default (WORKERS); NULL: none */
    long long min, max;            /* SETTING_INT bounds; SETTING_STRING min length */
    const char *description;       /* one line */
};
/* With neither default_value nor default_fn a setting is required. */

/* The table in declaration order, which is also the order of settings.source[]. */
const struct setting_def *settings_table(size_t *count);

/* Index of a setting by name (any case), or -1. */
int settings_find(const char *name);

/* Human-readable type and default for docs and --help, written into buf and returned:
 * "int >= 0", "email", ...; "Awesome API", "required", "4 x online CPUs". */
const char *settings_type_text(const struct setting_def *d, char *buf, size_t buflen);
const char *settings_default_text(const struct setting_def *d, char *buf, size_t buflen);

/* Lists every setting (name, type, default, description) for --help. */
void settings_describe(FILE *out);

/* "debug", "info", "warn", "error". */
const char *settings_log_level_name(enum log_level level);

#endif
