/* transcript — see transcript.h. */
#include "transcript.h"

#include <stdlib.h>
#include <string.h>

void transcript_init(struct transcript *t)
{
    memset(t, 0, sizeof *t);
}

static void free_event(struct ts_event *e)
{
    free(e->service);
    free(e->host);
    free(e->text);
    free(e->extra);
}

void transcript_clear(struct transcript *t)
{
    for (size_t i = 0; i < t->n; i++)
        free_event(&t->ev[i]);
    t->n = 0;
    t->bytes = 0;
    t->overflow = false;
}

void transcript_free(struct transcript *t)
{
    transcript_clear(t);
    free(t->ev);
    memset(t, 0, sizeof *t);
}

static char *copy(const char *s, size_t len, bool *failed)
{
    if (!s)
        return NULL;
    if (len > TRANSCRIPT_TEXT_MAX)
        len = TRANSCRIPT_TEXT_MAX;
    char *c = malloc(len + 1);
    if (!c) {
        *failed = true;
        return NULL;
    }
    memcpy(c, s, len);
    c[len] = '\0';
    return c;
}

long transcript_add(struct transcript *t, enum ts_kind kind, unsigned session, int rc,
                    const char *service, const char *host, const char *text, size_t text_len,
                    const char *extra)
{
    if (!t)
        return -1;
    size_t cost = sizeof(struct ts_event) + (service ? strlen(service) : 0) +
                  (host ? strlen(host) : 0) + text_len + (extra ? strlen(extra) : 0);
    if (t->n == TRANSCRIPT_EVENTS_MAX || t->bytes + cost > TRANSCRIPT_BYTES_MAX) {
        t->overflow = true;
        return -1;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct ts_event *ev = realloc(t->ev, cap * sizeof *ev);
        if (!ev) {
            t->overflow = true;
            return -1;
        }
        t->ev = ev;
        t->cap = cap;
    }
    bool failed = false;
    struct ts_event e = {.kind = kind, .step = t->step, .session = session, .rc = rc};
    e.service = copy(service, service ? strlen(service) : 0, &failed);
    e.host = copy(host, host ? strlen(host) : 0, &failed);
    e.text = copy(text, text_len, &failed);
    /* a DNS answer's records may be longer than a line */
    e.extra = extra ? strdup(extra) : NULL;
    if (failed || (extra && !e.extra)) {
        free_event(&e);
        t->overflow = true;
        return -1;
    }
    t->ev[t->n] = e;
    t->bytes += cost;
    return (long)t->n++;
}

void transcript_set_rc(struct transcript *t, long i, int rc)
{
    if (t && i >= 0 && (size_t)i < t->n)
        t->ev[i].rc = rc;
}

const char *transcript_kind_name(enum ts_kind k)
{
    static const char *const names[] = {"command", "connect", "sent", "reply",
                                        "closed",  "dns",     "hint", "relay"};
    return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "?";
}
