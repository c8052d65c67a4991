/*
 * topo_scan — INTERNAL to the topology loader (topo_load.c): the top
 * level of a topology file read without building its whole tree.
 *
 * jansson's tree of a 100,000-router file takes ten times the file; the
 * loader needs one node or one link at a time. topo_scan() finds where
 * each member of "nodes" and each element of "links" lies in the text,
 * and parses the rest of the top level (small) into `rest`; the loader
 * then parses one member at a time and lets it go.
 *
 * The scanner knows only well-formed JSON of the usual shape: for
 * anything else (a syntax error, a duplicate key, a key with escapes or
 * non-ASCII bytes) it says so, and the loader parses the whole file with
 * jansson instead, so every message is jansson's own, as before.
 */
#ifndef NETSIM_TOPO_SCAN_H
#define NETSIM_TOPO_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Where a member lies: its key (without quotes; none for an array
 * element) and its value, as offsets into the text. */
struct topo_span {
    size_t key, key_len;
    size_t val, val_len;
};

struct topo_scan {
    const char *text;
    size_t len;
    json_t *rest;                       /* the top level but "nodes" and "links" */
    struct topo_span *nodes;            /* NULL: "nodes" is absent or not an object */
    size_t n_nodes;
    struct topo_span *links;            /* NULL: "links" is absent or not an array */
    size_t n_links;
    bool c_point;                       /* the locale's decimal point is '.' (strtod) */
};

/* A flat object read straight from the text, for the shape most members
 * of a big file have ({"endpoints": ["n1", "n2"], "delay_ms": 5}): each
 * value a plain string, a number, or a list of two plain strings. Plain:
 * printable ASCII without escapes, so the text is the string. */
#define TOPO_FLAT_MAX 8

enum topo_flat_kind { TOPO_FLAT_STRING, TOPO_FLAT_NUMBER, TOPO_FLAT_PAIR };

struct topo_flat_member {
    const char *key;                    /* into the text, key_len bytes */
    size_t key_len;
    enum topo_flat_kind kind;
    const char *str[2];                 /* STRING: str[0]; PAIR: both */
    size_t str_len[2];
    double number;                      /* as json_number_value() gives it */
    bool integer;                       /* as json_is_integer() says */
};

struct topo_flat {
    struct topo_flat_member m[TOPO_FLAT_MAX];
    size_t n;
};

/* 0 with `out` filled in, or -1 when the member is not of that shape (a
 * nested value, an escape, a duplicate key, a number jansson would read
 * otherwise or refuse): the caller parses it with jansson instead, so
 * what is read here is exactly what jansson would have given. */
int topo_scan_flat(const struct topo_scan *sc, const struct topo_span *sp, struct topo_flat *out);

/* 0 with `sc` filled in (free with topo_scan_free), or -1 when the text
 * is not what the scanner knows (the caller parses it whole). */
int topo_scan(struct topo_scan *sc, const char *text, size_t len);
void topo_scan_free(struct topo_scan *sc);

/* One member's value, parsed (duplicate keys refused): a new tree, or
 * NULL when it does not parse. */
json_t *topo_scan_value(const struct topo_scan *sc, const struct topo_span *sp);

#endif
