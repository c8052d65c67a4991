/* topo_scan — see topo_scan.h. */
#include "topo_scan.h"

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

static bool key_is(const struct scanner *sc, const struct topo_span *k, const char *name)
{
    return k->key_len == strlen(name) && memcmp(sc->s + k->key, name, k->key_len) == 0;
}

int topo_scan(struct topo_scan *out, const char *text, size_t len)
{
    *out = (struct topo_scan){.text = text, .len = len, .rest = json_object()};
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
