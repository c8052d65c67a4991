/*
 * watch_screen — `tutor watch` on a terminal: the whole window, redrawn
 * when serve's events change what it shows (at most every FRAME_MS) and
 * when the window changes size, on a grid of cells (views/cellgrid.h:
 * only the cells that changed are sent, and the terminal is put back
 * whatever ends the program: q, Ctrl-C, a hang-up, Ctrl-Z, a crash).
 *
 * The list, newest live session first, then the ended ones:
 *   tutor serve (pid 4242): 3 live, 20 sessions in all, 12 messages ...
 *     #   client           proto state       user      last line
 *   > #20 127.0.0.1:50452  smtp  DATA        alice     -> Subject: hi
 *     #19 127.0.0.2:50450  pop3  TRANSACTION bob       <- +OK 2 messages
 *     #18 127.0.0.1:50448  smtp  closed                <- 221 2.0.0 Bye
 *   q: quit  j/k: choose  Enter: follow it  N Enter: follow session N
 * and one session followed: its dialogue as it goes, the newest line at
 * the bottom, long lines wrapped. Only ASCII draws the frame: arrows and
 * box-drawing characters are East Asian ambiguous, two columns wide on a
 * Japanese terminal. Text from clients goes through cellgrid, which
 * shows control characters as '?'.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "util/i18n.h"
#include "util/term.h"
#include "views/cellgrid.h"
#include "watch_internal.h"

#define FRAME_MS 100            /* events come in bursts: one frame for a burst */
#define MIN_W 40
#define MIN_H 8
#define DIGITS_MAX 9
#define FOLLOW_ROWS_MAX 6       /* rows one line may take when followed; the rest is cut */
#define CLIENT_W_MAX 21         /* "[2001:db8::1]:65535" */
#define STATE_W_MAX 13          /* "AUTH_PASSWORD" */
#define USER_W_MAX 16

enum attr { A_PLAIN, A_BAR, A_DIM, A_CLIENT, A_SERVER, A_MARK };

/* Each resets what came before; used only when term_color(). */
static const char *const sgr_normal[] = {
    [A_PLAIN] = "\033[0m", [A_BAR] = "\033[0;7m", [A_DIM] = "\033[0;2m",
    [A_CLIENT] = "\033[0;1;36m", [A_SERVER] = "\033[0;32m", [A_MARK] = "\033[0;1;7m",
};
/* The projector theme's (term_projector): bold and bright, nothing dim,
 * for the back row of a lecture hall. */
static const char *const sgr_projector[] = {
    [A_PLAIN] = "\033[0;1m", [A_BAR] = "\033[0;1;7m", [A_DIM] = "\033[0;1;37m",
    [A_CLIENT] = "\033[0;1;96m", [A_SERVER] = "\033[0;1;92m", [A_MARK] = "\033[0;1;30;103m",
};

struct screen {
    struct watch *w;
    struct cellgrid g;
    bool too_small, quit;
    unsigned following;                 /* the session followed; 0: the list */
    unsigned mark;                      /* the list's marked session; 0: the first */
    char typed[DIGITS_MAX + 1];         /* a number being typed */
    char say[160];                      /* a word in place of the keys, until a key */
};

bool wscreen_possible(void)
{
    const char *term = getenv("TERM");
    int w, h;
    return isatty(STDOUT_FILENO) && term && *term && strcmp(term, "dumb") != 0 &&
           cellgrid_window_size(&w, &h) == 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------------
 * Measuring as cellgrid_put_text draws: a byte that is no character and a
 * control character take one column ('?'), a combining mark none.
 */
static int char_cols(const char *s, size_t len, size_t *n)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t wc;
    size_t k = mbrtowc(&wc, s, len, &st);
    if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
        *n = 1;
        return 1;
    }
    *n = k;
    int cw = wcwidth(wc);
    return cw < 0 ? 1 : cw;
}

