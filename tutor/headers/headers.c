/* headers — see headers.h. */
#include "headers.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail/mailpool.h"
#include "mail/mailsource.h"
#include "mail/redact.h"
#include "mail/trace.h"
#include "trace_animate.h"
#include "trace_json.h"
#include "trace_print.h"
#include "util/i18n.h"
#include "util/term.h"

static const char *const samples[] = {"spam", "virus", "freemail"};

/* What one_message returns to end the reading with success: --animate
 * draws one path (the status codes are 0, 1 and 2) */
#define STOP_AFTER_ONE 100

static void usage(FILE *f)
{
    fprintf(f, "%s", _("Usage: tutor headers [OPTION]... [FILE|-]...\n"
                       "Reads where each mail really came from: its Received: lines oldest\n"
                       "first (who handed it to which server, when, and the delay), what the\n"
                       "other fields give away (X-Originating-IP, Message-Id, Errors-To,\n"
                       "Return-Path, X-Mailer, X-Scriptname), and the probable origin, with\n"
                       "the reasoning. FILE is one message, an mbox or a Maildir folder; - or\n"
                       "nothing reads standard input.\n\n"
                       "Options:\n"
                       "  --sample NAME   one of the lecture's examples: spam (sent by a web\n"
                       "                  CGI), virus (Klez, with a forged From), freemail\n"
                       "                  (sent from a web mail service)\n"
                       "  --json          a JSON object a message, one a line\n"
                       "                  (lessons/headers.schema.json)\n"
                       "  --redact        every host name, e-mail address and public IP address\n"
                       "                  masked (the same one the same way), display names\n"
                       "                  and the Subject hidden: shows the header so, then\n"
                       "                  reads it, for a report on your own mail\n"
                       "  --animate       replay the first message's path as the bucket relay:\n"
                       "                  each machine the lines name is a node, the mail passed\n"
                       "                  from the first to the last (off a terminal, its trace)\n"
                       "  --lang ja|en    language of the report\n"
                       "  --help          show this help and exit\n\n"
                       "Exit status: 0 every message was read, 2 a file could not be.\n"));
}

struct run {
    bool json;
    bool animate;                   /* --animate: the first message's path, then stop */
    const char *title;              /* the sample's name, for its heading */
    struct redactor *redact;        /* with --redact, one for the run: the same masks throughout */
    struct textbuf out;             /* with --json, a message's line, its memory kept for the next */
    struct mailpool *pool;          /* with --json on a mailbox, the threads that write it */
};

/* The header as --redact shows it, before reading it. */
static void print_header(const char *hdr, size_t len)
{
    printf("%s\n", _("The header, redacted:"));
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(hdr + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - hdr) - i : len - i;
        size_t shown = n && hdr[i + n - 1] == '\r' ? n - 1 : n;
        fputs("  ", stdout);
        term_text(stdout, hdr + i, shown);
        putchar('\n');
        i += n + 1;
    }
    putchar('\n');
}

/* A message's line of --json, appended to out: run in the mailpool's
 * workers, so it reads nothing of the run but its options. */
static int json_line(const struct mail_item *m, struct textbuf *out, void *ud)
{
    (void)ud;
    struct trace t;
    if (trace_message(m->header, m->len, &t) < 0) {
        fprintf(stderr, _("tutor headers: %1$s: out of memory\n"), m->where);
        return 2;
    }
    struct jsonout j = {.b = *out};
    jsonout_next(&j);
    trace_json(&j, &t, m->where, m->index);
    textbuf_addc(&j.b, '\n');
    *out = j.b;
    trace_free(&t);
    if (out->oom) {
        fprintf(stderr, _("tutor headers: %1$s: out of memory\n"), m->where);
        return 2;
    }
    return 0;
}

static int one_message(const struct mail_item *m, void *ud)
{
    struct run *run = ud;
    if (run->pool)
        return mailpool_add(run->pool, m);
    struct trace t;
    const char *hdr = m->header;
    size_t len = m->len;
    char *redacted = NULL;
    if (run->redact && !(hdr = redacted = redact_header(run->redact, m->header, m->len, &len))) {
        fprintf(stderr, _("tutor headers: %1$s: out of memory\n"), m->where);
        return 2;
    }
    if (run->json && !run->animate) {
        struct mail_item r = *m;
        r.header = hdr;
        r.len = len;
        run->out.len = 0;
        int rc = json_line(&r, &run->out, NULL);
        if (!rc && fwrite(run->out.p, 1, run->out.len, stdout) != run->out.len) {
            fprintf(stderr, _("tutor headers: %1$s: %2$s\n"), m->where, strerror(errno));
            rc = 2;
        }
        free(redacted);
        return rc;
    }
    if (trace_message(hdr, len, &t) < 0) {
        fprintf(stderr, _("tutor headers: %1$s: out of memory\n"), m->where);
        free(redacted);
        return 2;
    }
    if (run->animate) {
        int rc = trace_animate(&t, true);
        trace_free(&t);
        free(redacted);
        return rc ? rc : STOP_AFTER_ONE;
    }
    char title[PATH_MAX + 64];
    if (m->index > 1)
        putchar('\n');
    if (run->title)
        snprintf(title, sizeof title, "%s", run->title);
    else
        snprintf(title, sizeof title, _("%1$s, message %2$zu"), m->where, m->index);
    if (redacted)
        print_header(hdr, len);
    trace_print(stdout, &t, title);
    if (m->cut)
        fprintf(stdout, _("  (the header is longer than %1$u bytes: the rest was not read)\n"),
                MAILSOURCE_HEADER_MAX);
    trace_free(&t);
    free(redacted);
    return 0;
}

