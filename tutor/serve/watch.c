/*
 * watch — see watch.h. This file reads the options, attaches to serve's
 * socket, keeps the sessions as serve's events tell them (the model that
 * watch_screen.c draws), and, off a terminal, prints one plain line per
 * event:
 *     tutor watch: attached to tutor serve (pid 4242) at ...: 2 live, ...
 *     #3 smtp 127.0.0.1:50412 live = MAIL, user alice, 6 lines: <-  250 2.1.0 Ok
 *     #4 smtp 127.0.0.1:50414 connected to mail.a.example
 *     #4  -> EHLO x
 *     #4 = HELO
 *     #4 user alice
 *     #4 1 message stored (in a mailbox)
 *     #4 closed (12 lines)
 *     dns udp 127.0.0.1:41234 mail.b.example. A: NOERROR, 1 answer, ...
 * the first line of a session naming its service and client, as serve's
 * --verbose does. Whatever came from a client is shown with term_text:
 * control characters as ^X.
 */
#include "watch.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/term.h"
#include "watch_internal.h"
#include "watch_proto.h"

#define HELLO_WAIT_MS 5000      /* serve answers at once; a wedged one is not waited for */
#define READ_CHUNK 65536

const struct option watch_options[] = {
    {"follow", required_argument, NULL, 'f'}, {"client", required_argument, NULL, 'c'},
    {"user", required_argument, NULL, 'u'}, {"state", required_argument, NULL, 's'},
    {"help", no_argument, NULL, 'h'}, {"lang", required_argument, NULL, 'l'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
    fprintf(f, "%s", _("Usage: tutor watch [--follow N] [--client ADDR] [--user NAME] [--state DIR]\n"
                       "Shows what a running tutor serve does, live: on a terminal, one row per\n"
                       "session (number, client, protocol, state, last line) under a summary\n"
                       "line; off a terminal, one line per event. It attaches through the socket\n"
                       "serve keeps beside its state (no network), and only looks.\n\n"
                       "  --follow N      show session N's dialogue in full as it goes (off a\n"
                       "                  terminal: until it ends)\n"
                       "  --client ADDR   only the sessions of this client address\n"
                       "  --user NAME     only the sessions of this user (as AUTH, USER or the\n"
                       "                  envelope's sender names it)\n"
                       "  --state DIR     the state folder of the serve to watch (default:\n"
                       "                  $XDG_STATE_HOME/tutor, as serve's)\n"
                       "  --help          show this help and exit\n\n"
                       "Keys: q quits; a session's number and Enter, or j/k (the arrows) and\n"
                       "Enter, follow a session; Esc goes back to the list.\n"
                       "Exit status: 0 when serve stops or q is pressed, 1 when the connection\n"
                       "to serve breaks, 2 when no serve runs there or it has all the watchers\n"
                       "it takes.\n"));
}

/* ------------------------------------------------------------------------
 * The sessions.
 */
struct wsession *watch_find(const struct watch *w, unsigned id)
{
    size_t lo = 0, hi = w->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (w->s[mid]->id == id)
            return w->s[mid];
        if (w->s[mid]->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void session_free(struct wsession *s)
{
    for (size_t i = 0; i < s->hist_n; i++)
        free(s->hist[i].text);
    free(s->hist);
    free(s);
}

/* The session numbered `id`, made when new (sessions open in order, so
 * this is an append but for a snapshot's); NULL when out of memory. */
static struct wsession *session_get(struct watch *w, unsigned id)
{
    struct wsession *s = watch_find(w, id);
    if (s)
        return s;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        struct wsession **g = realloc(w->s, cap * sizeof *g);
        if (!g)
            return NULL;
        w->s = g;
        w->cap = cap;
    }
    s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->id = id;
    s->live = true;
    s->order = ++w->order;
    size_t at = w->n;
    while (at > 0 && w->s[at - 1]->id > id)
        at--;
    memmove(w->s + at + 1, w->s + at, (w->n - at) * sizeof *w->s);
    w->s[at] = s;
    w->n++;
    return s;
}

/* Past WATCH_CLOSED_KEEP ended sessions, the one that ended first goes. */
static void forget_ended(struct watch *w)
{
    size_t ended = 0, oldest = 0;
    for (size_t i = 0; i < w->n; i++) {
        if (w->s[i]->live)
            continue;
        if (!ended || w->s[i]->order < w->s[oldest]->order)
            oldest = i;
        ended++;
    }
    if (ended <= WATCH_CLOSED_KEEP)
        return;
    session_free(w->s[oldest]);
    memmove(w->s + oldest, w->s + oldest + 1, (w->n - oldest - 1) * sizeof *w->s);
    w->n--;
}

const struct wline *watch_history(const struct wsession *s, size_t i)
{
    return &s->hist[(s->hist_head + i) % WATCH_HISTORY_MAX];
}

/* One line more of the session's dialogue, for following it. The array
 * grows to WATCH_HISTORY_MAX, then is a ring of that size. */
static void history_add(struct wsession *s, enum wline_kind kind, const char *text)
{
    char *copy = strdup(text);
    if (!copy)
        return;
    if (s->hist_n == WATCH_HISTORY_MAX) {
        struct wline *l = &s->hist[s->hist_head];
        free(l->text);
        *l = (struct wline){copy, kind};
        s->hist_head = (s->hist_head + 1) % WATCH_HISTORY_MAX;
        return;
    }
    if (s->hist_n == s->hist_cap) {
        size_t cap = s->hist_cap ? s->hist_cap * 2 : 16;
        if (cap > WATCH_HISTORY_MAX)
            cap = WATCH_HISTORY_MAX;
        struct wline *g = realloc(s->hist, cap * sizeof *g);
        if (!g) {
            free(copy);
            return;
        }
        s->hist = g;
        s->hist_cap = cap;
    }
    s->hist[s->hist_n++] = (struct wline){copy, kind};
}

/* "bob" is bob@ any domain; "bob@b.example" is that one (either case). */
static bool user_matches(const char *have, const char *want)
{
    if (!*have)
        return false;
    if (strcasecmp(have, want) == 0)
        return true;
    const char *ha = strchr(have, '@'), *wa = strchr(want, '@');
    if (ha && wa)
        return false;
    size_t hl = ha ? (size_t)(ha - have) : strlen(have), wl = wa ? (size_t)(wa - want) : strlen(want);
    return hl == wl && strncasecmp(have, want, hl) == 0;
}

/* "127.0.0.1" is 127.0.0.1 at any port, "[::1]" or "::1" is ::1; a
 * whole "ADDR:PORT" is that one client. */
static bool client_matches(const char *client, const char *want)
{
    if (strcmp(client, want) == 0)
        return true;
    char addr[64], w[64];
    if (client[0] == '[') {
        const char *end = strchr(client, ']');
        snprintf(addr, sizeof addr, "%.*s", end ? (int)(end - client - 1) : 0, client + 1);
    } else {
        const char *colon = strrchr(client, ':');
        snprintf(addr, sizeof addr, "%.*s", colon ? (int)(colon - client) : (int)strlen(client),
                 client);
    }
    size_t wl = strlen(want);
    if (wl >= 2 && want[0] == '[' && want[wl - 1] == ']')
        snprintf(w, sizeof w, "%.*s", (int)(wl - 2), want + 1);
    else
        snprintf(w, sizeof w, "%s", want);
    return strcasecmp(addr, w) == 0;
}

bool watch_matches(const struct watch *w, const struct wsession *s)
{
    return (!w->client_only || client_matches(s->client, w->client_only)) &&
           (!w->user_only || user_matches(s->user, w->user_only));
}

void watch_ended_text(const struct wsession *s, char *out, size_t size)
{
    snprintf(out, size, ngettext("%1$s (%2$lu line)", "%1$s (%2$lu lines)", s->lines), s->why,
             s->lines);
}

/* ------------------------------------------------------------------------
 * Off a terminal: one line an event.
 */
static bool shown_here(const struct watch *w, const struct wsession *s)
{
    return !w->screen && watch_matches(w, s) && (!w->follow || w->follow == s->id);
}

static void put_text(const char *s)
{
    term_text(stdout, s, strlen(s));
}

/* "#3 ", and the first time "#3 smtp 127.0.0.1:50412 ". */
static void tag(struct wsession *s)
{
    printf("#%u ", s->id);
    if (!s->introduced) {
        s->introduced = true;
        printf("%s ", s->service);
        put_text(s->client);
        putchar(' ');
    }
}

static const char *arrow(bool from_client)
{
    return from_client ? " -> " : "<-  ";
}

static void print_live(struct wsession *s)
{
    tag(s);
    fputs(_("live"), stdout);
    if (*s->state) {
        fputs(" = ", stdout);
        put_text(s->state);
    }
    if (*s->user) {
        fputs(", ", stdout);
        char u[200];
        snprintf(u, sizeof u, _("user %1$s"), s->user);
        put_text(u);
    }
    printf(", ");
    printf(ngettext("%1$lu line", "%1$lu lines", s->lines), s->lines);
    if (*s->last) {
        fputs(": ", stdout);
        fputs(arrow(s->last_from_client), stdout);
        put_text(s->last);
    }
    putchar('\n');
}

/* ------------------------------------------------------------------------
 * serve's events (watch_proto.h).
 */
static const char *jstr(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

static unsigned long jnum(const json_t *o, const char *key)
{
    json_int_t v = json_integer_value(json_object_get(o, key));
    return v > 0 ? (unsigned long)v : 0;
}

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

static void fill(struct wsession *s, const json_t *o)
{
    copy(s->service, sizeof s->service, jstr(o, "service"));
    copy(s->client, sizeof s->client, jstr(o, "client"));
    copy(s->host, sizeof s->host, jstr(o, "host"));
    copy(s->state, sizeof s->state, jstr(o, "state"));
}

static void on_hello(struct watch *w, const json_t *o)
{
    w->pid = (long)jnum(o, "pid");
    w->live = jnum(o, "live");
    w->total = jnum(o, "total");
    w->stored = jnum(o, "stored");
    w->dns = jnum(o, "dns");
    w->last_id = jnum(o, "last_id");
    if (w->screen)
        return;
    printf(_("tutor watch: attached to tutor serve (pid %1$ld) at %2$s; sessions: %3$lu live, "
             "%4$lu in all; messages stored: %5$lu; DNS queries: %6$lu\n"),
           w->pid, w->path, w->live, w->total, w->stored, w->dns);
}

static void on_session_event(struct watch *w, const char *ev, const json_t *o)
{
    unsigned id = (unsigned)jnum(o, "session");
    bool known = watch_find(w, id) != NULL;
    if (strcmp(ev, "session") == 0 || strcmp(ev, "open") == 0) {
        struct wsession *s = session_get(w, id);
        if (!s)
            return;
        fill(s, o);
        if (id > w->last_id)
            w->last_id = id;
        if (strcmp(ev, "open") == 0) {
            if (!known) {
                w->live++;
                w->total++;
            }
            if (shown_here(w, s)) {
                tag(s);
                char t[300];
                snprintf(t, sizeof t, _("connected to %1$s"), s->host);
                put_text(t);
                putchar('\n');
            }
            return;
        }
        copy(s->user, sizeof s->user, jstr(o, "user"));
        copy(s->last, sizeof s->last, jstr(o, "last"));
        s->last_from_client = strcmp(jstr(o, "from"), "client") == 0;
        s->lines = jnum(o, "lines");
        if (shown_here(w, s))
            print_live(s);
        return;
    }
    if (strcmp(ev, "refused") == 0) {
        /* a client serve turned away: no session to keep */
        struct wsession tmp = {.id = id};
        fill(&tmp, o);
        if (shown_here(w, &tmp)) {
            tag(&tmp);
            put_text(*jstr(o, "text") ? _(jstr(o, "text")) : "");
            putchar('\n');
        }
        return;
    }
    struct wsession *s = watch_find(w, id);
    if (!s)
        return;                 /* of a session that ended before we came */
    bool was_shown = shown_here(w, s);
    if (strcmp(ev, "line") == 0) {
        bool from_client = strcmp(jstr(o, "from"), "client") == 0;
        const char *text = jstr(o, "text");
        s->lines++;
        copy(s->last, sizeof s->last, text);
        s->last_from_client = from_client;
        if (w->screen)
            history_add(s, from_client ? WL_CLIENT : WL_SERVER, text);
        if (was_shown) {
            tag(s);
            fputs(arrow(from_client), stdout);
            put_text(text);
            putchar('\n');
        }
    } else if (strcmp(ev, "state") == 0) {
        copy(s->state, sizeof s->state, jstr(o, "state"));
        if (w->screen && *s->state)
            history_add(s, WL_STATE, s->state);
        if (was_shown && *s->state) {
            tag(s);
            fputs("= ", stdout);
            put_text(s->state);
            putchar('\n');
        }
    } else if (strcmp(ev, "user") == 0) {
        copy(s->user, sizeof s->user, jstr(o, "user"));
        /* with --user, a session may begin to match here */
        if (shown_here(w, s)) {
            tag(s);
            char u[200];
            snprintf(u, sizeof u, _("user %1$s"), s->user);
            put_text(u);
            putchar('\n');
        }
    } else if (strcmp(ev, "note") == 0) {
        if (w->screen)
            history_add(s, WL_NOTE, jstr(o, "text"));
        if (was_shown) {
            tag(s);
            fputs("*** ", stdout);
            put_text(jstr(o, "text"));
            putchar('\n');
        }
    } else if (strcmp(ev, "close") == 0) {
        if (s->live && w->live > 0)
            w->live--;
        s->live = false;
        s->order = ++w->order;
        s->lines = jnum(o, "lines");
        const char *text = jstr(o, "text");
        copy(s->why, sizeof s->why, *text ? _(text) : jstr(o, "why"));
        char t[200];
        watch_ended_text(s, t, sizeof t);
        if (w->screen)
            history_add(s, WL_NOTE, t);
        if (was_shown) {
            tag(s);
            put_text(t);
            putchar('\n');
        }
        if (w->follow == s->id)
            w->follow_ended = true;
        forget_ended(w);
    } else if (strcmp(ev, "stored") == 0) {
        unsigned long n = jnum(o, "count");
        w->stored += n;
        if (was_shown) {
            tag(s);
            printf(ngettext("%1$lu message stored", "%1$lu messages stored", n), n);
            fputs(strcmp(jstr(o, "where"), "queue") == 0 ? _(" (in the relay queue)")
                                                         : _(" (in a mailbox)"), stdout);
            putchar('\n');
        }
    }
}

static void on_event(struct watch *w, const json_t *o)
{
    const char *ev = jstr(o, "event");
    if (strcmp(ev, "hello") == 0) {
        on_hello(w, o);
    } else if (strcmp(ev, "full") == 0) {
        w->full = (int)jnum(o, "max");
    } else if (strcmp(ev, "stop") == 0) {
        w->serve_stopped = true;
        if (!w->screen)
            printf("%s\n", _("tutor watch: tutor serve stopped"));
    } else if (strcmp(ev, "dns") == 0) {
        w->dns++;
        const char *client = jstr(o, "client");
        struct wsession probe = {.id = 0};
        copy(probe.client, sizeof probe.client, client);
        if (!w->screen && !w->follow && !w->user_only && watch_matches(w, &probe)) {
            printf("dns %s ", jstr(o, "transport"));
            put_text(client);
            putchar(' ');
            put_text(jstr(o, "question"));
            fputs(": ", stdout);
            put_text(jstr(o, "answer"));
            putchar('\n');
        }
    } else if (strcmp(ev, "info") == 0) {
        if (!w->screen && !w->follow && !w->client_only && !w->user_only) {
            fputs("=== ", stdout);
            put_text(jstr(o, "text"));
            putchar('\n');
        }
    } else if (json_object_get(o, "session")) {
        on_session_event(w, ev, o);
    }
}

int watch_read(struct watch *w)
{
    if (w->in_cap - w->in_len < READ_CHUNK) {
        size_t cap = w->in_cap ? w->in_cap * 2 : 2 * READ_CHUNK;
        if (cap > WATCH_EVENT_MAX + 2 * READ_CHUNK)
            return -1;          /* a line this long is no event */
        char *g = realloc(w->in, cap);
        if (!g)
            return -1;
        w->in = g;
        w->in_cap = cap;
    }
    ssize_t n = read(w->fd, w->in + w->in_len, w->in_cap - w->in_len);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : 0;
    if (n == 0)
        return 0;
    w->in_len += (size_t)n;
    size_t start = 0;
    for (;;) {
        char *nl = memchr(w->in + start, '\n', w->in_len - start);
        if (!nl)
            break;
        size_t len = (size_t)(nl - (w->in + start));
        json_t *o = json_loadb(w->in + start, len, 0, NULL);
        if (json_is_object(o))
            on_event(w, o);
        json_decref(o);
        start += len + 1;
    }
    memmove(w->in, w->in + start, w->in_len - start);
    w->in_len -= start;
    if (w->in_len > WATCH_EVENT_MAX)
        return -1;
    if (!w->screen)
        fflush(stdout);
    return 1;
}

/* ------------------------------------------------------------------------
 * Attaching, and the plain run.
 */
static int attach(struct watch *w, const char *root)
{
    struct sockaddr_un sa;
    socklen_t len;
    int dirfd;
    wproto_path(root, w->path);
    w->fd = -1;
    if (wproto_address(root, &sa, &len, &dirfd) < 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&sa, len);
    int e = errno;
    if (dirfd >= 0)
        close(dirfd);
    if (rc < 0) {
        if (fd >= 0)
            close(fd);
        errno = e;
        return -1;
    }
    w->fd = fd;
    return 0;
}

static void say_no_serve(const struct watch *w, int e)
{
    if (e == ENOENT || e == ECONNREFUSED || e == ENOTDIR)
        fprintf(stderr, _("tutor watch: no tutor serve is running here: nothing answers at %1$s\n"
                          "Start one first, with the same state folder (XDG_STATE_HOME), e.g.\n"
                          "  tutor serve --smtp 127.0.0.1:2525 --pop3 127.0.0.1:1110 --dns 127.0.0.1:5300\n"
                          "or name the folder it uses with --state DIR.\n"),
                w->path);
    else
        fprintf(stderr, _("tutor watch: cannot attach to %1$s: %2$s\n"), w->path, strerror(e));
}

/* Until serve's greeting (or its refusal) has come: 0, or -1. */
static int await_hello(struct watch *w)
{
    while (!w->pid && !w->full) {
        struct pollfd pf = {.fd = w->fd, .events = POLLIN};
        int n = poll(&pf, 1, HELLO_WAIT_MS);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || watch_read(w) <= 0)
            return -1;
    }
    return 0;
}

static int plain_run(struct watch *w)
{
    for (;;) {
        if (w->follow_ended)
            return 0;
        struct pollfd pf = {.fd = w->fd, .events = POLLIN};
        int n = poll(&pf, 1, -1);
        if (n < 0 && errno == EINTR)
            continue;
        int r = n < 0 ? -1 : watch_read(w);
        if (r > 0)
            continue;
        if (w->serve_stopped)
            return 0;
        fprintf(stderr, "%s\n", _("tutor watch: the connection to tutor serve ended without a word "
                                  "(serve drops a watcher that falls behind)"));
        return 1;
    }
}

static int parse_number(const char *v, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (v[0] == '#')
        n = strtoul(v + 1, &end, 10);
    if (!*v || *end || errno || n == 0 || n > 4000000000UL)
        return -1;
    *out = (unsigned)n;
    return 0;
}

int watch_main(const char *state_root, int argc, char **argv)
{
    struct watch w = {.fd = -1};
    const char *state = state_root;
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "h", watch_options, NULL)) != -1) {
        switch (o) {
        case 'f':
            if (parse_number(optarg, &w.follow) < 0) {
                fprintf(stderr, _("tutor watch: --follow takes a session's number, not \"%1$s\"\n"),
                        optarg);
                return 2;
            }
            break;
        case 'c': w.client_only = optarg; break;
        case 'u': w.user_only = optarg; break;
        case 's': state = optarg; break;
        case 'l': break;        /* main has read it */
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, _("tutor watch: unexpected argument \"%1$s\" (see tutor watch --help)\n"),
                argv[optind]);
        return 2;
    }
    w.screen = wscreen_possible();
    if (attach(&w, state) < 0) {
        say_no_serve(&w, errno);
        return 2;
    }
    int rc;
    if (await_hello(&w) < 0) {
        fprintf(stderr, _("tutor watch: tutor serve at %1$s did not answer\n"), w.path);
        rc = 2;
    } else if (w.full) {
        fprintf(stderr, _("tutor watch: tutor serve at %1$s has %2$d watchers already, the most it "
                          "takes: close one first\n"), w.path, w.full);
        rc = 2;
    } else if (w.follow && !watch_find(&w, w.follow) && w.follow <= w.last_id && !w.screen) {
        fprintf(stderr, _("tutor watch: session #%1$u is not live (it has ended, or was a DNS "
                          "client's)\n"), w.follow);
        rc = 1;
    } else {
        rc = w.screen ? wscreen_run(&w) : plain_run(&w);
    }
    close(w.fd);
    for (size_t i = 0; i < w.n; i++)
        session_free(w.s[i]);
    free(w.s);
    free(w.in);
    return rc;
}
