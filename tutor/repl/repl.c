/* repl — see repl.h. */
#include "repl.h"

#include "host/sandbox.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "completion.h"
#include "util/i18n.h"
#include "util/pager.h"
#include "clients/relay.h"
#include "util/term.h"

#define ESCAPE_CHAR 0x1d            /* Ctrl-], telnet's escape */
#define HISTORY_MAX 1000

const struct command *const repl_families[] = {repl_commands, net_commands, dns_commands,
                                               mail_commands, mua_commands, chain_commands,
                                               relay_commands, netsim_commands, lesson_commands,
                                               NULL};

/* readline's completion callbacks take no context: the one REPL is here. */
static struct repl *active;
static volatile sig_atomic_t got_sigint, got_hangup;

const struct command *repl_command(const char *name)
{
    for (size_t f = 0; repl_families[f]; f++)
        for (const struct command *c = repl_families[f]; c->name; c++)
            if (strcmp(c->name, name) == 0)
                return c;
    return NULL;
}

int repl_split(const char *line, char *buf, char **argv)
{
    int argc = 0;
    const char *p = line;
    char *o = buf;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || argc == REPL_ARGS_MAX)
            break;
        argv[argc++] = o;
        while (*p && *p != ' ' && *p != '\t') {
            if (*p == '"' || *p == '\'') {
                char q = *p++;
                while (*p && *p != q)
                    *o++ = *p++;
                if (!*p)
                    return -1;
                p++;
            } else {
                *o++ = *p++;
            }
        }
        *o++ = '\0';
    }
    return argc;
}

/* Whether `word` is one of the options in `opts` (struct command), and
 * whether it takes a value (the next word). */
static bool known_option(const char *opts, const char *word, bool *takes_value)
{
    size_t len = strlen(word);
    for (const char *o = opts ? opts : ""; *o;) {
        size_t n = strcspn(o, " =");
        bool valued = o[n] == '=';
        if (n == len && strncmp(o, word, n) == 0) {
            *takes_value = valued;
            return true;
        }
        o += n + valued;
        o += strspn(o, " ");
    }
    return false;
}

/* Looks at c's words as getopt would: 0 to run it, 1 when --help was
 * asked for (and shown), 2 for an unknown option or a missing value.
 * Words after "--" and the values of options are not options. */
static bool wants_pager(const struct command *c, int argc, char **argv)
{
    if (!c->paged)
        return false;
    if (!c->paged[0])
        return true;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], c->paged) == 0)
            return true;
    return false;
}

static int check_options(const struct command *c, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            return 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            repl_print_help(stdout, c);
            return 1;
        }
        if (a[0] != '-' || a[1] == '\0')
            continue;
        bool valued = false;
        if (!known_option(c->opts, a, &valued)) {
            term_error(_("%1$s: unknown option %2$s (\"%1$s --help\" lists its options)"),
                       c->name, a);
            return 2;
        }
        if (valued && ++i >= argc) {
            term_error(_("%1$s: %2$s needs a value (\"%1$s --help\" says which)"), c->name, a);
            return 2;
        }
    }
    return 0;
}

/* Edit distance between a and b (Levenshtein), up to short names. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 31 || lb > 31)
        return 99;
    size_t row[32];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* An unknown command, with the known ones nearest to it, as git does. */
static void unknown_command(const char *name)
{
    char near[256] = "";
    size_t best = 3;                    /* at most two edits away */
    for (size_t f = 0; repl_families[f]; f++)
        for (const struct command *c = repl_families[f]; c->name; c++) {
            size_t d = distance(name, c->name);
            if (d < best) {
                best = d;
                near[0] = '\0';
            }
            if (d == best && strlen(near) + strlen(c->name) + 3 < sizeof near)
                snprintf(near + strlen(near), sizeof near - strlen(near), "%s%s",
                         near[0] ? ", " : "", c->name);
        }
    if (near[0])
        term_error(_("%1$s: unknown command; did you mean %2$s? (\"help\" lists them all)"),
                   name, near);
    else
        term_error(_("%1$s: unknown command (type \"help\" for the list)"), name);
}

/* The words as the command reads them: "ipconfig/all" (as Windows takes
 * it) is "ipconfig" "/all", and an option's value written onto it
 * ("ping -c1", getopt's short form) is a word of its own. The new words
 * point into argv and into *w. */
