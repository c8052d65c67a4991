/*
 * zone_text — see zone_text.h. The reader of zone_read.c calls ldns
 * record by record; this file looks at the same text to say which field
 * of a record is wrong, and on which line.
 */
#include "zone_text.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"                   /* topo_escape_controls */

#define ZONE_FILE_MAX ((size_t)32 << 20)    /* bytes of one master file */
#define QUOTE_MAX 60                        /* bytes of record text quoted in a message */

/* ------------------------------------------------------------------------
 * The file, its lines, and the messages that name them.
 */
static int line_at(struct zone_reader *rd, size_t off)
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

/* "FILE:LINE: " and the message, in rd->err. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 0)))
#endif
static void vfail(struct zone_reader *rd, int line, const char *fmt, va_list ap)
{
    int used = snprintf(rd->err, ZONE_ERROR_MAX, "%s:%d: ", rd->path, line);
    if (used < 0 || used >= ZONE_ERROR_MAX)
        return;
    vsnprintf(rd->err + used, ZONE_ERROR_MAX - (size_t)used, fmt, ap);
    /* a quoted field may hold an escaped line end: the message stays one line */
    topo_escape_controls(rd->err, ZONE_ERROR_MAX);
}

int zone_text_fail(struct zone_reader *rd, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(rd, line, fmt, ap);
    va_end(ap);
    return -1;
}

/* Checks after reading report the error on the earliest line, whatever
 * the order they run in. */
void zone_text_post_fail(struct zone_reader *rd, int line, const char *fmt, ...)
{
    if (rd->post_line && rd->post_line <= line)
        return;
    rd->post_line = line;
    va_list ap;
    va_start(ap, fmt);
    vfail(rd, line, fmt, ap);
    va_end(ap);
}

int zone_text_slurp(struct zone_reader *rd, char **out)
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
            zone_text_fail(rd, line_at(rd, i), "a control character (0x%02x) in the text", c);
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

/* ------------------------------------------------------------------------
 * The scanner: the fields of one record.
 */
static bool is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int zone_text_scan(struct zone_reader *rd, size_t from, size_t to, struct zone_scan *sc)
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
                return zone_text_fail(rd, line_at(rd, i), "')' without '('");
            depth--;
            i++;
            continue;
        }
        /* a field: quoted, or up to a space, a parenthesis or a comment */
        struct zone_token t = {.off = i, .line = line_at(rd, i), .quoted = c == '"'};
        size_t k = 0;
        if (t.quoted) {
            i++;
            while (i < to && b[i] != '"' && b[i] != '\n') {
                if (b[i] == '\\' && i + 1 < to)
                    i++;
                i++;
            }
            if (i >= to || b[i] != '"')
                return zone_text_fail(rd, t.line, "unclosed quote");
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
        return zone_text_fail(rd, open_line, "unclosed parenthesis");
    return 0;
}

size_t zone_text_skip_blank(const struct zone_reader *rd, size_t off, size_t to)
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

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

