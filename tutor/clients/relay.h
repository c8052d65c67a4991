/*
 * relay — hands queued mail from one virtual server to the next: for each
 * queued message, the sending node's relay client (scripts/smtp_client.lua)
 * holds a real SMTP dialogue with the recipient domain's mail server.
 *
 * Until the network simulator carries it, the hand-over is direct: the two
 * scripts' lines are passed to each other, in turn, by relay_run().
 */
#ifndef TUTOR_RELAY_H
#define TUTOR_RELAY_H

#include "host/runtime.h"

/* Most lines one relay dialogue may exchange besides its message's: two
 * scripts that never stop talking are cut off here. */
#define RELAY_LINES_MAX 10000
/* Passes of one run: the first tries every entry, later ones only the
 * bounces the earlier queued. */
#define RELAY_PASSES_MAX 4
/* Deferred mail: bounced after this long in the queue, and its sender
 * warned after the second (Postfix's maximal_queue_lifetime and the
 * delay_warning_time its documentation suggests); seconds of the world's
 * clock, which a world's smtp settings "queue_lifetime" and
 * "delay_warning" may change. */
#define RELAY_QUEUE_LIFETIME_S (5 * 86400)
#define RELAY_DELAY_WARNING_S (4 * 3600)

/* Messages that reached at least one next server, messages still waiting
 * in a queue, and reports returned to senders (bounces). */
struct relay_stats {
    int sent, deferred, bounced;
};

/* Tries every queued message of every node once. The dialogues are written
 * (swaks-style markers) to STATE/last-relay.txt for `mailq`. 0, or -1 with
 * err when the queue could not be read. */
int relay_run(struct runtime *rt, struct relay_stats *stats, char err[RT_ERROR_MAX]);

/* The last relay dialogue: new string, caller frees; NULL when none. */
char *relay_last_dialogue(const struct runtime *rt);

#endif
