/*
 * mailpool — see mailpool.h.
 *
 * A ring of batches, each in one of four states: FREE (the reader may
 * fill it), FILLED (waiting for a worker), BUSY (a worker renders it),
 * DONE (waiting to be written). The reader fills the ring's slots in
 * turn, the workers take the FILLED ones in the same turn, and the reader
 * writes the DONE ones in the same turn again: so the order of the output
 * is the order of the input, whichever worker finishes first. One mutex
 * guards the states and the turns; a batch's contents belong to whoever
 * its state says (the reader while FREE or DONE, one worker while BUSY).
 */
#define _GNU_SOURCE                     /* sched_getaffinity */
#include "mailpool.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/i18n.h"

/* A batch is closed at whichever comes first: enough messages to make a
 * worker's turn worth its locking, few enough that the batches in flight
 * stay a few MB (a header may be MAILSOURCE_HEADER_MAX on its own). */
#define BATCH_MESSAGES 256
#define BATCH_BYTES (512u * 1024)
#define WORKERS_MAX 8

/* One message, by offsets into its batch's data: the data grows (and
 * moves) while the batch fills. */
struct item {
    size_t header, len, where, index;
    bool cut;
};

enum state { FREE, FILLED, BUSY, DONE };

struct batch {
    enum state state;
    struct textbuf data;                /* the headers, and each `where` with its NUL */
    struct item *items;
    size_t n, cap;
    struct textbuf out;                 /* what render wrote for them */
    int rc;                             /* render's nonzero status, which ended the batch */
};

struct mailpool {
    pthread_mutex_t mu;
    pthread_cond_t filled;              /* a batch became FILLED, or the pool is ending */
    pthread_cond_t done;                /* a batch became DONE */
    struct batch *ring;
    size_t nring;
    size_t fill, take, write;           /* the reader's, the workers' and the writer's turns */
    bool ending;
    int rc;                             /* the run's status: the first failure's */
    pthread_t threads[WORKERS_MAX];
    int nthreads;
    mailpool_render_fn render;
    void *ud;
    FILE *out;
    const char *who;                    /* the command, first in its messages */
};

int mailpool_workers(void)
{
    /* the cores this process may run on (taskset, a container's share),
     * not all the machine has */
    cpu_set_t set;
    long n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                         : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > WORKERS_MAX ? WORKERS_MAX : (int)n;
}

static void render_batch(struct mailpool *p, struct batch *b)
{
    b->out.len = 0;
    b->rc = 0;
    for (size_t i = 0; i < b->n && !b->rc; i++) {
        const struct item *it = &b->items[i];
        struct mail_item m = {
            .header = b->data.p + it->header, .len = it->len, .index = it->index,
            .where = b->data.p + it->where,   .cut = it->cut,
        };
        b->rc = p->render(&m, &b->out, p->ud);
    }
}

static void *worker(void *arg)
{
    struct mailpool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->ending && p->ring[p->take].state != FILLED)
            pthread_cond_wait(&p->filled, &p->mu);
        if (p->ending)
            break;
        struct batch *b = &p->ring[p->take];
        b->state = BUSY;
        p->take = (p->take + 1) % p->nring;
        pthread_mutex_unlock(&p->mu);
        render_batch(p, b);
        pthread_mutex_lock(&p->mu);
        b->state = DONE;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* The oldest batch in flight, once rendered, written and made FREE.
 * Called by the reader, with the lock held. */
static void write_oldest(struct mailpool *p)
{
    struct batch *b = &p->ring[p->write];
    while (b->state != DONE)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    int rc = 0;
    if (b->out.oom) {
        fprintf(stderr, "%s: %s\n", p->who, _("out of memory"));
        rc = 2;
    } else if (!p->rc && fwrite(b->out.p, 1, b->out.len, p->out) != b->out.len) {
        fprintf(stderr, "%s: %s: %s\n", p->who, _("cannot write the output"), strerror(errno));
        rc = 2;
    }
    if (!rc)
        rc = b->rc;
    pthread_mutex_lock(&p->mu);
    if (rc && !p->rc)
        p->rc = rc;
    b->state = FREE;
    b->n = 0;
    b->data.len = 0;
    p->write = (p->write + 1) % p->nring;
}