struct words {
    char *v[2 * REPL_ARGS_MAX + 1];
    int n;
    char name[32];                      /* a command's name cut at '/' */
    char flags[REPL_ARGS_MAX][3];       /* "-c" cut from "-c1" */
};

static void normalise(int argc, char **argv, struct words *w)
{
    w->n = 0;
    const char *slash = strchr(argv[0], '/');
    size_t len = slash ? (size_t)(slash - argv[0]) : 0;
    if (len > 0 && len < sizeof w->name) {
        memcpy(w->name, argv[0], len);
        w->name[len] = '\0';
    }
    if (len > 0 && len < sizeof w->name && repl_command(w->name)) {
        w->v[w->n++] = w->name;
        w->v[w->n++] = (char *)slash;
    } else {
        w->v[w->n++] = argv[0];
    }
    const struct command *c = repl_command(w->v[0]);
    bool options = c != NULL;
    for (int i = 1; i < argc && i < REPL_ARGS_MAX; i++) {
        const char *a = argv[i];
        bool valued = false;
        if (strcmp(a, "--") == 0)
            options = false;
        if (options && a[0] == '-' && a[1] && a[1] != '-' && a[2]) {
            char *flag = w->flags[i];
            flag[0] = a[0];
            flag[1] = a[1];
            flag[2] = '\0';
            if (known_option(c->opts, flag, &valued) && valued) {
                w->v[w->n++] = flag;
                w->v[w->n++] = argv[i] + 2;
                continue;
            }
        }
        w->v[w->n++] = argv[i];
        if (options && known_option(c->opts, a, &valued) && valued && i + 1 < argc &&
            i + 1 < REPL_ARGS_MAX)
            w->v[w->n++] = argv[++i];   /* a value is never an option */
    }
    w->v[w->n] = NULL;
}

int repl_run_argv(struct repl *r, int argc, char **argv)
{
    if (argc == 0)
        return 0;
    struct words w;
    normalise(argc, argv, &w);
    argc = w.n;
    argv = w.v;
    const struct command *c = repl_command(argv[0]);
    /* what the student did, for a lesson's checks: a command refused
     * (unknown, or used wrongly) is a mistake a lesson may point out, so
     * it is noted too; the lesson's own commands steer the tutor and
     * are not the work */
    long noted = -1;
    if (r->rt->transcript && !(c && c->steers)) {
        char text[TRANSCRIPT_TEXT_MAX];
        size_t used = 0;
        for (int i = 0; i < argc && used < sizeof text; i++)
            used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", i ? " " : "", argv[i]);
        const struct world_node *at = rt_here(r->rt);
        noted = transcript_add(r->rt->transcript, TS_COMMAND, 0, c ? 0 : 1, argv[0],
                               at->hostname ? at->hostname : at->name, text,
                               used < sizeof text ? used : sizeof text - 1, NULL);
    }
    if (!c) {
        unknown_command(argv[0]);
        fflush(stdout);
        return 1;
    }
    int rc = check_options(c, argc, argv);
    const struct world_node *h = r->rt->here;
    if (rc == 0 && c->on_pc && h) {
        const struct world_node *pc = world_node(r->rt->world, r->rt->world->student);
        term_error(_("%1$s: the mail client is on your PC (%2$s), and you are on %3$s: "
                     "\"exit\" goes back"),
                   argv[0], pc->hostname ? pc->hostname : pc->name, h->hostname ? h->hostname : h->name);
        rc = -1;
    }
    if (rc == 0) {
        sbx_clear_interrupt();          /* a Ctrl-C at the prompt is spent */
        bool paged = wants_pager(c, argc, argv) && pager_begin();
        rc = c->run(r, argc, argv);
        if (paged)
            pager_end();
        repl_run_queue(r);
    } else if (rc == 1) {
        rc = 0;                         /* the help asked for is shown */
        transcript_set_rc(r->rt->transcript, noted, 2);     /* but nothing ran */
        noted = -1;
    } else if (rc < 0) {
        rc = 1;
    }
    transcript_set_rc(r->rt->transcript, noted, rc);
    fflush(stdout);
    return rc;
}

