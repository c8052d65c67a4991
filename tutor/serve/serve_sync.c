/*
 * serve_sync — the mail of one turn of the loop stored for good while the
 * loop goes on.
 *
 * The sessions' scripts deliver into sv->batch (maildir_batch); their
 * replies are held. At the end of a turn the batch goes to one worker
 * thread, which makes it durable (syncfs, links, folder fsyncs) while the
 * loop serves other clients and fills the next batch: a commit in flight,
 * the next one gathering, as a database's log writer does. When the
 * worker is done the loop releases the replies that waited for that
 * batch. The worker touches files only, never a session, a script or the
 * log; the loop stays the only thread that talks to clients, so no
 * session is ever served by two threads.
 *
 * Without the thread (pthread_create failed) each batch is stored in the
 * loop at the end of its turn, as before.
 */
#include "serve_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void *worker(void *arg)
{
    struct serve_sync *sy = arg;
    pthread_mutex_lock(&sy->lock);
    for (;;) {
        while (!sy->job && !sy->quit)
            pthread_cond_wait(&sy->wake, &sy->lock);
        if (!sy->job)
            break;
        struct maildir_batch *job = sy->job;
        pthread_mutex_unlock(&sy->lock);
        maildir_batch_store(job);
        pthread_mutex_lock(&sy->lock);
        sy->job = NULL;
        char done = 1;
        while (write(sy->done_pipe[1], &done, 1) < 0 && errno == EINTR)
            ;
    }
    pthread_mutex_unlock(&sy->lock);
    return NULL;
}

void sync_start(struct serve *sv)
{
    struct serve_sync *sy = &sv->sync;
    sy->done_pipe[0] = sy->done_pipe[1] = -1;
    if (pipe(sy->done_pipe) < 0)
        return;
    fcntl(sy->done_pipe[0], F_SETFD, FD_CLOEXEC);
    fcntl(sy->done_pipe[1], F_SETFD, FD_CLOEXEC);
    if (pthread_mutex_init(&sy->lock, NULL) != 0)
        goto no_thread;
    if (pthread_cond_init(&sy->wake, NULL) != 0) {
        pthread_mutex_destroy(&sy->lock);
        goto no_thread;
    }
    if (pthread_create(&sy->thread, NULL, worker, sy) != 0) {
        pthread_cond_destroy(&sy->wake);
        pthread_mutex_destroy(&sy->lock);
        goto no_thread;
    }
    sy->running = true;
    return;
no_thread:
    close(sy->done_pipe[0]);
    close(sy->done_pipe[1]);
    sy->done_pipe[0] = sy->done_pipe[1] = -1;
}

int sync_fd(const struct serve *sv)
{
    return sv->sync.in_flight ? sv->sync.done_pipe[0] : -1;
}

/* The replies that waited for the flight go out; its array is dropped. */
static void land(struct serve *sv)
{
    struct serve_sync *sy = &sv->sync;
    maildir_batch_finish(&sy->flight);
    maildir_batch_free(&sy->flight);
    sy->in_flight = false;
    stream_release(sv, sy->flight_gen);
}

void sync_turn_end(struct serve *sv)
{
    struct serve_sync *sy = &sv->sync;
    if (sy->in_flight || sv->batch.n == 0)
        return;
    /* the gathering batch takes off; a new one gathers behind it */
    sy->flight = sv->batch;
    sy->flight_gen = sv->batch_gen++;
    sv->batch = (struct maildir_batch){.failed = sy->flight.failed, .ctx = sy->flight.ctx};
    sy->in_flight = true;
    if (!sy->running) {
        maildir_batch_store(&sy->flight);
        land(sv);
        return;
    }
    pthread_mutex_lock(&sy->lock);
    sy->job = &sy->flight;
    pthread_cond_signal(&sy->wake);
    pthread_mutex_unlock(&sy->lock);
}

/* Waits for the worker's byte: the flight is stored. Taking the lock the
 * worker held while it finished makes what it wrote ours to read. */
static void await_flight(struct serve_sync *sy)
{
    char done;
    while (read(sy->done_pipe[0], &done, 1) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&sy->lock);
    pthread_mutex_unlock(&sy->lock);
}

void sync_done(struct serve *sv)
{
    if (!sv->sync.in_flight)
        return;
    await_flight(&sv->sync);
    land(sv);
    sync_turn_end(sv);
}

void sync_stop(struct serve *sv)
{
    struct serve_sync *sy = &sv->sync;
    if (sy->in_flight && sy->running) {
        await_flight(sy);
        land(sv);
    }
    sync_turn_end(sv);          /* the last batch, in flight at once */
    if (sy->in_flight) {
        await_flight(sy);
        land(sv);
    }
    if (sy->running) {
        pthread_mutex_lock(&sy->lock);
        sy->quit = true;
        pthread_cond_signal(&sy->wake);
        pthread_mutex_unlock(&sy->lock);
        pthread_join(sy->thread, NULL);
        pthread_cond_destroy(&sy->wake);
        pthread_mutex_destroy(&sy->lock);
        sy->running = false;
    }
    if (sy->done_pipe[0] >= 0) {
        close(sy->done_pipe[0]);
        close(sy->done_pipe[1]);
        sy->done_pipe[0] = sy->done_pipe[1] = -1;
    }
    maildir_batch_free(&sv->batch);
}
