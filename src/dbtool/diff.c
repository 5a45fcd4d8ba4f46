/*
 * diff.c — catalog comparison and the SQL that turns one catalog into another (see diff.h
 * for the matching rules and the order of statements).
 *
 * Each comparison adds descriptions ("added table 'items'") and statements; a statement
 * carries its phase (the order in diff.h) and a sequence number, and the statements are
 * sorted by both before they are written out. Out of memory is remembered in the
 * context and reported once at the end, so the comparisons read straight through.
 */
#include "dbtool/diff.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The order of statements in a diff (see diff.h). */
enum diff_phase {
    PH_ENUM_CREATE,
    PH_SEQ_CREATE,
    PH_SEQ_DISOWN,
    PH_FK_DROP,
    PH_TABLE_DROP,
    PH_KEY_DROP, /* constraints and indexes of kept tables */
    PH_COLUMN_DROP,
    PH_ENUM_RECREATE,
    PH_COLUMN_ALTER,
    PH_COLUMN_ADD,
    PH_KEY_ADD,
    PH_TABLE_CREATE,
    PH_FK_ADD,
    PH_SEQ_OWN,
    PH_SEQ_DROP,
    PH_ENUM_DROP,
    PH_COMMENT,
};

/* Suffix of the name an enum type is renamed to while it is recreated. */
#define DIFF_OLD_SUFFIX "__dbtool_old"

struct dstep {
    enum diff_phase phase;
    size_t seq;
    char *sql;
    char *comment; /* one line written above the statement, or NULL */
};

/* A (table, column) pair, e.g. a column the diff drops. */
struct dcol {
    const char *table;
    const char *column;
};

/* A foreign key created or dropped apart from its table because it closes a cycle. */
struct dlate {
    const struct cat_table *table;
    const struct cat_constraint *con;
};

struct dctx {
    const struct catalog *from, *to;
    enum diff_mode mode;
    struct dstep *steps;
    size_t nsteps;
    char **changes;
    size_t nchanges;
    char **warnings;
    size_t nwarnings;
    struct dcol *dropped; /* columns of kept tables that the diff drops */
    size_t ndropped;
    const char **rekeyed; /* kept tables whose primary key or a unique key is dropped */
    size_t nrekeyed;
    bool oom;
};

/* ---- small helpers ------------------------------------------------------------------- */

static bool streq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* Appends p to a growable array of n elements of `size` bytes. */
static void d_append(struct dctx *d, void **array, size_t *n, const void *p, size_t size)
{
    char *grown = realloc(*array, (*n + 1) * size);
    if (!grown) {
        d->oom = true;
        return;
    }
    memcpy(grown + *n * size, p, size);
    *array = grown;
    (*n)++;
}

/* A malloc'd printf result, or NULL (d->oom set). */
__attribute__((format(printf, 2, 0))) static char *d_vfmt(struct dctx *d, const char *fmt,
                                                          va_list ap)
{
    char *s;
    if (vasprintf(&s, fmt, ap) < 0) {
        d->oom = true;
        return NULL;
    }
    return s;
}

/* Takes s (may be NULL after an allocation failure) into a string array. */
static void d_push_string(struct dctx *d, char ***array, size_t *n, char *s)
{
    if (!s)
        return;
    size_t before = *n;
    d_append(d, (void **)array, n, &s, sizeof s);
    if (*n == before)
        free(s);
}

/* Records a description of one change. */
__attribute__((format(printf, 2, 3))) static void d_change(struct dctx *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = d_vfmt(d, fmt, ap);
    va_end(ap);
    d_push_string(d, &d->changes, &d->nchanges, s);
}

/* Adds a statement (taking sql) and returns its index, or -1. */
static long d_step_take(struct dctx *d, enum diff_phase phase, char *sql)
{
    if (!sql) {
        d->oom = true;
        return -1;
    }
    struct dstep s = {phase, d->nsteps, sql, NULL};
    size_t before = d->nsteps;
    d_append(d, (void **)&d->steps, &d->nsteps, &s, sizeof s);
    if (d->nsteps == before) {
        free(sql);
        return -1;
    }
    return (long)before;
}

__attribute__((format(printf, 3, 4))) static long d_step(struct dctx *d, enum diff_phase phase,
                                                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = d_vfmt(d, fmt, ap);
    va_end(ap);
    return d_step_take(d, phase, sql);
}

/* Puts a comment above step ix; with warning, "WARNING: " is prepended and the text is
 * also listed in the diff's warnings. */
__attribute__((format(printf, 4, 5))) static void d_comment(struct dctx *d, long ix, bool warning,
                                                            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = d_vfmt(d, fmt, ap);
    va_end(ap);
    if (!text || ix < 0) {
        free(text);
        return;
    }
    char *line = NULL;
    if (asprintf(&line, "%s%s", warning ? "WARNING: " : "", text) < 0) {
        d->oom = true;
        line = NULL;
    }
    free(d->steps[ix].comment);
    d->steps[ix].comment = line;
    if (warning)
        d_push_string(d, &d->warnings, &d->nwarnings, text);
    else
        free(text);
}

/* An SQL string literal for s ('it''s'); malloc'd, NULL when out of memory. */
static char *d_literal(struct dctx *d, const char *s)
{
    size_t quotes = 0;
    for (const char *p = s; *p; p++)
        quotes += *p == '\'';
    char *out = malloc(strlen(s) + quotes + 3);
    if (!out) {
        d->oom = true;
        return NULL;
    }
    char *w = out;
    *w++ = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            *w++ = '\'';
        *w++ = *p;
    }
    *w++ = '\'';
    *w = '\0';
    return out;
}

/* "'a', 'b', 'c'" for an enum's values. */
static char *d_value_list(struct dctx *d, char *const *values, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        d->oom = true;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        char *lit = d_literal(d, values[i]);
        fprintf(f, "%s%s", i ? ", " : "", lit ? lit : "");
        free(lit);
    }
    if (fclose(f) != 0) {
        free(buf);
        d->oom = true;
        return NULL;
    }
    return buf;
}

static const char *d_kind_name(char kind)
{
    switch (kind) {
    case CAT_PRIMARY:
        return "primary key";
    case CAT_UNIQUE:
        return "unique constraint";
    case CAT_FOREIGN:
        return "foreign key";
    case CAT_CHECK:
        return "check constraint";
    default:
        return "exclusion constraint";
    }
}

static const char *d_index_kind(const struct cat_index *x)
{
    return strncmp(x->def, "CREATE UNIQUE ", 14) == 0 ? "unique index" : "index";
}

/* ---- derived sets --------------------------------------------------------------------- */

static bool d_table_dropped(const struct dctx *d, const char *table)
{
    return catalog_table(d->to, table) == NULL;
}

