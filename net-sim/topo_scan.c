/* topo_scan — see topo_scan.h. */
#include "topo_scan.h"

#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

struct scanner {
    const char *s;
    size_t len, at;
};

static void skip_space(struct scanner *sc)
{
    while (sc->at < sc->len && (sc->s[sc->at] == ' ' || sc->s[sc->at] == '\n' ||
                                sc->s[sc->at] == '\r' || sc->s[sc->at] == '\t'))
        sc->at++;
}

/* A string at sc->at (its opening quote); moves past it. `plain` is
 * cleared when it holds an escape or a byte outside printable ASCII. */
static bool skip_string(struct scanner *sc, bool *plain)
{
    if (sc->at >= sc->len || sc->s[sc->at] != '"')
        return false;
    for (sc->at++; sc->at < sc->len; sc->at++) {
        unsigned char c = (unsigned char)sc->s[sc->at];
        if (c == '"') {
            sc->at++;
            return true;
        }
        if (c == '\\') {
            *plain = false;
            sc->at++;
        } else if (c < 0x20 || c > 0x7e) {
            *plain = false;
        }
    }
    return false;
}

/* Any value at sc->at; moves past it. Only its extent is found: jansson
 * checks it when it is parsed. */
static bool skip_value(struct scanner *sc)
{
    int depth = 0;
    bool plain = true;
    do {
        skip_space(sc);
        if (sc->at >= sc->len)
            return false;
        char c = sc->s[sc->at];
        if (c == '"') {
            if (!skip_string(sc, &plain))
                return false;
        } else if (c == '{' || c == '[') {
            depth++;
            sc->at++;
        } else if (c == '}' || c == ']') {
            if (--depth < 0)
                return false;
            sc->at++;
        } else if (c == ',' || c == ':') {
            if (depth == 0)
                return false;
            sc->at++;
        } else {
            /* a number, true, false or null: up to the next delimiter
             * (memchr, not strchr: a NUL byte is no delimiter) */
            size_t start = sc->at;
            while (sc->at < sc->len && !memchr(" \t\r\n,:]}[{\"", sc->s[sc->at], 10))
                sc->at++;
            if (sc->at == start)
                return false;           /* nothing the scanner knows */
        }
    } while (depth > 0);
    return true;
}

static bool grow(struct topo_span **v, size_t n, size_t *cap)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 1024;
    struct topo_span *g = realloc(*v, c * sizeof *g);
    if (!g)
        return false;
    *v = g;
    *cap = c;
    return true;
}

/* The members of an object (keys wanted) or the elements of an array at
 * sc->at, each as a span. */
static bool scan_members(struct scanner *sc, bool keys, struct topo_span **out, size_t *n)
{
    size_t cap = 0;
    char close = keys ? '}' : ']';
    sc->at++;                           /* the opening bracket */
    skip_space(sc);
    if (sc->at < sc->len && sc->s[sc->at] == close) {
        sc->at++;
        *out = malloc(sizeof **out);    /* present, and empty */
        return *out != NULL;
    }
    for (;;) {
        if (!grow(out, *n, &cap))
            return false;
        struct topo_span *sp = &(*out)[*n];
        memset(sp, 0, sizeof *sp);
        skip_space(sc);
        if (keys) {
            bool plain = true;
            size_t start = sc->at;
            if (!skip_string(sc, &plain) || !plain)
                return false;
            sp->key = start + 1;
            sp->key_len = sc->at - start - 2;
            skip_space(sc);
            if (sc->at >= sc->len || sc->s[sc->at] != ':')
                return false;
            sc->at++;
            skip_space(sc);
        }
        sp->val = sc->at;
        if (!skip_value(sc))
            return false;
        sp->val_len = sc->at - sp->val;
        ++*n;
        skip_space(sc);
        if (sc->at >= sc->len)
            return false;
        if (sc->s[sc->at] == close) {
            sc->at++;
            return true;
        }
        if (sc->s[sc->at++] != ',')
            return false;
    }
}

