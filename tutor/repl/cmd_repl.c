/* cmd_repl — the REPL's own commands: help, quit, reset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/i18n.h"
#include "host/netsim_rt.h"
#include "repl.h"
#include "util/term.h"

#define HELP_WIDTH 78           /* and 2 for a hanging "。": 80 columns */
#define HELP_SYNOPSIS_WIDTH 30
#define HELP_TEXT_COLUMN 33
/* "  name ARGS   what it does", wrapped to 80 columns; a synopsis too
 * long for its column puts the text on the next line. */
static void help_line(FILE *f, const struct command *c)
{
    char synopsis[128];
    snprintf(synopsis, sizeof synopsis, "%s %s", c->name, c->args ? c->args : "");
    fprintf(f, "  ");
    if (term_width(synopsis) > HELP_SYNOPSIS_WIDTH) {
        fprintf(f, "%s\n%*s", synopsis, HELP_TEXT_COLUMN, "");
    } else {
        term_pad(f, synopsis, HELP_SYNOPSIS_WIDTH);
        fputc(' ', f);
    }
    term_wrap(f, _(c->help), HELP_TEXT_COLUMN, HELP_TEXT_COLUMN, HELP_WIDTH);
}

void repl_print_commands(FILE *f)
{
    for (size_t k = 0; repl_families[k]; k++)
        for (const struct command *c = repl_families[k]; c->name; c++)
            help_line(f, c);
}

void repl_print_help(FILE *f, const struct command *c)
{
    help_line(f, c);
    if (c->more) {
        fputc('\n', f);
        /* each line of the longer text wraps by itself */
        char *more = strdup(_(c->more));
        for (char *line = more ? strtok(more, "\n") : NULL; line; line = strtok(NULL, "\n")) {
            fprintf(f, "  ");
            term_wrap(f, line, 2, 4, HELP_WIDTH);
        }
        free(more);
    }
}

static int cmd_help(struct repl *r, int argc, char **argv)
{
    (void)r;
    if (argc > 1) {
        const struct command *c = repl_command(argv[1]);
        if (!c) {
            term_error(_("%1$s: unknown command (type \"help\" for the list)"), argv[1]);
            return 1;
        }
        repl_print_help(stdout, c);
        return 0;
    }
    printf("%s\n", _("Commands:"));
    repl_print_commands(stdout);
    putchar('\n');
    term_say("%s", _("Inside telnet, type the protocol's commands; Ctrl-] (or a line \"^]\") returns here."));
    return 0;
}

static int cmd_quit(struct repl *r, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    r->quit = true;
    return 0;
}

/* As a shell's exit: after ssh it ends that login, and the prompt is back
 * on the host it came from; on the student's own PC it leaves the tutor. */
static int cmd_exit(struct repl *r, int argc, char **argv)
{
    if (r->hops == 0)
        return cmd_quit(r, argc, argv);
    const struct world_node *left = rt_here(r->rt);
    const struct world_node *back = r->came_from[--r->hops];
    r->rt->here = back == world_node(r->rt->world, r->rt->world->student) ? NULL : back;
    printf("logout\nConnection to %s closed.\n", left->hostname ? left->hostname : left->name);
    return 0;
}

/* reset [--yes] [mailbox USER | queues | links]: everything, or one part
 * of the world. A part that loses mail asks first, as the whole does. */
static int cmd_reset(struct repl *r, int argc, char **argv)
{
    bool yes = false;
    const char *part = NULL, *who = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--yes") == 0)
            yes = true;
        else if (!part)
            part = argv[i];
        else if (!who)
            who = argv[i];
        else
            part = "?";
    }
    bool mailbox = part && strcmp(part, "mailbox") == 0 && who;
    bool queues = part && strcmp(part, "queues") == 0 && !who;
    bool links = part && strcmp(part, "links") == 0 && !who;
    if (part && !mailbox && !queues && !links) {
        term_error(_("usage: reset [--yes] [mailbox USER | queues | links]"));
        return 2;
    }
    char err[RT_ERROR_MAX];
    if (links) {
        netsim_rt_clear(r->rt);
        term_say("%s", _("Every link is up again, and no queue is kept full."));
        return 0;
    }
    const struct world_user *u = mailbox ? repl_find_user(r->rt->world, who) : NULL;
    if (mailbox && !u)
        return 1;
    char question[512];
    if (u)
        snprintf(question, sizeof question, _("Empty %1$s's mailbox on the server? [y/N] "),
                 u->address);
    else if (queues)
        snprintf(question, sizeof question, "%s", _("Empty every mail server's relay queue? [y/N] "));
    else
        snprintf(question, sizeof question, "%s",
                 _("Empty every mailbox and queue, and bring every link up? [y/N] "));
    if (!yes && !repl_confirm(r, question)) {
        printf("%s\n", _("Nothing was reset."));
        return 0;
    }
    if (u) {
        if (rt_reset_mailbox(r->rt, u->address, err) < 0) {
            term_error("%s", err);
            return 1;
        }
        term_say(_("%1$s's mailbox is empty."), u->address);
        return 0;
    }
    if (queues) {
        if (rt_reset_queues(r->rt, err) < 0) {
            term_error("%s", err);
            return 1;
        }
        term_say("%s", _("Every relay queue is empty: mail waiting there is gone."));
        return 0;
    }
    if (rt_reset(r->rt, err) < 0) {
        term_error("%s", err);
        return 1;
    }
    netsim_rt_clear(r->rt);
    term_say("%s", _("The world starts afresh: every mailbox and queue is empty, every link up."));
    return 0;
}

static int cmd_clear(struct repl *r, int argc, char **argv)
{
    (void)r;
    (void)argc;
    (void)argv;
    /* only a terminal has a screen to clear; in a transcript it is a no-op */
    if (isatty(STDOUT_FILENO))
        fputs("\033[H\033[2J", stdout);
    return 0;
}

const struct command repl_commands[] = {
    {.name = "help", .complete = "command", .paged = "", .args = "[COMMAND]", .help = N_("list the commands, or explain one"), .run = cmd_help},
    {.name = "quit", .help = N_("leave the tutor (also: exit, Ctrl-D)"), .run = cmd_quit},
    {.name = "exit", .help = N_("leave the tutor; after ssh, go back to the host you came from"), .run = cmd_exit},
    {.name = "clear", .help = N_("clear the screen"), .run = cmd_clear},
    {.name = "reset", .args = "[--yes] [mailbox USER|queues|links]", .opts = "--yes", .complete = "mailbox|queues|links user", .help = N_("start the world afresh: empty mailboxes and queues (asks first)"),
     .more = N_("reset mailbox USER empties one mailbox on its server; reset queues the mail servers' relay queues; reset links brings every link up and empties the queues \"congest\" filled. --yes does not ask."), .run = cmd_reset},
    {NULL},
};
