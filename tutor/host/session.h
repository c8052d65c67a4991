/*
 * session — one connection to a virtual server: it joins a client end (the
 * REPL's telnet, the relay client, later a socket) to the server's script.
 *
 * Lines go in with session_input(); what the script sends waits in the
 * session's output queue until the owner takes it with session_pop(). No
 * callback ever calls into another script, so two scripts talking (relay)
 * are pumped by their owner, never nested.
 */
#ifndef TUTOR_SESSION_H
#define TUTOR_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "sandbox.h"

/* Bytes waiting to be taken: a POP3 RETR of the largest message the
 * servers accept (10 MB) goes out in one callback. */
#define SESSION_OUTPUT_MAX (32u << 20)
#define SESSION_SEND_MAX   65536        /* one line from a script */
#define SESSION_REPLY_LINES_MAX 1000
#define SESSION_REPLY_LINE_MAX 510      /* s:reply's line without CR LF (RFC 5321 4.5.3.1.5) */
/* s:read_message: a line's default limit with its CR LF (RFC 5321
 * 4.5.3.1.6), the largest message whatever a script asks (the host's
 * deliver refuses more), all messages being read at once by all sessions,
 * and the size past which the state is collected after on_message. */
#define SESSION_TEXT_LINE_MAX 1000
#define SESSION_MESSAGE_MAX (64u << 20)
#define SESSION_READING_TOTAL_MAX ((size_t)1 << 30)
#define SESSION_COLLECT_AFTER (1u << 20)
#define SESSION_LINE_SCRATCH 4096       /* s:send_text's copy of a line with CRs */
#define SESSION_PAUSE_MAX_S 60          /* s:pause's longest */

struct vserver;
struct session;

/* Where the other end is: `name` (borrowed, may be NULL) only for display.
 * A real program connected over a socket (tutor serve) is outside the
 * world: `addr_text` ("127.0.0.1", "::1") then stands for `addr`, and the
 * script sees `socket = true`. */
struct session_endpoint {
    uint32_t addr;
    int port;
    const char *name;
    const char *addr_text;
    bool socket;
};

/* Pushes an endpoint as a script sees it: {addr, port, name, socket}. */
void session_push_endpoint(lua_State *L, const struct session_endpoint *e);

/* What a client script reported with finish(). */
struct session_result {
    bool finished;
    char status[16];            /* sent, deferred, failed, ok */
    int code;
    char text[512];
    char rcpts[2048];           /* "rcpt code text" lines, for bounces and mailq */
};

/* A client's stored message (c:store): 0, or -1 with the reason in err.
 * `uid` may be NULL; all borrowed for the call. */
typedef int (*session_store_fn)(void *ud, const char *uid, const char *msg, size_t len,
                                char err[SBX_ERROR_MAX]);

/* What a client script is to do (scripts/README.md, "A client script").
 * All borrowed for the session_open_client() call; NULL fields are left
 * out of the job table. */
struct session_job {
    const char *id, *from, *helo;
    const char *const *rcpts;
    size_t n_rcpts;
    const char *message;
    size_t len;
    const char *user, *password;        /* credentials, for a mail client */
    bool delete;                        /* POP3: DELE after RETR */
    const char *const *known;           /* POP3: UIDs not to fetch again */
    size_t n_known;
    session_store_fn store;             /* where c:store() goes; NULL refuses */
    void *store_ud;
};

/* Connects a client at `client` to server `srv` (whose address is `server`)
 * and runs on_connect. NULL only when out of memory; a script failure shows
 * as session_failed(). Free with session_end(). */
struct session *session_open(struct vserver *srv, const struct session_endpoint *client,
                             const struct session_endpoint *server);

/* The relay client: runs on_start(c, job) in the client script `cli`. */
struct session *session_open_client(struct vserver *cli, const struct session_endpoint *self,
                                    const struct session_endpoint *server,
                                    const struct session_job *job);

/* One line from the other end, without its line end. Lines longer than
 * the server's SRV_LINE_CAP are cut and flagged (for a client script,
 * longer than SESSION_SEND_MAX: what a server may send). 0, or -1 when the script
 * failed (session_failed() says why; the session is then over). The line
 * ended in CR LF (the REPL's telnet, the relay). */
int session_input(struct session *s, const char *line, size_t len);

/* The same, for a line that may have ended in LF alone (`bare_lf`, from
 * nc): the script is told, and a "." so ended, or after such a line, does
 * not end a message (s:read_message). */
int session_input_line(struct session *s, const char *line, size_t len, bool bare_lf);

/* Takes the oldest waiting output line: a new string the caller frees, or
 * NULL when none waits. */
char *session_pop(struct session *s);

/* How long the script asked its replies to wait (s:pause), in ms, since
 * the last call; 0 when it did not. */
int session_take_pause(struct session *s);

/* Has the script closed the connection, or failed? */
bool session_over(const struct session *s);
/* The script's failure ("smtp.lua:42: ..."), or NULL. */
const char *session_failed(const struct session *s);
const struct session_result *session_result(const struct session *s);
unsigned session_id(const struct session *s);
/* The script's name for where the dialogue is (its s.data.state, e.g.
 * "MAIL"), copied to `out`; "" when it keeps none. */
const char *session_state(struct session *s, char out[32]);
struct vserver *session_server(struct session *s);

/* Passes lines between a client session and a server session until the
 * client finishes, either end closes or fails, or nothing more is said,
 * at most `max_lines` lines. `show` (may be NULL) sees each line as it
 * goes: `from_client` tells the direction. */
typedef void (*session_show_fn)(void *ud, bool from_client, const char *line);
void session_pump(struct session *client, struct session *server, int max_lines,
                  session_show_fn show, void *ud);

/* Makes the object at `obj` (a host object with a __close metamethod, such
 * as a maildrop) belong to the session at `sess`: it is closed when the
 * session ends, however it ends. Raises if `sess` is not a live session. */
void session_adopt(lua_State *L, int sess, int obj);

/* Runs on_close (unless the script failed), closes what the session owns
 * and frees it. */
void session_end(struct session *s);

/* The __index of the host's objects (sessions, DNS queries): a method
 * from the metatable's `methods` table, else a field from the object's
 * first user value. */
int session_object_index(lua_State *L);

/* Registers the session type in a server's state; from server.c's setup. */
void session_register(lua_State *L);

#endif