bool zone_text_ttl(const char *s, uint64_t *out)
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
        switch (*s) {
        case 's': case 'S': unit = 1; s++; break;
        case 'm': case 'M': unit = 60; s++; break;
        case 'h': case 'H': unit = 3600; s++; break;
        case 'd': case 'D': unit = 86400; s++; break;
        case 'w': case 'W': unit = 604800; s++; break;
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

int zone_text_fields(struct zone_reader *rd, struct zone_scan *sc, uint64_t *ttl,
                     bool *explicit_ttl)
{
    *explicit_ttl = false;
    if (sc->n_tok == 0)
        return 0;
    int i = 0;
    if (sc->has_owner) {
        const struct zone_token *o = &sc->tok[0];
        if (o->text[0] == '$') {
            if (strcmp(o->text, "$INCLUDE") == 0)
                return zone_text_fail(rd, o->line,
                                      "$INCLUDE is not supported: put the records in this file");
            return zone_text_fail(rd, o->line,
                                  "unknown directive %s (this reader knows $ORIGIN and $TTL)",
                                  o->text);
        }
        ldns_rdf *owner = NULL;
        if (o->quoted || o->len >= SCAN_TOKEN_MAX ||
            ldns_str2rdf_dname(&owner, o->text) != LDNS_STATUS_OK) {
            ldns_rdf_deep_free(owner);
            return zone_text_fail(rd, o->line, "bad name \"%s\"", o->text);
        }
        ldns_rdf_deep_free(owner);
        i = 1;
    }
    for (int k = 0; k < 2 && (size_t)i < sc->n_tok; k++, i++) {
        const struct zone_token *t = &sc->tok[i];
        if (t->quoted)
            break;
        if (is_digit(t->text[0]) && sc->ttl_at < 0) {
            uint64_t v;
            if (!zone_text_ttl(t->text, &v))
                return zone_text_fail(rd, t->line, "bad TTL \"%s\"", t->text);
            if (v > ZONE_TTL_MAX)
                return zone_text_fail(rd, t->line, "TTL %s is too big: at most %u (RFC 2181 8)",
                                      t->text, ZONE_TTL_MAX);
            if (sc->class_at >= 0)
                return zone_text_fail(rd, t->line,
                                      "write the TTL before the class (\"%s %s\", not \"%s %s\")",
                                      t->text, sc->tok[sc->class_at].text,
                                      sc->tok[sc->class_at].text, t->text);
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
        return zone_text_fail(rd, sc->line, "the record has no type");
    const struct zone_token *t = &sc->tok[i];
    if (t->quoted || ldns_get_rr_type_by_name(t->text) == 0)
        return zone_text_fail(rd, t->line, "unknown record type \"%s\"", t->text);
    sc->type_at = i;
    if ((size_t)i + 1 < sc->n_tok)
        sc->rdata_at = i + 1;
    return 0;
}

/* ------------------------------------------------------------------------
 * Records ldns must not see.
 */
/* A CERT type ldns reads as 0: ldns_str2rdf_int16 is strtol cut to 16
 * bits. */
static bool cert_type_zero(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return *s && !*end && (uint16_t)v == 0;
}

/* ldns's rr.c limits on a record's TTL, class and type fields (not in
 * its headers) */
#define RR_SYNTAX_DATALEN 16
#define RR_TTL_DATALEN 21

/* A new buffer holding s, for ldns_bget_token; NULL when out of memory. */
static ldns_buffer *buffer_of(const char *s)
{
    ldns_buffer *b = ldns_buffer_new(strlen(s) + 1);
    if (b) {
        ldns_buffer_write(b, s, strlen(s));
        ldns_buffer_flip(b);
    }
    return b;
}

/* The first field of a CERT record's data, split from the line as
 * ldns_rr_new_frm_str splits it (rr.c: the owner; a TTL, a class or the
 * type; a class or the type; the type; then the data), into rd; false
 * when the record is no CERT or ldns stops before its data. */
static bool cert_first_field(const char *line, char *rdata, char *rd)
{
    char owner[LDNS_MAX_DOMAINLEN + 1], ttl[RR_TTL_DATALEN], clas[RR_SYNTAX_DATALEN],
        type[RR_SYNTAX_DATALEN];
    ldns_buffer *b = buffer_of(line), *d = NULL;
    bool ok = false;
    const char *t = NULL;
    if (!b || ldns_bget_token(b, owner, "\t\n ", LDNS_MAX_DOMAINLEN) == -1 ||
        ldns_bget_token(b, ttl, "\t\n ", sizeof ttl) == -1)
        goto done;
    if (owner[0] && strcmp(owner, "@") != 0) {
        ldns_rdf *o = ldns_dname_new_frm_str(owner);
        ldns_rdf_deep_free(o);
        if (!o)
            goto done;
    }
    if (ttl[0] && !isdigit((unsigned char)ttl[0])) {
        if (ldns_get_rr_class_by_name(ttl) == 0)
            t = ttl;
    } else {
        if (ldns_bget_token(b, clas, "\t\n ", sizeof clas) == -1)
            goto done;
        if (ldns_get_rr_class_by_name(clas) == 0)
            t = clas;
    }
    if (!t) {
        if (ldns_bget_token(b, type, "\t\n ", sizeof type) == -1)
            goto done;
        t = type;
    }
    if (ldns_get_rr_type_by_name(t) != LDNS_RR_TYPE_CERT)
        goto done;
    rdata[0] = '\0';
    (void)ldns_bget_token(b, rdata, "\0", LDNS_MAX_PACKETLEN);
    if (!(d = buffer_of(rdata)))
        goto done;
    while (ldns_buffer_remaining(d) > 0 && *ldns_buffer_current(d) == ' ')
        ldns_buffer_skip(d, 1);
    ok = ldns_bget_token(d, rd, "\n\t ", LDNS_MAX_RDFLEN) != -1;
done:
    ldns_buffer_free(b);
    ldns_buffer_free(d);
    return ok;
}

int zone_text_precheck(struct zone_reader *rd, FILE *fp)
{
    long at = ftell(fp);
    char *line = malloc(LDNS_MAX_LINELEN + 1), *rdata = malloc(LDNS_MAX_PACKETLEN + 1),
         *field = malloc(LDNS_MAX_RDFLEN);
    int ret = 0, dummy = 0;
    if (at < 0 || !line || !rdata || !field)
        goto done;              /* the reader finds the same trouble */
    /* the line as ldns_rr_new_frm_fp_l reads it, then the fp back */
    ssize_t n = ldns_fget_token_l(fp, line, LDNS_PARSE_SKIP_SPACE, LDNS_MAX_LINELEN, &dummy);
    if (fseek(fp, at, SEEK_SET) != 0) {
        ret = zone_text_fail(rd, line_at(rd, (size_t)at), "cannot tell where the reader is");
        goto done;
    }
    /* the directives ldns_rr_new_frm_fp_l takes, which are no records */
    if (n <= 0 || (strncmp(line, "$ORIGIN", 7) == 0 && isspace((unsigned char)line[7])) ||
        (strncmp(line, "$TTL", 4) == 0 && isspace((unsigned char)line[4])) ||
        strncmp(line, "$INCLUDE", 8) == 0)
        goto done;
    if (!cert_first_field(line, rdata, field) || !cert_type_zero(field))
        goto done;
    ret = zone_text_fail(rd, line_at(rd, zone_text_skip_blank(rd, (size_t)at, rd->len)),
                         "bad CERT type \"%.*s\" (a number 1-65535 or a name like PKIX; "
                         "0 is reserved, RFC 4398 2.1)", QUOTE_MAX, field);
done:
    free(line);
    free(rdata);
    free(field);
    return ret;
}

/* ------------------------------------------------------------------------
 * What is wrong with a record's data.
 */
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
static const char *quote_from(const struct zone_reader *rd, const struct zone_scan *sc, int i,
                              char out[QUOTE_MAX + 4])
{
    const struct zone_token *t = &sc->tok[i];
    const struct zone_token *last = &sc->tok[sc->n_tok - 1];
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
int zone_text_fail_data(struct zone_reader *rd, const struct zone_scan *sc, ldns_status st)
{
    const struct zone_token *tt = &sc->tok[sc->type_at];
    ldns_rr_type type = ldns_get_rr_type_by_name(tt->text);
    char tname[32], q[QUOTE_MAX + 4];
    zone_text_type(type, tname);
    const char *shape = data_shape(type);
    if (sc->rdata_at < 0) {
        if (shape)
            return zone_text_fail(rd, tt->line, "%s record without data (%s takes %s)", tname,
                                  tname, shape);
        return zone_text_fail(rd, tt->line, "%s record without data", tname);
    }
    const struct zone_token *d = &sc->tok[sc->rdata_at];
    const ldns_rr_descriptor *desc = ldns_rr_descript(type);
    size_t max = desc ? ldns_rr_descriptor_maximum(desc) : 0;
    if (st == LDNS_STATUS_SYNTAX_SUPERFLUOUS_TEXT_ERR && max > 0 &&
        (size_t)sc->rdata_at + max < sc->n_tok) {
        const struct zone_token *x = &sc->tok[(size_t)sc->rdata_at + max];
        return zone_text_fail(rd, x->line, "extra text after the %s data: \"%s\"", tname, x->text);
    }
    if (type == LDNS_RR_TYPE_A)
        return zone_text_fail(rd, d->line, "bad IPv4 address \"%s\"", d->text);
    if (type == LDNS_RR_TYPE_AAAA)
        return zone_text_fail(rd, d->line, "bad IPv6 address \"%s\"", d->text);
    if (shape)
        return zone_text_fail(rd, d->line, "bad %s data \"%s\" (%s takes %s)", tname,
                              quote_from(rd, sc, sc->rdata_at, q), tname, shape);
    return zone_text_fail(rd, d->line, "bad %s data \"%s\": %s", tname,
                          quote_from(rd, sc, sc->rdata_at, q), ldns_get_errorstr_by_id(st));
}

/* ldns reads the numbers of a record's data without a range check (an MX
 * preference of 99999 becomes 34463): the ones written as plain digits
 * must fit their field. Only for records written one field a token. */
int zone_text_numbers(struct zone_reader *rd, const struct zone_scan *sc, const ldns_rr *rr)
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
        const struct zone_token *t = &sc->tok[(size_t)sc->rdata_at + i];
        uint64_t v = 0;
        size_t k = 0;
        for (; is_digit(t->text[k]) && v <= UINT32_MAX; k++)
            v = v * 10 + (uint64_t)(t->text[k] - '0');
        if (k > 0 && !t->text[k] && v <= max)
            continue;
        if (k > 0 && (!t->text[k] || is_digit(t->text[k]))) {
            char tname[32];
            return zone_text_fail(rd, t->line, "%s is too big for this field of %s (at most %llu)",
                                  t->text, zone_text_type(ldns_rr_get_type(rr), tname),
                                  (unsigned long long)max);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Names, types and classes in messages.
 */
/* A name as text in `out`, "a.example." */
const char *zone_text_name(const ldns_rdf *r, char out[ZONE_NAME_STR_MAX])
{
    char *s = ldns_rdf2str(r);
    snprintf(out, ZONE_NAME_STR_MAX, "%s", s ? s : "?");
    free(s);
    return out;
}

/* A type's or class's mnemonic in `out`, "MX", "CH". */
const char *zone_text_type(ldns_rr_type type, char out[32])
{
    char *s = ldns_rr_type2str(type);
    snprintf(out, 32, "%s", s ? s : "?");
    free(s);
    return out;
}

const char *zone_text_class(ldns_rr_class klass, char out[32])
{
    char *s = ldns_rr_class2str(klass);
    snprintf(out, 32, "%s", s ? s : "?");
    free(s);
    return out;
}
