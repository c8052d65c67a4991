/* trace_json — see trace_json.h. */
#include "trace_json.h"

#include <stdlib.h>
#include <string.h>

#include "mail/mime.h"
#include "trace_text.h"

/* A string, or null when empty. Header text need not be UTF-8: each
 * byte that is none becomes U+FFFD, so the JSON is always valid. */
static json_t *str(const char *s)
{
    if (!s || !s[0])
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    size_t len;
    char *u = mime_to_utf8(s, strlen(s), "UTF-8", &len);
    j = u ? json_stringn(u, len) : NULL;
    free(u);
    return j ? j : json_null();
}

/* A header field decoded as a person reads it (RFC 2047, Japanese). */
static json_t *decoded(const char *s)
{
    if (!s[0])
        return json_null();
    char *v = mime_decode_header(s);
    json_t *j = str(v ? v : s);
    free(v);
    return j;
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
    [HINT_ERRORS_TO] = "errors-to",
    [HINT_RETURN_PATH] = "return-path",
    [HINT_MAILER] = "mailer",
    [HINT_SCRIPT] = "script",
    [HINT_FORGED_FROM] = "forged-from",
    [HINT_NO_HOPS] = "no-hops",
};

static const char *const origin_kinds[] = {
    [ORIGIN_NONE] = "none",         [ORIGIN_HOP] = "hop",
    [ORIGIN_WEB] = "web-mail",      [ORIGIN_ORIGINATING_IP] = "x-originating-ip",
    [ORIGIN_INSIDE] = "inside",
};

static json_t *hop_json(const struct trace *t, size_t i)
{
    const struct received_hop *h = &t->hops[i];
    json_t *j = json_object();
    json_object_set_new(j, "hop", json_integer((json_int_t)i + 1));
    json_object_set_new(j, "from", str(h->from));
    json_object_set_new(j, "helo", str(h->helo));
    json_object_set_new(j, "rdns", str(h->rdns));
    json_object_set_new(j, "ip", str(h->ip));
    json_object_set_new(j, "by", str(h->by));
    json_object_set_new(j, "with", str(h->with));
    json_object_set_new(j, "id", str(h->id));
    json_object_set_new(j, "for", str(h->for_));
    json_object_set_new(j, "envelope_from", str(h->envelope_from));
    char d[32];
    if (h->has_date)
        trace_date_iso(h->when, d);
    json_object_set_new(j, "date", h->has_date ? json_string(d) : json_null());
    long long s;
    json_object_set_new(j, "delay_s", trace_delay(t, i, &s) ? json_integer(s) : json_null());
    json_object_set_new(j, "may_be_forged", json_boolean(h->may_be_forged));
    json_object_set_new(j, "authenticated", json_boolean(h->authenticated));
    json_object_set_new(j, "tls", json_boolean(h->tls));
    json_object_set_new(j, "parsed", json_boolean(h->parsed));
    json_object_set_new(j, "text", str(h->raw));
    return j;
}

json_t *trace_json(const struct trace *t, const char *where, size_t index)
{
    json_t *root = json_object();
    if (!root)
        return NULL;
    json_object_set_new(root, "source",
                        json_pack("{s:o, s:I}", "file", str(where), "message", (json_int_t)index));
    json_object_set_new(root, "from", str(t->from));
    json_object_set_new(root, "subject", decoded(t->subject));
    json_object_set_new(root, "message_id", str(t->message_id));
    json_t *hops = json_array();
    for (size_t i = 0; i < t->n; i++)
        json_array_append_new(hops, hop_json(t, i));
    json_object_set_new(root, "hops", hops);

    const struct trace_origin *o = &t->origin;
    char text[TRACE_TEXT_MAX];
    trace_origin_reason(t, text);
    json_t *origin = json_object();
    json_object_set_new(origin, "kind", json_string(origin_kinds[o->kind]));
    json_object_set_new(origin, "hop", o->hop >= 0 ? json_integer(o->hop + 1) : json_null());
    json_object_set_new(origin, "ip", str(o->ip));
    json_object_set_new(origin, "host", str(o->host));
    json_object_set_new(origin, "reason", str(text));
    json_object_set_new(root, "origin", origin);

    json_t *hints = json_array();
    for (size_t i = 0; i < t->nhints; i++) {
        const struct trace_hint *h = &t->hints[i];
        trace_hint_text(h, text);
        json_array_append_new(hints, json_pack("{s:s, s:o, s:o}", "kind", hint_kinds[h->kind],
                                               "hop", h->hop >= 0 ? json_integer(h->hop + 1)
                                                                  : json_null(),
                                               "text", str(text)));
    }
    json_object_set_new(root, "hints", hints);
    return root;
}