int repl_run_line(struct repl *r, const char *line)
{
    char *buf = malloc(strlen(line) + 1);
    char *argv[REPL_ARGS_MAX + 1];
    if (!buf)
        return 1;
    /* a comment is not split: its quotes need not match */
    int argc = line[strspn(line, " \t")] == '#' ? 0 : repl_split(line, buf, argv);
    int rc = 0;
    if (argc < 0) {
        term_error(_("a quote is not closed"));
        rc = 1;
    } else if (argc > 0) {
        argv[argc] = NULL;
        rc = repl_run_argv(r, argc, argv);
    }
    free(buf);
    fflush(stdout);
    return rc;
}

void repl_run_queue(struct repl *r)
{
    struct relay_stats st;
    char err[RT_ERROR_MAX];
    if (relay_run(r->rt, &st, err) < 0) {
        term_error("%s", err);
        return;
    }
    if (st.sent)
        term_info(ngettext("the mail servers relayed %1$d message (\"mailq\" shows the dialogue)",
                           "the mail servers relayed %1$d messages (\"mailq\" shows the dialogue)",
                           (unsigned long)st.sent), st.sent);
    if (st.deferred)
        term_info(ngettext("%1$d message could not be relayed yet (\"mailq\" tells why)",
                           "%1$d messages could not be relayed yet (\"mailq\" tells why)",
                           (unsigned long)st.deferred), st.deferred);
    if (st.bounced)
        term_info(ngettext("%1$d message could not be delivered and went back to its sender",
                           "%1$d messages could not be delivered and went back to their senders",
                           (unsigned long)st.bounced), st.bounced);
}

/* ------------------------------------------------------------------------
 * Reading lines.
 */
static char *read_typed(struct repl *r, const char *prompt, size_t *len);

static char *read_plain(size_t *len)
{
    char *line = NULL;
    size_t cap = 0;
    /* whatever drives us through a pipe must see the output before it
     * writes the next line */
    fflush(stdout);
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0) {
        free(line);
        return NULL;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    if (len)
        *len = (size_t)n;
    /* "^]" typed as two characters is the escape where Ctrl-] cannot be */
    if (strcmp(line, "^]") == 0) {
        line[0] = ESCAPE_CHAR;
        line[1] = '\0';
    }
    return line;
}

/* The next line of a replay, as read_plain would give it. */
static char *read_replay(struct repl *r, size_t *len)
{
    if (r->replay_at < r->replay_n && r->replay_lens[r->replay_at] == (size_t)-1) {
        /* where a later session began: whatever reads a dialogue's line
         * sees the end of input, as the student's tutor did then; the
         * prompt starts again on the PC, as a fresh login */
        if (!r->prompt_line)
            return NULL;
        r->replay_at++;
        r->rt->here = NULL;
        r->hops = 0;
        return read_replay(r, len);
    }
    if (r->replay_at == r->replay_n)
        return NULL;
    size_t n = r->replay_lens[r->replay_at];
    char *line = malloc(n + 1);
    if (!line)
        return NULL;
    memcpy(line, r->replay[r->replay_at++], n + 1);
    if (len)
        *len = n;
    if (strcmp(line, "^]") == 0) {
        line[0] = ESCAPE_CHAR;
        line[1] = '\0';
    }
    return line;
}

char *repl_read_line(struct repl *r, const char *prompt, size_t *len)
{
    if (r->replay)
        return read_replay(r, len);
    size_t got = 0;
    char *line = read_typed(r, prompt, &got);
    if (line)
        repl_typed(r, line, got);
    if (len)
        *len = got;
    return line;
}

static char *read_typed(struct repl *r, const char *prompt, size_t *len)
{
    if (!r->tty)
        return read_plain(len);
    char *line = got_hangup ? NULL : readline(prompt);
    if (got_hangup) {
        free(line);                     /* half typed when the terminal went */
        return NULL;
    }
    if (line)
        *len = strlen(line);
    /* readline moves to a new line for an empty one only when a prompt
     * is on it: in a dialogue (no prompt, as telnet has none) the empty
     * line after a header would not show, so it is shown here */
    if (line && !*line && !*prompt) {
        putchar('\n');
        fflush(stdout);
    }
    if (line && *line && line[0] != ESCAPE_CHAR && !r->verbs)
        add_history(line);
    return line;
}

