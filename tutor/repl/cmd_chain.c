/* cmd_chain — chain mail, the lecture's topic 16: "send this to five
 * friends". Each one who gets it sends it on to N others; generation by
 * generation the mail grows N, N^2, N^3 ..., the lecture's 9,765,625 after
 * ten generations of five. `chain` draws that growth as it happens, a bar
 * a generation, until the student has the courage to stop it (a key on a
 * terminal, --stop-at G in a script) and sees it end there.
 *
 * A model, not mail: the numbers are the arithmetic of the chain; what
 * the world could hold is said beside them (its users, its mail servers'
 * share of each generation). The chain's first link is real mail, sent
 * with `forward`. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "repl.h"
#include "util/i18n.h"
#include "util/term.h"

#define CHAIN_GENERATIONS_MAX 20
#define CHAIN_FANOUT_MAX 20
#define CHAIN_BAR_MAX 30            /* cells of the longest bar */
#define CHAIN_PAUSE_MS 700          /* between generations, on a terminal */

/* "9,765,625": the thousands apart, as the lecture writes the number. */
static void grouped(unsigned long long v, char out[32])
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu", v), o = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

static bool parse_count(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* A key pressed within `ms`: the student stops the chain. The terminal
 * is in keys mode meanwhile (keys_mode), so a key is read at once and not
 * echoed into the chart. */
static bool stopped_by_key(int ms)
{
    struct pollfd p = {STDIN_FILENO, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0)
        return false;
    char c[64];
    return read(STDIN_FILENO, c, sizeof c) > 0;
}

/* Keys one at a time, unechoed (on), or the terminal as it was (off). */
static void keys_mode(bool on)
{
    static struct termios saved;
    static bool changed;
    if (on && tcgetattr(STDIN_FILENO, &saved) == 0) {
        struct termios t = saved;
        t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        changed = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
        term_mark_keys();
    } else if (!on && changed) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        changed = false;
    }
}

static size_t mail_servers(const struct world *w)
{
    size_t n = 0;
    for (size_t i = 0; i < w->n_nodes; i++)
        n += w->nodes[i].n_mail_domains > 0;
    return n ? n : 1;
}

static int cmd_chain(struct repl *r, int argc, char **argv)
{
    long fanout = 5, generations = 10, stop_at = 0;
    for (int i = 1; i < argc; i++) {
        long *slot = strcmp(argv[i], "--fanout") == 0        ? &fanout
                     : strcmp(argv[i], "--generations") == 0 ? &generations
                     : strcmp(argv[i], "--stop-at") == 0     ? &stop_at
                                                             : NULL;
        long hi = slot == &fanout ? CHAIN_FANOUT_MAX : CHAIN_GENERATIONS_MAX;
        if (!slot || i + 1 >= argc || !parse_count(argv[i + 1], slot == &fanout ? 2 : 1, hi, slot)) {
            term_error(_("usage: chain [--fanout N (2-%1$d)] [--generations G (1-%2$d)] "
                         "[--stop-at G]"),
                       CHAIN_FANOUT_MAX, CHAIN_GENERATIONS_MAX);
            return 2;
        }
        i++;
    }
    /* the last generation's number must fit a 64-bit count */
    if (pow((double)fanout, (double)generations) > 1e18) {
        term_error(_("chain: %1$ld generations of %2$ld are more mail than can be counted "
                     "(more than 10^18)"),
                   generations, fanout);
        return 2;
    }
    const struct world *w = r->rt->world;
    size_t servers = mail_servers(w);
    bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);

    printf(_("Chain mail: each one who gets it sends it on to %1$ld people.\n"), fanout);
    if (tty && !stop_at)
        printf("%s\n", _("Press a key to stop it: have the courage not to send it on."));
    printf(_("This world has %1$zu users and %2$zu mail servers; the numbers below are the\n"
             "chain's arithmetic, not mail sent.\n\n"),
           w->n_users, servers);
    /* headings right-aligned over the numbers, by display width (Japanese) */
    const char *heads[] = {_("gen"), _("new mail"), _("in all"), _("per server")};
    for (size_t i = 0; i < 4; i++) {
        int width = i == 0 ? 4 : 14;
        for (int k = term_width(heads[i]); k < width; k++)
            putchar(' ');
        fputs(heads[i], stdout);
    }
    putchar('\n');

    bool keys = tty && !stop_at;
    if (keys)
        keys_mode(true);
    unsigned long long fresh = 1, total = 0, last_total = 0;
    double top = pow((double)fanout, (double)generations);
    long stopped = 0;
    for (long g = 1; g <= generations; g++) {
        if (!stopped) {
            fresh *= (unsigned long long)fanout;
            total += fresh;
        }
        char a[32], b[32], c[32];
        grouped(stopped ? 0 : fresh, a);
        grouped(total, b);
        grouped(stopped ? 0 : (fresh + servers - 1) / servers, c);
        printf("%4ld %13s %13s %13s  ", g, a, b, c);
        /* a log scale: every cell is the same factor more mail */
        int cells = stopped ? 0 : (int)lround(log((double)fresh) / log(top) * CHAIN_BAR_MAX);
        for (int k = 0; k < cells; k++)
            fputs("\u2588", stdout);
        if (stopped)
            fputs(_("stopped"), stdout);
        putchar('\n');
        fflush(stdout);
        last_total = total;
        if (!stopped && g < generations &&
            ((stop_at && g == stop_at) || (keys && stopped_by_key(CHAIN_PAUSE_MS))))
            stopped = g;
    }
    if (keys)
        keys_mode(false);
    char t[32], all[32];
    grouped(last_total, t);
    unsigned long long whole = 0, f = 1;
    for (long g = 1; g <= generations; g++) {
        f *= (unsigned long long)fanout;
        whole += f;
    }
    grouped(whole, all);
    putchar('\n');
    if (stopped)
        printf(_("Stopped after generation %1$ld: %2$s mails in all, not %3$s. One person\n"
                 "who does not send it on ends the whole branch below them.\n"),
               stopped, t, all);
    else
        printf(_("%1$s mails after %2$ld generations, from one letter: each generation is\n"
                 "%3$ld times the one before, and no mail server, no mailbox keeps up.\n"),
               all, generations, fanout);
    return 0;
}

const struct command chain_commands[] = {
    {.name = "chain", .opts = "--fanout= --generations= --stop-at=",
     .args = "[--fanout N] [--generations G] [--stop-at G]",
     .help = N_("watch chain mail grow, generation by generation, and stop it"),
     .more = N_("Each one who gets the letter sends it on to N others (--fanout, 5 as in the lecture), for G generations (--generations, 10): 5, 25, 125 ... 9,765,625 new mails in the tenth. Bars are on a log scale: each cell is the same factor more.\n"
                "On a terminal, a key stops it; --stop-at G stops it after generation G. A model: the numbers are the chain's arithmetic, not mail sent (\"forward N TO...\" sends the first link for real)."),
     .run = cmd_chain},
    {NULL},
};
