/*
 * zone_text — INTERNAL to the zone reader (zone_read.c): the text of a
 * master file as it is read, and the messages about it. It owns the
 * file's bytes in memory, the line count, the scanner that splits a
 * record into its fields, the checks of the fields ldns lets through,
 * and the "FILE:LINE: what is wrong" messages, worded so a student can
 * act on them. Nothing outside tutor/zone*.c includes this header.
 *
 * Why a scanner beside ldns: ldns says "could not parse the RR's rdata"
 * for an unknown type and for a bad address alike, accepts an unknown
 * type without data as TYPE0, reads an unclosed quote to the end of the
 * line and a TTL of 2^32 as 0; the scanner finds these and says which
 * field is wrong.
 */
#ifndef TUTOR_ZONE_TEXT_H
#define TUTOR_ZONE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "zone.h"

#define ZONE_TTL_MAX 2147483647u            /* RFC 2181 8 */
#define SCAN_TOKENS_MAX 12                  /* fields of a record the scanner keeps */
#define SCAN_TOKEN_MAX 256                  /* bytes of one kept field */
#define ZONE_NAME_STR_MAX (LDNS_MAX_DOMAINLEN * 4 + 8)  /* a name as text, escapes and all */

/* One master file being read. The caller sets path and err (borrowed);
 * zone_text_slurp sets the rest. */
struct zone_reader {
    const char *path;
    const char *buf;            /* the whole file, NUL-terminated */
    size_t len;
    size_t line_off;            /* a cursor for line_at: offset, line */
    int line_no;
    char *err;                  /* ZONE_ERROR_MAX */
    int post_line;              /* the earliest error of the checks that
                                 * run after reading (0: none yet) */
};

/* One field of a record as the scanner saw it. */
struct zone_token {
    size_t off, len;            /* in the file */
    int line;
    bool quoted;
    char text[SCAN_TOKEN_MAX];  /* cut at SCAN_TOKEN_MAX - 1 */
};

/* What the scanner found in the text of one record (or directive). */
struct zone_scan {
    struct zone_token tok[SCAN_TOKENS_MAX];
    size_t n_tok;               /* kept */
    size_t n_all;               /* seen */
    bool has_owner;             /* the first field starts its line */
    int ttl_at, class_at, type_at;  /* indexes, -1 when absent */
    int rdata_at;               /* first field of the data, -1 when none */
    int line;                   /* where the record starts */
};

/* Reads rd->path whole into *out (new, NUL-terminated; the caller frees
 * it), which rd->buf then borrows; refuses control characters. 0, or -1
 * with rd->err. */
int zone_text_slurp(struct zone_reader *rd, char **out);

/* Puts "FILE:LINE: " and the message in rd->err; returns -1. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int zone_text_fail(struct zone_reader *rd, int line, const char *fmt, ...);

/* The same for the checks that run after reading, which may run in any
 * order: the message kept is the one of the earliest line. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void zone_text_post_fail(struct zone_reader *rd, int line, const char *fmt, ...);

/* The offset of the first field at or after `off` (comments and spaces
 * skipped), at most `to`. */
size_t zone_text_skip_blank(const struct zone_reader *rd, size_t off, size_t to);

/* Scans [from, to): the fields, parentheses and quotes of one record. The
 * structural errors (an unclosed parenthesis or quote, a ')' without '(')
 * are reported here; 0, or -1 with rd->err. */
int zone_text_scan(struct zone_reader *rd, size_t from, size_t to, struct zone_scan *sc);

/* A TTL as ldns reads it: digits, each group with an optional unit
 * (s, m, h, d, w). The value saturates past 2^32; false when it is not a
 * TTL at all. */
bool zone_text_ttl(const char *s, uint64_t *out);

/* Sorts out the fields of a record: owner, TTL and class (in either
 * order, as RFC 1035 5.1 allows), type, data; and checks the ones ldns
 * lets through. *ttl is set when the record has one. 0, or -1 with
 * rd->err. */
int zone_text_fields(struct zone_reader *rd, struct zone_scan *sc, uint64_t *ttl,
                     bool *explicit_ttl);

/* Looks at the record ldns reads next from fp (which it leaves where it
 * was) to refuse what ldns cannot refuse cleanly: a CERT record of type
 * 0, which ldns 1.8.3 refuses but leaks the field it made for (str2host.c,
 * ldns_str2rdf_cert_alg). 0, or -1 with rd->err. */
int zone_text_precheck(struct zone_reader *rd, FILE *fp);

/* A record ldns refused with `st`, after zone_text_fields found its
 * fields sound: says what is wrong with its data. Returns -1. */
int zone_text_fail_data(struct zone_reader *rd, const struct zone_scan *sc, ldns_status st);

/* The numbers of rr's data written as plain digits fit their fields
 * (ldns reads an MX preference of 99999 as 34463). 0, or -1 with
 * rd->err. */
int zone_text_numbers(struct zone_reader *rd, const struct zone_scan *sc, const ldns_rr *rr);

/* A name, type or class as text in `out` ("a.example.", "MX", "CH"), for
 * the messages; returns out. */
const char *zone_text_name(const ldns_rdf *r, char out[ZONE_NAME_STR_MAX]);
const char *zone_text_type(ldns_rr_type type, char out[32]);
const char *zone_text_class(ldns_rr_class klass, char out[32]);

#endif