static int read_source(struct run *run, const char *path)
{
    char err[MAILSOURCE_ERROR_MAX];
    int rc = mailsource_each(path, one_message, run, err);
    if (rc < 0) {
        fprintf(stderr, "tutor headers: %s\n", err);
        return 2;
    }
    return rc == STOP_AFTER_ONE ? 0 : rc;
}

bool headers_is_prompt_command(int argc, char **argv)
{
    if (argc != 2)
        return false;
    const char *a = argv[1];
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 ||
           (a[0] && strspn(a, "0123456789") == strlen(a));
}

static int read_all(const struct headers_env *env, struct run *run, const char *sample, int argc,
                    char **argv);

int headers_main(const struct headers_env *env, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},   {"sample", required_argument, NULL, 's'},
        {"redact", no_argument, NULL, 'r'}, {"animate", no_argument, NULL, 'a'},
        {"lang", required_argument, NULL, 'l'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct run run = {0};
    const char *sample = NULL;
    bool redact = false;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'j': run.json = true; break;
        case 'r': redact = true; break;
        case 'a': run.animate = true; break;
        case 's': sample = optarg; break;
        case 'l': break;                /* main has read it */
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (redact && !(run.redact = redact_new())) {
        fprintf(stderr, "%s", _("tutor headers: out of memory\n"));
        return 2;
    }
    /* --json on every core: the order of the lines stays the messages' */
    int workers = mailpool_workers();
    if (run.json && !run.redact && !run.animate && workers > 1)
        run.pool = mailpool_new(workers, json_line, NULL, stdout, "tutor headers");
    int rc = read_all(env, &run, sample, argc - optind, argv + optind);
    if (run.pool) {
        int r = mailpool_finish(run.pool);
        if (r > rc)
            rc = r;
    }
    redact_free(run.redact);
    free(run.out.p);
    return rc;
}

/* What the arguments name: a sample, the files, or standard input. */
static int read_all(const struct headers_env *env, struct run *run, const char *sample, int argc,
                    char **argv)
{
    if (sample) {
        bool known = false;
        for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
            known |= strcmp(sample, samples[i]) == 0;
        if (!known || argc > 0) {
            fprintf(stderr, known ? _("tutor headers: --sample reads no FILE too\n")
                                  : _("tutor headers: --sample takes spam, virus or freemail, "
                                      "not \"%1$s\"\n"),
                    sample);
            return 2;
        }
        char path[PATH_MAX], name[64], err[MAILSOURCE_ERROR_MAX];
        snprintf(path, sizeof path, "%s/lessons/samples/%s.eml", env->datadir, sample);
        /* named as the tree has it, wherever the tutor is installed */
        snprintf(name, sizeof name, "lessons/samples/%s.eml", sample);
        run->title = sample;
        FILE *f = fopen(path, "rb");
        if (!f) {
            fprintf(stderr, _("tutor headers: %1$s: cannot open: %2$s\n"), path, strerror(errno));
            return 2;
        }
        int rc = mailsource_stream(f, name, one_message, run, err);
        fclose(f);
        if (rc < 0) {
            fprintf(stderr, "tutor headers: %s\n", err);
            return 2;
        }
        return rc == STOP_AFTER_ONE ? 0 : rc;
    }
    if (argc == 0) {
        if (isatty(STDIN_FILENO)) {
            fprintf(stderr, "%s", _("tutor headers: give a FILE (a message, an mbox or a "
                                    "Maildir), - for standard input, or --sample NAME\n"));
            usage(stderr);
            return 2;
        }
        return read_source(run, "-");
    }
    int rc = 0;
    for (int i = 0; i < argc; i++) {
        int r = read_source(run, argv[i]);
        if (r > rc)
            rc = r;
    }
    return rc;
}
