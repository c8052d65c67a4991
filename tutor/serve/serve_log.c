/*
 * serve_log — what `tutor serve` shows the instructor of each session.
 *
 * --verbose, on stdout, in a compact form that reads at 80 columns on a
 * classroom's projector: the session's number, service and client once,
 *     #3 smtp 127.0.0.1:50412 connected to mail.a.example (smtp.lua)
 * then each line under the number alone, with swaks' arrows (and colour on
 * a terminal), the script's state only when it changes, and the end:
 *     #3  -> MAIL FROM:<alice@a.example>
 *     #3 = MAIL
 *     #3 <-  250 2.1.0 Ok
 *     #3 closed (14 lines)
 * A line wider than the screen (the terminal's width, else 80 columns)
 * wraps under itself, by display width, for up to LINE_ROWS_MAX rows; the
 * last one is cut, ending in ".." and the line's length in bytes, so a
 * 10,000-byte line takes three rows. Control characters are shown as ^X,
 * never sent: they come from strangers. (Rejected: the prefix of before,
 * "#3 smtp 127.0.0.1:50412 [MAIL] " on every line, which left 40 columns
 * for the dialogue; and cutting every long line at one row, which cut
 * the greeting's "AUTH is offered without TLS" off.)
 *
 * --log FILE: every line and event as one JSON object a line, every field
 * on each (time, session, service, host, client, event, state, line).
 *
 * The watchers of `tutor watch` get the same events (serve_watch.c).
 */
#define _GNU_SOURCE     /* open_memstream is POSIX 2008, but glibc hides nothing then */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "serve_internal.h"
#include "util/i18n.h"
#include "util/term.h"

/* term.c's colours, for the lines written here rather than by
 * term_client and term_server (which cannot wrap under a tag): the
 * normal theme's and the projector's, bold and bright, nothing dim. */
enum sgr { SGR_CLIENT, SGR_SERVER, SGR_INFO, SGR_ERROR };
static const char *const sgr_normal[] = {"\033[1;36m", "\033[32m", "\033[2m", "\033[1;31m"};
static const char *const sgr_projector[] = {"\033[1;96m", "\033[1;92m", "\033[1;93m", "\033[1;91m"};
#define SGR_RESET "\033[0m"

static const char *sgr(enum sgr which)
{
    return (term_projector() ? sgr_projector : sgr_normal)[which];
}
#define CUT_ROOM_MIN 8          /* columns of a cut line kept however narrow the screen */
#define LINE_ROWS_MAX 3         /* rows a dialogue line may take; the rest is cut */
#define WORDS_ROWS_MAX 8        /* and the tool's own words (a script's error) */

bool slog_wanted(const struct serve *sv)
{
    return sv->log.verbose || sv->log.json || swatch_on(sv);
}

/* ------------------------------------------------------------------------
 * --verbose
 */
/* The columns a line may take: the terminal's less the last one, or an
 * 80-column screen's in a pipe or a file (whoever tails it has one). */
static int screen_width(void)
{
    struct winsize ws;
    if (term_stdout_tty() && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        return ws.ws_col - 1;
    return TERM_LINE_WIDTH;
}

/* "#3 ", and before the session's first line "#3 smtp 127.0.0.1:50412 ":
 * the columns written. */
static int lead(struct conn *c)
{
    int n = printf("#%u ", c->id);
    if (!c->introduced) {
        c->introduced = true;
        n += printf("%s %s ", c->l->proto, c->peer);
    }
    return n;
}

/* `s` as term_text shows it, with a NUL after it: a new string, or NULL
 * when out of memory. */
static char *shown(const char *s, size_t len)
{
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    if (!f)
        return NULL;
    term_text(f, s, len);
    if (fclose(f) != 0) {
        free(p);
        return NULL;
    }
    return p;
}

static bool printable_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

/* The bytes of t (as shown: no control characters) that fill at most
 * `room` columns, broken after a space in the row's second half if there
 * is one. */
static size_t row_end(const char *t, size_t len, int room)
{
    size_t i = 0, space = 0;
    int w = 0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    while (i < len) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, t + i, len - i, &st);
        int cw;
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
            memset(&st, 0, sizeof st);
            n = 1;
            cw = 1;             /* as term_width counts a byte that is no character */
        } else {
            cw = wcwidth(wc) < 0 ? 1 : wcwidth(wc);
        }
        if (w + cw > room)
            break;
        w += cw;
        i += n;
        if (t[i - 1] == ' ' && w > room / 2)
            space = i;
    }
    return i < len && space ? space : i;
}