static int cols_of(const char *s)
{
    int w = 0;
    size_t len = strlen(s), n;
    for (size_t i = 0; i < len; i += n)
        w += char_cols(s + i, len - i, &n);
    return w;
}

/* The bytes of s that fill at most `maxw` columns. */
static size_t fit_bytes(const char *s, int maxw)
{
    size_t len = strlen(s), i = 0, n;
    int w = 0;
    while (i < len) {
        int cw = char_cols(s + i, len - i, &n);
        if (w + cw > maxw)
            break;
        w += cw;
        i += n;
    }
    return i;
}

/* ------------------------------------------------------------------------
 * What the list shows, in its order.
 */
static int row_order(const void *pa, const void *pb)
{
    const struct wsession *a = *(struct wsession *const *)pa, *b = *(struct wsession *const *)pb;
    if (a->live != b->live)
        return a->live ? -1 : 1;
    if (a->live)
        return a->id > b->id ? -1 : a->id < b->id;
    return a->order > b->order ? -1 : a->order < b->order;
}

/* The sessions of the list: a new array (free it), *n of them. */
static struct wsession **listed(const struct watch *w, size_t *n)
{
    struct wsession **v = malloc((w->n + 1) * sizeof *v);
    *n = 0;
    if (!v)
        return NULL;
    for (size_t i = 0; i < w->n; i++)
        if (watch_matches(w, w->s[i]))
            v[(*n)++] = w->s[i];
    qsort(v, *n, sizeof *v, row_order);
    return v;
}

/* ------------------------------------------------------------------------
 * Drawing.
 */
static void bar(struct screen *sc, int y, const char *text)
{
    struct cellgrid *g = &sc->g;
    int x = cellgrid_put_fit(g, 0, y, text, A_BAR, g->w - 1);
    if (g->sgr)
        for (; x < g->w - 1; x++)
            cellgrid_put_char(g, x, y, ' ', A_BAR);
}

static void draw_summary(struct screen *sc)
{
    const struct watch *w = sc->w;
    char t[512];
    int n = snprintf(t, sizeof t, _("sessions: %1$lu live, %2$lu in all; messages stored: %3$lu; "
                                    "DNS queries: %4$lu"),
                     w->live, w->total, w->stored, w->dns);
    if (n > 0 && (size_t)n < sizeof t && w->client_only)
        n += snprintf(t + n, sizeof t - (size_t)n, _("; only client %1$s"), w->client_only);
    if (n > 0 && (size_t)n < sizeof t && w->user_only)
        snprintf(t + n, sizeof t - (size_t)n, _("; only user %1$s"), w->user_only);
    bar(sc, 0, t);
}

