/*
 * relayanim_internal — INTERNAL to the bucket relay's animation: what its
 * parts share. relayanim.c runs it (the terminal, the clock of the
 * picture, keys); relayanim_layout.c places nodes and links on the grid;
 * relayanim_observe.c turns the simulator's events into buckets, the
 * bubble and log lines; relayanim_draw.c draws a frame.
 */
#ifndef TUTOR_RELAYANIM_INTERNAL_H
#define TUTOR_RELAYANIM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cellgrid.h"
#include "relayanim.h"

#define MIN_W 80
#define MIN_H 24
#define FRAME_MS 40             /* 25 frames a second */
#define US_PER_REAL_MS 10.0     /* speed 1: a simulated ms takes 100 ms */
#define SPEED_MIN 0.01          /* cmd_relay's --speed range */
#define SPEED_MAX 1000.0
#define STEP_US 10              /* resolution when looking for the next event */
#define IDLE_HOLD_MS 1200       /* nothing moves this long: jump to the next event */
#define SKIP_LIMIT_US (200LL * 1000000)     /* no event in this long: it is over */
#define STALE_US 1000000        /* a bucket this late is forgotten (never expected) */
#define GHOST_MS 2500           /* how long a dropped bucket stays on screen */
#define GHOSTS 16
#define LOG_LINES 3
#define BUBBLE_LINES 4
#define BELOW_MAP (BUBBLE_LINES + 2 + LOG_LINES + 2)     /* bubble, log, keys, status */
#define LABEL_MAX 16
#define TEXT_MAX 512

/* ------------------------------------------------------------------------
 * What the animation knows.
 */
enum attr { A_PLAIN, A_DIM, A_TITLE, A_HOST, A_ROUTER, A_SPEAKER, A_DATA, A_ACK, A_ICMP,
            A_DROP, A_DOWN, A_OK, A_STATUS };

struct flight {                 /* a bucket on a link */
    long id;
    char label[LABEL_MAX];
    enum attr attr;
    int link, dir;              /* dir 0: from end[0] to end[1] */
    int64_t made_us, start_us, arrive_us;
    int64_t lane_before;        /* the lane's busy time without it */
};

struct ghost {                  /* a dropped bucket, for a while */
    bool used;
    char label[LABEL_MAX];
    int link, dir, node;        /* on a link at `frac`, or at `node` (link -1) */
    double frac, until_ms;
};

struct pt {
    short x, y;
};

struct npos {                   /* a node on screen */
    bool shown;
    int col, row;               /* on the grid */
    int x, y, w;                /* the label's centre, row and width */
    char label[TOPO_NAME_MAX + 3];
};

struct anim {
    struct sim *s;
    struct topo *t;
    int src, dst_node, msg;
    uint32_t dst;
    double speed;
    char title[TEXT_MAX];

    /* from the observer */
    struct flight *fl;
    size_t n_fl, cap_fl;
    long fresh;                 /* the packet the last FORWARD put on a link */
    int64_t *lane_busy;         /* 2 a link, like the simulator's lanes */
    struct ghost ghosts[GHOSTS];
    int bub_node;               /* -1: no bubble yet */
    char bub_head[LABEL_MAX + TOPO_NAME_MAX + 4], bub_words[TEXT_MAX], bub_detail[TEXT_MAX];
    enum attr bub_attr;
    struct logline {
        char text[TEXT_MAX];
        enum attr attr;
        long key;               /* lines with the same key merge; 0: never */
        int count;
    } log[LOG_LINES];
    unsigned char *arrived;     /* pieces the receiver has */
    int total, n_arrived;
    long events;
    double last_event_ms;       /* run_ms of the last event */
    int64_t skip_from;          /* >= 0: jumping over a quiet time from here */
    bool geometry_stale;

    /* the clock of the picture */
    int64_t t0, vt;
    double run_ms;              /* real time spent running, not paused */
    bool paused, ended, quit, too_small, failed;

    /* the screen */
    struct cellgrid grid;
    int map_y, map_h;
    bool path_view;             /* no usable layout: the nodes on the way */
    struct npos *pos;
    struct pt **paths;          /* per link, from end[0]'s side to end[1]'s */
    int *path_len;
};

/* relayanim_layout.c */
const char *anim_node_name(const struct topo *t, int node);
void anim_layout(struct anim *a);
void anim_free_paths(struct anim *a);

/* relayanim_observe.c: sim_observe's observer, with the anim as arg */
void anim_observe(const struct sim_event *ev, void *arg);
const char *anim_ms_text(int64_t us, char buf[32]);
/* a FILE writing into buf[0..size), for one line of text */
FILE *anim_text_file(char *buf, size_t size);
double anim_flight_frac(const struct flight *f, int64_t t);
void anim_flight_end(struct anim *a, struct flight *f);

/* relayanim_draw.c */
void anim_draw(struct anim *a);

#endif
