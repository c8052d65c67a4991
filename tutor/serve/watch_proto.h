/*
 * watch_proto — what `tutor serve` (serve_watch.c) and `tutor watch`
 * (watch.c) agree on: where the socket is, and what goes through it.
 *
 * The socket is STATE/serve.sock, STATE being the state folder both find
 * the same way ($XDG_STATE_HOME/tutor): a UNIX socket, so that no network
 * is involved, mode 0600 in a folder of mode 0700. Serve writes JSON
 * lines to each watcher and reads nothing from it but its end.
 *
 * The lines, each an object with "event":
 *   hello     first: "version", "pid", "live", "total" (sessions),
 *             "stored" (messages), "dns" (queries), "last_id" (the
 *             highest session number so far), "listeners" [{service,
 *             address, host}]
 *   session   one a live session, after hello (the snapshot): "session",
 *             "service", "client", "host", "state", "user", "lines", "last",
 *             "from" ("client" or "server"), "age" (seconds)
 *   open      a session began: session, service, client, host, state
 *   line      one line of a dialogue: session, "from", "text" (NUL shown
 *             as ^@); "cut": true when the line was longer than a script
 *             takes
 *   state     the script's state changed: session, state
 *   user      serve learnt who the client says it is: session, user
 *   note      the tool's word about a session (a script's error): session,
 *             "text"
 *   refused   a client serve turned away: session, service, client, text
 *   close     a session ended: session, "why" (close, gone, timeout,
 *             shutdown, error), "text", "lines"
 *   stored    a session's message is on disk: session, "count" (copies),
 *             "where" ("mailbox" or "queue")
 *   dns       a DNS query answered (or not): "transport", "client",
 *             "question", "answer"
 *   info      the tool's word about the whole server (a relay run): text
 *   full      instead of hello, then the end: "max", the watchers a serve
 *             takes at once
 *   stop      serve is stopping; the end follows
 * A reader ignores what it does not know, so that a later serve may say
 * more.
 */
#ifndef TUTOR_WATCH_PROTO_H
#define TUTOR_WATCH_PROTO_H

#include <limits.h>
#include <sys/socket.h>
#include <sys/un.h>

#define WATCH_PROTO_VERSION 1
#define WATCH_SOCKET_NAME "serve.sock"

/* The socket's name in `state_root`, for messages and for lstat/unlink. */
void wproto_path(const char *state_root, char out[PATH_MAX]);

/* The address to bind or connect to. A path too long for sun_path (108
 * bytes) is reached through the folder, opened: *dirfd is then that
 * descriptor, for the caller to close once bound or connected, else -1.
 * 0, or -1 with errno (the folder could not be opened). */
int wproto_address(const char *state_root, struct sockaddr_un *sa, socklen_t *len, int *dirfd);

#endif
