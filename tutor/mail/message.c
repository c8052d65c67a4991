/* message — see message.h. */
#include "message.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void msg_each_any_field(const char *msg, size_t len, msg_any_field_fn fn, void *ud)
{
    size_t i = 0;
    while (i < len) {
        const char *line = msg + i;
        const char *eol = memchr(line, '\n', len - i);
        size_t llen = eol ? (size_t)(eol - line) : len - i;
        if (llen == 0 || (llen == 1 && line[0] == '\r'))
            return;                             /* end of header */
        size_t end = i + llen + (eol ? 1 : 0);
        while (end < len && (msg[end] == ' ' || msg[end] == '\t')) {
            const char *e2 = memchr(msg + end, '\n', len - end);
            end = e2 ? (size_t)(e2 - msg) + 1 : len;
        }
        const char *colon = memchr(line, ':', llen);
        if (colon && colon > line &&
            fn(line, (size_t)(colon - line), colon + 1, (size_t)((msg + end) - (colon + 1)), ud))
            return;
        i = end;
    }
}

struct named {
    const char *name;
    size_t nlen;
    msg_field_fn fn;
    void *ud;
};

static bool if_named(const char *name, size_t nlen, const char *v, size_t len, void *ud)
{
    const struct named *n = ud;
    return nlen == n->nlen && strncasecmp(name, n->name, nlen) == 0 && n->fn(v, len, n->ud);
}

void msg_each_field(const char *msg, size_t len, const char *name, msg_field_fn fn, void *ud)
{
    struct named n = {name, strlen(name), fn, ud};
    msg_each_any_field(msg, len, if_named, &n);
}

void msg_unfold(const char *v, size_t len, char *out, size_t size)
{
    while (len && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')) {
        v++;
        len--;
    }
    while (len && (v[len - 1] == ' ' || v[len - 1] == '\t' || v[len - 1] == '\r' ||
                   v[len - 1] == '\n'))
        len--;
    if (!size)
        return;
    /* a line at a time, copied whole: a header's fields are read for
     * every message of a mailbox */
    size_t o = 0;
    for (size_t k = 0; k < len && o + 1 < size;) {
        const char *nl = memchr(v + k, '\n', len - k);
        size_t end = nl ? (size_t)(nl - v) : len, n = end - k;
        const char *cr = memchr(v + k, '\r', n);
        if (cr && cr == v + end - 1) {
            n--;                                /* its CR LF */
            cr = NULL;
        }
        if (!cr) {
            if (n > size - 1 - o)
                n = size - 1 - o;
            memcpy(out + o, v + k, n);
            o += n;
        } else {
            for (size_t i = k; i < k + n && o + 1 < size; i++)
                if (v[i] != '\r')
                    out[o++] = v[i];
        }
        k = end + 1;
    }
    out[o] = '\0';
}

static bool take_first(const char *v, size_t vlen, void *ud)
{
    char **out = ud;
    char *s = malloc(vlen + 1);
    if (!s)
        return true;
    size_t o = 0;
    for (size_t k = 0; k < vlen; k++)
        if (v[k] != '\r' && v[k] != '\n')
            s[o++] = v[k];
    while (o > 0 && (s[o - 1] == ' ' || s[o - 1] == '\t'))
        o--;
    s[o] = '\0';
    size_t lead = strspn(s, " \t");
    memmove(s, s + lead, o - lead + 1);
    *out = s;
    return true;
}

char *msg_header(const char *msg, size_t len, const char *name)
{
    char *out = NULL;
    msg_each_field(msg, len, name, take_first, &out);
    return out;
}

static bool count_one(const char *v, size_t vlen, void *ud)
{
    (void)v;
    (void)vlen;
    ++*(int *)ud;
    return false;
}

int msg_header_count(const char *msg, size_t len, const char *name)
{
    int n = 0;
    msg_each_field(msg, len, name, count_one, &n);
    return n;
}
