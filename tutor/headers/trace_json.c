/* trace_json — see trace_json.h. */
#include "trace_json.h"

#include <stdlib.h>
#include <string.h>

#include "mail/mime.h"
#include "trace_text.h"

/* A header field decoded as a person reads it (RFC 2047, Japanese). */
static void decoded(struct jsonout *j, const char *s)
{
    char *v = s[0] ? mime_decode_header(s) : NULL;
    jsonout_string(j, v ? v : s);
    free(v);
}

/* Members named by literals: their keys' lengths are the compiler's, not
 * counted again for each of a mailbox's hops. */
#define member(j, key, s) (JSONOUT_KEY(j, key), jsonout_string(j, s))
#define flag(j, key, v) (JSONOUT_KEY(j, key), jsonout_bool(j, v))
#define number_from_1(j, key, i) (JSONOUT_KEY(j, key), number_or_null(j, i))

/* A 0-based number counted from 1, null for -1. */
static void number_or_null(struct jsonout *j, int i)
{
    if (i >= 0)
        jsonout_int(j, i + 1);
    else
        jsonout_null(j);
}

static const char *const hint_kinds[] = {
    [HINT_UNPARSED] = "unparsed",
    [HINT_MAY_BE_FORGED] = "may-be-forged",
    [HINT_HELO_RDNS] = "helo-rdns",
    [HINT_NO_RDNS] = "no-rdns",
    [HINT_HELO_NOT_A_NAME] = "helo-not-a-name",
    [HINT_LOOPBACK] = "loopback",
    [HINT_PRIVATE] = "private-address",
    [HINT_LOCAL] = "local-submission",
    [HINT_WEB] = "web-mail",
    [HINT_AUTHENTICATED] = "authenticated",
    [HINT_CLOCK_SKEW] = "clock-skew",
    [HINT_TRUST_ENDS] = "trust-ends",
    [HINT_ORIGINATING_IP] = "x-originating-ip",
    [HINT_MESSAGE_ID] = "message-id",
    [HINT_MESSAGE_ID_ADDED] = "message-id-added",
    [HINT_ERRORS_TO] = "errors-to",
    [HINT_RETURN_PATH] = "return-path",
    [HINT_MAILER] = "mailer",
    [HINT_SCRIPT] = "script",
    [HINT_PROVIDER_SENDER] = "provider-sender",
    [HINT_FORGED_FROM] = "forged-from",
    [HINT_NO_HOPS] = "no-hops",
};

static const char *const origin_kinds[] = {
    [ORIGIN_NONE] = "none",         [ORIGIN_HOP] = "hop",
    [ORIGIN_WEB] = "web-mail",      [ORIGIN_ORIGINATING_IP] = "x-originating-ip",
    [ORIGIN_INSIDE] = "inside",
};

static void hop_json(struct jsonout *j, const struct trace *t, size_t i)
{
    const struct received_hop *h = &t->hops[i];
    jsonout_object(j);
    number_from_1(j, "hop", (int)i);
    member(j, "from", h->from);
    member(j, "helo", h->helo);
    member(j, "rdns", h->rdns);
    member(j, "ip", h->ip);
    member(j, "by", h->by);
    member(j, "with", h->with);
    member(j, "id", h->id);
    member(j, "for", h->for_);
    member(j, "envelope_from", h->envelope_from);
    char d[32] = "";
    if (h->has_date)
        trace_date_iso(h->when, d);
    member(j, "date", d);
    long long s;
    JSONOUT_KEY(j, "delay_s");
    if (trace_delay(t, i, &s))
        jsonout_int(j, s);
    else
        jsonout_null(j);
    flag(j, "may_be_forged", h->may_be_forged);
    flag(j, "authenticated", h->authenticated);
    flag(j, "tls", h->tls);
    flag(j, "parsed", h->parsed);
    JSONOUT_KEY(j, "text");
    jsonout_oneline(j, h->field, h->field_len, RECEIVED_RAW_MAX);
    jsonout_end(j);
}

void trace_json(struct jsonout *j, const struct trace *t, const char *where, size_t index)
{
    jsonout_object(j);
    JSONOUT_KEY(j, "source");
    jsonout_object(j);
    member(j, "file", where);
    JSONOUT_KEY(j, "message");
    jsonout_int(j, (long long)index);
    jsonout_end(j);
    member(j, "from", t->from);
    JSONOUT_KEY(j, "subject");
    decoded(j, t->subject);
    member(j, "message_id", t->message_id);
    JSONOUT_KEY(j, "hops");
    jsonout_array(j);
    for (size_t i = 0; i < t->n; i++)
        hop_json(j, t, i);
    jsonout_end(j);

    const struct trace_origin *o = &t->origin;
    char text[TRACE_TEXT_MAX];
    trace_origin_reason(t, text);
    JSONOUT_KEY(j, "origin");
    jsonout_object(j);
    member(j, "kind", origin_kinds[o->kind]);
    number_from_1(j, "hop", o->hop);
    member(j, "ip", o->ip);
    member(j, "host", o->host);
    member(j, "reason", text);
    jsonout_end(j);

    JSONOUT_KEY(j, "hints");
    jsonout_array(j);
    for (size_t i = 0; i < t->nhints; i++) {
        const struct trace_hint *h = &t->hints[i];
        trace_hint_text(h, text);
        jsonout_object(j);
        member(j, "kind", hint_kinds[h->kind]);
        number_from_1(j, "hop", h->hop);
        member(j, "text", text);
        jsonout_end(j);
    }
    jsonout_end(j);
    jsonout_end(j);
}