/* The batch being filled handed to the workers, and the next slot made
 * FREE for the reader (writing the oldest batch if it is that slot). */
static void submit(struct mailpool *p)
{
    pthread_mutex_lock(&p->mu);
    p->ring[p->fill].state = FILLED;
    pthread_cond_signal(&p->filled);
    p->fill = (p->fill + 1) % p->nring;
    while (p->ring[p->fill].state != FREE)
        write_oldest(p);
    pthread_mutex_unlock(&p->mu);
}

struct mailpool *mailpool_new(int workers, mailpool_render_fn render, void *ud, FILE *out,
                              const char *who)
{
    if (workers < 1)
        workers = 1;
    if (workers > WORKERS_MAX)
        workers = WORKERS_MAX;
    struct mailpool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    /* each worker's batch, one more waiting for each, one being written
     * and one being filled */
    p->nring = 2 * (size_t)workers + 2;
    p->ring = calloc(p->nring, sizeof *p->ring);
    p->render = render;
    p->ud = ud;
    p->out = out;
    p->who = who;
    if (!p->ring || pthread_mutex_init(&p->mu, NULL)) {
        free(p->ring);
        free(p);
        return NULL;
    }
    pthread_cond_init(&p->filled, NULL);
    pthread_cond_init(&p->done, NULL);
    for (; p->nthreads < workers; p->nthreads++)
        if (pthread_create(&p->threads[p->nthreads], NULL, worker, p))
            break;
    if (p->nthreads == 0) {
        mailpool_finish(p);
        return NULL;
    }
    return p;
}

int mailpool_add(struct mailpool *p, const struct mail_item *m)
{
    if (p->rc)                          /* set by this thread, under the lock */
        return p->rc;
    struct batch *b = &p->ring[p->fill];
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        struct item *items = realloc(b->items, cap * sizeof *items);
        if (!items) {
            fprintf(stderr, "%s: %s\n", p->who, _("out of memory"));
            return p->rc = 2;
        }
        b->items = items;
        b->cap = cap;
    }
    struct item *it = &b->items[b->n];
    it->header = b->data.len;
    it->len = m->len;
    textbuf_add(&b->data, m->header, m->len);
    it->where = b->data.len;
    textbuf_add(&b->data, m->where, strlen(m->where) + 1);
    it->index = m->index;
    it->cut = m->cut;
    if (b->data.oom) {
        fprintf(stderr, "%s: %s\n", p->who, _("out of memory"));
        return p->rc = 2;
    }
    b->n++;
    if (b->n == BATCH_MESSAGES || b->data.len >= BATCH_BYTES)
        submit(p);
    return p->rc;
}

int mailpool_finish(struct mailpool *p)
{
    if (!p->rc && p->ring[p->fill].n > 0)
        submit(p);
    pthread_mutex_lock(&p->mu);
    /* after a failure nothing more is written, but what the workers
     * hold is waited for: they are using it */
    while (!p->rc && p->ring[p->write].state != FREE)
        write_oldest(p);
    p->ending = true;
    pthread_cond_broadcast(&p->filled);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    int rc = p->rc;
    if (!rc && fflush(p->out) == EOF) {
        fprintf(stderr, "%s: %s: %s\n", p->who, _("cannot write the output"), strerror(errno));
        rc = 2;
    }
    for (size_t i = 0; i < p->nring; i++) {
        free(p->ring[i].data.p);
        free(p->ring[i].items);
        free(p->ring[i].out.p);
    }
    free(p->ring);
    pthread_cond_destroy(&p->filled);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p);
    return rc;
}
