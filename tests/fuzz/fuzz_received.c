/*
 * fuzz_received — libFuzzer harness for the Received: field reader
 * (received.c): any bytes, as the value of a Received: line in a mail a
 * student brings from outside.
 *
 *     make fuzz-build
 *     build/fuzz/fuzz_received -max_len=4096 CORPUS tests/fuzz/seeds/received
 *
 * Besides what ASan and UBSan catch, the harness aborts when a promise of
 * received.h is broken: every part of the hop is one line within its
 * size; a date read is one received_date reads again to the same second.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/received.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(const char *what, const char *s, size_t size)
{
    if (strnlen(s, size) == size || strpbrk(s, "\r\n")) {
        fprintf(stderr, "fuzz_received: %s is not one line within its size\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct received_hop h;
    received_parse((const char *)data, size, &h);
    one_line("from", h.from, sizeof h.from);
    one_line("helo", h.helo, sizeof h.helo);
    one_line("rdns", h.rdns, sizeof h.rdns);
    one_line("ip", h.ip, sizeof h.ip);
    one_line("by", h.by, sizeof h.by);
    one_line("with", h.with, sizeof h.with);
    one_line("id", h.id, sizeof h.id);
    one_line("for", h.for_, sizeof h.for_);
    one_line("date", h.date, sizeof h.date);
    char text[RECEIVED_RAW_MAX];
    received_text(&h, text);
    one_line("text", text, sizeof text);
    long long again;
    if (h.has_date && (received_date(h.date, &again) != 0 || again != h.when)) {
        fprintf(stderr, "fuzz_received: the date does not read again the same\n");
        abort();
    }
    return 0;
}
