/*
 * cellgrid — see cellgrid.h.
 *
 * The terminal's settings and the signal flags are the process's, not a
 * grid's: a signal handler cannot be told which grid is on the screen,
 * and there is one terminal anyway. They live here as statics.
 */
#include "cellgrid.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include "util/term.h"

#define FALLBACK_H 24           /* rows of a terminal that cannot tell */

/* One character cell: its UTF-8 bytes; `wide` 1 for a character two
 * columns wide, 2 for the column it covers to its right. */
struct cellgrid_cell {
    char ch[5];
    unsigned char attr, wide;
};

/* ------------------------------------------------------------------------
 * The terminal: raw keys, hidden cursor, and putting both back whatever
 * happens. Signal handlers only set flags; the loop acts on them.
 */
static struct termios saved_tio;
static volatile sig_atomic_t tio_saved, sig_quit, sig_winch, sig_tstp, sig_cont;

static const int caught[] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP, SIGCONT};
static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define N_CAUGHT (sizeof caught / sizeof caught[0])
#define N_FATAL (sizeof fatal / sizeof fatal[0])
static struct sigaction old_caught[N_CAUGHT], old_fatal[N_FATAL];

static const char show_cursor[] = "\033[0m\033[?25h";

static void on_signal(int sig)
{
    if (sig == SIGWINCH)
        sig_winch = 1;
    else if (sig == SIGTSTP)
        sig_tstp = 1;
    else if (sig == SIGCONT)
        sig_cont = 1;
    else
        sig_quit = sig;
}

/* A crash: put the terminal back with async-signal-safe calls only, give
 * the signal its old handler and return, so that the fault happens again
 * (or abort() raises again) and is handled as it would have been. */
static void on_fatal(int sig)
{
    if (tio_saved)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
    ssize_t r = write(STDOUT_FILENO, show_cursor, sizeof show_cursor - 1);
    (void)r;
    for (size_t i = 0; i < N_FATAL; i++)
        if (fatal[i] == sig)
            sigaction(sig, &old_fatal[i], NULL);
}

static void handle_signals(bool on)
{
    struct sigaction sa = {0};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;      /* no SA_RESTART: poll() returns at once */
    for (size_t i = 0; i < N_CAUGHT; i++) {
        if (on)
            sigaction(caught[i], &sa, &old_caught[i]);
        else
            sigaction(caught[i], &old_caught[i], NULL);
    }
    sa.sa_handler = on_fatal;
    for (size_t i = 0; i < N_FATAL; i++) {
        if (on)
            sigaction(fatal[i], &sa, &old_fatal[i]);
        else
            sigaction(fatal[i], &old_fatal[i], NULL);
    }
}

void cellgrid_catch_signals(void)
{
    sig_quit = sig_winch = sig_tstp = sig_cont = 0;
    handle_signals(true);
}

void cellgrid_restore_signals(void)
{
    handle_signals(false);
}

int cellgrid_quit_signal(void)
{
    return sig_quit;
}

enum cellgrid_event cellgrid_event(void)
{
    if (sig_tstp) {
        sig_tstp = sig_cont = 0;
        return CELLGRID_STOP;
    }
    if (sig_winch || sig_cont) {
        sig_winch = sig_cont = 0;
        return CELLGRID_REDRAW;
    }
    return CELLGRID_QUIET;
}

static void write_all(const char *s, size_t n)
{
    while (n > 0) {
        ssize_t k = write(STDOUT_FILENO, s, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return;             /* the terminal is gone: nothing to show it on */
        s += k;
        n -= (size_t)k;
    }
}

static void keys_raw(void)
{
    if (tcgetattr(STDIN_FILENO, &saved_tio) < 0)
        return;
    tio_saved = 1;
    struct termios raw = saved_tio;
    /* ISIG stays: Ctrl-C and Ctrl-Z arrive as signals, like elsewhere */
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSADRAIN, &raw);
    term_mark_keys();
}

