/*
 * fuzz_zone — libFuzzer harness for the zone file reader (zone_read.c,
 * zone_text.c, with ldns behind them) and the lookup over what it loads:
 * any bytes, as a master file a teacher might write.
 *
 *     make fuzz-build
 *     build/fuzz/fuzz_zone -max_len=8192 CORPUS tests/fuzz/seeds/zone
 *
 * The first byte picks the origin the file is read as (bits 0-1:
 * a.example, the root, 2.0.192.in-addr.arpa, b.example); the rest is the
 * file, written to a temporary file as zone_set_load reads one. Besides
 * what ASan and UBSan catch, the harness aborts when a promise of zone.h
 * is broken: -1 exactly when err is set, err starting with the file's
 * name, one line, and a loaded zone answering a lookup of its origin's SOA
 * with an authoritative ANSWER.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "fuzz_host.h"
#include "dns/zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *why, const char *err)
{
    fprintf(stderr, "fuzz_zone: %s\n--- err: %s\n", why, err);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const origins[] = {"a.example.", ".", "2.0.192.in-addr.arpa.",
                                          "b.example"};
    if (size < 1)
        return 0;
    const char *origin = origins[data[0] & 3];
    const char *path = fuzz_scratch_file("fuzz_zone", data + 1, size - 1);
    struct zone_set *zs = zone_set_new();
    if (!zs)
        return 0;
    char err[ZONE_ERROR_MAX] = "";
    int r = zone_set_load(zs, path, origin, err);
    if (r < 0) {
        fuzz_check_refusal("fuzz_zone", path, err);
    } else {
        if (r != 0 || err[0])
            broken("a loaded zone with a message", err);
        if (zone_set_count(zs) != 1)
            broken("a loaded file that is not one zone", err);
        struct zone_result res = {0};
        if (zone_set_lookup(zs, zone_set_origin(zs, 0), LDNS_RR_TYPE_SOA, &res) == 0 &&
            (res.kind != ZONE_ANSWER || !res.authoritative))
            broken("a loaded zone whose origin has no SOA answer", err);
        zone_result_free(&res);
    }
    zone_set_free(zs);
    return 0;
}
