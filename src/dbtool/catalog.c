/*
 * catalog.c — reads a schema from pg_catalog into a struct catalog, and builds, sorts,
 * prints and frees catalogs (see catalog.h). All of the catalog SQL lives here.
 */
#include "dbtool/catalog.h"

#include <stdlib.h>
#include <string.h>

/*
 * The tables in scope, as a CTE every query starts from ($1 is the schema): ordinary
 * tables that are not partitions, not dbtool's own bookkeeping tables and not members of
 * an extension.
 */
#define SQL_TABLES_CTE                                                                             \
    "WITH tabs AS ("                                                                               \
    " SELECT c.oid, c.relname FROM pg_catalog.pg_class c"                                          \
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"                                    \
    " WHERE n.nspname = $1 AND c.relkind = 'r' AND NOT c.relispartition"                           \
    " AND c.relname NOT LIKE 'dbtool\\_%'"                                                         \
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"                                        \
    "  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid"                      \
    "  AND d.deptype = 'e')) "

static const char SQL_TABLES[] =
    SQL_TABLES_CTE "SELECT t.relname, quote_ident(t.relname), obj_description(t.oid, 'pg_class') "
                   "FROM tabs t ORDER BY t.relname COLLATE \"C\"";

/* Columns in table order; the collation only when it is not the type's default. */
static const char SQL_COLUMNS[] = SQL_TABLES_CTE
    "SELECT t.relname, a.attname, quote_ident(a.attname), "
    "format_type(a.atttypid, a.atttypmod), "
    "CASE WHEN a.attcollation <> 0 AND a.attcollation <> ty.typcollation "
    "THEN a.attcollation::regcollation::text END, "
    "a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, "
    "col_description(t.oid, a.attnum) "
    "FROM tabs t JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid "
    "JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid "
    "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
    "WHERE a.attnum > 0 AND NOT a.attisdropped "
    "ORDER BY t.relname COLLATE \"C\", a.attnum";

static const char SQL_CONSTRAINTS[] =
    SQL_TABLES_CTE "SELECT t.relname, co.conname, quote_ident(co.conname), co.contype, "
                   "pg_get_constraintdef(co.oid), r.relname "
                   "FROM tabs t JOIN pg_catalog.pg_constraint co ON co.conrelid = t.oid "
                   "LEFT JOIN pg_catalog.pg_class r ON r.oid = co.confrelid "
                   "WHERE co.contype IN ('p', 'u', 'f', 'c', 'x') "
                   "ORDER BY t.relname COLLATE \"C\", co.conname COLLATE \"C\"";

/* Indexes that do not implement a primary key, unique or exclusion constraint (those
 * come and go with their constraint). */
static const char SQL_INDEXES[] = SQL_TABLES_CTE
    "SELECT t.relname, i.relname, quote_ident(i.relname), pg_get_indexdef(i.oid) "
    "FROM tabs t JOIN pg_catalog.pg_index x ON x.indrelid = t.oid "
    "JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid "
    "WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co WHERE co.conrelid = t.oid "
    "AND co.conindid = x.indexrelid AND co.contype IN ('p', 'u', 'x')) "
    "ORDER BY t.relname COLLATE \"C\", i.relname COLLATE \"C\"";

/* Enum types with their values in order (a LEFT JOIN keeps an enum without values). */
static const char SQL_ENUMS[] =
    "SELECT ty.typname, quote_ident(ty.typname), e.enumlabel "
    "FROM pg_catalog.pg_type ty JOIN pg_catalog.pg_namespace n ON n.oid = ty.typnamespace "
    "LEFT JOIN pg_catalog.pg_enum e ON e.enumtypid = ty.oid "
    "WHERE n.nspname = $1 AND ty.typtype = 'e' "
    "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d "
    " WHERE d.classid = 'pg_catalog.pg_type'::regclass AND d.objid = ty.oid "
    " AND d.deptype = 'e') "
    "ORDER BY ty.typname COLLATE \"C\", e.enumsortorder";

