/*
 * replay — see replay.h.
 *
 * On a terminal the recording plays on a virtual clock: `progress` counts
 * the recording's seconds since the last event played, advancing at
 * `speed` while not paused; the next event is due when progress reaches
 * the gap before it (capped at the idle time limit). A pause stops the
 * clock, a speed change only changes its rate, and a jump sets it to 0 at
 * the marker: no deadline has to be moved when the viewer acts.
 *
 * The screen belongs to the recording. What the player has to say while
 * playing (paused, the speed, the step it is at) goes into the terminal's
 * title (OSC 2), never onto the screen: a status line would overwrite a
 * row the recording drew, and keeping a row free (a scroll region) would
 * change how a recording made for the full height draws. A terminal that
 * shows no title loses the hint, not the picture. The one line written
 * onto the screen is the one after the recording's end.
 */
#include "replay.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cast_read.h"
#include "util/i18n.h"
#include "util/term.h"
#include "util/textbuf.h"

#define REPLAY_SPEED_MIN 0.25
#define REPLAY_SPEED_MAX 16.0
#define REPLAY_IDLE_DEFAULT 2.0         /* seconds, when neither option nor header says */
/* how long the too-small warning stays before the replay clears the
 * screen; a key starts at once */
#define REPLAY_WARN_WAIT_MS 3000
#define REPLAY_WAKE_MAX_MS 1000         /* the longest sleep: no poll timeout overflows */
#define REPLAY_KEYS_MAX 64              /* bytes of keys read at once */
#define REPLAY_OUT_FLUSH (64u << 10)    /* bytes gathered before a write, when jumping */
#define REPLAY_TITLE_MAX 160            /* bytes of a label or title put in the window title */
#define REPLAY_ROWS_FALLBACK 24         /* rows of a terminal that cannot tell */

static void usage(FILE *f)
{
    fprintf(f, "%s", _("Usage: tutor replay [OPTION]... FILE.cast\n"
                       "Plays a terminal session recorded as asciicast v2 (asciinema's format),\n"
                       "such as the instructor's demo, with its timing. Off a terminal, writes\n"
                       "what it showed at once, as \"asciinema cat\" does.\n\n"
                       "Keys while it plays:\n"
                       "  space           pause, or play on\n"
                       "  n, Right        on to the next marker (a step of the demo), paused\n"
                       "                  there\n"
                       "  b, Left         back to the marker before, paused there\n"
                       "  +, -            twice or half as fast\n"
                       "  q, Ctrl-C       quit\n\n"
                       "Options:\n"
                       "  --speed X       play X times as fast (0.25 to 16; default 1)\n"
                       "  --idle-time-limit S\n"
                       "                  shorten every pause longer than S seconds to S\n"
                       "                  (default: the recording's idle_time_limit, else 2)\n"
                       "  --markers       list the markers, each with its time in the\n"
                       "                  recording (M:SS.s) and its label, and exit\n"
                       "  --lang ja|en    language of the messages\n"
                       "  --help          show this help and exit\n\n"
                       "Exit status: 0 played, 2 the file could not be read (or the command\n"
                       "was used wrongly).\n"));
}

/* A decimal number, "2", "0.25" or ".5", read the same in every locale
 * (strtod would want "0,25" under de_DE). 0, or -1 when it is not one. */
static int parse_decimal(const char *s, double *out)
{
    double v = 0, scale = 1;
    bool digits = false, point = false;
    for (; *s; s++) {
        if (*s == '.' && !point) {
            point = true;
        } else if (*s >= '0' && *s <= '9') {
            digits = true;
            if (point)
                v += (*s - '0') * (scale /= 10);
            else if (v < CAST_TIME_MAX)     /* past every bound: stop growing */
                v = v * 10 + (*s - '0');
        } else {
            return -1;
        }
    }
    *out = v;
    return digits ? 0 : -1;
}

/* M:SS.s, tenths rounded: 0:01.5, 12:00.0, 75:03.2. */
static void format_time(double t, char out[32])
{
    long long tenths = llround(t * 10);
    snprintf(out, 32, "%lld:%02lld.%lld", tenths / 600, tenths % 600 / 10, tenths % 10);
}

/* ------------------------------------------------------------------------
 * Off a terminal: the output at once, or the markers.
 */