/* Text from the outside, from column `col` on: whole when it fits in
 * `width`, else wrapped under itself, at most `rows` rows, the last one
 * cut and the line's length said. Most lines are short ASCII and go out
 * as they are. No newline at the end. */
static void put_long(const char *s, size_t len, int col, int width, int rows)
{
    int room = width - col;
    if (room < CUT_ROOM_MIN)
        room = CUT_ROOM_MIN;
    if ((size_t)room >= len && printable_ascii(s, len)) {
        fwrite(s, 1, len, stdout);
        return;
    }
    char *t = shown(s, len);
    if (!t)
        return;
    const char *rest = t;
    for (int row = 0; row < rows; row++) {
        if (row > 0)
            printf("\n%*s", col, "");
        if (term_width(rest) <= room) {
            fputs(rest, stdout);
            break;
        }
        if (row == rows - 1) {
            char note[64];
            if (len > SRV_LINE_CAP)
                snprintf(note, sizeof note, _(" (over %1$d bytes)"), SRV_LINE_CAP);
            else
                snprintf(note, sizeof note, _(" (%1$zu bytes)"), len);
            int keep = room - term_width(note);
            term_cut(stdout, rest, keep < CUT_ROOM_MIN ? CUT_ROOM_MIN : keep);
            fputs(note, stdout);
            break;
        }
        size_t n = row_end(rest, strlen(rest), room);
        if (n == 0)
            n = 1;              /* a character wider than the room: it goes all the same */
        fwrite(rest, 1, n, stdout);
        rest += n;
    }
    free(t);
}

/* One dialogue line: "#3  -> EHLO x" or "#3 <-  250 ...". */
static void show_line(struct conn *c, bool from_client, const char *line, size_t len)
{
    int col = lead(c);
    bool color = term_color();
    if (color)
        fputs(sgr(from_client ? SGR_CLIENT : SGR_SERVER), stdout);
    fputs(from_client ? " -> " : "<-  ", stdout);
    put_long(line, len, col + 4, screen_width(), LINE_ROWS_MAX);
    fputs(color ? SGR_RESET "\n" : "\n", stdout);
    fflush(stdout);
}

/* "#3 text": the tool's words about the session, "*** " before an
 * error's (colour instead on a terminal), wrapped under themselves. */
static void show_words(struct conn *c, bool error, const char *text)
{
    int col = lead(c);
    bool color = term_color();
    if (color)
        fputs(sgr(error ? SGR_ERROR : SGR_INFO), stdout);
    else if (error)
        col += printf("*** ");
    put_long(text, strlen(text), col, screen_width(), WORDS_ROWS_MAX);
    fputs(color ? SGR_RESET "\n" : "\n", stdout);
    fflush(stdout);
}

/* ------------------------------------------------------------------------
 * --log FILE
 */
static void iso_time(char out[32])
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    time_t t = tv.tv_sec;
    gmtime_r(&t, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(tv.tv_usec / 1000));
}

/* A JSON string of what a client sent, which may be anything: bytes that
 * are not UTF-8 become U+FFFD, so the log stays valid JSON. */