/*
 * Sequences with their options and OWNED BY column (an 'a' dependency on a column).
 * Identity sequences ('i') belong to their column; extension members ('e') and dbtool's
 * own sequences are left out.
 */
static const char SQL_SEQUENCES[] =
    "SELECT c.relname, quote_ident(c.relname), format_type(s.seqtypid, NULL), "
    "s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle, "
    "o.relname, a.attname "
    "FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass "
    " AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass "
    " AND d.deptype = 'a' AND d.refobjsubid > 0 "
    "LEFT JOIN pg_catalog.pg_class o ON o.oid = d.refobjid "
    "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid "
    " AND a.attnum = d.refobjsubid "
    "WHERE n.nspname = $1 AND c.relkind = 'S' AND c.relname NOT LIKE 'dbtool\\_%' "
    "AND coalesce(o.relname NOT LIKE 'dbtool\\_%', true) "
    "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend i "
    " WHERE i.classid = 'pg_catalog.pg_class'::regclass AND i.objid = c.oid "
    " AND i.deptype IN ('i', 'e')) "
    "ORDER BY c.relname COLLATE \"C\"";

/* One consistent view of the catalog when the caller is not in a transaction already. */
static const char SQL_BEGIN_SNAPSHOT[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

/* ---- constructors ------------------------------------------------------------------- */

int catalog_set(char **field, const char *value)
{
    char *copy = NULL;
    if (value && !(copy = strdup(value)))
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

/* Grows an array of `size`-byte elements by one zeroed element; NULL when out of memory. */
static void *catalog_grow(void **array, size_t *n, size_t size)
{
    char *p = realloc(*array, (*n + 1) * size);
    if (!p)
        return NULL;
    *array = p;
    memset(p + *n * size, 0, size);
    return p + (*n)++ * size;
}

/* Sets name and qname (a name is required); 0 or -1. */
static int catalog_names(char **name, char **qname, const char *n, const char *q)
{
    if (!n || !(*name = strdup(n)))
        return -1;
    return catalog_set(qname, q ? q : n);
}

static void catalog_free_column(struct cat_column *c)
{
    free(c->name);
    free(c->qname);
    free(c->type);
    free(c->collation);
    free(c->def);
    free(c->comment);
}

static void catalog_free_constraint(struct cat_constraint *c)
{
    free(c->name);
    free(c->qname);
    free(c->def);
    free(c->ref_table);
}

static void catalog_free_index(struct cat_index *x)
{
    free(x->name);
    free(x->qname);
    free(x->def);
    free(x->shape);
}

static void catalog_free_table(struct cat_table *t)
{
    for (size_t i = 0; i < t->ncols; i++)
        catalog_free_column(&t->cols[i]);
    for (size_t i = 0; i < t->ncons; i++)
        catalog_free_constraint(&t->cons[i]);
    for (size_t i = 0; i < t->nidx; i++)
        catalog_free_index(&t->idx[i]);
    free(t->cols);
    free(t->cons);
    free(t->idx);
    free(t->name);
    free(t->qname);
    free(t->comment);
}

static void catalog_free_enum(struct cat_enum *e)
{
    for (size_t i = 0; i < e->nvalues; i++)
        free(e->values[i]);
    free(e->values);
    free(e->name);
    free(e->qname);
}

static void catalog_free_sequence(struct cat_sequence *s)
{
    char **fields[] = {&s->name, &s->qname, &s->type,  &s->start,       &s->increment,
                       &s->min,  &s->max,   &s->cache, &s->owner_table, &s->owner_column};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        free(*fields[i]);
}

void catalog_free(struct catalog *cat)
{
    for (size_t i = 0; i < cat->ntables; i++)
        catalog_free_table(&cat->tables[i]);
    for (size_t i = 0; i < cat->nenums; i++)
        catalog_free_enum(&cat->enums[i]);
    for (size_t i = 0; i < cat->nseqs; i++)
        catalog_free_sequence(&cat->seqs[i]);
    free(cat->tables);
    free(cat->enums);
    free(cat->seqs);
    memset(cat, 0, sizeof *cat);
}

struct cat_table *catalog_add_table(struct catalog *cat, const char *name, const char *qname,
                                    const char *comment)
{
    struct cat_table *t = catalog_grow((void **)&cat->tables, &cat->ntables, sizeof *t);
    if (!t)
        return NULL;
    if (catalog_names(&t->name, &t->qname, name, qname) != 0 ||
        catalog_set(&t->comment, comment) != 0) {
        catalog_free_table(t);
        cat->ntables--;
        return NULL;
    }
    return t;
}

struct cat_column *catalog_add_column(struct cat_table *t, const char *name, const char *qname,
                                      const char *type, bool notnull, const char *def)
{
    struct cat_column *c = catalog_grow((void **)&t->cols, &t->ncols, sizeof *c);
    if (!c)
        return NULL;
    c->notnull = notnull;
    if (catalog_names(&c->name, &c->qname, name, qname) != 0 || catalog_set(&c->type, type) != 0 ||
        catalog_set(&c->def, def) != 0) {
        catalog_free_column(c);
        t->ncols--;
        return NULL;
    }
    return c;
}

struct cat_constraint *catalog_add_constraint(struct cat_table *t, const char *name,
                                              const char *qname, char kind, const char *def,
                                              const char *ref_table)
{
    struct cat_constraint *c = catalog_grow((void **)&t->cons, &t->ncons, sizeof *c);
    if (!c)
        return NULL;
    c->kind = kind;
    if (catalog_names(&c->name, &c->qname, name, qname) != 0 || catalog_set(&c->def, def) != 0 ||
        catalog_set(&c->ref_table, kind == CAT_FOREIGN ? ref_table : NULL) != 0) {
        catalog_free_constraint(c);
        t->ncons--;
        return NULL;
    }
    return c;
}

/*
 * "CREATE UNIQUE INDEX users_x ON public.users USING btree (x)" -> "CREATE UNIQUE INDEX
 * ON public.users USING btree (x)": pg_get_indexdef always puts the quoted name right
 * after "INDEX ". A definition not shaped like that is kept whole.
 */
static char *catalog_index_shape(const char *def, const char *qname)
{
    if (!def || !qname)
        return NULL;
    const char *at = strstr(def, "INDEX ");
    size_t qlen = strlen(qname);
    if (!at || strncmp(at + 6, qname, qlen) != 0 || at[6 + qlen] != ' ')
        return strdup(def);
    size_t head = (size_t)(at - def) + 6;
    size_t len = strlen(def) - qlen - 1;
    char *shape = malloc(len + 1);
    if (!shape)
        return NULL;
    memcpy(shape, def, head);
    strcpy(shape + head, at + 6 + qlen + 1);
    return shape;
}

struct cat_index *catalog_add_index(struct cat_table *t, const char *name, const char *qname,
                                    const char *def)
{
    struct cat_index *x = catalog_grow((void **)&t->idx, &t->nidx, sizeof *x);
    if (!x)
        return NULL;
    if (catalog_names(&x->name, &x->qname, name, qname) != 0 || catalog_set(&x->def, def) != 0 ||
        !(x->shape = catalog_index_shape(def, x->qname))) {
        catalog_free_index(x);
        t->nidx--;
        return NULL;
    }
    return x;
}

struct cat_enum *catalog_add_enum(struct catalog *cat, const char *name, const char *qname)
{
    struct cat_enum *e = catalog_grow((void **)&cat->enums, &cat->nenums, sizeof *e);
    if (!e)
        return NULL;
    if (catalog_names(&e->name, &e->qname, name, qname) != 0) {
        catalog_free_enum(e);
        cat->nenums--;
        return NULL;
    }
    return e;
}

int catalog_add_enum_value(struct cat_enum *e, const char *value)
{
    char **slot = catalog_grow((void **)&e->values, &e->nvalues, sizeof *slot);
    if (!slot)
        return -1;
    if (!(*slot = strdup(value))) {
        e->nvalues--;
        return -1;
    }
    return 0;
}

/* The largest value of a sequence type, as text. */
static const char *catalog_type_max(const char *type)
{
    if (strcmp(type, "smallint") == 0)
        return "32767";
    if (strcmp(type, "integer") == 0)
        return "2147483647";
    return "9223372036854775807";
}

struct cat_sequence *catalog_add_sequence(struct catalog *cat, const char *name, const char *qname,
                                          const char *type)
{
    struct cat_sequence *s = catalog_grow((void **)&cat->seqs, &cat->nseqs, sizeof *s);
    if (!s)
        return NULL;
    if (catalog_names(&s->name, &s->qname, name, qname) != 0 || catalog_set(&s->type, type) ||
        catalog_set(&s->start, "1") || catalog_set(&s->increment, "1") ||
        catalog_set(&s->min, "1") || catalog_set(&s->max, catalog_type_max(type)) ||
        catalog_set(&s->cache, "1") != 0) {
        catalog_free_sequence(s);
        cat->nseqs--;
        return NULL;
    }
    return s;
}

/* ---- lookups and sorting ------------------------------------------------------------- */

const struct cat_table *catalog_table(const struct catalog *cat, const char *name)
{
    for (size_t i = 0; i < cat->ntables; i++)
        if (strcmp(cat->tables[i].name, name) == 0)
            return &cat->tables[i];
    return NULL;
}

const struct cat_column *catalog_column(const struct cat_table *t, const char *name)
{
    for (size_t i = 0; t && i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return &t->cols[i];
    return NULL;
}

const struct cat_enum *catalog_enum(const struct catalog *cat, const char *name)
{
    for (size_t i = 0; i < cat->nenums; i++)
        if (strcmp(cat->enums[i].name, name) == 0)
            return &cat->enums[i];
    return NULL;
}

const struct cat_sequence *catalog_sequence(const struct catalog *cat, const char *name)
{
    for (size_t i = 0; i < cat->nseqs; i++)
        if (strcmp(cat->seqs[i].name, name) == 0)
            return &cat->seqs[i];
    return NULL;
}

bool catalog_is_empty(const struct catalog *cat)
{
    return cat->ntables == 0 && cat->nenums == 0 && cat->nseqs == 0;
}

/* Every catalog struct starts with its name, so one comparison sorts them all. */
static int catalog_by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void catalog_sort(struct catalog *cat)
{
    if (cat->ntables)
        qsort(cat->tables, cat->ntables, sizeof *cat->tables, catalog_by_name);
    if (cat->nenums)
        qsort(cat->enums, cat->nenums, sizeof *cat->enums, catalog_by_name);
    if (cat->nseqs)
        qsort(cat->seqs, cat->nseqs, sizeof *cat->seqs, catalog_by_name);
    for (size_t i = 0; i < cat->ntables; i++) {
        struct cat_table *t = &cat->tables[i];
        if (t->ncons)
            qsort(t->cons, t->ncons, sizeof *t->cons, catalog_by_name);
        if (t->nidx)
            qsort(t->idx, t->nidx, sizeof *t->idx, catalog_by_name);
    }
}

/* ---- reading ------------------------------------------------------------------------- */

/* A field of a result row, NULL for SQL NULL. */
static const char *catalog_field(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* The table named by column 0 of a row; *last caches the previous answer (rows come
 * sorted by table). */
static struct cat_table *catalog_row_table(struct catalog *cat, const PGresult *res, int row,
                                           struct cat_table **last)
{
    const char *name = PQgetvalue(res, row, 0);
    if (!*last || strcmp((*last)->name, name) != 0)
        *last = (struct cat_table *)catalog_table(cat, name);
    return *last;
}

static int catalog_read_tables(struct catalog *cat, const PGresult *res)
{
    for (int r = 0; r < PQntuples(res); r++)
        if (!catalog_add_table(cat, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
                               catalog_field(res, r, 2)))
            return -1;
    return 0;
}

static int catalog_read_columns(struct catalog *cat, const PGresult *res)
{
    struct cat_table *last = NULL;
    for (int r = 0; r < PQntuples(res); r++) {
        struct cat_table *t = catalog_row_table(cat, res, r, &last);
        if (!t)
            continue;
        struct cat_column *c = catalog_add_column(
            t, PQgetvalue(res, r, 1), PQgetvalue(res, r, 2), PQgetvalue(res, r, 3),
            PQgetvalue(res, r, 5)[0] == 't', catalog_field(res, r, 6));
        if (!c || catalog_set(&c->collation, catalog_field(res, r, 4)) != 0 ||
            catalog_set(&c->comment, catalog_field(res, r, 9)) != 0)
            return -1;
        c->identity = PQgetvalue(res, r, 7)[0];
        c->generated = PQgetvalue(res, r, 8)[0] == 's';
    }
    return 0;
}

static int catalog_read_constraints(struct catalog *cat, const PGresult *res)
{
    struct cat_table *last = NULL;
    for (int r = 0; r < PQntuples(res); r++) {
        struct cat_table *t = catalog_row_table(cat, res, r, &last);
        if (t && !catalog_add_constraint(t, PQgetvalue(res, r, 1), PQgetvalue(res, r, 2),
                                         PQgetvalue(res, r, 3)[0], PQgetvalue(res, r, 4),
                                         catalog_field(res, r, 5)))
            return -1;
    }
    return 0;
}

static int catalog_read_indexes(struct catalog *cat, const PGresult *res)
{
    struct cat_table *last = NULL;
    for (int r = 0; r < PQntuples(res); r++) {
        struct cat_table *t = catalog_row_table(cat, res, r, &last);
        if (t && !catalog_add_index(t, PQgetvalue(res, r, 1), PQgetvalue(res, r, 2),
                                    PQgetvalue(res, r, 3)))
            return -1;
    }
    return 0;
}

static int catalog_read_enums(struct catalog *cat, const PGresult *res)
{
    struct cat_enum *e = NULL;
    for (int r = 0; r < PQntuples(res); r++) {
        const char *name = PQgetvalue(res, r, 0);
        if (!e || strcmp(e->name, name) != 0)
            if (!(e = catalog_add_enum(cat, name, PQgetvalue(res, r, 1))))
                return -1;
        if (!PQgetisnull(res, r, 2) && catalog_add_enum_value(e, PQgetvalue(res, r, 2)) != 0)
            return -1;
    }
    return 0;
}

static int catalog_read_sequences(struct catalog *cat, const PGresult *res)
{
    for (int r = 0; r < PQntuples(res); r++) {
        struct cat_sequence *s = catalog_add_sequence(cat, PQgetvalue(res, r, 0),
                                                      PQgetvalue(res, r, 1), PQgetvalue(res, r, 2));
        if (!s || catalog_set(&s->start, PQgetvalue(res, r, 3)) ||
            catalog_set(&s->increment, PQgetvalue(res, r, 4)) ||
            catalog_set(&s->min, PQgetvalue(res, r, 5)) ||
            catalog_set(&s->max, PQgetvalue(res, r, 6)) ||
            catalog_set(&s->cache, PQgetvalue(res, r, 7)) ||
            catalog_set(&s->owner_table, catalog_field(res, r, 9)) ||
            catalog_set(&s->owner_column, catalog_field(res, r, 10)) != 0)
            return -1;
        s->cycle = PQgetvalue(res, r, 8)[0] == 't';
        if (!s->owner_table || !s->owner_column) {
            free(s->owner_table);
            free(s->owner_column);
            s->owner_table = s->owner_column = NULL;
        }
    }
    return 0;
}

int catalog_read(struct dbconn *c, const char *schema, struct catalog *out, char *err,
                 size_t errlen)
{
    static const struct {
        const char *sql;
        int (*load)(struct catalog *cat, const PGresult *res);
    } steps[] = {
        {SQL_TABLES, catalog_read_tables},
        {SQL_COLUMNS, catalog_read_columns},
        {SQL_CONSTRAINTS, catalog_read_constraints},
        {SQL_INDEXES, catalog_read_indexes},
        {SQL_ENUMS, catalog_read_enums},
        {SQL_SEQUENCES, catalog_read_sequences},
    };
    memset(out, 0, sizeof *out);
    bool own_tx = PQtransactionStatus(c->conn) == PQTRANS_IDLE;
    if (own_tx && dbconn_command(c, SQL_BEGIN_SNAPSHOT, 0, NULL, err, errlen) != 0)
        return -1;
    const char *params[] = {schema};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof steps / sizeof steps[0]; i++) {
        char why[1024];
        PGresult *res = dbconn_query(c, steps[i].sql, 1, params, why, sizeof why);
        if (!res) {
            snprintf(err, errlen, "cannot read the catalog of %s: %s", c->masked, why);
            rc = -1;
        } else if (steps[i].load(out, res) != 0) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
        PQclear(res);
    }
    if (own_tx) {
        char ignored[256];
        if (dbconn_command(c, rc == 0 ? SQL_COMMIT : SQL_ROLLBACK, 0, NULL, ignored,
                           sizeof ignored) != 0 &&
            rc == 0) {
            snprintf(err, errlen, "cannot read the catalog of %s: %s", c->masked, ignored);
            rc = -1;
        }
    }
    if (rc != 0)
        catalog_free(out);
    else
        catalog_sort(out);
    return rc;
}

/* ---- printing ------------------------------------------------------------------------ */

static void catalog_print_column(FILE *out, const struct cat_column *c)
{
    fprintf(out, "  column %s %s", c->qname, c->type);
    if (c->collation)
        fprintf(out, " COLLATE %s", c->collation);
    if (c->def && c->generated)
        fprintf(out, " GENERATED ALWAYS AS (%s) STORED", c->def);
    else if (c->def)
        fprintf(out, " DEFAULT %s", c->def);
    if (c->notnull)
        fputs(" NOT NULL", out);
    if (c->identity)
        fprintf(out, " GENERATED %s AS IDENTITY", c->identity == 'a' ? "ALWAYS" : "BY DEFAULT");
    fputc('\n', out);
    if (c->comment)
        fprintf(out, "    comment: %s\n", c->comment);
}

void catalog_print(FILE *out, const struct catalog *cat)
{
    for (size_t i = 0; i < cat->nenums; i++) {
        const struct cat_enum *e = &cat->enums[i];
        fprintf(out, "enum %s (", e->qname);
        for (size_t v = 0; v < e->nvalues; v++)
            fprintf(out, "%s'%s'", v ? ", " : "", e->values[v]);
        fputs(")\n", out);
    }
    for (size_t i = 0; i < cat->nseqs; i++) {
        const struct cat_sequence *s = &cat->seqs[i];
        fprintf(out, "sequence %s AS %s START %s INCREMENT %s MINVALUE %s MAXVALUE %s CACHE %s%s",
                s->qname, s->type, s->start, s->increment, s->min, s->max, s->cache,
                s->cycle ? " CYCLE" : "");
        if (s->owner_table)
            fprintf(out, " OWNED BY %s.%s", s->owner_table, s->owner_column);
        fputc('\n', out);
    }
    for (size_t i = 0; i < cat->ntables; i++) {
        const struct cat_table *t = &cat->tables[i];
        fprintf(out, "table %s\n", t->qname);
        if (t->comment)
            fprintf(out, "  comment: %s\n", t->comment);
        for (size_t k = 0; k < t->ncols; k++)
            catalog_print_column(out, &t->cols[k]);
        for (size_t k = 0; k < t->ncons; k++)
            fprintf(out, "  constraint %s %s\n", t->cons[k].qname, t->cons[k].def);
        for (size_t k = 0; k < t->nidx; k++)
            fprintf(out, "  index %s\n", t->idx[k].def);
    }
}
