/*
 * relayanim — see relayanim.h. This file runs the animation (the
 * terminal, the clock of the picture, the keys); its parts are named in
 * relayanim_internal.h.
 *
 * Each frame is drawn into a grid of cells (cellgrid.h), which sends the
 * terminal only the cells that differ from what it already shows. The
 * simulator runs in small slices of simulated time (sim_run up to the
 * clock of the picture), so what its observer reports turns into buckets
 * on links, a bubble and log lines at the pace the eye can follow.
 *
 * The simulator reports when a packet leaves a node and when it reaches
 * the next one, not where it is in between: the observer mirrors the
 * links' sending order (bandwidth, queue, delay) to know when a bucket
 * will arrive, and the next event about that packet settles it anyway.
 *
 * Screen, top to bottom: a title, the map, the bubble, three log lines,
 * the keys and the status line. Lines, boxes and buckets are ASCII only,
 * so that a terminal that draws ambiguous-width characters wide (as
 * Japanese ones often do) keeps them in line; wide text appears only in
 * the bubble, the log and the bottom lines, measured with wcwidth.
 */
#include "relayanim.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "relayanim_internal.h"
#include "relayview.h"
#include "util/i18n.h"
#include "util/term.h"

/* ------------------------------------------------------------------------
 * The terminal, and the real time.
 */
bool relayanim_possible(void)
{
    const char *term = getenv("TERM");
    int w, h;
    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && term && *term &&
           strcmp(term, "dumb") != 0 && cellgrid_window_size(&w, &h) == 0 && w >= MIN_W &&
           h >= MIN_H;
}

static double clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* The grid's attributes (cellgrid.h), A_PLAIN that of blank cells. Each
 * resets what came before; used only when term_color(). */
static const char *const sgr_normal[] = {
    [A_PLAIN] = "\033[0m", [A_DIM] = "\033[0;2m", [A_TITLE] = "\033[0;1m",
    [A_HOST] = "\033[0;1m", [A_ROUTER] = "\033[0;1;36m", [A_SPEAKER] = "\033[0;1;30;43m",
    [A_DATA] = "\033[0;1;33m", [A_ACK] = "\033[0;1;32m", [A_ICMP] = "\033[0;1;35m",
    [A_DROP] = "\033[0;1;31m", [A_DOWN] = "\033[0;31m", [A_OK] = "\033[0;1;32m",
    [A_STATUS] = "\033[0;7m",
};
/* The projector theme's (term_projector): bold and bright, nothing dim. */
static const char *const sgr_projector[] = {
    [A_PLAIN] = "\033[0;1m", [A_DIM] = "\033[0;1;37m", [A_TITLE] = "\033[0;1;97m",
    [A_HOST] = "\033[0;1;97m", [A_ROUTER] = "\033[0;1;96m", [A_SPEAKER] = "\033[0;1;30;103m",
    [A_DATA] = "\033[0;1;93m", [A_ACK] = "\033[0;1;92m", [A_ICMP] = "\033[0;1;95m",
    [A_DROP] = "\033[0;1;91m", [A_DOWN] = "\033[0;1;91m", [A_OK] = "\033[0;1;92m",
    [A_STATUS] = "\033[0;1;7m",
};

/* ------------------------------------------------------------------------
 * The window's size: the grid and the layout follow it; in a window too
 * small, a message instead until it grows.
 */
static int resize(struct anim *a)
{
    int w, h;
    if (cellgrid_window_size(&w, &h) < 0) {
        w = MIN_W;
        h = MIN_H;
    }
    a->too_small = w < MIN_W || h < MIN_H;
    if (a->too_small) {
        cellgrid_emit(&a->grid, "\033[0m\033[H\033[2J");
        cellgrid_emit(&a->grid, _("Window too small: the animation needs 80x24 (q quits)."));
        cellgrid_send(&a->grid);
        return 0;
    }
    if (cellgrid_resize(&a->grid, w, h) < 0) {
        a->too_small = true;    /* nothing more is drawn */
        return -1;
    }
    anim_layout(a);
    return 0;
}

/* ------------------------------------------------------------------------
 * The run.
 */
static bool run_over(const struct anim *a)
{
    const struct sim_message *m = sim_message(a->s, a->msg);
    return m && (m->delivered || m->given_up) && a->n_fl == 0;
}