static json_t *text_value(const char *s, size_t len)
{
    json_t *j = json_stringn(s, len);
    if (j)
        return j;
    char *copy = malloc(len * 3 + 1);
    if (!copy)
        return json_string("");
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x80) {
            copy[o++] = (char)b;
        } else {
            memcpy(copy + o, "\xEF\xBF\xBD", 3);
            o += 3;
        }
    }
    j = json_stringn(copy, o);
    free(copy);
    return j ? j : json_string("");
}

/* One line of the log, flushed: `tail -f` shows it at once. Takes `o`.
 * Past RT_LOG_MAX bytes the file moves to FILE.1 (the one before is
 * dropped) and starts again, as server.log does: a busy classroom or a
 * client that talks for ever cannot fill the disk. */
static void emit(struct serve *sv, json_t *o)
{
    if (!o)
        return;
    struct serve_log *log = &sv->log;
    if (log->json_size > RT_LOG_MAX && log->json_path) {
        char old[PATH_MAX + 8];
        snprintf(old, sizeof old, "%s.1", log->json_path);
        fclose(log->json);
        rename(log->json_path, old);
        log->json = fopen(log->json_path, "a");
        log->json_size = 0;
        if (!log->json) {
            json_decref(o);
            return;
        }
    }
    char *text = json_dumps(o, JSON_COMPACT);
    if (text) {
        int n = fprintf(log->json, "%s\n", text);
        if (n > 0)
            log->json_size += n;
        fflush(log->json);
        free(text);
    }
    json_decref(o);
}

static void json_entry(struct serve *sv, const struct conn *c, const char *event,
                       const char *state, const char *line, size_t len)
{
    if (!sv->log.json)
        return;
    char t[32];
    iso_time(t);
    json_t *o = json_object();
    json_object_set_new(o, "time", json_string(t));
    json_object_set_new(o, "session", json_integer(c->id));
    json_object_set_new(o, "service", json_string(c->l->proto));
    if (c->l->node && c->l->node->hostname)
        json_object_set_new(o, "host", json_string(c->l->node->hostname));
    json_object_set_new(o, "client", json_string(c->peer));
    json_object_set_new(o, "event", json_string(event));
    if (state && *state)
        json_object_set_new(o, "state", json_string(state));
    if (line)
        json_object_set_new(o, "line", text_value(line, len));
    emit(sv, o);
}

/* ------------------------------------------------------------------------
 * The events, to all three.
 */
static const char *state_of(struct conn *c, char buf[32])
{
    return c->s ? session_state(c->s, buf) : "";
}

/* The start of the session's last line, for a watcher that attaches
 * later: cut at a character's start, NUL shown as ^@. */
static void remember(struct conn *c, bool from_client, const char *line, size_t len)
{
    size_t o = 0, i = 0;
    for (; i < len && o + 3 < sizeof c->last; i++) {
        if (line[i] == '\0') {
            c->last[o++] = '^';
            c->last[o++] = '@';
        } else {
            c->last[o++] = line[i];
        }
    }
    if (i < len) {
        /* cut: not in the middle of a character */
        while (o > 0 && ((unsigned char)c->last[o - 1] & 0xc0) == 0x80)
            o--;
        if (o > 0 && (unsigned char)c->last[o - 1] >= 0xc0)
            o--;
    }
    c->last[o] = '\0';
    c->last_from_client = from_client;
}

void slog_open(struct serve *sv, struct conn *c, const char *host, const char *script)
{
    char st[32];
    sv->sessions_total++;
    c->opened_ms = serve_now_ms();
    snprintf(c->state, sizeof c->state, "%s", state_of(c, st));
    if (sv->log.verbose) {
        char words[512];
        snprintf(words, sizeof words, _("connected to %1$s (%2$s)"), host, script);
        show_words(c, false, words);
    }
    if (sv->log.json) {
        char text[512];
        snprintf(text, sizeof text, "connected to %s (%s)", host, script);
        json_entry(sv, c, "connect", c->state, text, strlen(text));
    }
    swatch_open(sv, c);
}

