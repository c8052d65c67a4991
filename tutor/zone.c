/*
 * zone — master files read with ldns, and the authoritative lookup of
 * RFC 1034 4.3.2 over the zones of one server.
 *
 * Reading. ldns parses each record (ldns_rr_new_frm_fp_l, the reader that
 * ldns_zone_new_frm_fp_l is built on); this file calls it record by record
 * rather than through ldns_zone_new_frm_fp_l because that one gives a
 * single line number for the whole file, silently drops a second SOA and
 * keeps no trace of where a record was, so "CNAME beside an A" or "out of
 * zone" could not name a line. Its TTL rules (RFC 1035 5.1, RFC 2308 4)
 * are repeated in read_zone. Beside ldns, a small scanner looks at the
 * text of every record: ldns says "could not parse the RR's rdata" for an
 * unknown type and for a bad address alike, accepts an unknown type
 * without data as TYPE0, reads an unclosed quote to the end of the line
 * and a TTL of 2^32 as 0; the scanner finds these and says which field is
 * wrong, in the words a student can act on.
 *
 * Lookup. A zone keeps its records in an array sorted in the canonical
 * order of RFC 4034 6.1 (names without case, compared label by label from
 * the right), then by type: an RRset is a run of the array, a name's
 * descendants follow it directly, so "does this name exist, perhaps as an
 * empty non-terminal" is one binary search. Zones are small (a teaching
 * world has tens of records); the array was chosen over ldns_dnssec_zone's
 * red-black tree because it needs no second copy of the records and the
 * ENT question is answered by the same search.
 */
#include "zone.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZONE_FILE_MAX ((size_t)32 << 20)    /* bytes of one master file */
#define ZONE_TTL_MAX 2147483647u            /* RFC 2181 8 */
#define ZONE_LABELS_MAX 128                 /* a 255-octet name has fewer */
#define SCAN_TOKENS_MAX 12                  /* fields of a record the scanner keeps */
#define SCAN_TOKEN_MAX 256                  /* bytes of one kept field */
#define QUOTE_MAX 60                        /* bytes of record text quoted in a message */

/* ------------------------------------------------------------------------
 * Names in wire form, without case.
 */
struct name {
    const uint8_t *d;
    size_t n;
};

static struct name name_of(const ldns_rdf *r)
{
    return (struct name){ldns_rdf_data(r), ldns_rdf_size(r)};
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* The offsets of the labels of nm, the root's excluded; their count. */
static int name_labels(struct name nm, size_t off[ZONE_LABELS_MAX])
{
    size_t i = 0;
    int k = 0;
    while (i < nm.n && nm.d[i] && k < ZONE_LABELS_MAX) {
        off[k++] = i;
        i += (size_t)nm.d[i] + 1;
    }
    return k;
}

/* Length octets are at most 63, below 'A': lowering every octet is safe. */
static bool name_eq(struct name a, struct name b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++)
        if (lower(a.d[i]) != lower(b.d[i]))
            return false;
    return true;
}

/* sub is parent or below it. */
static bool name_under(struct name sub, struct name parent)
{
    size_t i = 0;
    while (sub.n - i >= parent.n) {
        if (sub.n - i == parent.n)
            return name_eq((struct name){sub.d + i, parent.n}, parent);
        if (!sub.d[i])
            return false;
        i += (size_t)sub.d[i] + 1;
    }
    return false;
}

/* The canonical order of RFC 4034 6.1. */
static int name_cmp(struct name a, struct name b)
{
    size_t oa[ZONE_LABELS_MAX], ob[ZONE_LABELS_MAX];
    int i = name_labels(a, oa) - 1, j = name_labels(b, ob) - 1;
    for (;; i--, j--) {
        if (i < 0 || j < 0)
            return i < 0 && j < 0 ? 0 : i < 0 ? -1 : 1;
        const uint8_t *la = a.d + oa[i], *lb = b.d + ob[j];
        size_t m = la[0] < lb[0] ? la[0] : lb[0];
        for (size_t k = 1; k <= m; k++)
            if (lower(la[k]) != lower(lb[k]))
                return lower(la[k]) < lower(lb[k]) ? -1 : 1;
        if (la[0] != lb[0])
            return la[0] < lb[0] ? -1 : 1;
    }
}

/* The ancestor of nm (or nm itself) with k labels. */
static struct name name_suffix(struct name nm, int k)
{
    size_t off[ZONE_LABELS_MAX];
    int l = name_labels(nm, off);
    if (k <= 0 || k > l)
        return k <= 0 ? (struct name){nm.d + nm.n - 1, 1} : nm;
    return (struct name){nm.d + off[l - k], nm.n - off[l - k]};
}

static int name_count(struct name nm)
{
    size_t off[ZONE_LABELS_MAX];
    return name_labels(nm, off);
}

/* A name as text in `out`, "a.example." */
static const char *name_str(const ldns_rdf *r, char out[LDNS_MAX_DOMAINLEN * 4 + 8])
{
    char *s = ldns_rdf2str(r);
    snprintf(out, LDNS_MAX_DOMAINLEN * 4 + 8, "%s", s ? s : "?");
    free(s);
    return out;
}

/* A type's or class's mnemonic in `out`, "MX", "CH". */
static const char *type_str(ldns_rr_type type, char out[32])
{
    char *s = ldns_rr_type2str(type);
    snprintf(out, 32, "%s", s ? s : "?");
    free(s);
    return out;
}

static const char *class_str(ldns_rr_class klass, char out[32])
{
    char *s = ldns_rr_class2str(klass);
    snprintf(out, 32, "%s", s ? s : "?");
    free(s);
    return out;
}

/* ------------------------------------------------------------------------
 * Zones and sets.
 */
struct entry {
    struct name owner;          /* the record's own owner, borrowed */
    ldns_rr_type type;
    ldns_rr *rr;                /* borrowed from the zone's list */
    int line;
    size_t seq;                 /* place in the file: RRsets keep its order */
};