/* True when the diff drops the column (or its whole table). */
static bool d_column_dropped(const struct dctx *d, const char *table, const char *column)
{
    if (d_table_dropped(d, table))
        return true;
    for (size_t i = 0; i < d->ndropped; i++)
        if (strcmp(d->dropped[i].table, table) == 0 && strcmp(d->dropped[i].column, column) == 0)
            return true;
    return false;
}

static bool d_rekeyed(const struct dctx *d, const char *table)
{
    for (size_t i = 0; i < d->nrekeyed; i++)
        if (strcmp(d->rekeyed[i], table) == 0)
            return true;
    return false;
}

static void d_mark_rekeyed(struct dctx *d, const char *table)
{
    if (!d_rekeyed(d, table))
        d_append(d, (void **)&d->rekeyed, &d->nrekeyed, &table, sizeof table);
}

/* True when `value` is one of e's values. */
static bool d_enum_has(const struct cat_enum *e, const char *value)
{
    for (size_t i = 0; i < e->nvalues; i++)
        if (strcmp(e->values[i], value) == 0)
            return true;
    return false;
}

/* True when every value of `from` appears in `to`, in the same order: the enum can then
 * reach `to` by ADD VALUE alone. */
static bool d_enum_grows(const struct cat_enum *from, const struct cat_enum *to)
{
    size_t j = 0;
    for (size_t i = 0; i < from->nvalues; i++) {
        while (j < to->nvalues && strcmp(to->values[j], from->values[i]) != 0)
            j++;
        if (j == to->nvalues)
            return false;
        j++;
    }
    return true;
}

/* The enum of `from` named by a column type ("mood" or "mood[]") that the diff recreates
 * (a value removed or the order changed), or NULL. */
static const struct cat_enum *d_recreated_enum(const struct dctx *d, const char *type)
{
    for (size_t i = 0; i < d->from->nenums; i++) {
        const struct cat_enum *e = &d->from->enums[i];
        size_t len = strlen(e->qname);
        if (strncmp(type, e->qname, len) != 0 || (type[len] && strcmp(type + len, "[]") != 0))
            continue;
        const struct cat_enum *te = catalog_enum(d->to, e->name);
        return te && !d_enum_grows(e, te) ? e : NULL;
    }
    return NULL;
}

/* ---- types ----------------------------------------------------------------------------- */

enum dfamily { FAM_STRING, FAM_INT, FAM_NUMERIC, FAM_FLOAT, FAM_TIME, FAM_OTHER };

struct dtype {
    enum dfamily fam;
    bool array;
    char base[128]; /* the name without modifiers: "character varying", "timestamp with..." */
    long len;       /* strings: length limit (LONG_MAX for none); ints/floats: bytes */
    long prec;      /* numeric: precision (LONG_MAX for none); time: fractional digits */
    long scale;     /* numeric: scale */
};

/* Parses a format_type() rendering. */
static void d_parse_type(const char *text, struct dtype *t)
{
    memset(t, 0, sizeof *t);
    size_t n = strlen(text);
    t->array = n > 2 && strcmp(text + n - 2, "[]") == 0;
    if (t->array)
        n -= 2;
    /* base: the text with a "(...)" modifier cut out */
    char mods[64] = "";
    const char *open = memchr(text, '(', n), *close = open ? memchr(open, ')', n) : NULL;
    if (open && close && close < text + n) {
        snprintf(t->base, sizeof t->base, "%.*s%.*s", (int)(open - text), text,
                 (int)(text + n - close - 1), close + 1);
        snprintf(mods, sizeof mods, "%.*s", (int)(close - open - 1), open + 1);
    } else {
        snprintf(t->base, sizeof t->base, "%.*s", (int)n, text);
    }
    static const struct {
        const char *base;
        enum dfamily fam;
        long len;
    } known[] = {
        {"text", FAM_STRING, LONG_MAX},
        {"character varying", FAM_STRING, LONG_MAX},
        {"character", FAM_STRING, 1},
        {"bpchar", FAM_STRING, LONG_MAX},
        {"smallint", FAM_INT, 2},
        {"integer", FAM_INT, 4},
        {"bigint", FAM_INT, 8},
        {"numeric", FAM_NUMERIC, 0},
        {"real", FAM_FLOAT, 4},
        {"double precision", FAM_FLOAT, 8},
        {"timestamp without time zone", FAM_TIME, 0},
        {"timestamp with time zone", FAM_TIME, 0},
        {"time without time zone", FAM_TIME, 0},
        {"time with time zone", FAM_TIME, 0},
        {"interval", FAM_TIME, 0},
    };
    t->fam = FAM_OTHER;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(t->base, known[i].base) == 0) {
            t->fam = known[i].fam;
            t->len = known[i].len;
        }
    if (t->fam == FAM_STRING && mods[0])
        t->len = atol(mods);
    if (t->fam == FAM_NUMERIC) {
        t->prec = mods[0] ? atol(mods) : LONG_MAX;
        const char *comma = strchr(mods, ',');
        t->scale = comma ? atol(comma + 1) : 0;
    }
    if (t->fam == FAM_TIME)
        t->prec = mods[0] ? atol(mods) : 6;
}

enum dtype_change {
    TC_WIDEN,   /* every value fits: no warning */
    TC_NARROW,  /* values may not fit: fails or loses precision; warned */
    TC_CAST,    /* another kind of type, to text: needs USING, cannot fail */
    TC_CONVERT, /* another kind of type: needs USING, may fail; warned */
};

/* Decimal digits an integer type needs. */
static long d_int_digits(long bytes)
{
    return bytes == 2 ? 5 : bytes == 4 ? 10 : 19;
}

/* Within the families that PostgreSQL converts by assignment (strings among themselves,
 * numbers among themselves, a time type with another precision): wider or narrower. */
