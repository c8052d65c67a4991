/*
 * present_notes — `tutor present --notes`: the instructor's second screen
 * (the laptop, not the projector). It reads the file the presenter
 * rewrites at every step (present.c, publish) and shows the step, its
 * notes, the command it types and the one after, the traps worth
 * provoking and the question it holds a reply for. A file, not a socket:
 * either side may start first, and a presenter never waits for a reader.
 */
#include "present.h"

#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "pty_child.h"
#include "util/fsutil.h"
#include "util/i18n.h"
#include "util/term.h"

#define POLL_MS 200                     /* how often the file is read again */

static const char *field(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* A labelled text of many lines, each wrapped to the screen. */
static void block(const char *label, const char *text, int cols)
{
    if (!*text)
        return;
    printf("%s\n", label);
    char *copy = strdup(text);
    if (!copy)
        return;
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        fputs("  ", stdout);
        term_wrap(stdout, line, 2, 4, cols - 1);
    }
    free(copy);
}

static void render(const json_t *o, bool tty, int cols)
{
    const char *mode = field(o, "mode");
    long long step = json_integer_value(json_object_get(o, "step"));
    long long of = json_integer_value(json_object_get(o, "of"));
    if (tty)
        fputs("\033[0m\033[H\033[2J", stdout);
    printf("%s\n", field(o, "title")[0] ? field(o, "title") : field(o, "source"));
    if (strcmp(mode, "end") == 0 || step > of)
        printf(_("The end of the demo (%1$lld steps).\n"), of);
    else
        printf(_("Step %1$lld of %2$lld: %3$s\n"), step, of, field(o, "heading"));
    if (strcmp(mode, "takeover") == 0)
        printf("%s\n", _("(the instructor is typing)"));
    else if (strcmp(mode, "rewinding") == 0)
        printf("%s\n", _("(going back: the world afresh)"));
    else if (strcmp(mode, "ended") == 0)
        printf("%s\n", _("(the presentation has ended)"));
    putchar('\n');
    if (strcmp(field(o, "kind"), "pause") == 0)
        printf("%s\n", _("A pause: a key goes on."));
    else if (field(o, "command")[0])
        printf(_("Types:   %1$s\n"), field(o, "command"));
    if (field(o, "then")[0])
        printf(_("Then:    %1$s\n"), field(o, "then"));
    if (field(o, "predict")[0])
        printf(_("Holds the reply and asks: %1$s\n"), field(o, "predict"));
    putchar('\n');
    block(_("Notes:"), field(o, "notes"), cols);
    block(_("Traps worth provoking:"), field(o, "traps"), cols);
    if (tty)
        printf("\n%s", _("q quits"));
    else
        puts("----");
    fflush(stdout);
}

int present_notes_follow(const char *path, const char *source)
{
    bool tty = isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
    pty_catch_signals(true);
    if (tty)
        pty_raw_enter(true);
    char *shown = NULL;
    bool live = false;                  /* a presentation seen running */
    bool waiting_said = false;
    int rc = 0;
    while (!pty_ended) {
        int rows, cols;
        pty_term_size(&rows, &cols);
        char *text = fs_read_file(path, NULL);
        json_t *o = text ? json_loads(text, 0, NULL) : NULL;
        const char *mode = o ? field(o, "mode") : "";
        /* a file a finished presentation left: not this one's */
        bool stale = o && (strcmp(mode, "ended") == 0 ||
                           kill((pid_t)json_integer_value(json_object_get(o, "pid")), 0) != 0);
        if (o && !(stale && !live)) {
            if (!shown || strcmp(shown, text) != 0 || pty_resized) {
                pty_resized = 0;
                render(o, tty, cols);
                free(shown);
                shown = text;
                text = NULL;
            }
            live = true;
            if (stale && !tty) {
                json_decref(o);
                free(text);
                break;                  /* off a terminal, the end of the show ends it */
            }
        } else if (!waiting_said) {
            if (tty)
                fputs("\033[0m\033[H\033[2J", stdout);
            printf(_("Waiting for \"tutor present %1$s\" in another terminal...\n"), source);
            fflush(stdout);
            waiting_said = true;
        }
        json_decref(o);
        free(text);
        struct pollfd in = {STDIN_FILENO, POLLIN, 0};
        if (poll(&in, tty ? 1 : 0, POLL_MS) > 0) {
            char c;
            if (read(STDIN_FILENO, &c, 1) <= 0 || c == 'q' || c == 'Q' || c == 0x03)
                break;
        }
    }
    if (tty) {
        fputs("\033[0m\r\n", stdout);
        pty_raw_leave();
    }
    free(shown);
    return rc;
}
