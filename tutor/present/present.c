/* present — see present.h. */
#include "present.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cast_write.h"
#include "demo.h"
#include "lesson/lesson.h"
#include "pty_child.h"
#include "util/fsutil.h"
#include "util/i18n.h"
#include "util/term.h"

#define CHUNK_MAX 8192                  /* bytes read from the child at a time */
#define REWIND_WAIT_MS 5000             /* for a prompt between lines typed again */
#define STATUS_MAX 1024                 /* bytes of the status line */

/* The presenter's keys; in the instructor's hands (take-over) only
 * KEY_TAKE_OVER and KEY_QUIT are the presenter's. */
#define KEY_BACK 0x02                   /* Ctrl-B */
#define KEY_NEXT 0x0e                   /* Ctrl-N: skip the step */
#define KEY_PREDICT 0x10                /* Ctrl-P: hold the next reply */
#define KEY_QUIT 0x11                   /* Ctrl-Q */
#define KEY_TAKE_OVER 0x14              /* Ctrl-T */

enum hold { HOLD_NONE, HOLD_ARMED, HOLD_ON };

struct present {
    struct demo d;
    const char *source;                 /* the DEMO or LESSON as given */
    char notes_path[4096];
    char state_dir[PATH_MAX];           /* the fresh world's XDG_STATE_HOME */
    char *argv[16];                     /* the child's words */
    char env_state[PATH_MAX + 32];      /* "XDG_STATE_HOME=..." */
    struct pty_child child;
    struct cast_writer cast;
    int rows, cols;
    size_t step;                        /* the next step to play, d.n at the end */
    size_t typed;                       /* bytes of its command typed */
    bool ready;                         /* the child waits for a line */
    bool keys;                          /* a command of the child's reads keys itself */
    unsigned char queue[64];            /* keys pressed while the child was busy */
    size_t nqueue;
    bool takeover;                      /* the instructor types */
    bool hold_next;                     /* Ctrl-P: the next reply is held */
    enum hold hold;
    const char *question;               /* asked while the reply is held */
    struct textbuf held;                /* the reply, held */
    struct textbuf sent;                /* every byte typed into the child */
    size_t *marks;                      /* sent.len when step i's typing began */
    size_t rewind_to, rewound;          /* stepping back: sent[rewound..rewind_to) to type */
    long long rewind_since;             /* ms, when the last line was typed again */
    int speed;                          /* bytes a key types; 0: the whole command */
    char carry[TERM_MARK_MAX];          /* the start of a mark a read cut short */
    size_t ncarry;
};

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* What the room sees: the terminal, and the recording. */
static void show(struct present *p, const void *s, size_t n)
{
    pty_write_all(STDOUT_FILENO, s, n);
    cast_output(&p->cast, s, n);
}

static void show_str(struct present *p, const char *s) { show(p, s, strlen(s)); }

/* ------------------------------------------------------------------------
 * The status line, the screen's last row: the child's terminal is a row
 * shorter, and the scroll region keeps its lines off it.
 */
static void status_text(const struct present *p, char *out, size_t size)
{
    size_t n = p->d.n;
    if (p->rewound < p->rewind_to)
        snprintf(out, size, "%s", _("going back: the world afresh, the steps typed again..."));
    else if (p->takeover)
        snprintf(out, size, "%s", _("you type; ^T gives the demo back, ^Q quits"));
    else if (p->hold == HOLD_ON)
        snprintf(out, size, "%s", _("? any key shows the answer"));
    else if (p->step >= n)
        snprintf(out, size, _("%1$zu/%2$zu the end: ^B back, ^T type, ^Q quits"), n, n);
    else {
        const struct demo_step *s = &p->d.steps[p->step];
        snprintf(out, size, _("%1$zu/%2$zu %3$s%4$s| Enter runs ^B back ^T type ^P hold ^N skip "
                              "^Q quit"),
                 p->step + 1, n, s->heading,
                 p->hold_next || s->predict ? _(" (held) ") : " ");
    }
}

static void draw_status(struct present *p)
{
    if (p->rows < 3)
        return;
    char text[STATUS_MAX];
    status_text(p, text, sizeof text);
    char *line = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&line, &len);
    if (!f)
        return;
    /* saved and restored around it: the child's cursor stays its own */
    fprintf(f, "\0337\033[%d;1H\033[0m%s ", p->rows, term_projector() ? "\033[1;7m" : "\033[7m");
    term_fit(f, text, p->cols - 1);
    fputs("\033[0m\0338", f);
    fclose(f);
    show(p, line, len);
    free(line);
}