static enum dtype_change d_classify(const struct dtype *a, const struct dtype *b)
{
    if (a->array != b->array)
        return TC_CONVERT;
    if (a->fam == FAM_STRING && b->fam == FAM_STRING)
        return b->len < a->len ? TC_NARROW : TC_WIDEN;
    bool anum = a->fam == FAM_INT || a->fam == FAM_NUMERIC || a->fam == FAM_FLOAT;
    bool bnum = b->fam == FAM_INT || b->fam == FAM_NUMERIC || b->fam == FAM_FLOAT;
    if (anum && bnum) {
        if (a->fam == FAM_INT && b->fam == FAM_INT)
            return b->len < a->len ? TC_NARROW : TC_WIDEN;
        if (a->fam == FAM_INT && b->fam == FAM_NUMERIC)
            return b->prec != LONG_MAX && b->prec - b->scale < d_int_digits(a->len) ? TC_NARROW
                                                                                    : TC_WIDEN;
        if (a->fam == FAM_NUMERIC && b->fam == FAM_NUMERIC) {
            if (b->prec == LONG_MAX)
                return TC_WIDEN;
            if (a->prec == LONG_MAX || b->scale < a->scale ||
                b->prec - b->scale < a->prec - a->scale)
                return TC_NARROW;
            return TC_WIDEN;
        }
        if (a->fam == FAM_FLOAT && b->fam == FAM_FLOAT)
            return b->len < a->len ? TC_NARROW : TC_WIDEN;
        if (a->fam == FAM_INT && b->fam == FAM_FLOAT) /* exact up to 2^24 / 2^53 */
            return (b->len == 4 && a->len >= 4) || a->len == 8 ? TC_NARROW : TC_WIDEN;
        if (a->fam == FAM_FLOAT && b->fam == FAM_NUMERIC)
            return b->prec == LONG_MAX ? TC_WIDEN : TC_NARROW;
        return TC_NARROW; /* numeric or float to integer, numeric to float */
    }
    if (a->fam == FAM_TIME && b->fam == FAM_TIME && strcmp(a->base, b->base) == 0)
        return b->prec < a->prec ? TC_NARROW : TC_WIDEN;
    if (a->fam == FAM_OTHER && strcmp(a->base, b->base) == 0)
        return TC_WIDEN; /* same type, other modifier (bit(3) -> bit(5)): the server decides */
    if (b->fam == FAM_STRING && b->len == LONG_MAX && !b->array)
        return TC_CAST; /* every value has a text form */
    return TC_CONVERT;
}

/* ---- ordering tables by their foreign keys -------------------------------------------- */

static long d_index_of(const struct cat_table *const *set, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(set[i]->name, name) == 0)
            return (long)i;
    return -1;
}

/*
 * Orders the tables of `set` (n, sorted by name) so that each comes after the tables it
 * references. When a cycle leaves no table ready, the first remaining one goes next and
 * its foreign keys to tables not yet placed are listed in late (to be added after all
 * tables exist, or dropped before any goes). `order` has room for n; late for every
 * foreign key of the set.
 */
static void d_topo(const struct cat_table *const *set, size_t n, const struct cat_table **order,
                   struct dlate *late, size_t *nlate, bool *placed)
{
    *nlate = 0;
    memset(placed, 0, n * sizeof *placed);
    for (size_t k = 0; k < n; k++) {
        long pick = -1;
        for (size_t i = 0; i < n && pick < 0; i++) {
            if (placed[i])
                continue;
            bool ready = true;
            for (size_t c = 0; c < set[i]->ncons && ready; c++) {
                const struct cat_constraint *con = &set[i]->cons[c];
                long j = con->kind == CAT_FOREIGN && con->ref_table
                             ? d_index_of(set, n, con->ref_table)
                             : -1;
                ready = j < 0 || (size_t)j == i || placed[j];
            }
            if (ready)
                pick = (long)i;
        }
        if (pick < 0) { /* a cycle: break it at the first remaining table */
            for (size_t i = 0; i < n && pick < 0; i++)
                if (!placed[i])
                    pick = (long)i;
            for (size_t c = 0; c < set[pick]->ncons; c++) {
                const struct cat_constraint *con = &set[pick]->cons[c];
                long j = con->kind == CAT_FOREIGN && con->ref_table
                             ? d_index_of(set, n, con->ref_table)
                             : -1;
                if (j >= 0 && j != pick && !placed[j])
                    late[(*nlate)++] = (struct dlate){set[pick], con};
            }
        }
        placed[pick] = true;
        order[k] = set[pick];
    }
}

static bool d_is_late(const struct dlate *late, size_t nlate, const struct cat_constraint *con)
{
    for (size_t i = 0; i < nlate; i++)
        if (late[i].con == con)
            return true;
    return false;
}

/* ---- statements ------------------------------------------------------------------------ */

/* Writes a column definition as in CREATE TABLE / ADD COLUMN. */
static void d_coldef(FILE *f, const struct cat_column *c)
{
    fprintf(f, "%s %s", c->qname, c->type);
    if (c->collation)
        fprintf(f, " COLLATE %s", c->collation);
    if (c->def && c->generated)
        fprintf(f, " GENERATED ALWAYS AS (%s) STORED", c->def);
    else if (c->def)
        fprintf(f, " DEFAULT %s", c->def);
    if (c->notnull)
        fputs(" NOT NULL", f);
    if (c->identity)
        fprintf(f, " GENERATED %s AS IDENTITY", c->identity == 'a' ? "ALWAYS" : "BY DEFAULT");
}

static void d_comment_on(struct dctx *d, const char *what, const char *target, const char *text)
{
    char *lit = text ? d_literal(d, text) : NULL;
    if (text && !lit)
        return;
    d_step(d, PH_COMMENT, "COMMENT ON %s %s IS %s", what, target, lit ? lit : "NULL");
    free(lit);
}

static void d_column_comment(struct dctx *d, const struct cat_table *t, const struct cat_column *c,
                             const char *text)
{
    char *target = NULL;
    if (asprintf(&target, "%s.%s", t->qname, c->qname) < 0) {
        d->oom = true;
        return;
    }
    d_comment_on(d, "COLUMN", target, text);
    free(target);
}

/* Constraint order inside CREATE TABLE: primary key, unique, exclusion, check, foreign. */
static int d_kind_rank(char kind)
{
    static const char ranks[] = "puxcf";
    const char *at = strchr(ranks, kind);
    return at ? (int)(at - ranks) : 5;
}

/* CREATE TABLE with columns and constraints (but the late foreign keys), then its
 * indexes and comments. */
static void d_create_table(struct dctx *d, const struct cat_table *t, const struct dlate *late,
                           size_t nlate)
{
    char *sql = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&sql, &len);
    if (!f) {
        d->oom = true;
        return;
    }
    fprintf(f, "CREATE TABLE %s (", t->qname);
    const char *sep = "\n    ";
    for (size_t i = 0; i < t->ncols; i++) {
        fputs(sep, f);
        d_coldef(f, &t->cols[i]);
        sep = ",\n    ";
    }
    for (int rank = 0; rank < 5; rank++)
        for (size_t i = 0; i < t->ncons; i++) {
            const struct cat_constraint *c = &t->cons[i];
            if (d_kind_rank(c->kind) != rank || d_is_late(late, nlate, c))
                continue;
            fprintf(f, "%sCONSTRAINT %s %s", sep, c->qname, c->def);
            sep = ",\n    ";
        }
    fputs(strcmp(sep, "\n    ") == 0 ? ")" : "\n)", f);
    if (fclose(f) != 0) {
        free(sql);
        sql = NULL;
    }
    d_step_take(d, PH_TABLE_CREATE, sql);
    for (size_t i = 0; i < t->nidx; i++)
        d_step(d, PH_TABLE_CREATE, "%s", t->idx[i].def);
    if (t->comment)
        d_comment_on(d, "TABLE", t->qname, t->comment);
    for (size_t i = 0; i < t->ncols; i++)
        if (t->cols[i].comment)
            d_column_comment(d, t, &t->cols[i], t->cols[i].comment);
}