bool repl_confirm(struct repl *r, const char *question)
{
    if (!r->tty)
        return true;                    /* a script has said what it wants */
    char *answer = readline(question);
    bool yes = answer && (answer[0] == 'y' || answer[0] == 'Y');
    if (!answer)
        putchar('\n');
    free(answer);
    return yes;
}

/* Called by readline once the prompt is shown and the terminal is its
 * own (raw): from here a key typed is readline's, not the terminal
 * driver's to echo, so this is when a presenter may start typing. */
static int on_pre_input(void)
{
    term_mark_ready();
    return 0;
}

/* Ctrl-] ends the line at once and marks it as the escape. */
static int on_escape(int count, int key)
{
    (void)count;
    (void)key;
    rl_replace_line("\035", 0);
    rl_done = 1;
    return 0;
}

/* ------------------------------------------------------------------------
 * Ctrl-C: the handler only sets a flag; readline's signal event hook,
 * which runs outside the handler, clears the line (the Lua REPL's way:
 * never do real work in a signal handler).
 */
static void on_sigint(int sig)
{
    (void)sig;
    got_sigint = 1;
    /* a server script running now ends at its next instruction */
    sbx_interrupt();
}

/* A closed terminal (SIGHUP): the prompt ends as at Ctrl-D, so that
 * repl_close keeps the history, as bash does. (SIGTERM keeps its default:
 * a kill is a kill.) */
static void on_hangup(int sig)
{
    (void)sig;
    got_hangup = 1;
    sbx_interrupt();
}