/* The scroll region: every row but the status line's. */
static void set_region(struct present *p)
{
    char s[64];
    snprintf(s, sizeof s, "\0337\033[1;%dr\0338", p->rows > 2 ? p->rows - 1 : p->rows);
    show_str(p, s);
}

/* ------------------------------------------------------------------------
 * The notes the second terminal follows.
 */
static void publish(struct present *p, const char *mode)
{
    json_t *o = json_object();
    const struct demo_step *s = p->step < p->d.n ? &p->d.steps[p->step] : NULL;
    json_object_set_new(o, "source", json_string(p->source));
    json_object_set_new(o, "title", json_string(p->d.title));
    json_object_set_new(o, "mode", json_string(mode));
    json_object_set_new(o, "step", json_integer((json_int_t)p->step + 1));
    json_object_set_new(o, "of", json_integer((json_int_t)p->d.n));
    json_object_set_new(o, "pid", json_integer(getpid()));
    if (s) {
        json_object_set_new(o, "heading", json_string(s->heading));
        json_object_set_new(o, "kind", json_string(s->kind == DEMO_PAUSE ? "pause" : "command"));
        json_object_set_new(o, "command", json_string(s->command));
        json_object_set_new(o, "notes", json_string(s->notes));
        json_object_set_new(o, "traps", json_string(s->traps));
        json_object_set_new(o, "predict", s->predict ? json_string(s->predict) : json_null());
    }
    if (p->step + 1 < p->d.n)
        json_object_set_new(o, "then", json_string(p->d.steps[p->step + 1].command));
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (text) {
        char err[FS_ERROR_MAX];
        fs_write_atomic(p->notes_path, text, strlen(text), err);      /* best effort */
        free(text);
    }
}

/* ------------------------------------------------------------------------
 * The child.
 */
static void type(struct present *p, const char *s, size_t n)
{
    textbuf_add(&p->sent, s, n);
    pty_child_send(&p->child, s, n);
}

static int start_child(struct present *p, char err[PTY_ERROR_MAX])
{
    char ferr[FS_ERROR_MAX];
    if (fs_remove_tree(p->state_dir, ferr) < 0 || fs_mkdirs(p->state_dir, ferr) < 0) {
        snprintf(err, PTY_ERROR_MAX, "%s", ferr);
        return -1;
    }
    char *env[] = {p->env_state, (char *)"TUTOR_PRESENT=1", NULL};
    p->ready = p->keys = false;
    p->ncarry = p->nqueue = 0;
    return pty_child_start(&p->child, p->argv, env, p->rows > 2 ? p->rows - 1 : p->rows, p->cols,
                           err);
}

/* The mark at s[0..n) (s[0] is ESC): its length, with *word and *wlen
 * its word; 0 when it is no mark; -1 when it may be one cut short (the
 * rest comes with the next read). */
static int mark_at(const char *s, size_t n, const char **word, size_t *wlen)
{
    static const char prefix[] = TERM_MARK_PREFIX;
    const size_t plen = sizeof prefix - 1;
    if (memcmp(s, prefix, n < plen ? n : plen) != 0)
        return 0;
    if (n < plen)
        return -1;
    const char *end = memchr(s + plen, TERM_MARK_END, n - plen);
    if (!end)
        return n < TERM_MARK_MAX ? -1 : 0;
    *word = s + plen;
    *wlen = (size_t)(end - *word);
    return (int)(end - s) + 1;
}

/* The child's output, its marks taken out (and noted), a held reply
 * kept back. */