json_t *topo_scan_value(const struct topo_scan *sc, const struct topo_span *sp)
{
    return json_loadb(sc->text + sp->val, sp->val_len,
                      JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
}

/* ------------------------------------------------------------------------
 * Flat objects, read without jansson.
 */
static bool plain_string(struct scanner *sc, const char **s, size_t *len)
{
    bool plain = true;
    size_t start = sc->at;
    if (!skip_string(sc, &plain) || !plain)
        return false;
    *s = sc->s + start + 1;
    *len = sc->at - start - 2;
    return true;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A JSON number, read as jansson reads it: an integer (no fraction or
 * exponent) by its digits, a real by strtod, which is what jansson calls.
 * Integers of more than 18 digits, reals strtod cannot hold, and reals
 * under a locale whose decimal point is not '.' are left to jansson. */
static bool flat_number(struct scanner *sc, bool c_point, struct topo_flat_member *m)
{
    const char *s = sc->s;
    size_t at = sc->at, start = at, end = sc->len;
    bool neg = at < end && s[at] == '-';
    if (neg)
        at++;
    size_t digits = at;
    if (at < end && s[at] == '0')
        at++;
    else
        while (at < end && is_digit(s[at]))
            at++;
    if (at == digits)
        return false;
    size_t int_end = at;
    if (at < end && s[at] == '.') {
        size_t f = ++at;
        while (at < end && is_digit(s[at]))
            at++;
        if (at == f)
            return false;
    }
    if (at < end && (s[at] == 'e' || s[at] == 'E')) {
        at++;
        if (at < end && (s[at] == '+' || s[at] == '-'))
            at++;
        size_t e = at;
        while (at < end && is_digit(s[at]))
            at++;
        if (at == e)
            return false;
    }
    sc->at = at;
    m->kind = TOPO_FLAT_NUMBER;
    m->integer = at == int_end;
    if (m->integer) {
        if (int_end - digits > 18)
            return false;
        long long v = 0;
        for (size_t i = digits; i < int_end; i++)
            v = v * 10 + (s[i] - '0');
        m->number = (double)(neg ? -v : v);
        return true;
    }
    char buf[64];
    if (!c_point || at - start >= sizeof buf)
        return false;
    memcpy(buf, s + start, at - start);
    buf[at - start] = '\0';
    errno = 0;
    m->number = strtod(buf, NULL);
    return errno == 0;
}

int topo_scan_flat(const struct topo_scan *sc, const struct topo_span *sp, struct topo_flat *out)
{
    struct scanner r = {sc->text, sp->val + sp->val_len, sp->val};
    out->n = 0;
    if (r.at >= r.len || r.s[r.at++] != '{')
        return -1;
    skip_space(&r);
    if (r.at < r.len && r.s[r.at] == '}')
        return -1;                      /* {} has nothing to be quick about */
    for (;;) {
        if (out->n == TOPO_FLAT_MAX)
            return -1;
        struct topo_flat_member *m = &out->m[out->n];
        skip_space(&r);
        if (!plain_string(&r, &m->key, &m->key_len))
            return -1;
        for (size_t i = 0; i < out->n; i++)
            if (out->m[i].key_len == m->key_len && memcmp(out->m[i].key, m->key, m->key_len) == 0)
                return -1;              /* jansson names the duplicate */
        skip_space(&r);
        if (r.at >= r.len || r.s[r.at++] != ':')
            return -1;
        skip_space(&r);
        if (r.at >= r.len)
            return -1;
        char c = r.s[r.at];
        if (c == '"') {
            m->kind = TOPO_FLAT_STRING;
            if (!plain_string(&r, &m->str[0], &m->str_len[0]))
                return -1;
        } else if (c == '[') {
            m->kind = TOPO_FLAT_PAIR;
            for (int k = 0; k < 2; k++) {
                r.at++;                 /* '[' or ',' */
                skip_space(&r);
                if (!plain_string(&r, &m->str[k], &m->str_len[k]))
                    return -1;
                skip_space(&r);
                if (r.at >= r.len || r.s[r.at] != (k == 0 ? ',' : ']'))
                    return -1;
            }
            r.at++;
        } else if (c == '-' || is_digit(c)) {
            if (!flat_number(&r, sc->c_point, m))
                return -1;
        } else {
            return -1;
        }
        out->n++;
        skip_space(&r);
        if (r.at >= r.len)
            return -1;
        if (r.s[r.at] == '}')
            break;
        if (r.s[r.at++] != ',')
            return -1;
    }
    r.at++;
    skip_space(&r);
    return r.at == r.len ? 0 : -1;
}

static bool key_is(const struct scanner *sc, const struct topo_span *k, const char *name)
{
    return k->key_len == strlen(name) && memcmp(sc->s + k->key, name, k->key_len) == 0;
}

int topo_scan(struct topo_scan *out, const char *text, size_t len)
{
    const char *point = localeconv()->decimal_point;
    *out = (struct topo_scan){.text = text, .len = len, .rest = json_object(),
                              .c_point = point && strcmp(point, ".") == 0};
    struct scanner sc = {text, len, 0};
    struct topo_span *top = NULL;
    size_t n_top = 0;
    skip_space(&sc);
    if (!out->rest || sc.at >= len || text[sc.at] != '{' || !scan_members(&sc, true, &top, &n_top))
        goto fallback;
    skip_space(&sc);
    if (sc.at != len)
        goto fallback;                  /* text after the object */
    for (size_t i = 0; i < n_top; i++) {
        const struct topo_span *k = &top[i];
        char key[64];
        if (k->key_len >= sizeof key)
            goto fallback;              /* no key of ours is that long */
        memcpy(key, text + k->key, k->key_len);
        key[k->key_len] = '\0';
        for (size_t j = 0; j < i; j++)
            if (key_is(&sc, &top[j], key))
                goto fallback;          /* jansson names the duplicate */
        struct scanner v = {text, k->val + k->val_len, k->val};
        if (key_is(&sc, k, "nodes") && text[k->val] == '{') {
            if (!scan_members(&v, true, &out->nodes, &out->n_nodes))
                goto fallback;
        } else if (key_is(&sc, k, "links") && text[k->val] == '[') {
            if (!scan_members(&v, false, &out->links, &out->n_links))
                goto fallback;
        } else {
            json_t *val = topo_scan_value(out, k);
            if (!val || json_object_set_new(out->rest, key, val) != 0)
                goto fallback;
        }
    }
    free(top);
    return 0;
fallback:
    free(top);
    topo_scan_free(out);
    return -1;
}

void topo_scan_free(struct topo_scan *sc)
{
    json_decref(sc->rest);
    free(sc->nodes);
    free(sc->links);
    sc->rest = NULL;
    sc->nodes = sc->links = NULL;
}