/* Runs the simulation up to the next event anyone would see; false when
 * none comes within SKIP_LIMIT_US. */
static bool next_event(struct anim *a)
{
    long before = a->events;
    int64_t limit = a->vt + SKIP_LIMIT_US;
    while (a->events == before && a->vt < limit) {
        a->vt += STEP_US;
        sim_run(a->s, a->vt);
    }
    return a->events != before;
}

static void forget_stale(struct anim *a)
{
    for (size_t i = 0; i < a->n_fl;)
        if (a->vt > a->fl[i].arrive_us + STALE_US)
            anim_flight_end(a, &a->fl[i]);
        else
            i++;
}

static void tick(struct anim *a, double dt_ms)
{
    if (a->paused || a->too_small || a->ended)
        return;
    a->run_ms += dt_ms;
    a->vt += (int64_t)(dt_ms * US_PER_REAL_MS * a->speed);
    sim_run(a->s, a->vt);
    forget_stale(a);
    if (run_over(a)) {
        a->ended = true;
    } else if (a->n_fl == 0 && a->run_ms - a->last_event_ms > IDLE_HOLD_MS) {
        /* nothing on the wires: waiting for a timer; no need to watch it */
        a->skip_from = a->vt;
        if (!next_event(a))
            a->ended = true;
        a->skip_from = -1;
    }
}

static void key(struct anim *a, int c)
{
    switch (c) {
    case ' ':
        if (!a->paused) {
            a->paused = true;
        } else if (!a->ended) {
            if (!next_event(a))
                a->ended = true;
            else if (run_over(a))
                a->ended = true;
        }
        break;
    case '\r':
    case '\n':
    case 'p':
        a->paused = c == 'p' ? !a->paused : false;
        break;
    case '+':
    case '=':
        a->speed = a->speed * 2 > SPEED_MAX ? SPEED_MAX : a->speed * 2;
        break;
    case '-':
    case '_':
        a->speed = a->speed / 2 < SPEED_MIN ? SPEED_MIN : a->speed / 2;
        break;
    case 'q':
    case 'Q':
        a->quit = true;
        break;
    }
}

static void read_keys(struct anim *a, int timeout_ms)
{
    struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
    if (poll(&pfd, 1, timeout_ms) <= 0)
        return;
    unsigned char buf[64];
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if ((n == 0 && (pfd.revents & POLLHUP)) || (n < 0 && errno != EINTR && errno != EAGAIN))
        a->quit = true;         /* the terminal went away */
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == 0x1b)
            break;              /* an arrow or function key: none is ours */
        key(a, buf[i]);
    }
}

/* The last line: as the trace ends (relayview_end), or where it stopped. */
static void final_line(struct anim *a)
{
    const struct sim_message *m = sim_message(a->s, a->msg);
    char line[TEXT_MAX];
    if (m->delivered || m->given_up) {
        struct relayview v;
        FILE *f = anim_text_file(line, sizeof line);
        if (!f)
            return;
        relayview_init(&v, f, RELAYVIEW_TRACE, a->s);
        relayview_end(&v, a->msg);
        fclose(f);
        line[strcspn(line, "\n")] = '\0';
    } else {
        char ms[32];
        snprintf(line, sizeof line, _("Stopped at %1$s ms: %2$d of %3$d pieces had arrived."),
                 anim_ms_text(a->vt - a->t0, ms), a->n_arrived, m->total);
    }
    /* in place of the status line; whole (the terminal wraps it), since
     * it is what stays on the screen */
    struct cellgrid *g = &a->grid;
    if (a->too_small) {
        cellgrid_emit(g, "\r\n");
    } else {
        for (int x = 0; x < g->w - 1; x++)
            cellgrid_put_char(g, x, g->h - 1, ' ', A_PLAIN);
        cellgrid_flush(g);
        cellgrid_goto(g, 0, g->h - 1);
    }
    if (g->sgr)
        cellgrid_emit(g, g->sgr[m->delivered ? A_OK : A_DROP]);
    cellgrid_emit(g, line);
    cellgrid_emit(g, "\033[0m\r\n");
    cellgrid_send(g);
}

