/*
 * catalog.h — the schema of one database as autogenerate, `check` and `test` compare it
 * (SPEC §8), read from pg_catalog (never pg_dump), and the constructors that build it
 * (the reader uses them, and so do the unit tests of diff.c with in-memory catalogs).
 *
 * What is read, for one schema (public): tables (not dbtool_* tables, not partitions,
 * not objects of extensions), their columns (type with modifiers, collation, NOT NULL,
 * default, identity, stored generated expression), constraints (primary key, unique,
 * foreign key, check, exclusion), indexes that do not back a constraint, comments on
 * tables and columns, enum types with their values in order, and sequences (standalone
 * ones and those OWNED BY a column; identity sequences belong to their column).
 *
 * Every text is the server's own rendering — format_type(), pg_get_expr(),
 * pg_get_constraintdef(), pg_get_indexdef(), quote_ident() — so two objects spelled
 * differently in SQL (`int` and `integer`, `CHECK (a>0)` and `CHECK ( a > 0 )`) read the
 * same once both went through the same server: comparing them is comparing text.
 * Objects are kept sorted by name (columns in table order).
 */
#ifndef DBTOOL_CATALOG_H
#define DBTOOL_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "dbtool/dbconn.h"

#define CATALOG_SCHEMA "public" /* the schema dbtool compares */

struct cat_column {
    char *name;
    char *qname;     /* quote_ident(name) */
    char *type;      /* format_type(): "character varying(50)", "bigint", "mood[]" */
    char *collation; /* quoted collation when not the type's default, else NULL */
    bool notnull;    /* NOT NULL */
    char *def;       /* DEFAULT expression, or the expression of a generated column; NULL */
    char identity;   /* 0, 'a' (GENERATED ALWAYS AS IDENTITY) or 'd' (BY DEFAULT) */
    bool generated;  /* GENERATED ALWAYS AS (def) STORED */
    char *comment;   /* NULL when none */
};

enum cat_constraint_kind {
    CAT_PRIMARY = 'p',
    CAT_UNIQUE = 'u',
    CAT_FOREIGN = 'f',
    CAT_CHECK = 'c',
    CAT_EXCLUDE = 'x',
};

struct cat_constraint {
    char *name;
    char *qname;
    char kind;       /* enum cat_constraint_kind */
    char *def;       /* pg_get_constraintdef(): "FOREIGN KEY (a) REFERENCES t(id) ON ..." */
    char *ref_table; /* foreign keys: the referenced table's name; NULL otherwise */
};

struct cat_index {
    char *name;
    char *qname;
    char *def;   /* pg_get_indexdef(): "CREATE INDEX x ON public.t USING btree (a)" */
    char *shape; /* def without the index name: how two indexes compare by definition */
};

struct cat_table {
    char *name;
    char *qname;
    char *comment;
    struct cat_column *cols; /* in table (attnum) order */
    size_t ncols;
    struct cat_constraint *cons;
    size_t ncons;
    struct cat_index *idx;
    size_t nidx;
};

struct cat_enum {
    char *name;
    char *qname;
    char **values; /* in sort order */
    size_t nvalues;
};

struct cat_sequence {
    char *name;
    char *qname;
    char *type;                                  /* "bigint", "integer", "smallint" */
    char *start, *increment, *min, *max, *cache; /* decimal text as the server prints it */
    bool cycle;
    char *owner_table; /* OWNED BY owner_table.owner_column; both NULL when standalone */
    char *owner_column;
};

struct catalog {
    struct cat_table *tables;
    size_t ntables;
    struct cat_enum *enums;
    size_t nenums;
    struct cat_sequence *seqs;
    size_t nseqs;
};

/*
 * Reads the catalog of `schema` over c (inside the caller's transaction, if any).
 * Returns 0 and fills *out, or -1 with a one-line reason in err (*out is then empty).
 */
int catalog_read(struct dbconn *c, const char *schema, struct catalog *out, char *err,
                 size_t errlen);

/* Frees everything and zeroes the struct; safe on a zeroed struct. */
void catalog_free(struct catalog *cat);

/* True when the catalog holds no table, enum or sequence. */
bool catalog_is_empty(const struct catalog *cat);

/* Prints the catalog as text, one object per line (`dbtool catalog`). */
void catalog_print(FILE *out, const struct catalog *cat);

/* Lookups by exact name; NULL when absent. */
const struct cat_table *catalog_table(const struct catalog *cat, const char *name);
const struct cat_column *catalog_column(const struct cat_table *t, const char *name);
const struct cat_enum *catalog_enum(const struct catalog *cat, const char *name);
const struct cat_sequence *catalog_sequence(const struct catalog *cat, const char *name);

/*
 * Constructors. Strings are copied; a NULL qname means the name needs no quoting. Each
 * returns the new object (valid until the next add to the same array), or NULL when out
 * of memory. The catalog is sorted by catalog_sort(), which the reader calls last.
 */
struct cat_table *catalog_add_table(struct catalog *cat, const char *name, const char *qname,
                                    const char *comment);
struct cat_column *catalog_add_column(struct cat_table *t, const char *name, const char *qname,
                                      const char *type, bool notnull, const char *def);
struct cat_constraint *catalog_add_constraint(struct cat_table *t, const char *name,
                                              const char *qname, char kind, const char *def,
                                              const char *ref_table);
/* def as pg_get_indexdef prints it; the shape is derived from it. */
struct cat_index *catalog_add_index(struct cat_table *t, const char *name, const char *qname,
                                    const char *def);
struct cat_enum *catalog_add_enum(struct catalog *cat, const char *name, const char *qname);
int catalog_add_enum_value(struct cat_enum *e, const char *value);
/* Options NULL take the defaults of an ascending sequence of that type. */
struct cat_sequence *catalog_add_sequence(struct catalog *cat, const char *name, const char *qname,
                                          const char *type);

/* Sets a string field (copy, old value freed): 0 or -1 when out of memory. */
int catalog_set(char **field, const char *value);

/* Sorts tables, enums, sequences and each table's constraints and indexes by name. */
void catalog_sort(struct catalog *cat);

#endif