static void keys_cooked(void)
{
    if (tio_saved)
        tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tio);
    tio_saved = 0;
}

int cellgrid_window_size(int *w, int *h)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0 || ws.ws_row == 0)
        return -1;
    *w = ws.ws_col;
    *h = ws.ws_row;
    return 0;
}

/* ------------------------------------------------------------------------
 * What is to be written, collected so that a frame goes out in one write.
 */
static void out_add(struct cellgrid *g, const char *s, size_t n)
{
    if (g->out_len + n > g->out_cap) {
        size_t cap = (g->out_len + n) * 2 + 4096;
        char *p = realloc(g->out, cap);
        if (!p)
            return;             /* a frame goes missing; the next full one mends it */
        g->out = p;
        g->out_cap = cap;
    }
    memcpy(g->out + g->out_len, s, n);
    g->out_len += n;
}

void cellgrid_emit(struct cellgrid *g, const char *s)
{
    out_add(g, s, strlen(s));
}

void cellgrid_goto(struct cellgrid *g, int x, int y)
{
    char seq[32];
    snprintf(seq, sizeof seq, "\033[%d;%dH", y + 1, x + 1);
    cellgrid_emit(g, seq);
}

void cellgrid_send(struct cellgrid *g)
{
    write_all(g->out, g->out_len);
    g->out_len = 0;
}

/* ------------------------------------------------------------------------
 * The screen: taking it, handing it back.
 */
void cellgrid_init(struct cellgrid *g, const char *const *sgr)
{
    *g = (struct cellgrid){.sgr = sgr};
}

void cellgrid_free(struct cellgrid *g)
{
    free(g->now);
    free(g->shown);
    free(g->out);
    *g = (struct cellgrid){.sgr = g->sgr};
}

/* The old lines scroll up out of the way (into the terminal's history)
 * rather than being wiped. */
void cellgrid_enter(struct cellgrid *g)
{
    keys_raw();
    int w, h;
    if (cellgrid_window_size(&w, &h) < 0)
        h = FALLBACK_H;
    cellgrid_goto(g, 0, h - 1);
    for (int i = 0; i < h; i++)
        cellgrid_emit(g, "\n");
    cellgrid_emit(g, "\033[?25l");
    cellgrid_send(g);
    g->full = true;
}

void cellgrid_leave(struct cellgrid *g, bool after_last_line)
{
    if (!after_last_line)
        cellgrid_goto(g, 0, (g->h > 0 ? g->h : FALLBACK_H) - 1);
    cellgrid_emit(g, show_cursor);
    if (!after_last_line)
        cellgrid_emit(g, "\r\n");
    cellgrid_send(g);
    keys_cooked();
}

void cellgrid_suspend(struct cellgrid *g)
{
    cellgrid_leave(g, false);
    struct sigaction dfl = {0}, mine;
    sigemptyset(&dfl.sa_mask);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGTSTP, &dfl, &mine);
    raise(SIGTSTP);
    sigaction(SIGTSTP, &mine, NULL);
    cellgrid_enter(g);
}

int cellgrid_resize(struct cellgrid *g, int w, int h)
{
    if (w != g->w || h != g->h) {
        free(g->now);
        free(g->shown);
        g->now = calloc((size_t)(w * h), sizeof *g->now);
        g->shown = calloc((size_t)(w * h), sizeof *g->shown);
        if (!g->now || !g->shown) {
            g->w = g->h = 0;
            return -1;
        }
        g->w = w;
        g->h = h;
    }
    g->full = true;
    return 0;
}

/* ------------------------------------------------------------------------
 * The cells, and sending their differences.
 */
static const struct cellgrid_cell blank_cell = {" ", 0, 0};

