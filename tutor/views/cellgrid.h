/*
 * cellgrid — a picture on the whole terminal, drawn anew many times a
 * second without flicker: each frame is drawn into a grid of cells (UTF-8
 * characters, their display width, an attribute), compared with the grid
 * the terminal already shows, and only the cells that differ are sent.
 *
 * Around it, the terminal itself: keys as they are typed (no Enter, no
 * echo), the cursor hidden, and both put back whatever happens (the end,
 * q, Ctrl-C, a hang-up, Ctrl-Z, a crash), since a shell left without echo
 * is worse than any picture. There is one terminal, stdin for the keys and
 * stdout for the picture; signal handlers only set flags, and the caller's
 * loop asks for them (cellgrid_quit_signal, cellgrid_event).
 *
 * Attributes are the caller's: small numbers that index its table of SGR
 * sequences. Attribute 0 is that of blank cells.
 */
#ifndef TUTOR_CELLGRID_H
#define TUTOR_CELLGRID_H

#include <stdbool.h>
#include <stddef.h>

struct cellgrid_cell;

struct cellgrid {
    int w, h;                   /* 0x0 until cellgrid_resize */
    /* per attribute, what is sent before cells with it, each resetting
     * what came before; NULL: no colour */
    const char *const *sgr;

    /* cellgrid's own */
    struct cellgrid_cell *now, *shown;  /* being drawn; on the terminal */
    bool full;                  /* the next flush sends every cell */
    char *out;                  /* what is still to be written */
    size_t out_len, out_cap;
};

/* An empty grid (0x0); nothing is sent yet. */
void cellgrid_init(struct cellgrid *g, const char *const *sgr);
void cellgrid_free(struct cellgrid *g);

/* The terminal's columns and rows; -1 when stdout cannot tell. */
int cellgrid_window_size(int *w, int *h);

/* Signals: while caught, SIGINT, SIGTERM and SIGHUP ask to quit, SIGWINCH
 * and SIGCONT to redraw, SIGTSTP (Ctrl-Z) to stop. A crash (SIGSEGV,
 * SIGBUS, SIGFPE, SIGILL, SIGABRT) puts the terminal back and then happens
 * as it would have. Catching forgets the flags of an earlier catch;
 * restoring keeps the quit signal, so that it can be raised again once
 * the caller has cleaned up. */
void cellgrid_catch_signals(void);
void cellgrid_restore_signals(void);
/* The signal that asked to quit; 0 when none did. */
int cellgrid_quit_signal(void);

enum cellgrid_event {
    CELLGRID_QUIET,
    CELLGRID_REDRAW,            /* the window changed, or a stop ended: size it again */
    CELLGRID_STOP,              /* Ctrl-Z: cellgrid_suspend, then size it again */
};
/* What the signals ask for since the last call (a stop first). */
enum cellgrid_event cellgrid_event(void);

/* The screen into the picture: keys raw (Ctrl-C and Ctrl-Z still arrive
 * as signals), the old lines scrolled up out of the way, the cursor
 * hidden. The next flush draws every cell. */
void cellgrid_enter(struct cellgrid *g);
/* The last picture stays; the cursor is shown and goes below it (already
 * there when `after_last_line`: the caller wrote a line after the grid's
 * last row), the keys are cooked again. */
void cellgrid_leave(struct cellgrid *g, bool after_last_line);
/* Ctrl-Z: the shell gets the terminal as it was; on fg the screen is
 * entered again (the caller then sizes the grid and draws it all). */
void cellgrid_suspend(struct cellgrid *g);

/* A grid of w x h cells, every one sent at the next flush. -1 when out of
 * memory; the grid is then 0x0. */
int cellgrid_resize(struct cellgrid *g, int w, int h);

/* Drawing into the next frame: every cell blank; one ASCII character;
 * text from x on, at most `maxw` columns (controls show as '?', combining
 * marks are left out), returning the columns written; the same cut to
 * `maxw` columns ending in ".." when cut. Cells off the grid are left out,
 * and so is half of a wide character. */
void cellgrid_clear(struct cellgrid *g);
void cellgrid_put_char(struct cellgrid *g, int x, int y, char ch, int attr);
int cellgrid_put_text(struct cellgrid *g, int x, int y, const char *s, int attr, int maxw);
int cellgrid_put_fit(struct cellgrid *g, int x, int y, const char *s, int attr, int maxw);
/* Is the cell at x, y blank in the next frame (false off the grid)? */
bool cellgrid_is_blank(const struct cellgrid *g, int x, int y);

/* Sends the frame: the cells that differ from what the terminal shows,
 * or all of them after enter, resize or suspend. The last cell of the
 * screen is never written, since that scrolls some terminals. */
void cellgrid_flush(struct cellgrid *g);

/* Bytes for the terminal outside the grid (a message when no grid fits,
 * a line below it), the cursor moved to column x, row y (from 0): queued
 * until cellgrid_send or the next flush. */
void cellgrid_emit(struct cellgrid *g, const char *s);
void cellgrid_goto(struct cellgrid *g, int x, int y);
void cellgrid_send(struct cellgrid *g);

#endif
