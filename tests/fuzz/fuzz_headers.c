/*
 * fuzz_headers — libFuzzer harness for what `tutor headers` does with a
 * file a student brings: mailsource.c cuts it into messages (one message,
 * or an mbox when it starts with "From "), redact.c masks every header,
 * trace.c reads it, and trace_json.c and trace_print.c write the result.
 * Any bytes.
 *
 *     make fuzz-build
 *     build/fuzz/fuzz_headers -max_len=16384 CORPUS tests/fuzz/seeds/headers
 *
 * Besides what ASan and UBSan catch, the harness aborts when a promise is
 * broken:
 * - every message's JSON line is one JSON object jansson reads back, with
 *   as many hops as the trace has;
 * - the trace's hop numbers (the believed chain, the origin, each hint)
 *   are -1 or a hop it has, and its hops are at most RECEIVED_HOPS_MAX;
 * Each message is read twice: as it is, and redacted (redact.c's output
 * is a header like any other, and a trace of it must hold the same
 * promises).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "headers/trace_json.h"
#include "headers/trace_print.h"
#include "mail/mailsource.h"
#include "mail/redact.h"
#include "mail/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static void broken(const char *why, const char *json)
{
    fprintf(stderr, "fuzz_headers: %s\n--- JSON: %s\n", why, json ? json : "(none)");
    abort();
}

static void check_hop(const struct trace *t, int hop, const char *what)
{
    if (hop < -1 || hop >= (int)t->n) {
        fprintf(stderr, "fuzz_headers: %s names hop %d of %zu\n", what, hop, t->n);
        abort();
    }
}

static void read_one(const char *hdr, size_t len, const char *where, size_t index)
{
    struct trace t;
    if (trace_message(hdr, len, &t) < 0)
        return;                                 /* out of memory: said, not a defect */
    if (t.n > RECEIVED_HOPS_MAX)
        broken("more hops than RECEIVED_HOPS_MAX", NULL);
    check_hop(&t, t.believed_from, "the believed chain");
    check_hop(&t, t.origin.hop, "the origin");
    for (size_t i = 0; i < t.nhints; i++)
        check_hop(&t, t.hints[i].hop, "a hint");

    struct jsonout j = {0};
    jsonout_begin(&j);
    trace_json(&j, &t, where, index);
    textbuf_addc(&j.b, '\0');
    if (j.b.oom) {
        free(j.b.p);
        trace_free(&t);
        return;
    }
    json_error_t e;
    json_t *o = json_loads(j.b.p, JSON_REJECT_DUPLICATES, &e);
    if (!o || !json_is_object(o))
        broken(o ? "the JSON is no object" : e.text, j.b.p);
    if (json_array_size(json_object_get(o, "hops")) != t.n)
        broken("the JSON's hops are not the trace's", j.b.p);
    json_decref(o);
    free(j.b.p);

    trace_print(devnull, &t, where);
    trace_free(&t);
}

static int one_message(const struct mail_item *m, void *ud)
{
    struct redactor *r = ud;
    read_one(m->header, m->len, m->where, m->index);
    size_t rlen;
    char *red = redact_header(r, m->header, m->len, &rlen);
    if (!red)
        return 0;
    read_one(red, rlen, m->where, m->index);
    free(red);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        abort();
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return 0;                               /* fmemopen of 0 bytes, on old glibc */
    struct redactor *r = redact_new();
    char err[MAILSOURCE_ERROR_MAX];
    if (r)
        mailsource_stream(f, "fuzz", one_message, r, err);
    redact_free(r);
    fclose(f);
    return 0;
}
