/*
 * main.c — dbtool's entry point: parse the command line (usage errors exit 2), load
 * the settings (problems exit 78 before the database is touched), run the command.
 */
#include <stdio.h>

#include "common/settings.h"
#include "dbtool/cli.h"

int main(int argc, char **argv)
{
    struct cli cli;
    int status;
    if (cli_parse(&cli, argc, argv, &status) != 0)
        return status;

    /* Command-line values are the highest-precedence settings source (SPEC §2). */
    static const struct {
        enum cli_opt opt;
        const char *setting;
    } flag_map[] = {
        {OPT_DATABASE_URL, "DATABASE_URL"},    {OPT_DIR, "MIGRATIONS_DIR"},
        {OPT_SCHEMA, "SCHEMA_FILE"},           {OPT_LOCK_WAIT, "LOCK_WAIT_SECONDS"},
        {OPT_LOCK_TIMEOUT, "LOCK_TIMEOUT_MS"},
    };
    struct settings_flag flags[sizeof flag_map / sizeof flag_map[0]];
    size_t nflags = 0;
    for (size_t i = 0; i < sizeof flag_map / sizeof flag_map[0]; i++)
        if (cli.opt[flag_map[i].opt])
            flags[nflags++] = (struct settings_flag){flag_map[i].setting, cli.opt[flag_map[i].opt]};

    struct settings s;
    if (settings_load(&s, cli.opt[OPT_ENV_FILE], flags, nflags, stderr) != 0)
        return SETTINGS_EXIT_CONFIG;
    status = cli.cmd->run(&cli, &s);
    settings_free(&s);
    if (fflush(stdout) != 0 && status == 0)
        status = EXIT_FAILED; /* e.g. --sql into a full disk */
    return status;
}