static void draw_keys(struct screen *sc)
{
    char t[256];
    if (sc->typed[0])
        snprintf(t, sizeof t, _("follow session #%1$s_  (Enter: follow it; Esc: cancel)"), sc->typed);
    else if (sc->say[0])
        snprintf(t, sizeof t, "%s", sc->say);
    else if (sc->following)
        snprintf(t, sizeof t, "%s", _("Esc: back to the list  q: quit"));
    else
        snprintf(t, sizeof t, "%s", _("q: quit  j/k: choose  Enter: follow it  N Enter: follow session N"));
    bar(sc, sc->g.h - 1, t);
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

static void draw_list(struct screen *sc)
{
    struct cellgrid *g = &sc->g;
    size_t n;
    struct wsession **v = listed(sc->w, &n);
    if (!v)
        return;
    int rows = g->h - 3;
    size_t shown = n < (size_t)rows ? n : (size_t)rows;
    if (n > shown && shown > 0)
        shown--;                /* the last row says how many more */
    const char *h_tag = _("#"), *h_client = _("client"), *h_proto = _("proto"),
               *h_state = _("state"), *h_user = _("user"), *h_last = _("last line"),
               *closed = _("closed");
    int tag_w = cols_of(h_tag), client_w = cols_of(h_client), proto_w = max_int(4, cols_of(h_proto)),
        state_w = cols_of(h_state), user_w = 0;
    for (size_t i = 0; i < shown; i++) {
        const struct wsession *s = v[i];
        char t[16];
        snprintf(t, sizeof t, "#%u", s->id);
        tag_w = max_int(tag_w, (int)strlen(t));
        client_w = max_int(client_w, cols_of(s->client));
        state_w = max_int(state_w, cols_of(s->live ? s->state : closed));
        if (*s->user)
            user_w = max_int(user_w, max_int(cols_of(s->user), cols_of(h_user)));
    }
    client_w = client_w > CLIENT_W_MAX ? CLIENT_W_MAX : client_w;
    state_w = state_w > STATE_W_MAX ? STATE_W_MAX : state_w;
    user_w = user_w > USER_W_MAX ? USER_W_MAX : user_w;
    /* a narrow window: the last line keeps 12 columns at least */
    int avail = g->w - 1;
    for (int pass = 0; pass < 3; pass++) {
        int fixed = 2 + tag_w + 1 + client_w + 1 + proto_w + 1 + state_w + 1 + (user_w ? user_w + 1 : 0);
        if (avail - fixed >= 12)
            break;
        if (pass == 0 && user_w > 6)
            user_w = 6;
        else if (pass == 1 && client_w > 9)
            client_w = 9;
        else if (state_w > 6)
            state_w = 6;
    }
    int x_client = 2 + tag_w + 1, x_proto = x_client + client_w + 1, x_state = x_proto + proto_w + 1,
        x_user = x_state + state_w + 1, x_last = x_user + (user_w ? user_w + 1 : 0);
    int last_w = avail - x_last;
    cellgrid_put_fit(g, 2, 1, h_tag, A_DIM, tag_w);
    cellgrid_put_fit(g, x_client, 1, h_client, A_DIM, client_w);
    cellgrid_put_fit(g, x_proto, 1, h_proto, A_DIM, proto_w);
    cellgrid_put_fit(g, x_state, 1, h_state, A_DIM, state_w);
    if (user_w)
        cellgrid_put_fit(g, x_user, 1, h_user, A_DIM, user_w);
    if (last_w > 0)
        cellgrid_put_fit(g, x_last, 1, h_last, A_DIM, last_w);
    /* the mark stays on its session as the rows move */
    bool marked = false;
    for (size_t i = 0; i < shown; i++)
        marked |= v[i]->id == sc->mark;
    if (!marked)
        sc->mark = shown ? v[0]->id : 0;
    for (size_t i = 0; i < shown; i++) {
        const struct wsession *s = v[i];
        int y = 2 + (int)i;
        bool is_mark = s->id == sc->mark;
        int attr = is_mark && g->sgr ? A_MARK : s->live ? A_PLAIN : A_DIM;
        if (is_mark) {
            cellgrid_put_char(g, 0, y, '>', attr);
            cellgrid_put_char(g, 1, y, ' ', attr);
        }
        char t[16];
        snprintf(t, sizeof t, "#%u", s->id);
        cellgrid_put_fit(g, 2, y, t, attr, tag_w);
        cellgrid_put_fit(g, x_client, y, s->client, attr, client_w);
        cellgrid_put_fit(g, x_proto, y, s->service, attr, proto_w);
        cellgrid_put_fit(g, x_state, y, s->live ? s->state : closed, attr, state_w);
        if (user_w)
            cellgrid_put_fit(g, x_user, y, s->user, attr, user_w);
        if (last_w > 3 && *s->last) {
            cellgrid_put_text(g, x_last, y, s->last_from_client ? "->" : "<-",
                              is_mark && g->sgr ? A_MARK : s->last_from_client ? A_CLIENT : A_SERVER, 2);
            cellgrid_put_fit(g, x_last + 3, y, s->last, attr, last_w - 3);
        }
        if (is_mark && g->sgr)
            for (int x = 0; x < avail; x++)
                if (cellgrid_is_blank(g, x, y))
                    cellgrid_put_char(g, x, y, ' ', A_MARK);
    }
    if (n > shown) {
        char t[96];
        snprintf(t, sizeof t, _("... and %1$zu more"), n - shown);
        cellgrid_put_fit(g, 2, 2 + (int)shown, t, A_DIM, avail - 2);
    } else if (n == 0) {
        cellgrid_put_fit(g, 2, 2, sc->w->client_only || sc->w->user_only
                                      ? _("No session of this client or user yet.")
                                      : _("No session yet: connect a client to tutor serve."),
                         A_DIM, avail - 2);
    }
    free(v);
}

struct piece {
    const struct wline *l;
    size_t off, len;
    bool first, cut;
};

static void draw_follow(struct screen *sc)
{
    struct cellgrid *g = &sc->g;
    const struct watch *w = sc->w;
    const struct wsession *s = watch_find(w, sc->following);
    int avail = g->w - 1;
    char t[512];
    if (!s) {
        if (sc->following > w->last_id)
            snprintf(t, sizeof t, _("Waiting for session #%1$u to begin..."), sc->following);
        else
            snprintf(t, sizeof t, _("Session #%1$u is not live: it ended, or was a DNS client's."),
                     sc->following);
        cellgrid_put_fit(g, 0, 2, t, A_DIM, avail);
        return;
    }
    int n = snprintf(t, sizeof t, "#%u %s %s %s", s->id, s->service, s->client, s->host);
    if (s->live) {
        if (*s->state && n > 0 && (size_t)n < sizeof t)
            n += snprintf(t + n, sizeof t - (size_t)n, " = %s", s->state);
        if (*s->user && n > 0 && (size_t)n < sizeof t) {
            n += snprintf(t + n, sizeof t - (size_t)n, ", ");
            n += snprintf(t + n, sizeof t - (size_t)n, _("user %1$s"), s->user);
        }
        if (n > 0 && (size_t)n < sizeof t) {
            n += snprintf(t + n, sizeof t - (size_t)n, ", ");
            snprintf(t + n, sizeof t - (size_t)n, ngettext("%1$lu line", "%1$lu lines", s->lines),
                     s->lines);
        }
    } else if (n > 0 && (size_t)n < sizeof t) {
        char e[200];
        watch_ended_text(s, e, sizeof e);
        snprintf(t + n, sizeof t - (size_t)n, ": %s", e);
    }
    cellgrid_put_fit(g, 0, 1, t, s->live ? A_PLAIN : A_DIM, avail);
    /* the newest lines, from the bottom up, each wrapped under its marker */
    int rows = g->h - 3, text_w = avail - 4;
    if (rows <= 0 || text_w < 8)
        return;
    struct piece *p = calloc((size_t)rows, sizeof *p);
    if (!p)
        return;
    int top = rows;
    for (size_t k = s->hist_n; k-- > 0 && top > 0;) {
        const struct wline *l = watch_history(s, k);
        struct piece mine[FOLLOW_ROWS_MAX];
        int m = 0;
        size_t off = 0, len = strlen(l->text);
        do {
            size_t b = fit_bytes(l->text + off, text_w);
            if (b == 0 && off < len)
                b = 1;
            mine[m] = (struct piece){l, off, b, m == 0, false};
            off += b;
            m++;
        } while (off < len && m < FOLLOW_ROWS_MAX);
        if (off < len)
            mine[m - 1].cut = true;
        while (m > 0 && top > 0)
            p[--top] = mine[--m];
    }
    for (int r = top; r < rows; r++) {
        const struct piece *q = &p[r];
        int y = 2 + (r - top);
        int attr = q->l->kind == WL_CLIENT ? A_CLIENT : q->l->kind == WL_SERVER ? A_SERVER : A_DIM;
        if (q->first) {
            const char *mark = q->l->kind == WL_CLIENT ? " -> " : q->l->kind == WL_SERVER ? "<-  "
                             : q->l->kind == WL_STATE ? "  = " : "=== ";
            cellgrid_put_text(g, 0, y, mark, attr, 4);
        }
        char piece[WATCH_LAST_MAX * 8];
        size_t len = q->len < sizeof piece - 1 ? q->len : sizeof piece - 1;
        memcpy(piece, q->l->text + q->off, len);
        piece[len] = '\0';
        if (q->cut) {
            /* room for ".." at the end of the last row */
            piece[fit_bytes(piece, text_w - 2)] = '\0';
            int x = cellgrid_put_text(g, 4, y, piece, attr, text_w - 2);
            cellgrid_put_text(g, 4 + x, y, "..", A_DIM, 2);
        } else {
            cellgrid_put_text(g, 4, y, piece, attr, text_w);
        }
    }
    free(p);
}

static void draw(struct screen *sc)
{
    if (sc->too_small)
        return;
    cellgrid_clear(&sc->g);
    draw_summary(sc);
    if (sc->following)
        draw_follow(sc);
    else
        draw_list(sc);
    draw_keys(sc);
    cellgrid_flush(&sc->g);
}

/* The window's size: the grid follows it; in one too small, a message
 * instead until it grows. */
static int resize(struct screen *sc)
{
    int w, h;
    if (cellgrid_window_size(&w, &h) < 0) {
        w = 80;
        h = 24;
    }
    sc->too_small = w < MIN_W || h < MIN_H;
    if (sc->too_small) {
        char t[160];
        snprintf(t, sizeof t, _("Window too small: tutor watch needs %1$dx%2$d or more (q quits)."),
                 MIN_W, MIN_H);
        cellgrid_emit(&sc->g, "\033[0m\033[H\033[2J");
        cellgrid_emit(&sc->g, t);
        cellgrid_send(&sc->g);
        return 0;
    }
    if (cellgrid_resize(&sc->g, w, h) < 0) {
        sc->too_small = true;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Keys.
 */
static void move_mark(struct screen *sc, int by)
{
    size_t n;
    struct wsession **v = listed(sc->w, &n);
    if (!v || n == 0) {
        free(v);
        return;
    }
    size_t at = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i]->id == sc->mark)
            at = i;
    if (by < 0 && at > 0)
        at--;
    else if (by > 0 && at + 1 < n)
        at++;
    sc->mark = v[at]->id;
    free(v);
}

static void enter(struct screen *sc)
{
    if (sc->typed[0]) {
        unsigned id = (unsigned)strtoul(sc->typed, NULL, 10);
        sc->typed[0] = '\0';
        if (id == 0)
            return;
        sc->following = id;
        return;
    }
    if (!sc->following && sc->mark)
        sc->following = sc->mark;
}

static void escape(struct screen *sc)
{
    if (sc->typed[0])
        sc->typed[0] = '\0';
    else if (sc->following) {
        sc->mark = sc->following;
        sc->following = 0;
    }
}

static void keys(struct screen *sc, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sc->say[0] = '\0';
        unsigned char c = b[i];
        if (c == 0x1b) {
            if (i + 1 < n && (b[i + 1] == '[' || b[i + 1] == 'O')) {
                /* a key's sequence: ESC [ A is Up; the rest are not ours */
                size_t j = i + 2;
                while (j < n && !((b[j] >= 'A' && b[j] <= 'Z') || (b[j] >= 'a' && b[j] <= 'z') ||
                                  b[j] == '~'))
                    j++;
                if (j < n && b[j] == 'A' && !sc->following)
                    move_mark(sc, -1);
                else if (j < n && b[j] == 'B' && !sc->following)
                    move_mark(sc, 1);
                i = j;
                continue;
            }
            escape(sc);
            continue;
        }
        size_t len = strlen(sc->typed);
        if (c == 'q' || c == 'Q') {
            sc->quit = true;
        } else if (c >= '0' && c <= '9') {
            if (len < DIGITS_MAX && !(len == 0 && c == '0')) {
                sc->typed[len] = (char)c;
                sc->typed[len + 1] = '\0';
            }
        } else if (c == 0x7f || c == 0x08) {
            if (len > 0)
                sc->typed[len - 1] = '\0';
        } else if (c == '\r' || c == '\n') {
            enter(sc);
        } else if ((c == 'j' || c == 'n') && !sc->following) {
            move_mark(sc, 1);
        } else if ((c == 'k' || c == 'p') && !sc->following) {
            move_mark(sc, -1);
        } else if (c == '#') {
            /* "#12" as the list writes it */
        } else if (c > 0x20 && c < 0x7f) {
            snprintf(sc->say, sizeof sc->say, "%s",
                     _("q: quit  j/k: choose  Enter: follow it  N Enter: follow session N  Esc: back"));
        }
    }
}

