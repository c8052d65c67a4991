/*
 * fuzz_pop3 — libFuzzer harness for scripts/pop3.lua through the C host:
 * any bytes, as lines a client sends to mail.b.example's POP3 server,
 * with two messages waiting for bob (bob-pw) at every input.
 *
 *     make fuzz-build
 *     build/fuzz/fuzz_pop3 -max_len=2048 CORPUS tests/fuzz/seeds/pop3
 *
 * (run from the repository root; `make fuzz` does the long run). The
 * first byte's bit 0 makes the client a real program at 127.0.0.1, as
 * under tutor serve (else pc1 in the world); the rest is the dialogue
 * (fuzz_host.h says how it is cut into lines). Besides what ASan and
 * UBSan catch, the harness aborts when the script fails (an error
 * escaping pop3.lua is a bug) or an answer does not start as RFC 1939 3
 * and RFC 5034 4 have it: "+OK" or "-ERR" (then a space or the end), or
 * "+ " (a SASL challenge), in at most 512 octets with its CR LF.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fsutil.h"
#include "mail/maildir.h"
#include "fuzz_host.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BOB "bob@b.example"

static const char *const messages[] = {
    "From: Alice <alice@a.example>\nTo: bob@b.example\nSubject: one\n\nfirst\n.dot line\n",
    "From: =?UTF-8?B?44Ki44Oq44K5?= <alice@a.example>\nSubject: two\nMIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n\n"
    "44GT44KT44Gr44Gh44GvCg==\n",
};

static void broken(const char *why, const char *line, const char *after)
{
    fprintf(stderr, "fuzz_pop3: %s\n--- reply: %s\n--- to: %s\n", why, line,
            after ? after : "(the connection)");
    abort();
}

static int starts(const char *line, const char *word)
{
    size_t n = strlen(word);
    return strncmp(line, word, n) == 0 && (line[n] == ' ' || line[n] == '\0');
}

/* Only the first line of an answer is a status; the rest of a multi-line
 * one is the message or the list. */
static void check_reply(const char *line, const char *after, int first)
{
    if (!first)
        return;
    if (!starts(line, "+OK") && !starts(line, "-ERR") && strncmp(line, "+ ", 2) != 0 &&
        strcmp(line, "+") != 0)
        broken("an answer that is neither +OK, -ERR nor a challenge", line, after);
    if (strlen(line) + 2 > 512)
        broken("status line longer than 512 octets (RFC 1939 3)", line, after);
}

/* bob's mailbox as every input finds it: the two messages, unread. */
static void fill_mailbox(void)
{
    char dir[PATH_MAX], err[FS_ERROR_MAX], n[MAILDIR_NAME_MAX];
    rt_mailbox_dir(&fuzz_rt, BOB, dir);
    if (fs_remove_tree(dir, err) < 0 || maildir_create(dir, err) < 0) {
        fprintf(stderr, "fuzz_pop3: %s\n", err);
        exit(1);
    }
    for (size_t i = 0; i < sizeof messages / sizeof messages[0]; i++) {
        rt_unique_name(&fuzz_rt, "mail.b.example", n);
        if (maildir_deliver(dir, n, messages[i], strlen(messages[i]), err) < 0) {
            fprintf(stderr, "fuzz_pop3: %s\n", err);
            exit(1);
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_host_open("fuzz_pop3");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fuzz_host_tick();
    fill_mailbox();
    fuzz_host_dialogue(fuzz_host_server("mail.b.example", "pop3"), 110, data[0] & 1, data + 1,
                       size - 1, check_reply);
    return 0;
}