static void child_output(struct present *p, const char *buf, size_t n)
{
    char joined[CHUNK_MAX + TERM_MARK_MAX];
    memcpy(joined, p->carry, p->ncarry);
    memcpy(joined + p->ncarry, buf, n);
    n += p->ncarry;
    p->ncarry = 0;
    size_t out = 0;                     /* joined[0..out) is what remains, marks removed */
    for (size_t i = 0; i < n;) {
        const char *word;
        size_t wlen;
        int m = joined[i] == '\033' ? mark_at(joined + i, n - i, &word, &wlen) : 0;
        if (m < 0) {
            memcpy(p->carry, joined + i, n - i);
            p->ncarry = n - i;
            break;
        }
        if (m > 0) {
            if (wlen == 5 && memcmp(word, "ready", 5) == 0) {
                p->ready = true;
                p->keys = false;
            } else if (wlen == 4 && memcmp(word, "keys", 4) == 0) {
                p->keys = true;
            }
            i += (size_t)m;
            continue;
        }
        joined[out++] = joined[i++];
    }
    const char *s = joined;
    size_t len = out;
    if (p->hold == HOLD_ARMED) {
        /* the echo of the Enter goes through; what follows is the reply */
        const char *nl = memchr(s, '\n', len);
        if (!nl) {
            show(p, s, len);
            return;
        }
        size_t head = (size_t)(nl - s) + 1;
        show(p, s, head);
        s += head;
        len -= head;
        p->hold = HOLD_ON;
        char q[1024];
        snprintf(q, sizeof q, "%s  \xe2\x96\xb6 %s %s\033[0m", term_projector() ? "\033[1;93m" : "\033[1;33m",
                 p->question, _("(a key shows it)"));
        show_str(p, q);
        draw_status(p);
    }
    if (p->hold == HOLD_ON) {
        textbuf_add(&p->held, s, len);
        return;
    }
    show(p, s, len);
}

static void release(struct present *p)
{
    p->hold = HOLD_NONE;
    show_str(p, "\r\033[2K");           /* the question goes */
    show(p, p->held.p, p->held.len);
    p->held.len = 0;
}

/* ------------------------------------------------------------------------
 * The steps.
 */
static void marker(struct present *p)
{
    const struct demo_step *s = &p->d.steps[p->step];
    char label[DEMO_LINE_MAX + 300];
    snprintf(label, sizeof label, "%zu/%zu %s%s%s", p->step + 1, p->d.n, s->heading,
             s->heading[0] ? ": " : "", s->kind == DEMO_PAUSE ? _("(pause)") : s->command);
    cast_marker(&p->cast, label);
}

/* The step begins: its mark for going back, its marker in the recording. */
static void begin_step(struct present *p)
{
    p->marks[p->step] = p->sent.len;
    marker(p);
}

static void next_step(struct present *p)
{
    p->step++;
    p->typed = 0;
    publish(p, p->step >= p->d.n ? "end" : "typing");
    draw_status(p);
}

/* Enter: the rest of the command typed, and run. */
static void run_command(struct present *p)
{
    const struct demo_step *s = &p->d.steps[p->step];
    size_t len = strlen(s->command);
    if (p->typed == 0)
        begin_step(p);
    type(p, s->command + p->typed, len - p->typed);
    type(p, "\r", 1);
    p->ready = false;
    if (s->predict || p->hold_next) {
        p->hold = HOLD_ARMED;
        p->question = s->predict ? s->predict : _("What will it answer?");
        p->hold_next = false;
    }
    next_step(p);
}

static void type_some(struct present *p)
{
    const struct demo_step *s = &p->d.steps[p->step];
    size_t len = strlen(s->command), k = p->speed ? (size_t)p->speed : len;
    if (p->typed == 0)
        begin_step(p);
    if (k > len - p->typed)
        k = len - p->typed;
    /* whole UTF-8 characters: a key types a character, not a byte of one */
    while (p->typed + k < len && ((unsigned char)s->command[p->typed + k] & 0xc0) == 0x80)
        k++;
    type(p, s->command + p->typed, k);
    p->typed += k;
}

/* Back: the world afresh, and everything typed before the step before
 * typed again (or before this step, when it is half typed). */
static int go_back(struct present *p, char err[PTY_ERROR_MAX])
{
    size_t target = p->typed > 0 || p->step == 0 ? p->step : p->step - 1;
    if (target >= p->d.n)
        target = p->d.n - 1;
    pty_child_stop(&p->child);
    p->hold = HOLD_NONE;
    p->held.len = 0;
    p->hold_next = false;
    p->step = target;
    p->typed = 0;
    p->rewind_to = p->marks[target];
    p->rewound = 0;
    p->rewind_since = now_ms();
    /* the screen too: cleared, then drawn again as the lines are typed */
    show_str(p, "\033[0m\033[H\033[2J");
    set_region(p);
    publish(p, "rewinding");
    draw_status(p);
    return start_child(p, err);
}

/* One more line of what is typed again, when the child is ready for it
 * (or has kept quiet too long: a command that waits for a key). */