/* false when the terminal has gone */
static bool read_keys(struct screen *sc)
{
    unsigned char b[64];
    ssize_t n = read(STDIN_FILENO, b, sizeof b);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
        return false;
    if (n > 0)
        keys(sc, b, (size_t)n);
    return true;
}

/* ------------------------------------------------------------------------
 * The run.
 */
int wscreen_run(struct watch *w)
{
    struct screen sc = {.w = w, .following = w->follow};
    cellgrid_init(&sc.g, !term_color() ? NULL : term_projector() ? sgr_projector : sgr_normal);
    fflush(stdout);
    cellgrid_catch_signals();
    cellgrid_enter(&sc.g);
    bool keys_ok = isatty(STDIN_FILENO), lost = false, broken = false;
    resize(&sc);
    bool dirty = true;
    long long drawn = 0;
    while (!sc.quit && !cellgrid_quit_signal()) {
        switch (cellgrid_event()) {
        case CELLGRID_STOP:     /* Ctrl-Z; on fg, all is drawn anew */
            cellgrid_suspend(&sc.g);
            resize(&sc);
            dirty = true;
            break;
        case CELLGRID_REDRAW:
            resize(&sc);
            dirty = true;
            break;
        case CELLGRID_QUIET:
            break;
        }
        long long now = now_ms();
        if (dirty && now - drawn >= FRAME_MS) {
            draw(&sc);
            drawn = now;
            dirty = false;
        }
        struct pollfd pf[2] = {{.fd = w->fd, .events = POLLIN},
                               {.fd = keys_ok ? STDIN_FILENO : -1, .events = POLLIN}};
        int timeout = dirty ? (int)(FRAME_MS - (now - drawn)) : 1000;
        int n = poll(pf, 2, timeout < 0 ? 0 : timeout);
        if (n < 0)
            continue;           /* a signal: its flag is read at the top */
        if (pf[0].revents) {
            int r = watch_read(w);
            dirty = true;
            if (r <= 0) {
                lost = !w->serve_stopped;
                broken = r < 0;
                break;
            }
        }
        if (pf[1].revents) {
            if (!read_keys(&sc))
                keys_ok = false;        /* the terminal's input ended: q cannot come */
            dirty = true;
        }
    }
    if (sc.too_small)
        resize(&sc);
    draw(&sc);
    cellgrid_leave(&sc.g, false);
    cellgrid_restore_signals();
    cellgrid_free(&sc.g);
    int rc = 0;
    if (w->serve_stopped) {
        printf("%s\n", _("tutor watch: tutor serve stopped"));
    } else if (lost || broken) {
        fprintf(stderr, "%s\n", _("tutor watch: the connection to tutor serve ended without a word "
                                  "(serve drops a watcher that falls behind)"));
        rc = 1;
    }
    /* the view ends as asked; a hang-up or kill then goes on as it would have */
    int sig = cellgrid_quit_signal();
    if (sig == SIGTERM || sig == SIGHUP)
        raise(sig);
    return rc;
}