struct zone {
    ldns_rdf *origin;           /* owned */
    char *path;                 /* owned */
    ldns_rr_list *rrs;          /* owns every record */
    struct entry *e;            /* sorted; duplicates left out */
    size_t n;
    const ldns_rr *soa;         /* borrowed from rrs */
};

struct zone_set {
    struct zone *z;
    size_t n;
};

static void zone_clear(struct zone *z)
{
    ldns_rdf_deep_free(z->origin);
    ldns_rr_list_deep_free(z->rrs);
    free(z->path);
    free(z->e);
    memset(z, 0, sizeof *z);
}

struct zone_set *zone_set_new(void)
{
    return calloc(1, sizeof(struct zone_set));
}

void zone_set_free(struct zone_set *zs)
{
    if (!zs)
        return;
    for (size_t i = 0; i < zs->n; i++)
        zone_clear(&zs->z[i]);
    free(zs->z);
    free(zs);
}

size_t zone_set_count(const struct zone_set *zs)
{
    return zs ? zs->n : 0;
}

const ldns_rdf *zone_set_origin(const struct zone_set *zs, size_t i)
{
    return zs && i < zs->n ? zs->z[i].origin : NULL;
}

static int entry_cmp(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;
    int c = name_cmp(a->owner, b->owner);
    if (c)
        return c;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The first entry whose owner is not before nm. */
static size_t lower_bound(const struct zone *z, struct name nm)
{
    size_t lo = 0, hi = z->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (name_cmp(z->e[mid].owner, nm) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The entries at exactly nm: [*first, returned). */
static size_t node_range(const struct zone *z, struct name nm, size_t *first)
{
    size_t i = lower_bound(z, nm), j = i;
    while (j < z->n && name_eq(z->e[j].owner, nm))
        j++;
    *first = i;
    return j;
}

/* The RRset (nm, type): [*first, returned), empty when there is none. */
static size_t rrset_range(const struct zone *z, struct name nm, ldns_rr_type type, size_t *first)
{
    size_t i, end = node_range(z, nm, &i);
    while (i < end && z->e[i].type != type)
        i++;
    size_t j = i;
    while (j < end && z->e[j].type == type)
        j++;
    *first = i;
    return j;
}

static bool has_rrset(const struct zone *z, struct name nm, ldns_rr_type type)
{
    size_t i;
    return rrset_range(z, nm, type, &i) > i;
}

/* nm owns records, or is an empty non-terminal (a name below it does). */
static bool name_exists(const struct zone *z, struct name nm)
{
    size_t i = lower_bound(z, nm);
    return i < z->n && name_under(z->e[i].owner, nm);
}

/* ------------------------------------------------------------------------
 * Reading a master file: the text, lines, and the scanner.
 */
struct reader {
    const char *path;
    const char *buf;            /* the whole file, NUL-terminated */
    size_t len;
    size_t line_off;            /* a cursor for line_at: offset, line */
    int line_no;
    char *err;                  /* ZONE_ERROR_MAX */
    int post_line;              /* the earliest error of the checks that
                                 * run after reading (0: none yet) */
};

static int line_at(struct reader *rd, size_t off)
{
    if (off < rd->line_off) {
        rd->line_off = 0;
        rd->line_no = 1;
    }
    for (; rd->line_off < off && rd->line_off < rd->len; rd->line_off++)
        if (rd->buf[rd->line_off] == '\n')
            rd->line_no++;
    return rd->line_no;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail_at(struct reader *rd, int line, const char *fmt, ...)
{
    int used = snprintf(rd->err, ZONE_ERROR_MAX, "%s:%d: ", rd->path, line);
    if (used < 0 || used >= ZONE_ERROR_MAX)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rd->err + used, ZONE_ERROR_MAX - (size_t)used, fmt, ap);
    va_end(ap);
    return -1;
}

/* Checks after reading report the error on the earliest line, whatever
 * the order they run in. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void post_fail(struct reader *rd, int line, const char *fmt, ...)
{
    if (rd->post_line && rd->post_line <= line)
        return;
    rd->post_line = line;
    int used = snprintf(rd->err, ZONE_ERROR_MAX, "%s:%d: ", rd->path, line);
    if (used < 0 || used >= ZONE_ERROR_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rd->err + used, ZONE_ERROR_MAX - (size_t)used, fmt, ap);
    va_end(ap);
}

/* One field of a record as the scanner saw it. */
struct token {
    size_t off, len;            /* in the file */
    int line;
    bool quoted;
    char text[SCAN_TOKEN_MAX];  /* cut at SCAN_TOKEN_MAX - 1 */
};

/* What the scanner found in the text of one record (or directive). */
struct scan {
    struct token tok[SCAN_TOKENS_MAX];
    size_t n_tok;               /* kept */
    size_t n_all;               /* seen */
    bool has_owner;             /* the first field starts its line */
    int ttl_at, class_at, type_at;  /* indexes, -1 when absent */
    int rdata_at;               /* first field of the data, -1 when none */
    int line;                   /* where the record starts */
};

static bool is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Scans [from, to): the fields, parentheses and quotes of one record. The
 * structural errors (an unclosed parenthesis or quote, a ')' without '(')
 * are reported here; 0, or -1 with rd->err. */
static int scan_record(struct reader *rd, size_t from, size_t to, struct scan *sc)
{
    memset(sc, 0, sizeof *sc);
    sc->ttl_at = sc->class_at = sc->type_at = sc->rdata_at = -1;
    const char *b = rd->buf;
    size_t i = from;
    int depth = 0, open_line = 0;
    while (i < to) {
        char c = b[i];
        if (c == ';') {
            while (i < to && b[i] != '\n')
                i++;
            continue;
        }
        if (is_space(c)) {
            i++;
            continue;
        }
        if (c == '(') {
            if (depth++ == 0)
                open_line = line_at(rd, i);
            i++;
            continue;
        }
        if (c == ')') {
            if (depth == 0)
                return fail_at(rd, line_at(rd, i), "')' without '('");
            depth--;
            i++;
            continue;
        }
        /* a field: quoted, or up to a space, a parenthesis or a comment */
        struct token t = {.off = i, .line = line_at(rd, i), .quoted = c == '"'};
        size_t k = 0;
        if (t.quoted) {
            i++;
            while (i < to && b[i] != '"' && b[i] != '\n') {
                if (b[i] == '\\' && i + 1 < to)
                    i++;
                i++;
            }
            if (i >= to || b[i] != '"')
                return fail_at(rd, t.line, "unclosed quote");
            i++;
        } else {
            while (i < to && !is_space(b[i]) && b[i] != '(' && b[i] != ')' && b[i] != ';') {
                if (b[i] == '\\' && i + 1 < to)
                    i++;
                i++;
            }
        }
        t.len = i - t.off;
        for (k = 0; k < t.len && k < SCAN_TOKEN_MAX - 1; k++)
            t.text[k] = b[t.off + k];
        t.text[k] = '\0';
        if (sc->n_all == 0) {
            sc->line = t.line;
            sc->has_owner = t.off == 0 || b[t.off - 1] == '\n';
        }
        if (sc->n_tok < SCAN_TOKENS_MAX)
            sc->tok[sc->n_tok++] = t;
        sc->n_all++;
    }
    if (depth > 0)
        return fail_at(rd, open_line, "unclosed parenthesis");
    return 0;
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* A TTL as ldns reads it: digits, each group with an optional unit
 * (s, m, h, d, w). The value saturates past 2^32; false when it is not a
 * TTL at all. */
static bool parse_ttl(const char *s, uint64_t *out)
{
    uint64_t total = 0;
    if (!is_digit(*s))
        return false;
    while (*s) {
        uint64_t v = 0;
        if (!is_digit(*s))
            return false;
        while (is_digit(*s)) {
            v = v * 10 + (uint64_t)(*s++ - '0');
            if (v > UINT32_MAX)
                v = (uint64_t)UINT32_MAX + 1;
        }
        uint64_t unit = 1;
        switch (lower(*s)) {
        case 's': unit = 1; s++; break;
        case 'm': unit = 60; s++; break;
        case 'h': unit = 3600; s++; break;
        case 'd': unit = 86400; s++; break;
        case 'w': unit = 604800; s++; break;
        case '\0': break;
        default: return false;
        }
        total += v * unit;
        if (total > UINT32_MAX)
            total = (uint64_t)UINT32_MAX + 1;
    }
    *out = total;
    return true;
}

/* Sorts out the fields of a record: owner, TTL and class (in either
 * order, as RFC 1035 5.1 allows), type, data; and checks the ones ldns
 * lets through. 0, or -1 with rd->err. */
static int check_fields(struct reader *rd, struct scan *sc, uint64_t *ttl, bool *explicit_ttl)
{
    *explicit_ttl = false;
    if (sc->n_tok == 0)
        return 0;
    int i = 0;
    if (sc->has_owner) {
        const struct token *o = &sc->tok[0];
        if (o->text[0] == '$') {
            if (strcmp(o->text, "$INCLUDE") == 0)
                return fail_at(rd, o->line, "$INCLUDE is not supported: put the records in this file");
            return fail_at(rd, o->line, "unknown directive %s (this reader knows $ORIGIN and $TTL)",
                           o->text);
        }
        ldns_rdf *owner = NULL;
        if (o->quoted || o->len >= SCAN_TOKEN_MAX ||
            ldns_str2rdf_dname(&owner, o->text) != LDNS_STATUS_OK) {
            ldns_rdf_deep_free(owner);
            return fail_at(rd, o->line, "bad name \"%s\"", o->text);
        }
        ldns_rdf_deep_free(owner);
        i = 1;
    }
    for (int k = 0; k < 2 && (size_t)i < sc->n_tok; k++, i++) {
        const struct token *t = &sc->tok[i];
        if (t->quoted)
            break;
        if (is_digit(t->text[0]) && sc->ttl_at < 0) {
            uint64_t v;
            if (!parse_ttl(t->text, &v))
                return fail_at(rd, t->line, "bad TTL \"%s\"", t->text);
            if (v > ZONE_TTL_MAX)
                return fail_at(rd, t->line, "TTL %s is too big: at most %u (RFC 2181 8)", t->text,
                               ZONE_TTL_MAX);
            if (sc->class_at >= 0)
                return fail_at(rd, t->line,
                               "write the TTL before the class (\"%s %s\", not \"%s %s\")", t->text,
                               sc->tok[sc->class_at].text, sc->tok[sc->class_at].text, t->text);
            sc->ttl_at = i;
            *ttl = v;
            *explicit_ttl = true;
        } else if (sc->class_at < 0 && ldns_get_rr_class_by_name(t->text) != 0) {
            sc->class_at = i;
        } else {
            break;
        }
    }
    if ((size_t)i >= sc->n_tok)
        return fail_at(rd, sc->line, "the record has no type");
    const struct token *t = &sc->tok[i];
    if (t->quoted || ldns_get_rr_type_by_name(t->text) == 0)
        return fail_at(rd, t->line, "unknown record type \"%s\"", t->text);
    sc->type_at = i;
    if ((size_t)i + 1 < sc->n_tok)
        sc->rdata_at = i + 1;
    return 0;
}

/* What the data of a common type looks like, for the messages. */
static const char *data_shape(ldns_rr_type type)
{
    switch (type) {
    case LDNS_RR_TYPE_A: return "an IPv4 address, like 192.0.2.1";
    case LDNS_RR_TYPE_AAAA: return "an IPv6 address, like 2001:db8::1";
    case LDNS_RR_TYPE_NS: return "a host name, like ns.a.example.";
    case LDNS_RR_TYPE_CNAME: return "a name, like mail.a.example.";
    case LDNS_RR_TYPE_PTR: return "a name, like mail.a.example.";
    case LDNS_RR_TYPE_MX: return "a preference and a host name, like 10 mail.a.example.";
    case LDNS_RR_TYPE_TXT: return "one or more \"strings\"";
    case LDNS_RR_TYPE_SOA:
        return "MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM";
    default: return NULL;
    }
}

/* The record's text from field i to its end, on one line, shortened. */
static const char *quote_from(const struct reader *rd, const struct scan *sc, int i,
                              char out[QUOTE_MAX + 4])
{
    const struct token *t = &sc->tok[i];
    const struct token *last = &sc->tok[sc->n_tok - 1];
    size_t k = 0;
    bool space = false;
    for (size_t p = t->off; p < last->off + last->len && k < QUOTE_MAX; p++) {
        char c = rd->buf[p];
        if (is_space(c) || c == '(' || c == ')') {
            space = k > 0;
            continue;
        }
        if (space)
            out[k++] = ' ';
        space = false;
        if (k < QUOTE_MAX)
            out[k++] = c;
    }
    if (k >= QUOTE_MAX) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
    return out;
}

/* A record ldns refused, after the scanner found its fields sound: what
 * is wrong with its data. */
static int fail_data(struct reader *rd, const struct scan *sc, ldns_status st)
{
    const struct token *tt = &sc->tok[sc->type_at];
    ldns_rr_type type = ldns_get_rr_type_by_name(tt->text);
    char tname[32], q[QUOTE_MAX + 4];
    type_str(type, tname);
    const char *shape = data_shape(type);
    if (sc->rdata_at < 0) {
        if (shape)
            return fail_at(rd, tt->line, "%s record without data (%s takes %s)", tname, tname, shape);
        return fail_at(rd, tt->line, "%s record without data", tname);
    }
    const struct token *d = &sc->tok[sc->rdata_at];
    const ldns_rr_descriptor *desc = ldns_rr_descript(type);
    size_t max = desc ? ldns_rr_descriptor_maximum(desc) : 0;
    if (st == LDNS_STATUS_SYNTAX_SUPERFLUOUS_TEXT_ERR && max > 0 &&
        (size_t)sc->rdata_at + max < sc->n_tok) {
        const struct token *x = &sc->tok[(size_t)sc->rdata_at + max];
        return fail_at(rd, x->line, "extra text after the %s data: \"%s\"", tname, x->text);
    }
    if (type == LDNS_RR_TYPE_A)
        return fail_at(rd, d->line, "bad IPv4 address \"%s\"", d->text);
    if (type == LDNS_RR_TYPE_AAAA)
        return fail_at(rd, d->line, "bad IPv6 address \"%s\"", d->text);
    if (shape)
        return fail_at(rd, d->line, "bad %s data \"%s\" (%s takes %s)", tname,
                       quote_from(rd, sc, sc->rdata_at, q), tname, shape);
    return fail_at(rd, d->line, "bad %s data \"%s\": %s", tname, quote_from(rd, sc, sc->rdata_at, q),
                   ldns_get_errorstr_by_id(st));
}

/* ldns reads the numbers of a record's data without a range check (an MX
 * preference of 99999 becomes 34463): the ones written as plain digits
 * must fit their field. Only for records written one field a token. */
static int check_numbers(struct reader *rd, const struct scan *sc, const ldns_rr *rr)
{
    if (sc->rdata_at < 0 || sc->n_all != sc->n_tok ||
        sc->n_tok - (size_t)sc->rdata_at != ldns_rr_rd_count(rr))
        return 0;
    const ldns_rr_descriptor *desc = ldns_rr_descript(ldns_rr_get_type(rr));
    for (size_t i = 0; desc && i < ldns_rr_rd_count(rr); i++) {
        uint64_t max;
        switch (ldns_rdf_get_type(ldns_rr_rdf(rr, i))) {
        case LDNS_RDF_TYPE_INT8: max = UINT8_MAX; break;
        case LDNS_RDF_TYPE_INT16: max = UINT16_MAX; break;
        case LDNS_RDF_TYPE_INT32: case LDNS_RDF_TYPE_PERIOD: max = UINT32_MAX; break;
        default: continue;
        }
        const struct token *t = &sc->tok[(size_t)sc->rdata_at + i];
        uint64_t v = 0;
        size_t k = 0;
        for (; is_digit(t->text[k]) && v <= UINT32_MAX; k++)
            v = v * 10 + (uint64_t)(t->text[k] - '0');
        if (k > 0 && !t->text[k] && v <= max)
            continue;
        if (k > 0 && (!t->text[k] || is_digit(t->text[k]))) {
            char tname[32];
            return fail_at(rd, t->line, "%s is too big for this field of %s (at most %llu)", t->text,
                           type_str(ldns_rr_get_type(rr), tname), (unsigned long long)max);
        }
    }
    return 0;
}

/* The offset of the first field at or after `off` (comments and spaces
 * skipped). */
static size_t skip_blank(const struct reader *rd, size_t off, size_t to)
{
    while (off < to) {
        if (rd->buf[off] == ';') {
            while (off < to && rd->buf[off] != '\n')
                off++;
        } else if (is_space(rd->buf[off])) {
            off++;
        } else {
            break;
        }
    }
    return off;
}

/* ------------------------------------------------------------------------
 * Reading a zone.
 */
/* Reads every record of rd's text into z->rrs, with each one's line in
 * (*lines)[i]. 0, or -1 with rd->err. */
static int read_zone(struct reader *rd, struct zone *z, int **lines)
{
    int ret = -1;
    FILE *fp = NULL;
    ldns_rdf *org = ldns_rdf_clone(z->origin), *prev = ldns_rdf_clone(z->origin);
    size_t cap = 0;
    int first_soa = 0;
    /* RFC 2308 4: a $TTL is the default of every record after it; before
     * any $TTL, RFC 1035 5.1: the last TTL written. */
    uint32_t ttl = 0, dollar_ttl = 0;
    bool from_dollar = false, ttl_known = false;
    ldns_rr *last = NULL;

    *lines = NULL;
    z->rrs = ldns_rr_list_new();
    if (!org || !prev || !z->rrs) {
        snprintf(rd->err, ZONE_ERROR_MAX, "%s: out of memory", rd->path);
        goto done;
    }
    if (rd->len > 0 && !(fp = fmemopen((void *)rd->buf, rd->len, "r"))) {
        snprintf(rd->err, ZONE_ERROR_MAX, "%s: %s", rd->path, strerror(errno));
        goto done;
    }
    while (fp && !feof(fp)) {
        long before = ftell(fp);
        ldns_rr *rr = NULL;
        int dummy = 0;
        if (from_dollar)
            ttl = dollar_ttl;
        ldns_status st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &org, &prev, &dummy);
        long after = ftell(fp);
        if (before < 0 || after < before) {
            ldns_rr_free(rr);
            snprintf(rd->err, ZONE_ERROR_MAX, "%s: cannot tell where the reader is", rd->path);
            goto done;
        }
        size_t from = skip_blank(rd, (size_t)before, (size_t)after);
        struct scan sc;
        if (scan_record(rd, from, (size_t)after, &sc) < 0) {
            ldns_rr_free(rr);
            goto done;
        }
        if (st == LDNS_STATUS_SYNTAX_EMPTY && sc.n_all == 0)
            continue;
        if (sc.has_owner && (strcmp(sc.tok[0].text, "$TTL") == 0 ||
                             strcmp(sc.tok[0].text, "$ORIGIN") == 0)) {
            /* $TTL VALUE, $ORIGIN NAME: ldns has taken them in */
            ldns_rr_free(rr);
            const char *dir = sc.tok[0].text;
            if (sc.n_all != 2) {
                fail_at(rd, sc.line, "%s takes one value", dir);
                goto done;
            }
            uint64_t v;
            if (dir[1] == 'T') {
                if (!parse_ttl(sc.tok[1].text, &v)) {
                    fail_at(rd, sc.tok[1].line, "bad TTL \"%s\"", sc.tok[1].text);
                    goto done;
                }
                if (v > ZONE_TTL_MAX) {
                    fail_at(rd, sc.tok[1].line, "TTL %s is too big: at most %u (RFC 2181 8)",
                            sc.tok[1].text, ZONE_TTL_MAX);
                    goto done;
                }
                dollar_ttl = (uint32_t)v;
                from_dollar = ttl_known = true;
            } else if (st != LDNS_STATUS_SYNTAX_ORIGIN) {
                fail_at(rd, sc.tok[1].line, "bad name \"%s\"", sc.tok[1].text);
                goto done;
            }
            continue;
        }
        uint64_t tv = 0;
        bool explicit_ttl = false;
        if (check_fields(rd, &sc, &tv, &explicit_ttl) < 0) {
            ldns_rr_free(rr);
            goto done;
        }
        if (st != LDNS_STATUS_OK) {
            ldns_rr_free(rr);
            if (st == LDNS_STATUS_MEM_ERR)
                snprintf(rd->err, ZONE_ERROR_MAX, "%s: out of memory", rd->path);
            else if (sc.type_at < 0)
                fail_at(rd, sc.line, "%s", ldns_get_errorstr_by_id(st));
            else
                fail_data(rd, &sc, st);
            goto done;
        }
        /* the record is read; the TTL as ldns_zone_new_frm_fp_l sets it */
        if (explicit_ttl) {
            if (!from_dollar)
                ttl = ldns_rr_ttl(rr);
            ttl_known = true;
        } else if (last && ldns_rr_get_type(last) == ldns_rr_get_type(rr) &&
                   name_eq(name_of(ldns_rr_owner(last)), name_of(ldns_rr_owner(rr)))) {
            /* RFC 2181 5.2: one TTL per RRset */
            ldns_rr_set_ttl(rr, ldns_rr_ttl(last));
        } else if (!ttl_known) {
            ldns_rr_free(rr);
            fail_at(rd, sc.line, "no TTL for this record: begin the file with a $TTL line");
            goto done;
        }
        size_t nrr = ldns_rr_list_rr_count(z->rrs);
        if (nrr >= ZONE_RECORDS_MAX) {
            ldns_rr_free(rr);
            fail_at(rd, sc.line, "more than %d records in one zone", ZONE_RECORDS_MAX);
            goto done;
        }
        if (!ldns_rr_list_push_rr(z->rrs, rr)) {
            ldns_rr_free(rr);
            snprintf(rd->err, ZONE_ERROR_MAX, "%s: out of memory", rd->path);
            goto done;
        }
        last = rr;
        if (nrr >= cap) {
            size_t ncap = cap ? cap * 2 : 64;
            int *nl = realloc(*lines, ncap * sizeof *nl);
            if (!nl) {
                snprintf(rd->err, ZONE_ERROR_MAX, "%s: out of memory", rd->path);
                goto done;
            }
            *lines = nl;
            cap = ncap;
        }
        (*lines)[nrr] = sc.line;

        /* the checks of one record */
        char a[LDNS_MAX_DOMAINLEN * 4 + 8], b[LDNS_MAX_DOMAINLEN * 4 + 8];
        if (check_numbers(rd, &sc, rr) < 0)
            goto done;
        if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
            char cname[32];
            fail_at(rd, sc.line, "class %s: these servers serve class IN only",
                    class_str(ldns_rr_get_class(rr), cname));
            goto done;
        }
        if (ldns_rr_ttl(rr) > ZONE_TTL_MAX) {
            fail_at(rd, sc.line, "TTL %u is too big: at most %u (RFC 2181 8)", ldns_rr_ttl(rr),
                    ZONE_TTL_MAX);
            goto done;
        }
        if (!name_under(name_of(ldns_rr_owner(rr)), name_of(z->origin))) {
            fail_at(rd, sc.line, "%s is out of zone %s", name_str(ldns_rr_owner(rr), a),
                    name_str(z->origin, b));
            goto done;
        }
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
            if (first_soa) {
                fail_at(rd, sc.line, "a second SOA record (the first is on line %d)", first_soa);
                goto done;
            }
            if (!name_eq(name_of(ldns_rr_owner(rr)), name_of(z->origin))) {
                fail_at(rd, sc.line, "the SOA must be at the zone's origin %s, not at %s",
                        name_str(z->origin, b), name_str(ldns_rr_owner(rr), a));
                goto done;
            }
            first_soa = sc.line;
            z->soa = rr;
        }
    }
    ret = 0;
done:
    if (fp)
        fclose(fp);
    ldns_rdf_deep_free(org);
    ldns_rdf_deep_free(prev);
    return ret;
}

/* Sorts the records and checks the zone as a whole: SOA and NS at the
 * origin, CNAME alone, one TTL per RRset, MX and NS not at a CNAME.
 * Identical records are kept once (RFC 2181 5). 0, or -1 with rd->err. */
static int index_zone(struct reader *rd, struct zone *z, const int *lines)
{
    size_t n = ldns_rr_list_rr_count(z->rrs);
    char a[LDNS_MAX_DOMAINLEN * 4 + 8], b[LDNS_MAX_DOMAINLEN * 4 + 8];
    if (!z->soa) {
        return fail_at(rd, n ? lines[0] : 1, "no SOA record: a zone begins with one at its origin %s",
                       name_str(z->origin, a));
    }
    z->e = calloc(n ? n : 1, sizeof *z->e);
    if (!z->e) {
        snprintf(rd->err, ZONE_ERROR_MAX, "%s: out of memory", rd->path);
        return -1;
    }
    int soa_line = 0;
    for (size_t i = 0; i < n; i++) {
        ldns_rr *rr = ldns_rr_list_rr(z->rrs, i);
        z->e[i] = (struct entry){name_of(ldns_rr_owner(rr)), ldns_rr_get_type(rr), rr, lines[i], i};
        if (rr == z->soa)
            soa_line = lines[i];
    }
    qsort(z->e, n, sizeof *z->e, entry_cmp);
    z->n = n;

    rd->post_line = 0;
    if (!has_rrset(z, name_of(z->origin), LDNS_RR_TYPE_NS))
        post_fail(rd, soa_line, "no NS record at the zone's origin %s", name_str(z->origin, a));
    /* one name at a time; the array is compacted as it goes (duplicates
     * left out), so what is kept of a name is copied, not pointed to */
    size_t keep = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && name_eq(z->e[j].owner, z->e[i].owner))
            j++;
        struct entry cname = {0}, other = {0};
        for (size_t k = i; k < j; k++) {
            struct entry e = z->e[k];
            char tn[32];
            if (e.type == LDNS_RR_TYPE_CNAME) {
                if (cname.rr)
                    post_fail(rd, e.line, "%s has a second CNAME record (the first is on line %d): "
                              "an alias stands for one name", name_str(ldns_rr_owner(e.rr), a),
                              cname.line);
                else
                    cname = e;
            } else if (e.type != LDNS_RR_TYPE_RRSIG && e.type != LDNS_RR_TYPE_NSEC &&
                       (!other.rr || e.line < other.line)) {
                other = e;
            }
            /* an RRset: one TTL, each record once */
            const struct entry *p = keep > 0 ? &z->e[keep - 1] : NULL;
            if (p && p->type == e.type && name_eq(p->owner, e.owner)) {
                const struct entry *early = p->line <= e.line ? p : &e;
                const struct entry *late = p->line <= e.line ? &e : p;
                if (ldns_rr_ttl(p->rr) != ldns_rr_ttl(e.rr))
                    post_fail(rd, late->line, "%s %s: TTL %u differs from TTL %u on line %d: "
                              "an RRset has one TTL (RFC 2181 5.2)",
                              name_str(ldns_rr_owner(e.rr), a), type_str(e.type, tn),
                              ldns_rr_ttl(late->rr), ldns_rr_ttl(early->rr), early->line);
                else if (ldns_rr_compare(p->rr, e.rr) == 0)
                    continue;
            }
            z->e[keep++] = e;
        }
        if (cname.rr && other.rr) {
            char tn[32];
            post_fail(rd, cname.line > other.line ? cname.line : other.line,
                      "%s has a CNAME and other data (%s on line %d, CNAME on line %d): "
                      "a CNAME must stand alone (RFC 1034 3.6.2)",
                      name_str(ldns_rr_owner(cname.rr), a), type_str(other.type, tn), other.line,
                      cname.line);
        }
        i = j;
    }
    z->n = keep;
    if (rd->post_line)
        return -1;
    /* RFC 2181 10.3: MX and NS name a host, never an alias (checked once
     * the aliases themselves are known to be sound) */
    for (size_t i = 0; i < z->n; i++) {
        const struct entry *e = &z->e[i];
        const ldns_rdf *target = e->type == LDNS_RR_TYPE_MX ? ldns_rr_rdf(e->rr, 1)
                               : e->type == LDNS_RR_TYPE_NS ? ldns_rr_rdf(e->rr, 0) : NULL;
        if (!target || !name_under(name_of(target), name_of(z->origin)) ||
            !has_rrset(z, name_of(target), LDNS_RR_TYPE_CNAME))
            continue;
        post_fail(rd, e->line, "%s points to %s, which is a CNAME: %s must name a host, "
                  "not an alias (RFC 2181 10.3)", e->type == LDNS_RR_TYPE_MX ? "MX" : "NS",
                  name_str(target, b), e->type == LDNS_RR_TYPE_MX ? "MX" : "NS");
    }
    return rd->post_line ? -1 : 0;
}

