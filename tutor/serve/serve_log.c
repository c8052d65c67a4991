/*
 * serve_log — what `tutor serve` shows the instructor: with --verbose, every
 * dialogue on stdout as the REPL shows one (swaks' arrows, or colour on a
 * terminal), each line led by the session's number, service, client and
 * state; with --log FILE, the same as one JSON object a line.
 */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "serve_internal.h"
#include "util/term.h"

static void prefix(const struct conn *c, const char *state)
{
    printf("#%u %s %s", c->id, c->l->proto, c->peer);
    if (state && *state)
        printf(" [%s]", state);
    putchar(' ');
}

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

static const char *state_of(const struct conn *c, char buf[32])
{
    return c->s ? session_state(c->s, buf) : "";
}

void slog_event(struct serve *sv, const struct conn *c, const char *event, const char *text)
{
    char st[32];
    const char *state = state_of(c, st);
    if (sv->log.verbose) {
        prefix(c, state);
        printf("=== %s\n", text);
        fflush(stdout);
    }
    json_entry(sv, c, event, state, text, strlen(text));
}

void slog_line(struct serve *sv, const struct conn *c, bool from_client, const char *line,
               size_t len)
{
    if (!sv->log.verbose && !sv->log.json)
        return;
    char st[32];
    const char *state = state_of(c, st);
    if (sv->log.verbose) {
        prefix(c, state);
        if (from_client)
            term_client(line, len, true);
        else
            term_server(line);
        fflush(stdout);
    }
    json_entry(sv, c, from_client ? "client" : "server", state, line, len);
}

void slog_dns(struct serve *sv, const char *transport, const char *peer, const char *question,
              const char *answer)
{
    if (sv->log.verbose) {
        printf("dns %s %s ", transport, peer);
        term_client(question, strlen(question), true);
        printf("dns %s %s ", transport, peer);
        term_server(answer);
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
}
