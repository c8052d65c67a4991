/* demo — see demo.h. */
#include "demo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/utf8.h"

/* What the next command collects from the directives before it. */
struct pending {
    char notes[DEMO_TEXT_MAX], traps[DEMO_TEXT_MAX];
    char *predict;                      /* new, or NULL */
    char heading[DEMO_LINE_MAX];
};

static void append_line(char *to, const char *s)
{
    size_t used = strlen(to);
    snprintf(to + used, DEMO_TEXT_MAX - used, "%s%s", used ? "\n" : "", s);
}

/* A new step at the end of d, its strings new; -1 when memory or room
 * ran out. */
static int add_step(struct demo *d, enum demo_kind kind, const char *command, struct pending *p,
                    int line)
{
    if (d->n == DEMO_STEPS_MAX)
        return -1;
    struct demo_step *steps = realloc(d->steps, (d->n + 1) * sizeof *steps);
    if (!steps)
        return -1;
    d->steps = steps;
    struct demo_step *s = &steps[d->n];
    *s = (struct demo_step){.kind = kind, .line = line, .predict = p->predict};
    s->command = strdup(command ? command : "");
    s->heading = strdup(p->heading);
    s->notes = strdup(p->notes);
    s->traps = strdup(p->traps);
    p->predict = NULL;
    p->notes[0] = p->traps[0] = '\0';
    d->n++;
    if (!s->command || !s->heading || !s->notes || !s->traps)
        return -1;
    return 0;
}

void demo_free(struct demo *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->steps[i].command);
        free(d->steps[i].heading);
        free(d->steps[i].notes);
        free(d->steps[i].traps);
        free(d->steps[i].predict);
    }
    free(d->steps);
    *d = (struct demo){0};
}

/* ------------------------------------------------------------------------
 * A demo script.
 */

/* The directive at line (after its ':'): its name, its language tag and
 * its text. False when the tag names another language (the line is
 * skipped); -1 in *bad for a tag that is neither. */
static bool directive(char *line, const char *lang, char **name, char **text, bool *bad)
{
    *bad = false;
    size_t n = strcspn(line, " \t");
    *text = line + n + strspn(line + n, " \t");
    line[n] = '\0';
    *name = line;
    char *at = strchr(line, '@');
    if (!at)
        return true;
    *at = '\0';
    if (strcmp(at + 1, "ja") != 0 && strcmp(at + 1, "en") != 0) {
        *bad = true;
        *at = '@';
        return false;
    }
    return strcmp(at + 1, lang) == 0;
}