/* ---- tables ---------------------------------------------------------------------------- */

/* Tables of cat missing from other, in name order, as an array (NULL when none). */
static const struct cat_table **d_missing_tables(struct dctx *d, const struct catalog *cat,
                                                 const struct catalog *other, size_t *n)
{
    *n = 0;
    const struct cat_table **set = calloc(cat->ntables + 1, sizeof(const struct cat_table *));
    if (!set) {
        d->oom = true;
        return NULL;
    }
    for (size_t i = 0; i < cat->ntables; i++)
        if (!catalog_table(other, cat->tables[i].name))
            set[(*n)++] = &cat->tables[i];
    return set;
}

/* Foreign keys of a set of tables: room for the late list. */
static size_t d_count_fks(const struct cat_table *const *set, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < set[i]->ncons; c++)
            count += set[i]->cons[c].kind == CAT_FOREIGN;
    return count;
}

/* Creates the tables of `to` that `from` lacks and drops those `to` lacks. */
static void d_tables_added_and_dropped(struct dctx *d)
{
    size_t nadd, ndrop;
    const struct cat_table **add = d_missing_tables(d, d->to, d->from, &nadd);
    const struct cat_table **drop = d_missing_tables(d, d->from, d->to, &ndrop);
    size_t nmax = nadd > ndrop ? nadd : ndrop;
    const struct cat_table **order = calloc(nmax + 1, sizeof(const struct cat_table *));
    bool *placed = calloc(nmax + 1, sizeof *placed);
    size_t nfk = d_count_fks(add, nadd) + d_count_fks(drop, ndrop);
    struct dlate *late = calloc(nfk + 1, sizeof *late);
    size_t nlate;
    if (!add || !drop || !order || !placed || !late) {
        d->oom = true;
        goto done;
    }

    /* Dropped: foreign keys closing a cycle first, then referencing tables first. */
    d_topo(drop, ndrop, order, late, &nlate, placed);
    for (size_t i = 0; i < nlate; i++)
        d_step(d, PH_FK_DROP, "ALTER TABLE %s DROP CONSTRAINT %s", late[i].table->qname,
               late[i].con->qname);
    for (size_t k = ndrop; k-- > 0;) {
        const struct cat_table *t = order[k];
        d_change(d, "removed table '%s'", t->name);
        long ix = d_step(d, PH_TABLE_DROP, "DROP TABLE %s", t->qname);
        if (nadd > 0)
            d_comment(d, ix, true,
                      "drops table '%s' and all its rows (renames are not detected: if it was "
                      "renamed, write ALTER TABLE %s RENAME TO ... instead)",
                      t->name, t->qname);
        else
            d_comment(d, ix, true, "drops table '%s' and all its rows", t->name);
    }

    /* Created: referenced tables first; foreign keys closing a cycle afterwards. */
    d_topo(add, nadd, order, late, &nlate, placed);
    for (size_t k = 0; k < nadd; k++) {
        d_change(d, "added table '%s'", order[k]->name);
        d_create_table(d, order[k], late, nlate);
    }
    for (size_t i = 0; i < nlate; i++)
        d_step(d, PH_FK_ADD, "ALTER TABLE %s ADD CONSTRAINT %s %s", late[i].table->qname,
               late[i].con->qname, late[i].con->def);
done:
    free(add);
    free(drop);
    free(order);
    free(placed);
    free(late);
}

/* ---- columns --------------------------------------------------------------------------- */

static const char *d_identity_name(char identity)
{
    return identity == 'a' ? "ALWAYS" : identity == 'd' ? "BY DEFAULT" : "none";
}

static void d_type_change(struct dctx *d, const struct cat_table *t, const struct cat_column *fc,
                          const struct cat_column *tc)
{
    struct dtype a, b;
    d_parse_type(fc->type, &a);
    d_parse_type(tc->type, &b);
    enum dtype_change kind = d_classify(&a, &b);
    d_change(d, "type change from %s to %s on '%s.%s'", fc->type, tc->type, t->name, fc->name);
    char collate[256] = "";
    if (tc->collation)
        snprintf(collate, sizeof collate, " COLLATE %s", tc->collation);
    long ix;
    if (kind == TC_CONVERT || kind == TC_CAST)
        ix = d_step(d, PH_COLUMN_ALTER, "ALTER TABLE %s ALTER COLUMN %s TYPE %s%s USING %s::%s",
                    t->qname, tc->qname, tc->type, collate, tc->qname, tc->type);
    else
        ix = d_step(d, PH_COLUMN_ALTER, "ALTER TABLE %s ALTER COLUMN %s TYPE %s%s", t->qname,
                    tc->qname, tc->type, collate);
    if (kind == TC_NARROW)
        d_comment(d, ix, true,
                  "narrows '%s.%s' from %s to %s: fails (or rounds) where a value does not fit",
                  t->name, fc->name, fc->type, tc->type);
    else if (kind == TC_CONVERT)
        d_comment(d, ix, true,
                  "converts '%s.%s' from %s to %s with a cast: fails where a value does not "
                  "convert; check the USING expression",
                  t->name, fc->name, fc->type, tc->type);
}

/* Turns column fc into tc (same name, both generated or both not with the same
 * expression). */