static int dump(const struct cast *c)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct cast_event *e = &c->ev[i];
        if (e->kind == CAST_OUTPUT && fwrite(e->data, 1, e->len, stdout) != e->len)
            return 1;                   /* main's finish_stdout says why */
    }
    return 0;
}

static int list_markers(const struct cast *c, const char *path)
{
    size_t found = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct cast_event *e = &c->ev[i];
        if (e->kind != CAST_MARKER)
            continue;
        char t[32];
        format_time(e->time, t);
        fputs(t, stdout);
        if (e->len) {
            fputs("  ", stdout);
            term_text(stdout, e->data, e->len);     /* a label cannot move the cursor */
        }
        putchar('\n');
        found++;
    }
    if (!found)
        fprintf(stderr, _("tutor replay: %1$s has no markers\n"), path);
    return 0;
}

/* ------------------------------------------------------------------------
 * The terminal: keys raw, and put back whatever happens. There is one
 * terminal and a signal handler cannot be handed a player, so its saved
 * settings and the signal flags are statics; handlers only set flags,
 * except for a crash, which restores what it can with write() and
 * tcsetattr() (both async-signal-safe) before it goes on as it would.
 */
static int keys_fd = -1;
static struct termios saved_tio;
static volatile sig_atomic_t tio_saved, sig_quit, sig_stop, sig_cont;

static const int caught[] = {SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGCONT};
static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define N_CAUGHT (sizeof caught / sizeof caught[0])
#define N_FATAL (sizeof fatal / sizeof fatal[0])
static struct sigaction old_caught[N_CAUGHT], old_fatal[N_FATAL];

/* What a recording may have left set, back to a shell's defaults: the
 * scroll region (DECSTBM homes the cursor, hence the save and restore
 * around it), normal cursor keys and keypad, no mouse reports, no
 * bracketed paste, plain attributes, the cursor shown. */
static const char sane_modes[] = "\0337\033[r\0338\033[?1l\033>\033[?1000l\033[?1002l"
                                 "\033[?1003l\033[?1006l\033[?2004l\033[0m\033[?25h";

static void on_signal(int sig)
{
    if (sig == SIGTSTP)
        sig_stop = 1;
    else if (sig == SIGCONT)
        sig_cont = 1;
    else
        sig_quit = sig;
}

static void on_fatal(int sig)
{
    if (tio_saved)
        tcsetattr(keys_fd, TCSANOW, &saved_tio);
    ssize_t r = write(STDOUT_FILENO, sane_modes, sizeof sane_modes - 1);
    (void)r;
    for (size_t i = 0; i < N_FATAL; i++)
        if (fatal[i] == sig)
            sigaction(sig, &old_fatal[i], NULL);
}

static void catch_signals(bool on)
{
    struct sigaction sa = {0};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;          /* no SA_RESTART: poll() returns at once */
    for (size_t i = 0; i < N_CAUGHT; i++)
        sigaction(caught[i], on ? &sa : &old_caught[i], on ? &old_caught[i] : NULL);
    sa.sa_handler = on_fatal;
    for (size_t i = 0; i < N_FATAL; i++)
        sigaction(fatal[i], on ? &sa : &old_fatal[i], on ? &old_fatal[i] : NULL);
}

/* ISIG stays: Ctrl-C and Ctrl-Z arrive as signals, as everywhere else. */
static void keys_raw(void)
{
    /* the settings saved are the first ones, the shell's: after a stop
     * the terminal may still be raw, and raw is not what to put back */
    if (keys_fd < 0 || (!tio_saved && tcgetattr(keys_fd, &saved_tio) < 0))
        return;
    tio_saved = 1;
    struct termios raw = saved_tio;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    tcsetattr(keys_fd, TCSADRAIN, &raw);
}