/* The whole file in memory, NUL-terminated, checked for control
 * characters. 0, or -1 with err. */
static int slurp(struct reader *rd, char **out)
{
    *out = NULL;
    FILE *f = fopen(rd->path, "rb");
    if (!f) {
        snprintf(rd->err, ZONE_ERROR_MAX, "%s: %s", rd->path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int ret = -1;
    if (!buf)
        goto oom;
    for (;;) {
        if (len + 1 >= cap) {
            if (cap > ZONE_FILE_MAX) {
                snprintf(rd->err, ZONE_ERROR_MAX, "%s: more than %zu bytes: too big for a zone file",
                         rd->path, ZONE_FILE_MAX);
                goto done;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                goto oom;
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - 1 - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(rd->err, ZONE_ERROR_MAX, "%s: %s", rd->path, strerror(errno));
        goto done;
    }
    if (len > ZONE_FILE_MAX) {
        snprintf(rd->err, ZONE_ERROR_MAX, "%s: more than %zu bytes: too big for a zone file",
                 rd->path, ZONE_FILE_MAX);
        goto done;
    }
    buf[len] = '\0';
    rd->buf = buf;
    rd->len = len;
    rd->line_off = 0;
    rd->line_no = 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
            fail_at(rd, line_at(rd, i), "a control character (0x%02x) in the text", c);
            goto done;
        }
    }
    *out = buf;
    buf = NULL;
    ret = 0;
    goto done;
oom:
    snprintf(rd->err, ZONE_ERROR_MAX, "%s: out of memory", rd->path);
done:
    free(buf);
    fclose(f);
    return ret;
}

int zone_set_load(struct zone_set *zs, const char *path, const char *origin,
                  char err[ZONE_ERROR_MAX])
{
    struct reader rd = {.path = path, .err = err};
    struct zone z = {0};
    char *text = NULL;
    int *lines = NULL;
    int ret = -1;
    char a[LDNS_MAX_DOMAINLEN * 4 + 8];

    err[0] = '\0';
    if (ldns_str2rdf_dname(&z.origin, origin) != LDNS_STATUS_OK) {
        snprintf(err, ZONE_ERROR_MAX, "%s: \"%s\" is not a zone name", path, origin);
        goto done;
    }
    for (size_t i = 0; i < zs->n; i++) {
        if (name_eq(name_of(zs->z[i].origin), name_of(z.origin))) {
            snprintf(err, ZONE_ERROR_MAX, "%s: zone %s is loaded already, from %s", path,
                     name_str(zs->z[i].origin, a), zs->z[i].path);
            goto done;
        }
    }
    if (!(z.path = strdup(path))) {
        snprintf(err, ZONE_ERROR_MAX, "%s: out of memory", path);
        goto done;
    }
    if (slurp(&rd, &text) < 0 || read_zone(&rd, &z, &lines) < 0 || index_zone(&rd, &z, lines) < 0)
        goto done;
    struct zone *nz = realloc(zs->z, (zs->n + 1) * sizeof *nz);
    if (!nz) {
        snprintf(err, ZONE_ERROR_MAX, "%s: out of memory", path);
        goto done;
    }
    zs->z = nz;
    zs->z[zs->n++] = z;
    memset(&z, 0, sizeof z);
    ret = 0;
done:
    zone_clear(&z);
    free(text);
    free(lines);
    return ret;
}

/* ------------------------------------------------------------------------
 * Lookup.
 */
void zone_result_free(struct zone_result *r)
{
    if (!r)
        return;
    ldns_rr_list_deep_free(r->answer);
    ldns_rr_list_deep_free(r->authority);
    ldns_rr_list_deep_free(r->additional);
    r->answer = r->authority = r->additional = NULL;
}

/* The zone of the set nearest above nm (RFC 1034 4.3.2 step 2). */
static const struct zone *find_zone(const struct zone_set *zs, struct name nm)
{
    const struct zone *best = NULL;
    for (size_t i = 0; i < zs->n; i++) {
        struct name o = name_of(zs->z[i].origin);
        if (name_under(nm, o) && (!best || o.n > ldns_rdf_size(best->origin)))
            best = &zs->z[i];
    }
    return best;
}

/* A copy of rr at the end of l, owned by `owner` when not NULL (the name
 * as asked, or a wildcard's match), with `ttl` when not negative. */
static int push_copy(ldns_rr_list *l, const ldns_rr *rr, const ldns_rdf *owner, int64_t ttl)
{
    ldns_rr *c = ldns_rr_clone(rr);
    if (!c)
        return -1;
    if (owner) {
        ldns_rdf *o = ldns_rdf_clone(owner);
        if (!o) {
            ldns_rr_free(c);
            return -1;
        }
        ldns_rdf_deep_free(ldns_rr_owner(c));
        ldns_rr_set_owner(c, o);
    }
    if (ttl >= 0)
        ldns_rr_set_ttl(c, (uint32_t)ttl);
    if (!ldns_rr_list_push_rr(l, c)) {
        ldns_rr_free(c);
        return -1;
    }
    return 0;
}

static int push_range(ldns_rr_list *l, const struct zone *z, size_t i, size_t j,
                      const ldns_rdf *owner)
{
    for (; i < j; i++)
        if (push_copy(l, z->e[i].rr, owner, -1) < 0)
            return -1;
    return 0;
}

/* The SOA for a negative answer: TTL min(SOA TTL, MINIMUM), RFC 2308 3. */
static int push_negative_soa(ldns_rr_list *l, const struct zone *z)
{
    uint32_t ttl = ldns_rr_ttl(z->soa);
    const ldns_rdf *min = ldns_rr_rdf(z->soa, 6);
    if (min && ldns_rdf2native_int32(min) < ttl)
        ttl = ldns_rdf2native_int32(min);
    return push_copy(l, z->soa, NULL, ttl);
}

/* The A and AAAA records of `target`, from the zone of the set nearest
 * above it (glue below a cut included), at the end of l unless there. */
static int push_addresses(ldns_rr_list *l, const struct zone_set *zs, const ldns_rdf *target)
{
    const struct zone *z = find_zone(zs, name_of(target));
    if (!z)
        return 0;
    static const ldns_rr_type types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
    for (size_t t = 0; t < 2; t++) {
        size_t i, j = rrset_range(z, name_of(target), types[t], &i);
        for (; i < j; i++)
            if (!ldns_rr_list_contains_rr(l, z->e[i].rr) && push_copy(l, z->e[i].rr, NULL, -1) < 0)
                return -1;
    }
    return 0;
}

/* RFC 1034 4.3.2 step 6 (and RFC 1035 3.3.9, 3.3.11): the addresses of
 * the hosts that MX and NS records in `from` name. */
static int add_additional(ldns_rr_list *add, const struct zone_set *zs, const ldns_rr_list *from)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(from); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(from, i);
        const ldns_rdf *target = ldns_rr_get_type(rr) == LDNS_RR_TYPE_MX ? ldns_rr_rdf(rr, 1)
                               : ldns_rr_get_type(rr) == LDNS_RR_TYPE_NS ? ldns_rr_rdf(rr, 0) : NULL;
        if (target && push_addresses(add, zs, target) < 0)
            return -1;
    }
    return 0;
}