static void d_alter_column(struct dctx *d, const struct cat_table *t, const struct cat_column *fc,
                           const struct cat_column *tc)
{
    const char *col = tc->qname, *tq = t->qname;
    bool type_changed = strcmp(fc->type, tc->type) != 0 || !streq(fc->collation, tc->collation);
    const char *fdef = fc->def;
    if (d_recreated_enum(d, fc->type)) /* the recreation drops the default (and sets it
                                        * again when the type stays) */
        fdef = strcmp(fc->type, tc->type) == 0 ? tc->def : NULL;
    bool def_changed = !fc->generated && !streq(fdef, tc->def);

    if (fc->identity && !tc->identity)
        d_step(d, PH_COLUMN_ALTER, "ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY", tq, col);
    if (!fc->generated && fdef && (def_changed || type_changed))
        d_step(d, PH_COLUMN_ALTER, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", tq, col);
    if (type_changed)
        d_type_change(d, t, fc, tc);
    if (fc->notnull != tc->notnull) {
        d_change(d, "%s on column '%s.%s'", tc->notnull ? "NOT NULL" : "NULL", t->name, tc->name);
        long ix = d_step(d, PH_COLUMN_ALTER, "ALTER TABLE %s ALTER COLUMN %s %s NOT NULL", tq, col,
                         tc->notnull ? "SET" : "DROP");
        if (tc->notnull)
            d_comment(d, ix, true, "fails if '%s.%s' holds NULLs", t->name, tc->name);
    }
    if (!fc->generated && !streq(fc->def, tc->def)) /* as declared, even when the enum's
                                                     * recreation does the work */
        d_change(d, "server default change on '%s.%s': %s -> %s", t->name, tc->name,
                 fc->def ? fc->def : "none", tc->def ? tc->def : "none");
    if (!tc->generated && tc->def && (def_changed || (type_changed && fdef)))
        d_step(d, PH_COLUMN_ALTER, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", tq, col,
               tc->def);
    if (fc->identity != tc->identity) {
        d_change(d, "identity change on '%s.%s': %s -> %s", t->name, tc->name,
                 d_identity_name(fc->identity), d_identity_name(tc->identity));
        if (tc->identity && !fc->identity) {
            long ix = d_step(d, PH_COLUMN_ALTER,
                             "ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY", tq, col,
                             d_identity_name(tc->identity));
            d_comment(d, ix, true,
                      "the identity of '%s.%s' starts at 1: if the table has rows, move it past "
                      "them (ALTER TABLE %s ALTER COLUMN %s RESTART WITH ...)",
                      t->name, tc->name, tq, col);
        } else if (tc->identity) {
            d_step(d, PH_COLUMN_ALTER, "ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s", tq, col,
                   d_identity_name(tc->identity));
        }
    }
    if (!streq(fc->comment, tc->comment)) {
        d_change(d, "comment change on column '%s.%s'", t->name, tc->name);
        d_column_comment(d, t, tc, tc->comment);
    }
}

static void d_add_column(struct dctx *d, const struct cat_table *t, const struct cat_column *c,
                         const char *why_warning)
{
    char *def = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&def, &len);
    if (!f) {
        d->oom = true;
        return;
    }
    d_coldef(f, c);
    if (fclose(f) != 0) {
        free(def);
        d->oom = true;
        return;
    }
    long ix = d_step(d, PH_COLUMN_ADD, "ALTER TABLE %s ADD COLUMN %s", t->qname, def);
    free(def);
    if (why_warning)
        d_comment(d, ix, true, "%s", why_warning);
    else if (c->notnull && !c->def && !c->identity)
        d_comment(d, ix, true,
                  "adds NOT NULL column '%s.%s' without a default: fails if '%s' has rows (give "
                  "it a DEFAULT, or add it nullable, fill it, then SET NOT NULL)",
                  t->name, c->name, t->name);
    if (c->comment)
        d_column_comment(d, t, c, c->comment);
}

static void d_drop_column(struct dctx *d, const struct cat_table *t, const struct cat_column *c,
                          const char *why_warning, bool renames_possible)
{
    struct dcol dc = {t->name, c->name};
    d_append(d, (void **)&d->dropped, &d->ndropped, &dc, sizeof dc);
    long ix = d_step(d, PH_COLUMN_DROP, "ALTER TABLE %s DROP COLUMN %s", t->qname, c->qname);
    if (why_warning)
        d_comment(d, ix, true, "%s", why_warning);
    else if (renames_possible)
        d_comment(d, ix, true,
                  "drops column '%s.%s' and its data (renames are not detected: if it was "
                  "renamed, write ALTER TABLE %s RENAME COLUMN %s TO ... instead)",
                  t->name, c->name, t->qname, c->qname);
    else
        d_comment(d, ix, true, "drops column '%s.%s' and its data", t->name, c->name);
}

static void d_columns(struct dctx *d, const struct cat_table *ft, const struct cat_table *tt)
{
    size_t nadded = 0;
    for (size_t i = 0; i < tt->ncols; i++)
        nadded += catalog_column(ft, tt->cols[i].name) == NULL;
    for (size_t i = 0; i < ft->ncols; i++) {
        const struct cat_column *fc = &ft->cols[i], *tc = catalog_column(tt, fc->name);
        if (!tc) {
            d_change(d, "removed column '%s.%s'", ft->name, fc->name);
            d_drop_column(d, ft, fc, NULL, nadded > 0);
        } else if (fc->generated != tc->generated || (fc->generated && !streq(fc->def, tc->def))) {
            /* PostgreSQL cannot change a generation expression in place */
            char *why = NULL;
            if (asprintf(&why,
                         "recreates generated column '%s.%s' (dropped and added again, at the "
                         "end of the table): indexes and constraints on it must be recreated too",
                         ft->name, fc->name) < 0) {
                d->oom = true;
                return;
            }
            d_change(d, "changed generated column '%s.%s'", ft->name, fc->name);
            d_drop_column(d, ft, fc, why, false);
            d_add_column(d, tt, tc, NULL);
            free(why);
        } else {
            d_alter_column(d, tt, fc, tc);
        }
    }
    for (size_t i = 0; i < tt->ncols; i++)
        if (!catalog_column(ft, tt->cols[i].name)) {
            d_change(d, "added column '%s.%s'", tt->name, tt->cols[i].name);
            d_add_column(d, tt, &tt->cols[i], NULL);
        }
}

/* ---- constraints and indexes of kept tables --------------------------------------------- */

/* Whether ft's i-th and tt's j-th constraint (or index) are the same one: by name, or
 * else by what it does. */
typedef bool d_same_fn(const struct cat_table *ft, size_t i, const struct cat_table *tt, size_t j,
                       bool by_name);

static bool d_same_constraint(const struct cat_table *ft, size_t i, const struct cat_table *tt,
                              size_t j, bool by_name)
{
    const struct cat_constraint *fc = &ft->cons[i], *tc = &tt->cons[j];
    if (by_name)
        return strcmp(fc->name, tc->name) == 0;
    return fc->kind == tc->kind && strcmp(fc->def, tc->def) == 0;
}

static bool d_same_index(const struct cat_table *ft, size_t i, const struct cat_table *tt, size_t j,
                         bool by_name)
{
    const struct cat_index *fx = &ft->idx[i], *tx = &tt->idx[j];
    if (by_name)
        return strcmp(fx->name, tx->name) == 0;
    return strcmp(fx->shape, tx->shape) == 0;
}

/* One pass of d_match: pairs each unpaired one of ft's nf with the first unpaired one of
 * tt's nt that is the same, by name or else by definition. */
static void d_match_pass(const struct cat_table *ft, size_t nf, const struct cat_table *tt,
                         size_t nt, d_same_fn *same, bool by_name, long *fm, long *tm)
{
    for (size_t i = 0; i < nf; i++)
        for (size_t j = 0; j < nt && fm[i] < 0; j++)
            if (tm[j] < 0 && same(ft, i, tt, j, by_name)) {
                fm[i] = (long)j;
                tm[j] = (long)i;
            }
}

/*
 * Pairs the nf constraints (or indexes) of ft with the nt of tt: fm[i] is the index in tt
 * matching ft's i-th (or -1), tm likewise. By name first (names are unique in a table);
 * in DIFF_NORMAL the rest by definition, so a renamed one is not dropped and re-created.
 */