void slog_event(struct serve *sv, struct conn *c, const char *event, const char *text)
{
    char st[32];
    const char *state = state_of(c, st);
    bool error = strcmp(event, "error") == 0;
    if (sv->log.verbose)
        /* the host's own sentences are msgids (N_ where they are written);
         * a script's error is not */
        show_words(c, error, error || !*text ? text : _(text));
    json_entry(sv, c, event, state, text, strlen(text));
    swatch_note(sv, c, event, text);
}

void slog_close(struct serve *sv, struct conn *c, const char *event, const char *text)
{
    char st[32];
    const char *state = state_of(c, st);
    if (sv->log.verbose) {
        char words[512];
        snprintf(words, sizeof words, ngettext("%1$s (%2$lu line)", "%1$s (%2$lu lines)", c->lines),
                 *text ? _(text) : text, c->lines);
        show_words(c, strcmp(event, "error") == 0, words);
    }
    json_entry(sv, c, event, state, text, strlen(text));
    swatch_close(sv, c, event, text);
}

void slog_state(struct serve *sv, struct conn *c)
{
    if (!c->s || !slog_wanted(sv))
        return;
    char st[32];
    const char *now = session_state(c->s, st);
    if (strcmp(now, c->state) == 0)
        return;
    snprintf(c->state, sizeof c->state, "%s", now);
    if (sv->log.verbose && *now) {
        int col = lead(c);
        bool color = term_color();
        if (color)
            fputs(sgr(SGR_INFO), stdout);
        fputs("= ", stdout);
        put_long(now, strlen(now), col + 2, screen_width(), 1);
        fputs(color ? SGR_RESET "\n" : "\n", stdout);
        fflush(stdout);
    }
    swatch_state(sv, c);
}

void slog_line(struct serve *sv, struct conn *c, bool from_client, const char *line,
               size_t len)
{
    c->lines++;
    remember(c, from_client, line, len);
    char st[32];
    const char *state = "";
    bool new_user = false;
    if (from_client) {
        /* who it says it is, known even to a watcher that comes later */
        state = state_of(c, st);
        new_user = who_line(c, state, line, len);
    } else {
        /* a reply follows the line that changed the state */
        slog_state(sv, c);
    }
    if (!slog_wanted(sv))
        return;
    if (sv->log.verbose)
        show_line(c, from_client, line, len);
    if (sv->log.json)
        json_entry(sv, c, from_client ? "client" : "server", from_client ? state : c->state,
                   line, len);
    swatch_line(sv, c, from_client, line, len);
    if (new_user)
        swatch_user(sv, c);
}

void slog_stored(struct serve *sv, struct conn *c, size_t n, const char *where)
{
    sv->stored += n;
    swatch_stored(sv, c, n, where);
}

void slog_dns(struct serve *sv, const char *transport, const char *peer, const char *question,
              const char *answer)
{
    if (sv->log.verbose) {
        int width = screen_width();
        int col = printf("dns %s %s ", transport, peer);
        fputs(" -> ", stdout);
        put_long(question, strlen(question), col + 4, width, LINE_ROWS_MAX);
        fputs("\ndns <-  ", stdout);
        put_long(answer, strlen(answer), 8, width, LINE_ROWS_MAX);
        putchar('\n');
        fflush(stdout);
    }
    if (sv->log.json) {
        char t[32];
        iso_time(t);
        emit(sv, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "time", t, "service", "dns",
                           "transport", transport, "client", peer, "event", "query",
                           "question", text_value(question, strlen(question)),
                           "answer", text_value(answer, strlen(answer))));
    }
    swatch_dns(sv, transport, peer, question, answer);
}

void slog_info(struct serve *sv, const char *text)
{
    if (sv->log.verbose) {
        term_info("%s", text);
        fflush(stdout);
    }
    if (sv->log.json) {
        char t[32];
        iso_time(t);
        emit(sv, json_pack("{s:s, s:s, s:o}", "time", t, "event", "info", "text",
                           text_value(text, strlen(text))));
    }
    swatch_info(sv, text);
}
