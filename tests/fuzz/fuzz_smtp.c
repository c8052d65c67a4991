/*
 * fuzz_smtp — libFuzzer harness for scripts/smtp.lua through the C host:
 * any bytes, as lines a client sends to mail.a.example's SMTP server.
 *
 *     make fuzz-build
 *     build/fuzz/fuzz_smtp -max_len=4096 CORPUS tests/fuzz/seeds/smtp
 *
 * (run from the repository root; `make fuzz` does the long run). The
 * first byte says who connects: bit 0 a real program at 127.0.0.1 as under
 * tutor serve (else pc1 in the world), bit 1 mail.b.example's server
 * rather than mail.a.example's. The rest is the dialogue (fuzz_host.h says
 * how it is cut into lines). Besides what ASan and UBSan catch, the
 * harness aborts when the script fails (an error escaping smtp.lua is a
 * bug) or a reply breaks RFC 5321 4.2: three digits, then a space or a
 * hyphen, the whole line at most 512 octets with its CR LF, its text
 * printable ASCII or HT (textstring, RFC 5321 4.2).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_host.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *why, const char *line, const char *after)
{
    fprintf(stderr, "fuzz_smtp: %s\n--- reply: %s\n--- to: %s\n", why, line,
            after ? after : "(the connection)");
    abort();
}

static void check_reply(const char *line, const char *after, int first)
{
    (void)first;
    size_t len = strlen(line);
    if (len < 4 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
        line[2] < '0' || line[2] > '9' || (line[3] != ' ' && line[3] != '-'))
        broken("not a reply line (RFC 5321 4.2)", line, after);
    if (len + 2 > 512)
        broken("reply line longer than 512 octets (RFC 5321 4.5.3.1.5)", line, after);
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)line[i] < 0x20 && line[i] != '\t') || (unsigned char)line[i] > 0x7e)
            broken("a reply byte outside RFC 5321's textstring", line, after);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_host_open("fuzz_smtp");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fuzz_host_tick();
    const char *host = data[0] & 2 ? "mail.b.example" : "mail.a.example";
    fuzz_host_dialogue(fuzz_host_server(host, "smtp"), 25, data[0] & 1, data + 1, size - 1,
                       check_reply);
    return 0;
}