static void d_match(const struct dctx *d, const struct cat_table *ft, size_t nf,
                    const struct cat_table *tt, size_t nt, d_same_fn *same, long *fm, long *tm)
{
    for (size_t i = 0; i < nf; i++)
        fm[i] = -1;
    for (size_t j = 0; j < nt; j++)
        tm[j] = -1;
    d_match_pass(ft, nf, tt, nt, same, true, fm, tm);
    if (d->mode != DIFF_STRICT)
        d_match_pass(ft, nf, tt, nt, same, false, fm, tm);
}

static void d_drop_constraint(struct dctx *d, const struct cat_table *t,
                              const struct cat_constraint *c)
{
    d_step(d, c->kind == CAT_FOREIGN ? PH_FK_DROP : PH_KEY_DROP,
           "ALTER TABLE %s DROP CONSTRAINT %s", t->qname, c->qname);
}

static long d_add_constraint(struct dctx *d, const struct cat_table *t,
                             const struct cat_constraint *c)
{
    return d_step(d, c->kind == CAT_FOREIGN ? PH_FK_ADD : PH_KEY_ADD,
                  "ALTER TABLE %s ADD CONSTRAINT %s %s", t->qname, c->qname, c->def);
}

/*
 * Constraints (foreign keys only, or all others) and, with the others, indexes of a kept
 * table. Tables whose primary key or a unique key is dropped are remembered: foreign
 * keys referencing them are recreated around it.
 */
static void d_keys(struct dctx *d, const struct cat_table *ft, const struct cat_table *tt,
                   bool foreign)
{
    long *fm = calloc(ft->ncons + ft->nidx + 1, sizeof *fm);
    long *tm = calloc(tt->ncons + tt->nidx + 1, sizeof *tm);
    if (!fm || !tm) {
        d->oom = true;
        free(fm);
        free(tm);
        return;
    }
    d_match(d, ft, ft->ncons, tt, tt->ncons, d_same_constraint, fm, tm);
    for (size_t i = 0; i < ft->ncons; i++) {
        const struct cat_constraint *fc = &ft->cons[i];
        if ((fc->kind == CAT_FOREIGN) != foreign)
            continue;
        const struct cat_constraint *tc = fm[i] >= 0 ? &tt->cons[fm[i]] : NULL;
        bool same = tc && fc->kind == tc->kind && strcmp(fc->def, tc->def) == 0;
        if (!tc) {
            d_change(d, "removed %s '%s' on '%s'", d_kind_name(fc->kind), fc->name, ft->name);
            d_drop_constraint(d, ft, fc);
        } else if (!same) {
            d_change(d, "changed %s '%s' on '%s'", d_kind_name(fc->kind), fc->name, ft->name);
            d_drop_constraint(d, ft, fc);
            d_add_constraint(d, tt, tc);
        } else if (foreign && fc->ref_table && d_rekeyed(d, fc->ref_table)) {
            d_drop_constraint(d, ft, fc);
            long ix = d_add_constraint(d, tt, tc);
            d_comment(d, ix, false, "%s is recreated with the key of '%s' it references", tc->name,
                      fc->ref_table);
        }
        if ((!tc || !same) && (fc->kind == CAT_PRIMARY || fc->kind == CAT_UNIQUE))
            d_mark_rekeyed(d, ft->name);
    }
    for (size_t j = 0; j < tt->ncons; j++)
        if (tm[j] < 0 && (tt->cons[j].kind == CAT_FOREIGN) == foreign) {
            d_change(d, "added %s '%s' on '%s'", d_kind_name(tt->cons[j].kind), tt->cons[j].name,
                     tt->name);
            d_add_constraint(d, tt, &tt->cons[j]);
        }
    if (!foreign) {
        d_match(d, ft, ft->nidx, tt, tt->nidx, d_same_index, fm, tm);
        for (size_t i = 0; i < ft->nidx; i++) {
            const struct cat_index *fx = &ft->idx[i];
            const struct cat_index *tx = fm[i] >= 0 ? &tt->idx[fm[i]] : NULL;
            bool same = tx && strcmp(fx->shape, tx->shape) == 0;
            if (same)
                continue;
            d_change(d, "%s %s '%s' on '%s'", tx ? "changed" : "removed", d_index_kind(fx),
                     fx->name, ft->name);
            d_step(d, PH_KEY_DROP, "DROP INDEX %s", fx->qname);
            if (tx)
                d_step(d, PH_KEY_ADD, "%s", tx->def);
            if (strcmp(d_index_kind(fx), "unique index") == 0)
                d_mark_rekeyed(d, ft->name);
        }
        for (size_t j = 0; j < tt->nidx; j++)
            if (tm[j] < 0) {
                d_change(d, "added %s '%s' on '%s'", d_index_kind(&tt->idx[j]), tt->idx[j].name,
                         tt->name);
                d_step(d, PH_KEY_ADD, "%s", tt->idx[j].def);
            }
    }
    free(fm);
    free(tm);
}

static void d_kept_tables(struct dctx *d)
{
    for (size_t i = 0; i < d->from->ntables; i++) {
        const struct cat_table *ft = &d->from->tables[i], *tt = catalog_table(d->to, ft->name);
        if (!tt)
            continue;
        d_columns(d, ft, tt);
        d_keys(d, ft, tt, false);
        if (!streq(ft->comment, tt->comment)) {
            d_change(d, "comment change on table '%s'", tt->name);
            d_comment_on(d, "TABLE", tt->qname, tt->comment);
        }
    }
    /* foreign keys last: they need to know which referenced keys are recreated */
    for (size_t i = 0; i < d->from->ntables; i++) {
        const struct cat_table *ft = &d->from->tables[i], *tt = catalog_table(d->to, ft->name);
        if (tt)
            d_keys(d, ft, tt, true);
    }
}

/* ---- enums ---------------------------------------------------------------------------- */

/* Recreates enum fe as te: rename the old type, create the new one, convert every kept
 * column of the old type, drop the old type. */
