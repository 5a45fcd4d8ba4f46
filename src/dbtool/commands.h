/*
 * commands.h — one function per dbtool command (SPEC §7), each returning the exit
 * status. cli.c's table maps names to them.
 *
 *   cmd_migrate.c   upgrade, downgrade, stamp       (change the database)
 *   cmd_info.c      current, history, heads, branches, show, check   (read only)
 *   cmd_revision.c  revision, merge                 (write revision files)
 *   cmd_schema.c    test, catalog                   (schemas: the stairway, a dump)
 */
#ifndef DBTOOL_COMMANDS_H
#define DBTOOL_COMMANDS_H

#include "common/settings.h"
#include "dbtool/cli.h"

int cmd_upgrade(const struct cli *cli, const struct settings *s);
int cmd_downgrade(const struct cli *cli, const struct settings *s);
int cmd_stamp(const struct cli *cli, const struct settings *s);

int cmd_current(const struct cli *cli, const struct settings *s);
int cmd_history(const struct cli *cli, const struct settings *s);
int cmd_heads(const struct cli *cli, const struct settings *s);
int cmd_branches(const struct cli *cli, const struct settings *s);
int cmd_show(const struct cli *cli, const struct settings *s);
int cmd_check(const struct cli *cli, const struct settings *s);

int cmd_revision(const struct cli *cli, const struct settings *s);
int cmd_merge(const struct cli *cli, const struct settings *s);

int cmd_test(const struct cli *cli, const struct settings *s);
int cmd_catalog(const struct cli *cli, const struct settings *s);

#endif