/* The saved settings back; they stay saved, for keys_raw after a stop. */
static void keys_cooked(void)
{
    if (tio_saved)
        tcsetattr(keys_fd, TCSADRAIN, &saved_tio);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------------
 * The player.
 */
struct player {
    const struct cast *c;
    const char *name;                   /* the title's subject before any marker */
    double speed, idle;
    size_t next;                        /* the next event to play */
    double progress;                    /* the clock: recording seconds since event next-1 */
    bool paused, ended;                 /* ended: the end line is on the screen */
    bool quit, gone;                    /* gone: the terminal cannot be written to */
    const struct cast_event *step;      /* the last marker played; NULL: none yet */
    bool alt_screen;                    /* the recording's output left the alternate screen on */
    char last;                          /* the last byte written */
    struct textbuf out;                 /* gathered, to go out in one write */
};

static void flush(struct player *p)
{
    const char *s = p->out.p;
    size_t n = p->out.oom ? 0 : p->out.len;
    while (n > 0 && !p->gone) {
        ssize_t k = write(STDOUT_FILENO, s, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            p->gone = p->quit = true;   /* a hang-up: nothing to show it on */
            break;
        }
        s += k;
        n -= (size_t)k;
    }
    p->out.len = 0;
    p->out.oom = false;                 /* a picture short of memory: the next jump mends it */
}

static void emit(struct player *p, const char *s, size_t n)
{
    textbuf_add(&p->out, s, n);
    if (p->out.len >= REPLAY_OUT_FLUSH)
        flush(p);
}

static void emits(struct player *p, const char *s)
{
    emit(p, s, strlen(s));
}

/* Whether output switches the alternate screen (CSI ? 47, 1047 or 1049,
 * h or l), so that a rewind and the end leave it only when the recording
 * is in it. A sequence split between two events is missed: recorders
 * write a sequence in one piece. */
static void note_modes(struct player *p, const char *s, size_t n)
{
    for (size_t i = 0; i + 3 < n; i++) {
        if (s[i] != '\033' || s[i + 1] != '[' || s[i + 2] != '?')
            continue;
        bool alt = false;
        long v = 0;
        size_t j = i + 3;
        for (; j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == ';'); j++) {
            if (s[j] == ';') {
                alt |= v == 47 || v == 1047 || v == 1049;
                v = 0;
            } else if (v < 100000) {
                v = v * 10 + (s[j] - '0');
            }
        }
        alt |= v == 47 || v == 1047 || v == 1049;
        if (alt && j < n && (s[j] == 'h' || s[j] == 'l'))
            p->alt_screen = s[j] == 'h';
        i = j - 1;
    }
}

static void play_event(struct player *p, const struct cast_event *e)
{
    if (e->kind == CAST_OUTPUT && e->len) {
        emit(p, e->data, e->len);
        note_modes(p, e->data, e->len);
        p->last = e->data[e->len - 1];
    } else if (e->kind == CAST_MARKER) {
        p->step = e;
    }
    /* input was echoed in the output already; a resize cannot be done to
     * the viewer's terminal (the warning before playing named the size);
     * codes this tutor does not know are passed over */
}

/* `s` (a label or a file's title) as the window title may show it:
 * control characters, C1 ones included, left out (they could end the
 * OSC string early and send the rest to the screen), at most
 * REPLAY_TITLE_MAX bytes, cut between characters. */
static void title_text(const char *s, size_t n, char out[REPLAY_TITLE_MAX + 1])
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] < 0xa0) {
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7f)
            continue;
        if (k == REPLAY_TITLE_MAX) {
            /* a character half copied does not fit: its start goes too */
            if ((c & 0xc0) == 0x80) {
                while (k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0x80)
                    k--;
                if (k > 0)
                    k--;
            }
            break;
        }
        out[k++] = (char)c;
    }
    out[k] = '\0';
}

static void set_title(struct player *p)
{
    const char *s = p->name;
    size_t n = strlen(p->name);
    if (p->step && p->step->len) {
        s = p->step->data;
        n = p->step->len;
    }
    char subject[REPLAY_TITLE_MAX + 1], speed[32] = "", title[REPLAY_TITLE_MAX + 256];
    title_text(s, n, subject);
    if (p->speed != 1)
        snprintf(speed, sizeof speed, " x%g", p->speed);
    snprintf(title, sizeof title,
             p->ended    ? _("tutor replay: %1$s%2$s, the end (q quits, b goes back)")
             : p->paused ? _("tutor replay: %1$s%2$s, paused (space plays on)")
                         : _("tutor replay: %1$s%2$s"),
             subject, speed);
    emits(p, "\033]2;");
    emits(p, title);
    emits(p, "\007");
}

/* The screen cleared and drawn anew up to event `upto` (not included),
 * at once: for b, and after a stop. Paused there. */