/* The highest zone cut between z's apex (excluded) and nm (included):
 * the name that owns its NS records, or a zero-length name. A DS query
 * at the cut itself is the parent's to answer (RFC 4035 3.1.4.1). */
static struct name find_cut(const struct zone *z, struct name nm, ldns_rr_type qtype)
{
    int top = name_count(name_of(z->origin)), bottom = name_count(nm);
    for (int k = top + 1; k <= bottom; k++) {
        struct name anc = name_suffix(nm, k);
        if (k == bottom && qtype == LDNS_RR_TYPE_DS)
            break;
        if (has_rrset(z, anc, LDNS_RR_TYPE_NS))
            return anc;
    }
    return (struct name){NULL, 0};
}

/* RFC 4592 3.3.1: the source of synthesis for nm, a name that does not
 * exist in z: "*." before its closest encloser, when that owns records.
 * The wildcard's name is built in buf; its range of entries [*first, end)
 * is returned, empty when there is no such wildcard. */
static size_t find_wildcard(const struct zone *z, struct name nm, uint8_t buf[LDNS_MAX_DOMAINLEN + 2],
                            size_t *first)
{
    int top = name_count(name_of(z->origin));
    *first = 0;
    for (int k = name_count(nm) - 1; k >= top; k--) {
        struct name ce = name_suffix(nm, k);
        if (!name_exists(z, ce))
            continue;
        if (ce.n + 2 > LDNS_MAX_DOMAINLEN)
            return 0;
        buf[0] = 1;
        buf[1] = '*';
        memcpy(buf + 2, ce.d, ce.n);
        return node_range(z, (struct name){buf, ce.n + 2}, first);
    }
    return 0;
}

