/*
 * fuzz_dnsview — libFuzzer harness for dnsview_print (dig +wire) and
 * dnsline_format (the tap's one line), whose input comes from scripts and
 * the network.
 *
 * Build and run from the repository root:
 *
 *     make fuzz-build
 *     build/fuzz/fuzz_dnsview -max_len=1500 CORPUS tests/fuzz/seeds/dnsview
 *
 * A crash leaves crash-<sha1> in the current directory; rerun it with
 * `build/fuzz_dnsview crash-<sha1>`, fix it, and add the bytes to
 * tests/unit/test_dnsview.c. Seeding the corpus with real messages helps it
 * reach the RDATA decoders sooner: `dig +noall +qr ...` does not print
 * bytes, but any capture does (tcpdump -w, then cut the UDP payload).
 *
 * Besides what ASan and UBSan catch (a read past the buffer is one), the
 * harness checks the dump's promises and aborts when one is broken: no line
 * wider than DNSVIEW_WIDTH, nothing but printable ASCII, and -1 exactly
 * when the last line, and only it, is "*** offset N: ..." with N at most
 * the message's length. The one line must fit its buffer, even a short
 * one, and end with the message's length when it was not cut.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dnsline.h"
#include "dns/dnsview.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *why, const char *out);

/* dnsline_format into a buffer of `size` bytes, with a guard byte after */
static void check_line(const uint8_t *data, size_t len, size_t size)
{
    char buf[600];
    memset(buf, 'x', sizeof buf);
    dnsline_format(data, len, buf, size);
    if (buf[size] != 'x')
        broken("dnsline wrote past its buffer", "");
    size_t n = strnlen(buf, size);
    if (n == size)
        broken("dnsline left its line unterminated", "");
    char tail[32];
    snprintf(tail, sizeof tail, "(%zu)", len);
    if (n + 1 < size && strstr(buf, "no DNS message") == NULL &&
        (n < strlen(tail) || strcmp(buf + n - strlen(tail), tail) != 0))
        broken("dnsline does not end with the length", buf);
}

static void broken(const char *why, const char *out)
{
    fprintf(stderr, "fuzz_dnsview: %s\n--- output:\n%s\n", why, out);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_line(data, size, 24);
    check_line(data, size, 512);
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    if (!f)
        return 0;
    int rc = dnsview_print(f, data, size);
    if (fclose(f) != 0 || !out)
        abort();
    if (rc != 0 && rc != -1)
        broken("return is neither 0 nor -1", out);
    if (out_len == 0 || out[out_len - 1] != '\n')
        broken("output does not end with a newline", out);

    size_t errors = 0;
    const char *last = out;
    for (const char *line = out; *line; ) {
        const char *nl = strchr(line, '\n');
        if (!nl)
            broken("unterminated line", out);
        if ((size_t)(nl - line) > DNSVIEW_WIDTH)
            broken("line wider than DNSVIEW_WIDTH", out);
        for (const char *c = line; c < nl; c++)
            if (*c < 0x20 || *c > 0x7e)
                broken("byte outside printable ASCII", out);
        if (strncmp(line, "*** offset ", 11) == 0) {
            errors++;
            char *end;
            unsigned long long off = strtoull(line + 11, &end, 10);
            if (end == line + 11 || *end != ':' || off > size)
                broken("error line without a sensible offset", out);
        }
        last = line;
        line = nl + 1;
    }
    if (errors > 1)
        broken("more than one error line", out);
    if ((rc == -1) != (errors == 1) || (errors == 1 && strncmp(last, "*** offset ", 11) != 0))
        broken("-1 and a last error line do not go together", out);
    free(out);
    return 0;
}