static void redraw(struct player *p, size_t upto)
{
    if (p->alt_screen)
        emits(p, "\033[?1049l");
    p->alt_screen = false;
    /* modes first: DECSTBM homes the cursor, then the clear */
    emits(p, sane_modes);
    emits(p, "\033[H\033[2J");
    p->step = NULL;
    p->last = '\n';
    for (size_t i = 0; i < upto; i++)
        play_event(p, &p->c->ev[i]);
    p->next = upto;
    p->progress = 0;
    p->paused = true;
    p->ended = false;
    set_title(p);
}

/* n, Right: what is left up to the next marker at once, paused there;
 * after the last marker, the rest of the recording. */
static void jump_next(struct player *p)
{
    const struct cast *c = p->c;
    if (p->ended)
        return;
    size_t m = p->next;
    while (m < c->n && c->ev[m].kind != CAST_MARKER)
        m++;
    size_t upto = m < c->n ? m + 1 : c->n;
    for (; p->next < upto; p->next++)
        play_event(p, &c->ev[p->next]);
    p->progress = 0;
    p->paused = m < c->n;
    set_title(p);
}

/* b, Left: back to the marker before the one just played (when the
 * player stands at a marker) or before the place it has reached; the
 * start when there is none. */
static void jump_back(struct player *p)
{
    size_t upto = 0;
    for (size_t i = p->next; i >= 2; i--) {
        if (p->c->ev[i - 2].kind == CAST_MARKER) {
            upto = i - 1;
            break;
        }
    }
    redraw(p, upto);
}

/* What the recording said last, and the line that ends it. */
static void the_end(struct player *p, bool keys)
{
    p->ended = true;
    if (!keys)
        return;                         /* no q to wait for */
    emits(p, "\033[0m");
    if (p->last != '\n')
        emits(p, "\r\n");
    emits(p, _("end of the recording: q quits, b goes back"));
    p->last = 'x';
    set_title(p);
}

static void change_speed(struct player *p, double factor)
{
    double s = p->speed * factor;
    if (s >= REPLAY_SPEED_MIN && s <= REPLAY_SPEED_MAX)
        p->speed = s;
    set_title(p);
}

enum key { KEY_NONE, KEY_PAUSE, KEY_NEXT, KEY_BACK, KEY_FASTER, KEY_SLOWER, KEY_QUIT };

/* The keys in `s`; arrows as CSI (ESC [ C) or SS3 (ESC O C), the latter
 * when a recording turned application cursor keys on. */
static void read_keys(struct player *p, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n && !p->quit; i++) {
        enum key k = KEY_NONE;
        if (s[i] == 0x1b && i + 1 < n && (s[i + 1] == '[' || s[i + 1] == 'O')) {
            size_t j = i + 2;
            while (j < n && s[j] >= 0x30 && s[j] <= 0x3f)
                j++;                    /* parameters, as ESC [ 1 ; 2 C */
            if (j < n)
                k = s[j] == 'C' ? KEY_NEXT : s[j] == 'D' ? KEY_BACK : KEY_NONE;
            i = j;
        } else {
            switch (s[i]) {
            case ' ': k = KEY_PAUSE; break;
            case 'n': case 'N': k = KEY_NEXT; break;
            case 'b': case 'B': k = KEY_BACK; break;
            case '+': k = KEY_FASTER; break;
            case '-': k = KEY_SLOWER; break;
            case 'q': case 'Q': case 0x03: k = KEY_QUIT; break;
            default: break;
            }
        }
        switch (k) {
        case KEY_PAUSE:
            if (!p->ended) {
                p->paused = !p->paused;
                set_title(p);
            }
            break;
        case KEY_NEXT: jump_next(p); break;
        case KEY_BACK: jump_back(p); break;
        case KEY_FASTER: change_speed(p, 2); break;
        case KEY_SLOWER: change_speed(p, 0.5); break;
        case KEY_QUIT: p->quit = true; break;
        case KEY_NONE: break;
        }
    }
}

/* Back from a stop: the shell wrote over the screen. */
static void resume_screen(struct player *p)
{
    bool ended = p->ended;
    redraw(p, p->next);
    if (ended)
        the_end(p, true);
}

/* Ctrl-Z: the shell gets the terminal as it was before; on fg the screen
 * is drawn again up to where the replay stood (the shell wrote over it),
 * paused. */
