/* cmd_mail — looking at mail where the servers keep it: mailbox, mailq. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "headers/trace_print.h"
#include "mail/trace.h"
#include "util/fsutil.h"
#include "util/i18n.h"
#include "mail/maildir.h"
#include "mail/mime.h"
#include "mail/queue.h"
#include "clients/relay.h"
#include "repl.h"
#include "util/term.h"

#define SCREEN_WIDTH 80

const struct world_user *repl_find_user(const struct world *w, const char *name)
{
    if (strchr(name, '@')) {
        const struct world_user *u = world_user(w, name);
        if (!u)
            term_error(_("%1$s: no such user in this world"), name);
        return u;
    }
    const struct world_user *found = NULL;
    for (size_t i = 0; i < w->n_users; i++)
        if (strcasecmp(w->users[i].localpart, name) == 0) {
            if (found) {
                term_error(_("%1$s: more than one user has this name; give the whole address"), name);
                return NULL;
            }
            found = &w->users[i];
        }
    if (!found)
        term_error(_("%1$s: no such user in this world"), name);
    return found;
}

int repl_show_trace(const char *msg, size_t len, const char *title)
{
    struct trace t;
    if (trace_message(msg, len, &t) < 0) {
        term_error("%s", _("out of memory"));
        return 1;
    }
    trace_print(stdout, &t, title);
    trace_free(&t);
    return 0;
}

static int cmd_mailbox(struct repl *r, int argc, char **argv)
{
    bool trace = argc == 4 && strcmp(argv[3], "--trace") == 0;
    if (argc < 2 || argc > 4 || (argc == 4 && !trace)) {
        term_error(_("usage: mailbox USER [N [--trace]]"));
        return 2;
    }
    const struct world_user *u = repl_find_user(r->rt->world, argv[1]);
    if (!u)
        return 1;
    char dir[PATH_MAX], err[FS_ERROR_MAX];
    rt_mailbox_dir(r->rt, u->address, dir);
    struct maildir_entry *m;
    size_t n;
    if (maildir_list(dir, &m, &n, err) < 0) {
        term_error("%s", err);
        return 1;
    }
    int rc = 0;
    if (argc >= 3) {
        char *end;
        long k = strtol(argv[2], &end, 10);
        if (*end || k < 1 || (size_t)k > n) {
            term_error(_("%1$s has no message %2$s (there are %3$zu)"), u->address, argv[2], n);
            rc = 1;
        } else {
            size_t len;
            char *text = fs_read_file(m[k - 1].path, &len);
            if (!text) {
                term_error("%s", m[k - 1].path);
                rc = 1;
            } else if (trace) {
                char title[64];
                snprintf(title, sizeof title, "%s %ld", u->address, k);
                rc = repl_show_trace(text, len, title);
                free(text);
            } else {
                /* as stored, but never obeyed by the terminal */
                term_lines(stdout, text, len);
                free(text);
            }
        }
    } else if (n == 0) {
        printf(_("No messages for %1$s.\n"), u->address);
    } else {
        printf(ngettext("Mailbox of %1$s: %2$zu message\n", "Mailbox of %1$s: %2$zu messages\n",
                        n), u->address, n);
        printf("%4s  ", "#");
        /* the size column is right-aligned, its heading too */
        for (int w = term_width(_("SIZE")); w < 7; w++)
            putchar(' ');
        printf("%s ", _("SIZE"));
        term_pad(stdout, _("FROM"), 28);
        printf(" %s\n", _("SUBJECT"));
        for (size_t i = 0; i < n; i++) {
            char size[16];
            snprintf(size, sizeof size, "%zu", m[i].size);
            printf("%4zu  %7s ", i + 1, size);
            /* decoded as a mail client shows them (=?UTF-8?B?...?= is for
             * the wire); "mailbox USER N" shows the message as stored */
            char *from = mime_decode_header(m[i].from), *subject = mime_decode_header(m[i].subject);
            term_fit(stdout, from ? from : m[i].from, 28);
            putchar(' ');
            /* "   1     123 " and the From column come first */
            term_cut(stdout, subject ? subject : m[i].subject,
                     SCREEN_WIDTH - 4 - 2 - 7 - 1 - 28 - 1);
            putchar('\n');
            free(from);
            free(subject);
        }
    }
    maildir_list_free(m, n);
    return rc;
}

static int cmd_mailq(struct repl *r, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct world *w = r->rt->world;
    size_t total = 0;
    for (size_t i = 0; i < w->n_nodes; i++) {
        char dir[PATH_MAX], err[FS_ERROR_MAX];
        rt_queue_dir(r->rt, w->nodes[i].name, dir);
        struct queue_entry *e;
        size_t n;
        if (queue_list(dir, &e, &n, err) < 0) {
            term_error("%s", err);
            return 1;
        }
        if (n) {
            /* the layout of Postfix's mailq, one queue per server */
            printf("%s:\n-Queue ID-  --Size-- -Status- -Sender/Recipient-------\n",
                   w->nodes[i].hostname ? w->nodes[i].hostname : w->nodes[i].name);
        }
        for (size_t k = 0; k < n; k++) {
            /* Postfix's name for the null sender of a bounce */
            printf("%-11s %8zu %-8s %s\n", e[k].id, e[k].size, e[k].status,
                   e[k].from[0] ? e[k].from : "MAILER-DAEMON");
            if (e[k].last_error[0])
                printf("%29s(%s)\n", "", e[k].last_error);
            for (size_t j = 0; j < e[k].n_rcpts; j++)
                printf("%29s%s\n", "", e[k].rcpts[j]);
        }
        total += n;
        queue_list_free(e, n);
    }
    if (total == 0)
        printf("%s\n", _("Mail queue is empty"));
    char *last = relay_last_dialogue(r->rt);
    if (last) {
        printf("\n%s\n%s", _("The last relay dialogue between the mail servers:"), last);
        free(last);
    }
    return 0;
}

const struct command mail_commands[] = {
    {.name = "mailbox", .complete = "user", .paged = "", .opts = "--trace", .args = "USER [N [--trace]]", .help = N_("list a user's mailbox, or print message N as stored"),
     .more = N_("--trace reads message N's header instead: where the mail came from, hop by hop, as \"headers N\" does for the mail client's own folder."),
     .run = cmd_mailbox},
    {.name = "mailq", .paged = "", .help = N_("show the mail servers' relay queues and the last relay dialogue"), .run = cmd_mailq},
    {NULL},
};