static void make_title(struct anim *a)
{
    const struct sim_message *m = sim_message(a->s, a->msg);
    char s[ADDR_IPV4_STRLEN], d[ADDR_IPV4_STRLEN];
    snprintf(a->title, sizeof a->title, _("%1$s (%2$s) -> %3$s (%4$s): %5$zu bytes in %6$d packets"),
             anim_node_name(a->t, a->src), addr_format_ipv4(m->src, s),
             anim_node_name(a->t, a->dst_node), addr_format_ipv4(m->dst, d), m->size, m->total);
}

static void anim_free(struct anim *a)
{
    anim_free_paths(a);
    free(a->paths);
    free(a->path_len);
    free(a->pos);
    free(a->lane_busy);
    free(a->fl);
    free(a->arrived);
    cellgrid_free(&a->grid);
}

int relayanim_run(struct sim *s, int src_node, uint32_t dst, const struct sim_message_opts *mo,
                  const struct relayanim_opts *o)
{
    struct topo *t = sim_topo(s);
    struct anim a = {.s = s, .t = t, .src = src_node, .dst = dst, .msg = -1, .bub_node = -1,
                     .fresh = -1, .skip_from = -1, .dst_node = topo_addr_owner(t, dst, NULL),
                     .speed = o && o->speed >= SPEED_MIN ? o->speed : 1.0};
    cellgrid_init(&a.grid, !term_color() ? NULL : term_projector() ? sgr_projector : sgr_normal);
    a.speed = a.speed > SPEED_MAX ? SPEED_MAX : a.speed;
    a.pos = calloc(t->n_nodes + 1, sizeof *a.pos);
    a.paths = calloc(t->n_links + 1, sizeof *a.paths);
    a.path_len = calloc(t->n_links + 1, sizeof *a.path_len);
    a.lane_busy = calloc(2 * t->n_links + 1, sizeof *a.lane_busy);
    if (!a.pos || !a.paths || !a.path_len || !a.lane_busy) {
        anim_free(&a);
        term_error("%s", _("relay: out of memory"));
        return -1;
    }
    fflush(stdout);
    cellgrid_catch_signals();
    a.t0 = a.vt = sim_now(s);
    sim_observe(s, anim_observe, &a);
    a.msg = sim_send(s, src_node, dst, mo);
    int rc = -1;
    if (a.msg < 0)
        goto out;
    make_title(&a);
    cellgrid_enter(&a.grid);
    if (resize(&a) < 0) {
        cellgrid_leave(&a.grid, false);
        goto out;
    }
    double last = clock_ms();
    while (!a.quit && !cellgrid_quit_signal()) {
        switch (cellgrid_event()) {
        case CELLGRID_STOP:     /* Ctrl-Z; on fg, all is drawn anew */
            cellgrid_suspend(&a.grid);
            a.failed = resize(&a) < 0;
            break;
        case CELLGRID_REDRAW:
            a.failed = resize(&a) < 0;
            break;
        case CELLGRID_QUIET:
            break;
        }
        if (a.failed)
            break;
        double now = clock_ms(), dt = now - last;
        last = now;
        tick(&a, dt < 0 ? 0 : dt > 100 ? 100 : dt);     /* a stop (Ctrl-Z) is not a leap */
        if (a.ended)
            break;
        if (!a.too_small)       /* else its message stays until the window grows */
            anim_draw(&a);
        double spent = clock_ms() - now;
        read_keys(&a, spent >= FRAME_MS ? 0 : FRAME_MS - (int)spent);
    }
    if (a.too_small && !a.failed)   /* the window may have grown back */
        resize(&a);
    if (!a.too_small)
        anim_draw(&a);
    final_line(&a);
    cellgrid_leave(&a.grid, true);
    rc = a.failed ? -1 : sim_message(s, a.msg)->delivered ? 0 : 1;
out:
    if (rc < 0)
        term_error("%s", _("relay: out of memory"));
    sim_observe(s, NULL, NULL);
    cellgrid_restore_signals();
    anim_free(&a);
    /* the animation ends as asked; a hang-up or kill then goes on as it would have */
    int sig = cellgrid_quit_signal();
    if (sig == SIGTERM || sig == SIGHUP)
        raise(sig);
    return rc;
}