static int script_line(struct demo *d, struct pending *p, char *line, int lineno, const char *lang,
                       const char *path, char err[DEMO_ERROR_MAX])
{
    if (line[0] != ':')
        return add_step(d, DEMO_COMMAND, line, p, lineno) < 0 ? -2 : 0;
    char *name, *text;
    bool bad;
    if (!directive(line + 1, lang, &name, &text, &bad)) {
        if (bad) {
            snprintf(err, DEMO_ERROR_MAX,
                     _("%1$s:%2$d: \":%3$s\": a directive's language is @ja or @en"), path,
                     lineno, name);
            return -1;
        }
        return 0;
    }
    bool needs_text = strcmp(name, "title") == 0 || strcmp(name, "heading") == 0 ||
                      strcmp(name, "note") == 0 || strcmp(name, "trap") == 0 ||
                      strcmp(name, "relay") == 0 || strcmp(name, "world") == 0;
    if (needs_text && !*text) {
        snprintf(err, DEMO_ERROR_MAX, _("%1$s:%2$d: \":%3$s\" needs its text after it"), path,
                 lineno, name);
        return -1;
    }
    if (strcmp(name, "title") == 0) {
        snprintf(d->title, sizeof d->title, "%s", text);
    } else if (strcmp(name, "heading") == 0) {
        snprintf(p->heading, sizeof p->heading, "%s", text);
    } else if (strcmp(name, "note") == 0) {
        append_line(p->notes, text);
    } else if (strcmp(name, "trap") == 0) {
        append_line(p->traps, text);
    } else if (strcmp(name, "predict") == 0) {
        free(p->predict);
        p->predict = strdup(*text ? text : _("What will it answer?"));
        if (!p->predict)
            return -2;
    } else if (strcmp(name, "pause") == 0) {
        if (*text)
            append_line(p->notes, text);
        return add_step(d, DEMO_PAUSE, NULL, p, lineno) < 0 ? -2 : 0;
    } else if (strcmp(name, "enter") == 0) {
        /* an empty line, as between a mail's header and its body */
        return add_step(d, DEMO_COMMAND, "", p, lineno) < 0 ? -2 : 0;
    } else if (strcmp(name, "relay") == 0) {
        char cmd[DEMO_LINE_MAX + 32];
        snprintf(cmd, sizeof cmd, "relay --animate %s", text);
        return add_step(d, DEMO_COMMAND, cmd, p, lineno) < 0 ? -2 : 0;
    } else if (strcmp(name, "world") == 0) {
        if (strspn(text, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(text) ||
            strlen(text) >= sizeof d->world) {
            snprintf(err, DEMO_ERROR_MAX,
                     _("%1$s:%2$d: \":world\" names one of the tutor's worlds (default, "
                       "nuisance), not \"%3$s\""),
                     path, lineno, text);
            return -1;
        }
        snprintf(d->world, sizeof d->world, "%s", text);
    } else {
        snprintf(err, DEMO_ERROR_MAX,
                 _("%1$s:%2$d: unknown directive \":%3$s\" (the directives are :title, "
                   ":heading, :note, :trap, :predict, :pause, :enter, :relay and :world)"),
                 path, lineno, name);
        return -1;
    }
    return 0;
}

int demo_load(const char *path, const char *lang, struct demo *d, char err[DEMO_ERROR_MAX])
{
    *d = (struct demo){0};
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, DEMO_ERROR_MAX, _("%1$s: cannot open: %2$s"), path, strerror(errno));
        return -1;
    }
    struct pending p = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int lineno = 0, rc = 0;
    size_t total = 0;
    /* getline, not fgets: a NUL inside a line is seen, not taken for its end */
    while (rc == 0 && (got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t n = (size_t)got;
        total += n;
        if (total > DEMO_FILE_MAX) {
            snprintf(err, DEMO_ERROR_MAX, _("%1$s: longer than %2$u bytes: not a demo script"),
                     path, DEMO_FILE_MAX);
            rc = -1;
            break;
        }
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
                     line[n - 1] == '\t'))
            line[--n] = '\0';
        if (n > DEMO_LINE_MAX) {
            snprintf(err, DEMO_ERROR_MAX, _("%1$s:%2$d: a line longer than %3$d bytes"), path,
                     lineno, DEMO_LINE_MAX);
            rc = -1;
            break;
        }
        bool control = false;
        for (size_t i = 0; i < n && !control; i++)
            control = ((unsigned char)line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f;
        if (control || !utf8_valid(line, n)) {
            snprintf(err, DEMO_ERROR_MAX,
                     control ? _("%1$s:%2$d: a control character: a demo script is text to type")
                             : _("%1$s:%2$d: not UTF-8: a demo script is UTF-8 text"),
                     path, lineno);
            rc = -1;
            break;
        }
        char *s = line + strspn(line, " \t");
        if (!*s || *s == '#')
            continue;
        rc = script_line(d, &p, s, lineno, lang, path, err);
    }
    bool read_error = ferror(f);
    fclose(f);
    free(line);
    if (rc == -2 || (rc == 0 && read_error))
        snprintf(err, DEMO_ERROR_MAX, rc == -2 ? _("%1$s: out of memory, or more than %2$d steps")
                                               : _("%1$s: cannot read"),
                 path, DEMO_STEPS_MAX);
    if (rc == 0 && !read_error && d->n == 0) {
        snprintf(err, DEMO_ERROR_MAX, _("%1$s: no command in it: nothing to present"), path);
        rc = -1;
    }
    free(p.predict);
    if (rc != 0 || read_error) {
        demo_free(d);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * A lesson.
 */

/* The step's typical wrong answers, as the notes show them. */
static void lesson_traps(const struct lesson_step *s, char out[DEMO_TEXT_MAX])
{
    out[0] = '\0';
    json_t *wrong = json_object_get(s->spec, "wrong"), *w;
    size_t i;
    json_array_foreach(wrong, i, w) {
        json_t *typed = json_object_get(w, "typed"), *t;
        size_t k;
        char line[DEMO_TEXT_MAX] = "";
        json_array_foreach(typed, k, t) {
            size_t used = strlen(line);
            snprintf(line + used, sizeof line - used, "%s%s", k ? " / " : "",
                     json_string_value(t) ? json_string_value(t) : "");
        }
        const char *says = json_string_value(json_object_get(w, "says"));
        char one[DEMO_TEXT_MAX];
        snprintf(one, sizeof one, _("%1$s (the tutor says: %2$s)"), line, says ? says : "");
        append_line(out, one);
    }
}

int demo_from_lesson(const struct lesson *l, struct demo *d, char err[DEMO_ERROR_MAX])
{
    *d = (struct demo){0};
    snprintf(d->title, sizeof d->title, "%s", lesson_title(l));
    struct pending p = {0};
    char cmd[64];
    snprintf(cmd, sizeof cmd, "lesson %d", l->number);
    snprintf(p.heading, sizeof p.heading, "%s", lesson_title(l));
    if (add_step(d, DEMO_COMMAND, cmd, &p, 0) < 0)
        goto oom;
    for (size_t i = 0; i < l->n_steps; i++) {
        const struct lesson_step *s = &l->steps[i];
        snprintf(p.heading, sizeof p.heading, "%s", lesson_step_title(s));
        snprintf(p.notes, sizeof p.notes, "%s", lesson_say(json_object_get(s->spec, "notes")));
        lesson_traps(s, p.traps);
        json_t *solution = json_object_get(s->spec, "solution"), *c;
        size_t k;
        if (json_array_size(solution) == 0) {
            /* a step to read: the student goes on with "next" */
            if (add_step(d, DEMO_COMMAND, "next", &p, 0) < 0)
                goto oom;
            continue;
        }
        json_array_foreach(solution, k, c) {
            const char *line = json_string_value(c);
            if (line && add_step(d, DEMO_COMMAND, line, &p, 0) < 0)
                goto oom;
        }
    }
    return 0;
oom:
    snprintf(err, DEMO_ERROR_MAX, _("%1$s: out of memory, or more than %2$d steps"), l->id,
             DEMO_STEPS_MAX);
    demo_free(d);
    return -1;
}