static void rewind_more(struct present *p)
{
    if (p->rewound >= p->rewind_to)
        return;
    if (!p->ready && now_ms() - p->rewind_since < REWIND_WAIT_MS)
        return;
    const char *s = p->sent.p + p->rewound;
    size_t left = p->rewind_to - p->rewound;
    const char *cr = memchr(s, '\r', left);
    size_t n = cr ? (size_t)(cr - s) + 1 : left;
    pty_child_send(&p->child, s, n);
    p->rewound += n;
    p->ready = false;
    p->rewind_since = now_ms();
    if (p->rewound >= p->rewind_to) {
        p->sent.len = p->rewind_to;     /* what came after is undone */
        publish(p, "typing");
        draw_status(p);
    }
}

/* A key of the instructor's: 0 to go on, 1 to end the presentation, -1
 * when the world could not be started again (err says why). */
static int key(struct present *p, unsigned char c, char err[PTY_ERROR_MAX])
{
    if (c == KEY_QUIT)
        return 1;
    if (p->rewound < p->rewind_to)
        return 0;                       /* going back: keys wait */
    if (p->takeover || p->step >= p->d.n) {
        if (c == KEY_TAKE_OVER && p->step < p->d.n) {
            p->takeover = false;
            publish(p, "typing");
            draw_status(p);
        } else if (c == KEY_BACK && !p->takeover) {
            return go_back(p, err);
        } else if (c == KEY_TAKE_OVER) {
            p->takeover = true;
            draw_status(p);
        } else {
            type(p, (char *)&c, 1);
        }
        return 0;
    }
    if (p->hold == HOLD_ON) {
        release(p);
        draw_status(p);
        return 0;
    }
    switch (c) {
    case KEY_TAKE_OVER:
        p->takeover = true;
        publish(p, "takeover");
        draw_status(p);
        return 0;
    case KEY_BACK: return go_back(p, err);
    case KEY_PREDICT:
        p->hold_next = !p->hold_next;
        draw_status(p);
        return 0;
    case KEY_NEXT:
        next_step(p);
        return 0;
    }
    if (!p->ready) {
        if (p->keys || c == 0x03)
            type(p, (char *)&c, 1);     /* a command that reads keys; Ctrl-C interrupts */
        else if (p->nqueue < sizeof p->queue)
            p->queue[p->nqueue++] = c;  /* typed ahead: the presenter's once the prompt is back */
        return 0;
    }
    if (c == 0x03) {
        type(p, (char *)&c, 1);         /* readline empties the line: the step starts again */
        p->typed = 0;
        return 0;
    }
    const struct demo_step *s = &p->d.steps[p->step];
    if (s->kind == DEMO_PAUSE) {
        begin_step(p);
        next_step(p);
    } else if (c == '\r' || c == '\n') {
        run_command(p);
    } else if (p->typed < strlen(s->command)) {
        type_some(p);
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * The run.
 */
static int play(struct present *p)
{
    char err[PTY_ERROR_MAX];
    pty_term_size(&p->rows, &p->cols);
    if (p->rows < 24 || p->cols < 80)
        fprintf(stderr, _("tutor present: the terminal is %1$dx%2$d; the demo is made for 80x24 "
                          "and larger\n"),
                p->cols, p->rows);
    if (start_child(p, err) < 0) {
        fprintf(stderr, "tutor present: %s\n", err);
        return 2;
    }
    pty_raw_enter(false);
    pty_catch_signals(true);
    signal(SIGPIPE, SIG_IGN);
    show_str(p, "\033[0m\033[H\033[2J");
    set_region(p);
    publish(p, "typing");
    draw_status(p);

    int rc = 0;
    char buf[CHUNK_MAX];
    bool was_ready = false;
    while (!pty_ended) {
        if (pty_resized) {
            pty_resized = 0;
            pty_term_size(&p->rows, &p->cols);
            pty_child_resize(&p->child, p->rows > 2 ? p->rows - 1 : p->rows, p->cols);
            cast_resize(&p->cast, p->cols, p->rows);
            set_region(p);
            draw_status(p);
        }
        rewind_more(p);
        struct pollfd fds[2] = {{p->child.master, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
        int timeout = p->rewound < p->rewind_to ? 100 : -1;
        if (poll(fds, 2, timeout) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[0].revents) {
            ssize_t n = read(p->child.master, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                rc = pty_child_reap(&p->child);       /* the REPL was left (quit) */
                break;
            }
            child_output(p, buf, (size_t)n);
            if (p->ready && !was_ready)
                draw_status(p);         /* at the prompt: the status line is whole again */
            /* the keys typed ahead, as far as the prompt takes them */
            size_t q = 0;
            int k = 0;
            while (p->ready && q < p->nqueue && k == 0)
                k = key(p, p->queue[q++], err);
            memmove(p->queue, p->queue + q, p->nqueue - q);
            p->nqueue -= q;
            if (k < 0) {
                fprintf(stderr, "tutor present: %s\n", err);
                rc = 2;
            }
            if (k)
                break;
            was_ready = p->ready;
        }
        if (fds[1].revents) {
            ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            int k = 0;
            for (ssize_t i = 0; i < n && k == 0; i++)
                k = key(p, (unsigned char)buf[i], err);
            if (k < 0) {
                fprintf(stderr, "tutor present: %s\n", err);
                rc = 2;
            }
            if (k)
                break;
        }
    }
    if (p->child.pid > 0)
        pty_child_stop(&p->child);
    publish(p, "ended");
    /* the whole screen the terminal's again, the cursor below it all */
    char s[64];
    snprintf(s, sizeof s, "\033[0m\033[r\033[%d;1H\033[2K\r\n", p->rows);
    show_str(p, s);
    pty_raw_leave();
    return rc;
}

/* ------------------------------------------------------------------------
 * The command line.
 */
static void usage(FILE *f)
{
    fprintf(f, "%s", _("Usage: tutor present [OPTION]... DEMO|LESSON\n"
                       "Plays a demo on the real prompt, against a fresh world, for a class: each\n"
                       "key types the next piece of the demo's command, Enter runs it. DEMO is a\n"
                       "demo script (lessons/demos/README.md); LESSON a lesson's number or name,\n"
                       "played with its model solution.\n\n"
                       "Keys: any key types, Enter runs, Ctrl-B steps back (the world afresh),\n"
                       "Ctrl-T lets you type (again to give the demo back), Ctrl-P holds the next\n"
                       "reply back until a key (the class guesses it first), Ctrl-N skips a step,\n"
                       "Ctrl-Q quits.\n\n"
                       "Options:\n"
                       "  --notes         follow a presentation running in another terminal:\n"
                       "                  the step's notes, the next command, the traps\n"
                       "  --speed N       characters a key types (default 1); 0 types the whole\n"
                       "                  command at once\n"
                       "  --theme projector|normal\n"
                       "                  projector: high contrast and bold (default: normal)\n"
                       "  --cast FILE     record what the room sees, with a marker a step, as an\n"
                       "                  asciicast (asciinema play FILE, tutor replay FILE)\n"
                       "  --lang ja|en    language of the demo and of the prompt\n"
                       "  --help          show this help and exit\n"));
}

void present_notes_path(const char *state_root, const char *source, char out[4096])
{
    /* the file name without its folder and extension, as a safe name */
    const char *base = strrchr(source, '/');
    base = base ? base + 1 : source;
    char name[128];
    size_t k = 0;
    for (const char *c = base; *c && *c != '.' && k + 1 < sizeof name; c++)
        name[k++] = (char)(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", *c)
                               ? *c
                               : '_');
    name[k] = '\0';
    snprintf(out, 4096, "%s/present/%s.json", state_root, k ? name : "demo");
}

/* The demo the argument names: a script's file, else a lesson. */
static int load(const struct present_env *env, const char *what, struct demo *d,
                char err[DEMO_ERROR_MAX])
{
    struct stat st;
    if (stat(what, &st) == 0 && S_ISREG(st.st_mode))
        return demo_load(what, i18n_lang(), d, err);
    char root[PATH_MAX], lerr[LESSON_ERROR_MAX];
    const char *custom = getenv("TUTOR_LESSONS");
    snprintf(root, sizeof root, "%s", custom && *custom ? custom : "");
    if (!root[0])
        snprintf(root, sizeof root, "%s/lessons", env->datadir);
    struct lesson **all = NULL;
    size_t n = 0;
    lesson_list(root, &all, &n, lerr);
    struct lesson *l = lesson_find(all, n, what);
    int rc;
    if (!l) {
        snprintf(err, DEMO_ERROR_MAX,
                 _("%1$s: no such demo script, and no lesson of that number or name "
                   "(\"lesson\" at the prompt lists them)"),
                 what);
        rc = -1;
    } else {
        rc = demo_from_lesson(l, d, err);
    }
    lesson_list_free(all, n);
    return rc;
}

int present_main(const struct present_env *env, int argc, char **argv)
{
    static const struct option opts[] = {
        {"notes", no_argument, NULL, 'n'},      {"speed", required_argument, NULL, 's'},
        {"theme", required_argument, NULL, 't'}, {"cast", required_argument, NULL, 'c'},
        {"lang", required_argument, NULL, 'l'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool notes = false;
    int speed = 1;
    const char *cast_path = NULL;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'n': notes = true; break;
        case 's': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 0 || v > 1000) {
                fprintf(stderr, _("tutor present: --speed takes a number of characters, 0 to "
                                  "1000, not \"%1$s\"\n"),
                        optarg);
                return 2;
            }
            speed = (int)v;
            break;
        }
        case 't':
            if (strcmp(optarg, "projector") != 0 && strcmp(optarg, "normal") != 0) {
                fprintf(stderr, _("tutor present: --theme takes projector or normal, not "
                                  "\"%1$s\"\n"),
                        optarg);
                return 2;
            }
            setenv("TUTOR_THEME", optarg, 1);
            term_init(-1);
            break;
        case 'c': cast_path = optarg; break;
        case 'l': break;                /* main has read it */
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "%s", _("tutor present: name one DEMO or LESSON\n"));
        usage(stderr);
        return 2;
    }
    const char *what = argv[optind];
    struct present p = {.source = what, .speed = speed};
    present_notes_path(env->state_root, what, p.notes_path);
    if (notes)
        return present_notes_follow(p.notes_path, what);

    /* read first: a teacher checks a script without a terminal too */
    char err[DEMO_ERROR_MAX];
    if (load(env, what, &p.d, err) < 0) {
        fprintf(stderr, "tutor present: %s\n", err);
        return 2;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "%s", _("tutor present: a presentation needs a terminal (for a "
                                "script of commands, pipe them into tutor)\n"));
        demo_free(&p.d);
        return 2;
    }
    int rc = 2;
    char ferr[FS_ERROR_MAX];
    char notes_dir[4096];
    snprintf(notes_dir, sizeof notes_dir, "%s/present", env->state_root);
    const char *tmp = getenv("TMPDIR");
    char made[PATH_MAX];
    snprintf(made, sizeof made, "%s/tutor-present.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    p.marks = calloc(p.d.n + 1, sizeof *p.marks);
    if (!p.marks || fs_mkdirs(notes_dir, ferr) < 0) {
        fprintf(stderr, "tutor present: %s\n", p.marks ? ferr : _("out of memory"));
        goto done;
    }
    if (!mkdtemp(made)) {
        fprintf(stderr, "tutor present: %s: %s\n", made, strerror(errno));
        goto done;
    }
    snprintf(p.state_dir, sizeof p.state_dir, "%s", made);
    snprintf(p.env_state, sizeof p.env_state, "XDG_STATE_HOME=%s", p.state_dir);
    fs_set_durable(false);              /* the notes' file is rewritten at every step */

    /* the child: the prompt, in this language, without a pager (a demo
     * types no "q"), in the demo's world */
    static char world[PATH_MAX];
    size_t k = 0;
    p.argv[k++] = (char *)"tutor";
    p.argv[k++] = (char *)"--lang";
    p.argv[k++] = (char *)i18n_lang();
    p.argv[k++] = (char *)"--no-pager";
    if (p.d.world[0]) {
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", env->world_path);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        snprintf(world, sizeof world, "%s/%s.json", dir, p.d.world);
        if (access(world, R_OK) != 0) {
            fprintf(stderr, _("tutor present: %1$s: the demo's world \"%2$s\" is not one of the "
                              "tutor's (%3$s)\n"),
                    what, p.d.world, world);
            goto done;
        }
        p.argv[k++] = (char *)"--world";
        p.argv[k++] = world;
    }
    p.argv[k] = NULL;
    if (cast_path) {
        int rows, cols;
        pty_term_size(&rows, &cols);
        char cerr[CAST_WRITE_ERROR_MAX];
        if (cast_open(&p.cast, cast_path, cols, rows, p.d.title[0] ? p.d.title : what, cerr) < 0) {
            fprintf(stderr, "tutor present: --cast: %s\n", cerr);
            goto done;
        }
    }
    rc = play(&p);
    char cerr[CAST_WRITE_ERROR_MAX];
    if (cast_close(&p.cast, cerr) < 0) {
        fprintf(stderr, "tutor present: --cast: %s\n", cerr);
        rc = rc ? rc : 2;
    }
done:
    if (p.state_dir[0])
        fs_remove_tree(p.state_dir, ferr);
    free(p.marks);
    free(p.sent.p);
    free(p.held.p);
    demo_free(&p.d);
    return rc;
}