static void d_recreate_enum(struct dctx *d, const struct cat_enum *fe, const struct cat_enum *te)
{
    size_t removed = 0, added = 0;
    for (size_t i = 0; i < fe->nvalues; i++)
        if (!d_enum_has(te, fe->values[i])) {
            d_change(d, "removed value '%s' from enum '%s'", fe->values[i], fe->name);
            removed++;
        }
    for (size_t j = 0; j < te->nvalues; j++)
        if (!d_enum_has(fe, te->values[j])) {
            d_change(d, "added value '%s' to enum '%s'", te->values[j], te->name);
            added++;
        }
    if (removed == 0 && added == 0)
        d_change(d, "changed order of values of enum '%s'", te->name);

    long ix = d_step(d, PH_ENUM_RECREATE, "ALTER TYPE %s RENAME TO \"%s" DIFF_OLD_SUFFIX "\"",
                     fe->qname, fe->name);
    if (removed > 0)
        d_comment(d, ix, true,
                  "drops %zu value%s of enum '%s' (the type is recreated and its columns "
                  "converted): fails if a row still holds one",
                  removed, removed == 1 ? "" : "s", fe->name);
    else
        d_comment(d, ix, false, "enum '%s' is recreated to change the order of its values",
                  fe->name);
    char *values = d_value_list(d, te->values, te->nvalues);
    d_step(d, PH_ENUM_RECREATE, "CREATE TYPE %s AS ENUM (%s)", te->qname, values ? values : "");
    free(values);
    for (size_t i = 0; i < d->from->ntables; i++) {
        const struct cat_table *ft = &d->from->tables[i], *tt = catalog_table(d->to, ft->name);
        for (size_t k = 0; tt && k < ft->ncols; k++) {
            const struct cat_column *fc = &ft->cols[k], *tc = catalog_column(tt, fc->name);
            if (!tc || d_column_dropped(d, ft->name, fc->name) ||
                d_recreated_enum(d, fc->type) != fe)
                continue;
            bool array = fc->type[strlen(fc->type) - 1] == ']';
            if (fc->def)
                d_step(d, PH_ENUM_RECREATE, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT",
                       tt->qname, tc->qname);
            d_step(d, PH_ENUM_RECREATE,
                   "ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::text%s::%s", tt->qname,
                   tc->qname, fc->type, fc->qname, array ? "[]" : "", fc->type);
            if (tc->def && strcmp(fc->type, tc->type) == 0)
                d_step(d, PH_ENUM_RECREATE, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
                       tt->qname, tc->qname, tc->def);
        }
    }
    d_step(d, PH_ENUM_RECREATE, "DROP TYPE \"%s" DIFF_OLD_SUFFIX "\"", fe->name);
}

/* True when a column of `to` has the literal (already quoted) of enum te as its default
 * ("'archived'::item_state"), which needs the value committed first; buf gets "t.c". */
static bool d_default_using(const struct dctx *d, const struct cat_enum *te, const char *literal,
                            char *buf, size_t len)
{
    char needle[300];
    snprintf(needle, sizeof needle, "%s::%s", literal, te->qname);
    for (size_t i = 0; i < d->to->ntables; i++) {
        const struct cat_table *t = &d->to->tables[i];
        for (size_t k = 0; k < t->ncols; k++)
            if (t->cols[k].def && strstr(t->cols[k].def, needle)) {
                snprintf(buf, len, "%s.%s", t->name, t->cols[k].name);
                return true;
            }
    }
    return false;
}

static void d_enums(struct dctx *d)
{
    for (size_t i = 0; i < d->from->nenums; i++) {
        const struct cat_enum *fe = &d->from->enums[i];
        if (!catalog_enum(d->to, fe->name)) {
            d_change(d, "removed enum '%s'", fe->name);
            d_step(d, PH_ENUM_DROP, "DROP TYPE %s", fe->qname);
        }
    }
    for (size_t j = 0; j < d->to->nenums; j++) {
        const struct cat_enum *te = &d->to->enums[j], *fe = catalog_enum(d->from, te->name);
        if (!fe) {
            char *values = d_value_list(d, te->values, te->nvalues);
            d_change(d, "added enum '%s' (%s)", te->name, values ? values : "");
            d_step(d, PH_ENUM_CREATE, "CREATE TYPE %s AS ENUM (%s)", te->qname,
                   values ? values : "");
            free(values);
            continue;
        }
        bool equal = fe->nvalues == te->nvalues;
        for (size_t k = 0; equal && k < fe->nvalues; k++)
            equal = strcmp(fe->values[k], te->values[k]) == 0;
        if (equal)
            continue;
        if (!d_enum_grows(fe, te)) {
            d_recreate_enum(d, fe, te);
            continue;
        }
        for (size_t k = 0; k < te->nvalues; k++) {
            if (d_enum_has(fe, te->values[k]))
                continue;
            d_change(d, "added value '%s' to enum '%s'", te->values[k], te->name);
            /* in order, so the previous value exists by now; the first goes before the
             * first old one */
            const char *anchor = k > 0 ? te->values[k - 1] : fe->nvalues ? fe->values[0] : NULL;
            char *value = d_literal(d, te->values[k]);
            char *lit = anchor ? d_literal(d, anchor) : NULL;
            long ix = -1;
            if (value && lit)
                ix = d_step(d, PH_ENUM_CREATE, "ALTER TYPE %s ADD VALUE %s %s %s", te->qname, value,
                            k > 0 ? "AFTER" : "BEFORE", lit);
            else if (value && !anchor)
                ix = d_step(d, PH_ENUM_CREATE, "ALTER TYPE %s ADD VALUE %s", te->qname, value);
            char user[300];
            if (value && d_default_using(d, te, value, user, sizeof user))
                d_comment(d, ix, true,
                          "the default of '%s' uses the new value %s of enum '%s', which "
                          "PostgreSQL refuses before the value is committed: move that column "
                          "change to a revision of its own",
                          user, value, te->name);
            free(value);
            free(lit);
        }
    }
}

/* ---- sequences ------------------------------------------------------------------------- */

static const char *d_type_min(const char *type)
{
    if (strcmp(type, "smallint") == 0)
        return "-32768";
    if (strcmp(type, "integer") == 0)
        return "-2147483648";
    return "-9223372036854775808";
}

static const char *d_type_max(const char *type)
{
    if (strcmp(type, "smallint") == 0)
        return "32767";
    if (strcmp(type, "integer") == 0)
        return "2147483647";
    return "9223372036854775807";
}

/* The options of a sequence that differ from CREATE SEQUENCE's defaults. */
static void d_sequence_options(FILE *f, const struct cat_sequence *s)
{
    bool down = s->increment[0] == '-';
    const char *min = down ? d_type_min(s->type) : "1";
    const char *max = down ? "-1" : d_type_max(s->type);
    if (strcmp(s->increment, "1") != 0)
        fprintf(f, " INCREMENT BY %s", s->increment);
    if (strcmp(s->min, min) != 0)
        fprintf(f, " MINVALUE %s", s->min);
    if (strcmp(s->max, max) != 0)
        fprintf(f, " MAXVALUE %s", s->max);
    if (strcmp(s->start, down ? s->max : s->min) != 0)
        fprintf(f, " START WITH %s", s->start);
    if (strcmp(s->cache, "1") != 0)
        fprintf(f, " CACHE %s", s->cache);
    if (s->cycle)
        fputs(" CYCLE", f);
}

/* "t.c" with the names quoted as the catalog has them. */
static void d_owner(const struct catalog *cat, const struct cat_sequence *s, char *buf, size_t len)
{
    const struct cat_table *t = catalog_table(cat, s->owner_table);
    const struct cat_column *c = catalog_column(t, s->owner_column);
    snprintf(buf, len, "%s.%s", t ? t->qname : s->owner_table, c ? c->qname : s->owner_column);
}