static void put_cell(struct cellgrid *g, int x, int y, const char *mb, size_t n, int width, int attr)
{
    if (y < 0 || y >= g->h || x < 0 || x + width > g->w || n >= sizeof blank_cell.ch)
        return;
    struct cellgrid_cell *c = &g->now[y * g->w + x];
    /* half of a wide character cannot stay: blank the other half */
    if (c->wide == 2)
        c[-1] = blank_cell;
    if (c->wide == 1 && width == 1)
        c[1] = blank_cell;
    if (width == 2 && c[1].wide == 1)
        c[2] = blank_cell;
    memset(c->ch, 0, sizeof c->ch);
    memcpy(c->ch, mb, n);
    c->attr = (unsigned char)attr;
    c->wide = width == 2;
    if (width == 2)
        c[1] = (struct cellgrid_cell){"", (unsigned char)attr, 2};
}

void cellgrid_put_char(struct cellgrid *g, int x, int y, char ch, int attr)
{
    put_cell(g, x, y, &ch, 1, 1, attr);
}

int cellgrid_put_text(struct cellgrid *g, int x, int y, const char *s, int attr, int maxw)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t len = strlen(s);
    int col = 0;
    while (len > 0) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, s, len, &st);
        int cw;
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
            memset(&st, 0, sizeof st);
            n = 1;
            cw = -1;
        } else {
            cw = wcwidth(wc);
        }
        if (cw == 0) {          /* combining marks: left out, the cell keeps its base */
            s += n;
            len -= n;
            continue;
        }
        int width = cw < 0 ? 1 : cw;
        if (col + width > maxw)
            break;
        if (cw < 0)
            cellgrid_put_char(g, x + col, y, '?', attr);
        else
            put_cell(g, x + col, y, s, n, width, attr);
        col += width;
        s += n;
        len -= n;
    }
    return col;
}

int cellgrid_put_fit(struct cellgrid *g, int x, int y, const char *s, int attr, int maxw)
{
    if (term_width(s) <= maxw)
        return cellgrid_put_text(g, x, y, s, attr, maxw);
    int col = cellgrid_put_text(g, x, y, s, attr, maxw - 2);
    cellgrid_put_text(g, x + col, y, "..", attr, 2);
    return col + 2;
}

void cellgrid_clear(struct cellgrid *g)
{
    for (int i = 0; i < g->w * g->h; i++)
        g->now[i] = blank_cell;
}

static bool same_cell(const struct cellgrid_cell *p, const struct cellgrid_cell *q)
{
    return p->attr == q->attr && p->wide == q->wide && strcmp(p->ch, q->ch) == 0;
}

bool cellgrid_is_blank(const struct cellgrid *g, int x, int y)
{
    if (x < 0 || x >= g->w || y < 0 || y >= g->h)
        return false;
    return same_cell(&g->now[y * g->w + x], &blank_cell);
}

void cellgrid_flush(struct cellgrid *g)
{
    int cx = -1, cy = -1, cur = -1;
    if (g->full)
        cellgrid_emit(g, "\033[0m\033[H\033[2J");
    for (int y = 0; y < g->h; y++) {
        for (int x = 0; x < g->w; x++) {
            int i = y * g->w + x;
            if (!g->full && same_cell(&g->now[i], &g->shown[i]))
                continue;
            int sx = x;
            if (g->now[i].wide == 2) {  /* send the character it belongs to */
                if (x == 0)
                    continue;
                sx = x - 1;
            }
            /* the last cell of the screen would scroll some terminals */
            if (y == g->h - 1 && sx == g->w - 1)
                continue;
            const struct cellgrid_cell *c = &g->now[y * g->w + sx];
            if (cy != y || cx != sx)
                cellgrid_goto(g, sx, y);
            if (g->sgr && c->attr != cur) {
                cellgrid_emit(g, g->sgr[c->attr]);
                cur = c->attr;
            }
            cellgrid_emit(g, c->ch[0] ? c->ch : " ");
            cx = sx + (c->wide == 1 ? 2 : 1);
            cy = y;
            x = cx - 1;
        }
    }
    if (g->sgr && cur != -1)
        cellgrid_emit(g, "\033[0m");
    memcpy(g->shown, g->now, (size_t)(g->w * g->h) * sizeof *g->now);
    g->full = false;
    cellgrid_send(g);
}