static void suspend(struct player *p)
{
    if (p->alt_screen)
        emits(p, "\033[?1049l");       /* the shell's own screen; the redraw goes back */
    emits(p, sane_modes);
    emits(p, "\r\n");
    flush(p);
    keys_cooked();
    struct sigaction dfl = {0}, mine;
    sigemptyset(&dfl.sa_mask);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGTSTP, &dfl, &mine);
    raise(SIGTSTP);
    sigaction(SIGTSTP, &mine, NULL);
    sig_stop = sig_cont = 0;
    keys_raw();
    resume_screen(p);
}

/* Waits up to `ms` (-1: for ever) for keys, and acts on them. */
static void wait_keys(struct player *p, int ms)
{
    struct pollfd pfd = {.fd = keys_fd, .events = POLLIN};
    int r = poll(&pfd, keys_fd >= 0 ? 1 : 0, ms);
    if (r <= 0)
        return;                         /* the time, or a signal */
    if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) {
        p->quit = true;
        return;
    }
    unsigned char buf[REPLAY_KEYS_MAX];
    ssize_t n = read(keys_fd, buf, sizeof buf);
    if (n > 0)
        read_keys(p, buf, (size_t)n);
}

static double gap(const struct player *p)
{
    const struct cast_event *ev = p->c->ev;
    double g = ev[p->next].time - (p->next ? ev[p->next - 1].time : 0);
    return g < p->idle ? g : p->idle;
}

static void play(struct player *p)
{
    const struct cast *c = p->c;
    bool keys = keys_fd >= 0;
    double tick = now();
    while (!p->quit && !sig_quit) {
        if (sig_stop) {
            suspend(p);
            tick = now();               /* the time stopped is not played */
        } else if (sig_cont) {
            /* stopped by another (SIGSTOP) and continued: the same as
             * coming back from Ctrl-Z */
            sig_cont = 0;
            keys_raw();
            resume_screen(p);
            tick = now();
        }
        double t = now();
        if (!p->paused && !p->ended)
            p->progress += (t - tick) * p->speed;
        tick = t;
        while (!p->paused && p->next < c->n && p->progress >= gap(p)) {
            p->progress -= gap(p);
            play_event(p, &c->ev[p->next++]);
            if (c->ev[p->next - 1].kind == CAST_MARKER)
                set_title(p);
        }
        if (p->next == c->n && !p->ended)
            the_end(p, keys);
        flush(p);
        if (p->ended && !keys)
            break;
        int ms = -1;
        if (!p->paused && !p->ended) {
            double left = (gap(p) - p->progress) / p->speed * 1000;
            ms = left >= REPLAY_WAKE_MAX_MS ? REPLAY_WAKE_MAX_MS : (int)ceil(left);
            if (ms < 1)
                ms = 1;
        }
        if (ms < 0 && !keys)
            ms = REPLAY_WAKE_MAX_MS;
        wait_keys(p, ms);
    }
}

/* The largest size the recording takes, its header's or a resize's. */
static void recorded_size(const struct cast *c, int *w, int *h)
{
    *w = c->width;
    *h = c->height;
    for (size_t i = 0; i < c->n; i++) {
        if (c->ev[i].kind != CAST_RESIZE)
            continue;
        if (c->ev[i].cols > *w)
            *w = c->ev[i].cols;
        if (c->ev[i].rows > *h)
            *h = c->ev[i].rows;
    }
}

/* The terminal smaller than the recording: said once, then the replay
 * goes on (lines wrap, the top scrolls away), after a moment to read it
 * or a key. Returns false when that key was q. */
static bool warn_size(const struct cast *c)
{
    struct winsize ws;
    int w, h;
    recorded_size(c, &w, &h);
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0 || ws.ws_row == 0 ||
        (ws.ws_col >= w && ws.ws_row >= h))
        return true;
    fprintf(stderr, _("tutor replay: the recording is %1$dx%2$d, this terminal %3$dx%4$d\n"), w,
            h, ws.ws_col, ws.ws_row);
    fprintf(stderr, _("(lines may wrap or scroll away; playing in %1$d s, or at a key)\n"),
            REPLAY_WARN_WAIT_MS / 1000);
    struct pollfd pfd = {.fd = keys_fd, .events = POLLIN};
    if (poll(&pfd, keys_fd >= 0 ? 1 : 0, REPLAY_WARN_WAIT_MS) > 0 && (pfd.revents & POLLIN)) {
        unsigned char k[REPLAY_KEYS_MAX];
        ssize_t n = read(keys_fd, k, sizeof k);
        if (n > 0 && (k[0] == 'q' || k[0] == 'Q'))
            return false;
    }
    return true;
}