static void d_sequence_changes(struct dctx *d, const struct cat_sequence *fs,
                               const struct cat_sequence *ts)
{
    char *sql = NULL, *what = NULL;
    size_t sqllen = 0, whatlen = 0;
    FILE *f = open_memstream(&sql, &sqllen), *w = open_memstream(&what, &whatlen);
    if (!f || !w) {
        if (f)
            fclose(f);
        if (w)
            fclose(w);
        free(sql);
        free(what);
        d->oom = true;
        return;
    }
    const struct {
        const char *clause, *label, *from, *to;
    } opts[] = {
        {"AS", "type", fs->type, ts->type},
        {"INCREMENT BY", "increment", fs->increment, ts->increment},
        {"MINVALUE", "minvalue", fs->min, ts->min},
        {"MAXVALUE", "maxvalue", fs->max, ts->max},
        {"START WITH", "start", fs->start, ts->start},
        {"CACHE", "cache", fs->cache, ts->cache},
    };
    fprintf(f, "ALTER SEQUENCE %s", ts->qname);
    int n = 0;
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (strcmp(opts[i].from, opts[i].to) != 0) {
            fprintf(f, " %s %s", opts[i].clause, opts[i].to);
            fprintf(w, "%s%s %s -> %s", n++ ? ", " : "", opts[i].label, opts[i].from, opts[i].to);
        }
    if (fs->cycle != ts->cycle) {
        fputs(ts->cycle ? " CYCLE" : " NO CYCLE", f);
        fprintf(w, "%s%s", n++ ? ", " : "", ts->cycle ? "CYCLE" : "NO CYCLE");
    }
    int rc = fclose(f) | fclose(w);
    if (rc != 0) {
        d->oom = true;
    } else if (n > 0) {
        d_change(d, "changed sequence '%s': %s", ts->name, what);
        d_step_take(d, PH_SEQ_CREATE, sql);
        sql = NULL;
    }
    free(sql);
    free(what);
}

static void d_sequences(struct dctx *d)
{
    char owner[512], old_owner[512];
    for (size_t i = 0; i < d->from->nseqs; i++) {
        const struct cat_sequence *fs = &d->from->seqs[i];
        if (catalog_sequence(d->to, fs->name))
            continue;
        d_change(d, "removed sequence '%s'", fs->name);
        /* an owned sequence goes with its column */
        if (!fs->owner_table || !d_column_dropped(d, fs->owner_table, fs->owner_column))
            d_step(d, PH_SEQ_DROP, "DROP SEQUENCE %s", fs->qname);
    }
    for (size_t j = 0; j < d->to->nseqs; j++) {
        const struct cat_sequence *ts = &d->to->seqs[j], *fs = catalog_sequence(d->from, ts->name);
        if (ts->owner_table)
            d_owner(d->to, ts, owner, sizeof owner);
        if (!fs) {
            char *sql = NULL;
            size_t len = 0;
            FILE *f = open_memstream(&sql, &len);
            if (!f) {
                d->oom = true;
                return;
            }
            fprintf(f, "CREATE SEQUENCE %s AS %s", ts->qname, ts->type);
            d_sequence_options(f, ts);
            if (fclose(f) != 0) {
                free(sql);
                sql = NULL;
            }
            d_change(d, "added sequence '%s'", ts->name);
            d_step_take(d, PH_SEQ_CREATE, sql);
            if (ts->owner_table)
                d_step(d, PH_SEQ_OWN, "ALTER SEQUENCE %s OWNED BY %s", ts->qname, owner);
            continue;
        }
        d_sequence_changes(d, fs, ts);
        if (streq(fs->owner_table, ts->owner_table) && streq(fs->owner_column, ts->owner_column))
            continue;
        if (fs->owner_table)
            d_owner(d->from, fs, old_owner, sizeof old_owner);
        d_change(d, "changed owner of sequence '%s': %s -> %s", ts->name,
                 fs->owner_table ? old_owner : "none", ts->owner_table ? owner : "none");
        if (fs->owner_table) /* before its old column can be dropped and take it along */
            d_step(d, PH_SEQ_DISOWN, "ALTER SEQUENCE %s OWNED BY NONE", ts->qname);
        if (ts->owner_table)
            d_step(d, PH_SEQ_OWN, "ALTER SEQUENCE %s OWNED BY %s", ts->qname, owner);
    }
}

/* ---- output ----------------------------------------------------------------------------- */

static int d_by_phase(const void *a, const void *b)
{
    const struct dstep *x = a, *y = b;
    if (x->phase != y->phase)
        return x->phase < y->phase ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Writes the statements in order; a blank line separates phases and sets off statements
 * that span lines or carry a comment. */
static char *d_render(struct dctx *d)
{
    if (d->nsteps)
        qsort(d->steps, d->nsteps, sizeof *d->steps, d_by_phase);
    char *sql = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&sql, &len);
    if (!f) {
        d->oom = true;
        return NULL;
    }
    bool prev_multi = false;
    for (size_t i = 0; i < d->nsteps; i++) {
        const struct dstep *s = &d->steps[i];
        bool multi = strchr(s->sql, '\n') != NULL;
        if (i > 0 && (s->phase != d->steps[i - 1].phase || multi || prev_multi || s->comment))
            fputc('\n', f);
        if (s->comment)
            fprintf(f, "-- %s\n", s->comment);
        fprintf(f, "%s;\n", s->sql);
        prev_multi = multi;
    }
    if (fclose(f) != 0) {
        free(sql);
        d->oom = true;
        return NULL;
    }
    return sql;
}

static void d_free_strings(char **s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

void diff_free(struct diff *df)
{
    d_free_strings(df->changes, df->nchanges);
    d_free_strings(df->warnings, df->nwarnings);
    free(df->sql);
    memset(df, 0, sizeof *df);
}

int diff_compute(const struct catalog *from, const struct catalog *to, enum diff_mode mode,
                 struct diff *out)
{
    memset(out, 0, sizeof *out);
    struct dctx d = {.from = from, .to = to, .mode = mode};
    d_tables_added_and_dropped(&d);
    d_kept_tables(&d);
    d_enums(&d); /* after the columns: the recreation skips the columns they drop */
    d_sequences(&d);
    char *sql = d_render(&d);
    for (size_t i = 0; i < d.nsteps; i++) {
        free(d.steps[i].sql);
        free(d.steps[i].comment);
    }
    free(d.steps);
    free(d.dropped);
    free(d.rekeyed);
    out->changes = d.changes;
    out->nchanges = d.nchanges;
    out->warnings = d.warnings;
    out->nwarnings = d.nwarnings;
    out->sql = sql;
    if (d.oom) {
        diff_free(out);
        return -1;
    }
    return 0;
}
