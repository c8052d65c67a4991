/*
 * mua — the student's mail client. It does what the student did by hand:
 * an SMTP dialogue with the user's own mail server to send (submission,
 * authenticated), a POP3 dialogue to fetch. Both are the client scripts
 * smtp_client.lua and pop3_client.lua run on the student's PC, and every
 * line can be shown as it passes, so nothing a mail client types is hidden.
 *
 * Fetched mail is kept in the client's own folder (a Maildir under
 * STATE/client/ADDRESS), with the UIDs it has, so that mail left on the
 * server is not fetched twice, as clients that "keep mail on the server"
 * do.
 */
#ifndef TUTOR_MUA_H
#define TUTOR_MUA_H

#include <stdbool.h>

#include "host/runtime.h"
#include "host/session.h"

#define MUA_LINES_MAX 2000000   /* a dialogue's lines; a 10 MB message is ~150k */
#define MUA_UIDS_MAX 100000     /* UIDs remembered per user */

/* Where the client connects for a user. All borrowed. */
struct mua_route {
    const struct world_node *client;    /* the student's PC */
    const struct world_node *server;    /* the user's mail server */
    const struct world_service *svc;    /* submission (or smtp), or pop3 */
};

struct mua_outcome {
    bool ok;
    char text[512];             /* the server's last word, or why not */
    size_t fetched;             /* messages stored by this fetch */
};

/* The logged-in user: the one `login` chose, else the world's first user.
 * Borrowed from the world. */
const struct world_user *mua_user(struct runtime *rt);

/* Makes `u` the logged-in user, for this run at once and in the state for
 * the next. 0, or -1 with err when it could not be kept (a full disk):
 * `u` is logged in for this run all the same. */
int mua_login(struct runtime *rt, const struct world_user *u, char err[RT_ERROR_MAX]);

/* The route for sending ("send") or fetching ("fetch") as `u`. 0, or -1
 * with err when the user's domain has no mail server offering it. */
int mua_route(struct runtime *rt, const struct world_user *u, const char *what,
              struct mua_route *out, char err[RT_ERROR_MAX]);

/* Sends `msg` as `u` (envelope sender) to `rcpts`. `show` sees each line.
 * 0 when the dialogue ran (out says whether the server took it), -1 with
 * out->text when it could not start. */
int mua_send(struct runtime *rt, const struct world_user *u, const char *const *rcpts,
             size_t n, const char *msg, size_t len, session_show_fn show, void *ud,
             struct mua_outcome *out);

/* Fetches `u`'s new mail into the client's folder, deleting it from the
 * server when `delete`. Like mua_send otherwise. */
int mua_fetch(struct runtime *rt, const struct world_user *u, bool delete, session_show_fn show,
              void *ud, struct mua_outcome *out);

/* The client's folder for `u`. */
void mua_folder(const struct runtime *rt, const struct world_user *u, char out[PATH_MAX]);

#endif