static int on_signal_event(void)
{
    if (got_hangup) {
        rl_done = 1;
        return 0;
    }
    if (got_sigint) {
        got_sigint = 0;
        rl_free_line_state();
        rl_replace_line("", 0);
        rl_crlf();
        rl_on_new_line();
        rl_redisplay();
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Completion.
 */
/* The words Tab may complete to, copies, freed at the next Tab. */
static char **candidates;
static size_t n_candidates;

static void add_candidate(const char *s, size_t len, void *ud)
{
    (void)ud;
    char **c = realloc(candidates, (n_candidates + 1) * sizeof *c);
    char *copy = strndup(s, len);
    if (!c || !copy) {
        free(copy);
        if (c)
            candidates = c;
        return;
    }
    candidates = c;
    candidates[n_candidates++] = copy;
}

static void forget_candidates(void)
{
    for (size_t i = 0; i < n_candidates; i++)
        free(candidates[i]);
    n_candidates = 0;
}

static char *next_candidate(const char *text, int state)
{
    static size_t i;
    if (state == 0)
        i = 0;
    size_t len = strlen(text);
    while (i < n_candidates) {
        const char *c = candidates[i++];
        if (strncasecmp(c, text, len) == 0)
            return strdup(c);
    }
    return NULL;
}

/* Inside a dialogue the protocol's verbs; else a command's name, its
 * options, or what its argument at this position is (completion.h: the
 * same table the shells' completion is written from). */
static char **complete(const char *text, int start, int end)
{
    (void)end;
    forget_candidates();
    rl_attempted_completion_over = 1;       /* never fall back to file names */
    const struct world *w = active->rt->world;
    if (active->verbs) {
        if (start == 0)
            for (const char *const *v = active->verbs; *v; v++)
                add_candidate(*v, strlen(*v), NULL);
        return rl_completion_matches(text, next_candidate);
    }
    /* the words before the one being completed */
    char *copy = strndup(rl_line_buffer, (size_t)start);
    char *argv[REPL_ARGS_MAX + 1];
    char *buf = copy ? malloc(strlen(copy) + 1) : NULL;
    int argc = buf ? repl_split(copy, buf, argv) : -1;
    if (argc <= 0) {
        completion_kind(w, "command", strlen("command"), add_candidate, NULL);
    } else {
        const struct command *c = repl_command(argv[0]);
        if (c && text[0] == '-') {
            for (const char *o = c->opts ? c->opts : ""; *o;) {
                o += strspn(o, " ");
                size_t n = strcspn(o, " ");
                if (n)
                    add_candidate(o, o[n - 1] == '=' ? n - 1 : n, NULL);
                o += n;
            }
            add_candidate("--help", 6, NULL);
        } else if (c) {
            /* options and the values of those that take one do not count */
            int pos = 0;
            for (int i = 1; i < argc; i++) {
                if (argv[i][0] == '@')
                    continue;               /* dig's @SERVER */
                if (argv[i][0] != '-') {
                    pos++;
                    continue;
                }
                char want[64];
                snprintf(want, sizeof want, " %s= ", argv[i]);
                char opts[512];
                snprintf(opts, sizeof opts, " %s ", c->opts ? c->opts : "");
                if (strstr(opts, want))
                    i++;
            }
            completion_arguments(w, c, pos, add_candidate, NULL);
        }
    }
    free(buf);
    free(copy);
    return rl_completion_matches(text, next_candidate);
}

/* Tab in a dialogue: in the first word it completes a protocol verb
 * ("HE" Tab: HELO); anywhere else, on an empty line above all, it is a
 * Tab, as telnet sends it: a folded header line starts with one. */
static int on_tab(int count, int key)
{
    if (active && active->verbs) {
        bool first_word = rl_point > 0;
        for (int i = 0; i < rl_point && first_word; i++)
            first_word = rl_line_buffer[i] != ' ' && rl_line_buffer[i] != '\t';
        if (!first_word)
            return rl_insert_text("\t") >= 0 ? 0 : 1;
    }
    return rl_complete(count, key);
}

/* ------------------------------------------------------------------------
 * Life cycle.
 */
void repl_open(struct repl *r, struct runtime *rt, const char *state_root)
{
    memset(r, 0, sizeof *r);
    r->rt = rt;
    r->tty = isatty(STDIN_FILENO);
    active = r;
    if (!r->tty)
        return;
    snprintf(r->history, sizeof r->history, "%s/history", state_root);
    rl_readline_name = "tutor";
    rl_attempted_completion_function = complete;
    /* words break at spaces and quotes only: bob@b.example is one */
    rl_completer_word_break_characters = " \t\n\"'";
    rl_bind_key(ESCAPE_CHAR, on_escape);
    rl_bind_key('\t', on_tab);
    rl_signal_event_hook = on_signal_event;
    rl_pre_input_hook = on_pre_input;
    struct sigaction sa = {0};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);           /* no SA_RESTART: reads return */
    sa.sa_handler = on_hangup;
    sigaction(SIGHUP, &sa, NULL);
    using_history();
    stifle_history(HISTORY_MAX);
    read_history(r->history);
}

void repl_open_replay(struct repl *r, struct runtime *rt, char *const *lines, const size_t *lens,
                      size_t n)
{
    memset(r, 0, sizeof *r);
    r->rt = rt;
    r->replay = lines;
    r->replay_lens = lens;
    r->replay_n = n;
}

void repl_close(struct repl *r)
{
    repl_lesson_end(r);
    if (active != r)
        return;                         /* a replay's: no readline state */
    if (r->tty && r->history[0]) {
        /* to a temporary name, then rename: a crash keeps the old file */
        char tmp[PATH_MAX + 8];
        snprintf(tmp, sizeof tmp, "%s.tmp", r->history);
        if (write_history(tmp) == 0)
            rename(tmp, r->history);
    }
    free(candidates);
    candidates = NULL;
    n_candidates = 0;
    active = NULL;
}

int repl_loop(struct repl *r)
{
    int failures = 0;
    if (r->tty) {
        fputs(_("Welcome to tutor, a classroom of the Internet in one program.\n"
                "Type \"help\" for the commands, \"quit\" or Ctrl-D to leave.\n"), stdout);
    }
    while (!r->quit) {
        /* the prompt names the host when ssh has moved it off the PC */
        char prompt[300] = "tutor> ";
        const struct world_node *h = r->rt->here;
        if (h)
            snprintf(prompt, sizeof prompt, "tutor@%s> ", h->hostname ? h->hostname : h->name);
        r->prompt_line = true;
        char *line = repl_read_line(r, prompt, NULL);
        r->prompt_line = false;
        if (!line) {
            if (r->tty)
                putchar('\n');
            break;
        }
        if (line[0] != ESCAPE_CHAR) {
            failures += repl_run_line(r, line);
            repl_after_line(r);
        }
        free(line);
    }
    return failures ? 1 : 0;
}