static void scroll_away(struct player *p)
{
    struct winsize ws;
    int h = REPLAY_ROWS_FALLBACK;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row)
        h = ws.ws_row;
    /* the shell's lines go up into the terminal's history, not wiped;
     * then the recording starts on a clear screen, as after b */
    char go[32];
    snprintf(go, sizeof go, "\033[%d;1H", h);
    emits(p, go);
    for (int i = 0; i < h; i++)
        emits(p, "\n");
    emits(p, "\033[H\033[2J");
}

static int play_on_terminal(const struct cast *c, const char *name, double speed, double idle)
{
    keys_fd = isatty(STDIN_FILENO) ? STDIN_FILENO : open("/dev/tty", O_RDONLY | O_CLOEXEC);
    bool own_fd = keys_fd >= 0 && keys_fd != STDIN_FILENO;
    sig_quit = sig_stop = sig_cont = 0;
    catch_signals(true);
    keys_raw();
    struct player p = {.c = c, .name = name, .speed = speed, .idle = idle, .last = '\n'};
    bool played = warn_size(c) && !sig_quit;
    if (played) {
        emits(&p, "\033[22;0t");        /* the title kept, where the terminal can */
        scroll_away(&p);
        set_title(&p);
        play(&p);
    }
    /* put back: the screen's modes, a fresh line, the title (emptied
     * where the terminal cannot give the kept one back), the keys */
    if (p.alt_screen)
        emits(&p, "\033[?1049l");
    emits(&p, sane_modes);
    if (played)
        emits(&p, "\r\n\033]2;\007\033[23;0t");
    flush(&p);
    free(p.out.p);
    keys_cooked();
    tio_saved = 0;
    catch_signals(false);
    if (own_fd)
        close(keys_fd);
    keys_fd = -1;
    if (sig_quit)
        raise(sig_quit);                /* its old handler, the default: ended by it */
    return 0;
}

/* ------------------------------------------------------------------------
 * The command.
 */
int replay_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"speed", required_argument, NULL, 's'}, {"idle-time-limit", required_argument, NULL, 'i'},
        {"markers", no_argument, NULL, 'm'},     {"lang", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    double speed = 1, idle = 0;
    bool markers = false;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 's':
            if (parse_decimal(optarg, &speed) < 0 || speed < REPLAY_SPEED_MIN ||
                speed > REPLAY_SPEED_MAX) {
                fprintf(stderr, _("tutor replay: --speed takes a factor from %1$g to %2$g, not "
                                  "\"%3$s\"\n"),
                        REPLAY_SPEED_MIN, REPLAY_SPEED_MAX, optarg);
                return 2;
            }
            break;
        case 'i':
            if (parse_decimal(optarg, &idle) < 0 || !(idle > 0)) {
                fprintf(stderr, _("tutor replay: --idle-time-limit takes seconds, more than 0, "
                                  "not \"%1$s\"\n"),
                        optarg);
                return 2;
            }
            break;
        case 'm': markers = true; break;
        case 'l': break;                /* main has read it */
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "%s", _("tutor replay: give one FILE.cast\n"));
        usage(stderr);
        return 2;
    }
    const char *path = argv[optind];
    struct cast c;
    char err[CAST_ERROR_MAX];
    if (cast_read(path, &c, err) < 0) {
        fprintf(stderr, "tutor replay: %s\n", err);
        return 2;
    }
    if (idle == 0)              /* not given */
        idle = c.idle_time_limit > 0 ? c.idle_time_limit : REPLAY_IDLE_DEFAULT;
    const char *term = getenv("TERM");
    int rc;
    if (markers)
        rc = list_markers(&c, path);
    else if (!isatty(STDOUT_FILENO) || (term && strcmp(term, "dumb") == 0))
        rc = dump(&c);                  /* a dumb terminal cannot be cleared or retitled */
    else {
        const char *slash = strrchr(path, '/');
        rc = play_on_terminal(&c, c.title && c.title[0] ? c.title : slash ? slash + 1 : path,
                              speed, idle);
    }
    cast_free(&c);
    return rc;
}