int zone_set_lookup(const struct zone_set *zs, const ldns_rdf *qname, ldns_rr_type qtype,
                    struct zone_result *out)
{
    memset(out, 0, sizeof *out);
    out->answer = ldns_rr_list_new();
    out->authority = ldns_rr_list_new();
    out->additional = ldns_rr_list_new();
    if (!out->answer || !out->authority || !out->additional)
        goto oom;
    out->kind = ZONE_REFUSED;
    if (!zs || !qname || ldns_rdf_get_type(qname) != LDNS_RDF_TYPE_DNAME ||
        qtype == LDNS_RR_TYPE_AXFR || qtype == LDNS_RR_TYPE_IXFR)
        return 0;

    const ldns_rdf *cur = qname;
    for (int chain = 0;; chain++) {
        struct name nm = name_of(cur);
        const struct zone *z = find_zone(zs, nm);
        if (!z)
            break;      /* only for the first name: targets are checked below */
        out->authoritative = true;

        /* a delegation on the way down: a referral (4.3.2 3b) */
        struct name cut = find_cut(z, nm, qtype);
        if (cut.n) {
            size_t i, j = rrset_range(z, cut, LDNS_RR_TYPE_NS, &i);
            if (push_range(out->authority, z, i, j, NULL) < 0 ||
                add_additional(out->additional, zs, out->authority) < 0)
                goto oom;
            /* after a CNAME the answer is ours, the rest a referral */
            out->kind = chain ? ZONE_ANSWER : ZONE_REFERRAL;
            out->authoritative = chain > 0;
            break;
        }

        /* the name, or the wildcard that stands for it (4.3.2 3a, 3c) */
        uint8_t wbuf[LDNS_MAX_DOMAINLEN + 2];
        size_t first, end = node_range(z, nm, &first);
        if (end == first && !name_exists(z, nm))
            end = find_wildcard(z, nm, wbuf, &first);
        if (end == first) {
            out->kind = name_exists(z, nm) ? ZONE_NODATA : ZONE_NXDOMAIN;
            if (push_negative_soa(out->authority, z) < 0)
                goto oom;
            break;
        }
        const struct entry *cname = NULL;
        size_t found = 0;
        for (size_t i = first; i < end; i++) {
            const struct entry *e = &z->e[i];
            if (e->type == LDNS_RR_TYPE_CNAME)
                cname = e;
            if (e->type == qtype || qtype == LDNS_RR_TYPE_ANY) {
                if (push_copy(out->answer, e->rr, cur, -1) < 0)
                    goto oom;
                found++;
            }
        }
        if (found) {
            out->kind = ZONE_ANSWER;
            break;
        }
        if (!cname) {
            out->kind = ZONE_NODATA;
            if (push_negative_soa(out->authority, z) < 0)
                goto oom;
            break;
        }
        /* an alias: its CNAME, then the target's records if ours */
        if (push_copy(out->answer, cname->rr, cur, -1) < 0)
            goto oom;
        out->kind = ZONE_ANSWER;
        const ldns_rdf *target = ldns_rr_rdf(cname->rr, 0);
        if (chain + 1 >= ZONE_CNAME_CHAIN_MAX || !find_zone(zs, name_of(target)))
            break;
        cur = target;
    }
    if (out->kind == ZONE_ANSWER && add_additional(out->additional, zs, out->answer) < 0)
        goto oom;
    return 0;
oom:
    zone_result_free(out);
    return -1;
}
