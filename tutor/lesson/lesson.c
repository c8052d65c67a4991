/* lesson — see lesson.h. */
#include "lesson.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <sha2.h>

#include "util/fsutil.h"
#include "util/i18n.h"

static const char *const LANGS[2] = {"en", "ja"};

int lesson_lang(void)
{
    return strcmp(i18n_lang(), "ja") == 0 ? 1 : 0;
}

const char *lesson_say(const json_t *v)
{
    if (json_is_string(v))
        return json_string_value(v);
    const char *s = json_string_value(json_object_get(v, LANGS[lesson_lang()]));
    return s ? s : "";
}

const char *lesson_step_title(const struct lesson_step *s)
{
    return lesson_say(json_object_get(s->spec, "title"));
}

const char *lesson_step_do(const struct lesson_step *s)
{
    return lesson_say(json_object_get(s->spec, "do"));
}

const char *lesson_step_hint(const struct lesson_step *s, size_t i)
{
    return lesson_say(json_array_get(json_object_get(s->spec, "hints"), i));
}

const char *lesson_title(const struct lesson *l)
{
    return lesson_say(json_object_get(l->doc, "title"));
}

const char *lesson_learnt(const struct lesson *l)
{
    return lesson_say(json_object_get(l->doc, "learnt"));
}

int lesson_step_index(const struct lesson *l, const char *id)
{
    for (size_t i = 0; i < l->n_steps; i++)
        if (strcmp(l->steps[i].id, id) == 0)
            return (int)i;
    return -1;
}

/* ------------------------------------------------------------------------
 * Validation of lesson.json: each refusal names the JSON path.
 */
struct checker {
    const char *file;
    char *err;
    bool failed;
};

static bool fail(struct checker *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(struct checker *c, const char *path, const char *fmt, ...)
{
    if (c->failed)
        return false;
    c->failed = true;
    char what[LESSON_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(c->err, LESSON_ERROR_MAX, "%s: %s: %s", c->file, path, what);
    return false;
}

/* {"en": "...", "ja": "..."}: both languages are first-class, so both are
 * required. */
static bool check_text(struct checker *c, const json_t *v, const char *path, bool required)
{
    if (!v)
        return required ? fail(c, path, _("missing (a text in \"en\" and \"ja\")")) : true;
    if (!json_is_object(v))
        return fail(c, path, _("must be an object {\"en\": \"...\", \"ja\": \"...\"}"));
    for (int i = 0; i < 2; i++) {
        const json_t *s = json_object_get(v, LANGS[i]);
        if (!json_is_string(s) || !json_string_length(s))
            return fail(c, path, _("needs a non-empty \"%1$s\" text"), LANGS[i]);
    }
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) if (strcmp(k, "en") && strcmp(k, "ja")) return fail(
        c, path, _("unknown language \"%1$s\" (en and ja are known)"), k);
    return true;
}

static bool check_keys(struct checker *c, const json_t *obj, const char *path,
                       const char *const *known)
{
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)obj, k, x) {
        bool ok = false;
        for (size_t i = 0; known[i] && !ok; i++)
            ok = strcmp(known[i], k) == 0;
        if (!ok)
            return fail(c, path, _("unknown member \"%1$s\""), k);
    }
    return true;
}

static bool check_string(struct checker *c, const json_t *obj, const char *key, const char *path,
                         bool required)
{
    const json_t *v = json_object_get(obj, key);
    if (!v && !required)
        return true;
    if (!json_is_string(v) || !json_string_length(v))
        return fail(c, path, _("\"%1$s\" must be a non-empty string"), key);
    return true;
}

/* A pattern is a Lua pattern, or an array of them (any may match). */
static bool check_pattern(struct checker *c, const json_t *obj, const char *key, const char *path,
                          bool required)
{
    const json_t *v = json_object_get(obj, key);
    if (!v && !required)
        return true;
    if (json_is_string(v))
        return true;
    if (json_is_array(v) && json_array_size(v) > 0) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) if (!json_is_string(x)) return fail(
            c, path, _("\"%1$s\" must be a pattern or an array of patterns"), key);
        return true;
    }
    return fail(c, path, _("\"%1$s\" must be a pattern or an array of patterns"), key);
}

static bool check_count(struct checker *c, const json_t *obj, const char *key, const char *path)
{
    const json_t *v = json_object_get(obj, key);
    if (v && (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100000))
        return fail(c, path, _("\"%1$s\" must be a whole number from 0 to 100000"), key);
    return true;
}

/* The kinds of check lesson_checks.lua knows, each with its own members;
 * every check may also have these. */
static const char *const COMMON[] = {"expect", "rule", "scope", "not", NULL};

struct check_kind {
    const char *name;
    const char *members[6];
};
static const struct check_kind KINDS[] = {
    {"command", {"args", "ok", "host", NULL}},
    {"sent", {"service", "by", NULL}},
    {"reply", {"after", "service", "by", NULL}},
    {"mailbox", {"has", "count", NULL}},
    {"fetched", {"has", "count", NULL}},
    {"queue", {"count", NULL}},
    {"dns", {"qtype", "rcode", "answer", NULL}},
    {"relay", {"args", "delivered", NULL}},
    {"lua", {NULL}},
};

static bool check_check(struct checker *c, const json_t *v, const char *path, json_t *lua_fns)
{
    if (!json_is_object(v))
        return fail(c, path, _("a check must be an object"));
    const struct check_kind *kind = NULL;
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++) {
        if (json_object_get(v, KINDS[i].name)) {
            if (kind)
                return fail(c, path, _("a check has one kind, not both \"%1$s\" and \"%2$s\""),
                            kind->name, KINDS[i].name);
            kind = &KINDS[i];
        }
    }
    if (!kind)
        return fail(c, path, _("no kind of check: give one of command, sent, reply, mailbox, "
                               "fetched, queue, dns, relay, lua"));
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
        bool ok = strcmp(k, kind->name) == 0;
        for (size_t i = 0; COMMON[i] && !ok; i++)
            ok = strcmp(COMMON[i], k) == 0;
        for (size_t i = 0; kind->members[i] && !ok; i++)
            ok = strcmp(kind->members[i], k) == 0;
        if (!ok)
            return fail(c, path, _("unknown member \"%1$s\" for a \"%2$s\" check"), k, kind->name);
    }
    if (!check_text(c, json_object_get(v, "expect"), path, false))
        return false;
    const json_t *scope = json_object_get(v, "scope");
    if (scope && !(json_is_string(scope) && (strcmp(json_string_value(scope), "step") == 0 ||
                                              strcmp(json_string_value(scope), "lesson") == 0)))
        return fail(c, path, _("\"scope\" is \"step\" or \"lesson\""));
    if (json_object_get(v, "not") && !json_is_boolean(json_object_get(v, "not")))
        return fail(c, path, _("\"not\" must be true or false"));
    if (json_object_get(v, "ok") && !json_is_boolean(json_object_get(v, "ok")))
        return fail(c, path, _("\"ok\" must be true or false"));
    const json_t *by = json_object_get(v, "by");
    if (by && !(json_is_string(by) && (strcmp(json_string_value(by), "student") == 0 ||
                                       strcmp(json_string_value(by), "client") == 0 ||
                                       strcmp(json_string_value(by), "any") == 0)))
        return fail(c, path, _("\"by\" is \"student\", \"client\" or \"any\""));
    if (json_object_get(v, "delivered") && !json_is_boolean(json_object_get(v, "delivered")))
        return fail(c, path, _("\"delivered\" must be true or false"));
    if (!check_string(c, v, "rule", path, false) || !check_string(c, v, "service", path, false) ||
        !check_string(c, v, "qtype", path, false) || !check_string(c, v, "rcode", path, false) ||
        !check_count(c, v, "count", path))
        return false;
    if (!check_pattern(c, v, "args", path, false) || !check_pattern(c, v, "host", path, false) ||
        !check_pattern(c, v, "after", path, false) || !check_pattern(c, v, "has", path, false) ||
        !check_pattern(c, v, "answer", path, false))
        return false;
    const char *kn = kind->name;
    if (strcmp(kn, "sent") == 0 || strcmp(kn, "reply") == 0 || strcmp(kn, "dns") == 0 ||
        strcmp(kn, "relay") == 0)
        return check_pattern(c, v, kn, path, true);
    if (!check_string(c, v, kn, path, true))
        return false;
    if (strcmp(kn, "lua") == 0)
        json_array_append_new(lua_fns, json_pack("{s:s,s:s}", "fn", json_string_value(json_object_get(v, kn)),
                                                 "path", path));
    return true;
}

static bool check_list(struct checker *c, const json_t *v, const char *path, const char *what,
                       bool (*each)(struct checker *, const json_t *, const char *, void *), void *ud)
{
    if (!v)
        return true;
    if (!json_is_array(v))
        return fail(c, path, _("\"%1$s\" must be an array"), what);
    size_t i;
    json_t *x;
    json_array_foreach((json_t *)v, i, x) {
        char p[256];
        snprintf(p, sizeof p, "%s.%s[%zu]", path, what, i);
        if (!each(c, x, p, ud))
            return false;
    }
    return true;
}

static bool each_check(struct checker *c, const json_t *v, const char *path, void *ud)
{
    return check_check(c, v, path, ud);
}

static bool each_text(struct checker *c, const json_t *v, const char *path, void *ud)
{
    (void)ud;
    return check_text(c, v, path, true);
}

static bool each_line(struct checker *c, const json_t *v, const char *path, void *ud)
{
    (void)ud;
    if (!json_is_string(v))
        return fail(c, path, _("must be a line (a string)"));
    return true;
}

static bool each_mistake(struct checker *c, const json_t *v, const char *path, void *ud)
{
    static const char *const known[] = {"when", "say", NULL};
    if (!json_is_object(v) || !check_keys(c, v, path, known))
        return c->failed ? false : fail(c, path, _("a mistake is {\"when\": CHECK, \"say\": TEXT}"));
    char p[300];
    if (!json_object_get(v, "when"))
        return fail(c, path, _("missing \"when\" (the check that recognises the mistake)"));
    snprintf(p, sizeof p, "%s.when", path);
    if (!check_check(c, json_object_get(v, "when"), p, ud))
        return false;
    snprintf(p, sizeof p, "%s.say", path);
    return check_text(c, json_object_get(v, "say"), p, true);
}

static bool each_wrong(struct checker *c, const json_t *v, const char *path, void *ud)
{
    (void)ud;
    static const char *const known[] = {"typed", "says", NULL};
    if (!json_is_object(v))
        return fail(c, path, _("a wrong answer is {\"typed\": [LINES], \"says\": PATTERN}"));
    if (!check_keys(c, v, path, known))
        return false;
    const json_t *typed = json_object_get(v, "typed");
    if (!json_is_array(typed))
        return fail(c, path, _("\"typed\" must be an array of lines"));
    if (!check_list(c, typed, path, "typed", each_line, NULL))
        return false;
    return check_string(c, v, "says", path, true);
}

static bool check_step(struct checker *c, const json_t *s, const char *path, json_t *lua_fns)
{
    static const char *const known[] = {"id", "title", "do", "checks", "hints", "mistakes",
                                        "notes", "solution", "wrong", NULL};
    if (!json_is_object(s))
        return fail(c, path, _("a step must be an object"));
    if (!check_keys(c, s, path, known) || !check_string(c, s, "id", path, true))
        return false;
    const char *id = json_string_value(json_object_get(s, "id"));
    for (const char *p = id; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
            return fail(c, path, _("the id \"%1$s\" may hold only a-z, 0-9 and \"-\""), id);
    char p[256];
    snprintf(p, sizeof p, "%s.title", path);
    if (!check_text(c, json_object_get(s, "title"), p, true))
        return false;
    snprintf(p, sizeof p, "%s.do", path);
    if (!check_text(c, json_object_get(s, "do"), p, true))
        return false;
    snprintf(p, sizeof p, "%s.notes", path);
    if (!check_text(c, json_object_get(s, "notes"), p, false))
        return false;
    const json_t *checks = json_object_get(s, "checks");
    if (checks && json_array_size(checks) > 0 && !json_object_get(s, "solution"))
        return fail(c, path, _("a step with checks needs its \"solution\" (lesson --check-all "
                               "runs it)"));
    return check_list(c, checks, path, "checks", each_check, lua_fns) &&
           check_list(c, json_object_get(s, "hints"), path, "hints", each_text, NULL) &&
           check_list(c, json_object_get(s, "mistakes"), path, "mistakes", each_mistake, lua_fns) &&
           check_list(c, json_object_get(s, "solution"), path, "solution", each_line, NULL) &&
           check_list(c, json_object_get(s, "wrong"), path, "wrong", each_wrong, NULL);
}

static bool check_variables(struct checker *c, const json_t *v)
{
    if (!v)
        return true;
    if (!json_is_object(v) || json_object_size(v) > LESSON_VARIABLES_MAX)
        return fail(c, "$.variables", _("must be an object of at most %1$d variables"),
                    LESSON_VARIABLES_MAX);
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
        char p[128];
        snprintf(p, sizeof p, "$.variables.%s", k);
        for (const char *q = k; *q; q++)
            if (!(islower((unsigned char)*q) || *q == '_' || (q > k && isdigit((unsigned char)*q))))
                return fail(c, p, _("a variable's name holds only a-z, 0-9 and \"_\""));
        if (!json_is_array(x) || json_array_size(x) == 0 || json_array_size(x) > LESSON_VALUES_MAX)
            return fail(c, p, _("must be an array of 1 to %1$d values"), LESSON_VALUES_MAX);
        size_t i;
        json_t *val;
        json_array_foreach(x, i, val) {
            if (!json_is_string(val) || !json_string_length(val) ||
                json_string_length(val) > LESSON_VALUE_LEN_MAX || strpbrk(json_string_value(val), "\r\n"))
                return fail(c, p, _("each value is a line of 1 to %1$d bytes"), LESSON_VALUE_LEN_MAX);
        }
    }
    return true;
}

static bool check_doc(struct checker *c, const json_t *doc, json_t *lua_fns)
{
    static const char *const known[] = {"$schema", "id",        "title",    "world", "learnt",
                                        "steps",   "variables", "mistakes", NULL};
    if (!json_is_object(doc))
        return fail(c, "$", _("the lesson must be a JSON object"));
    if (!check_keys(c, doc, "$", known) || !check_string(c, doc, "id", "$", true) ||
        !check_text(c, json_object_get(doc, "title"), "$.title", true) ||
        !check_text(c, json_object_get(doc, "learnt"), "$.learnt", true) ||
        !check_string(c, doc, "world", "$", false))
        return false;
    if (!check_variables(c, json_object_get(doc, "variables")) ||
        !check_list(c, json_object_get(doc, "mistakes"), "$", "mistakes", each_mistake, lua_fns))
        return false;
    const json_t *steps = json_object_get(doc, "steps");
    if (!json_is_array(steps) || json_array_size(steps) == 0)
        return fail(c, "$.steps", _("must be an array of at least one step"));
    if (json_array_size(steps) > LESSON_STEPS_MAX)
        return fail(c, "$.steps", _("more than %1$d steps"), LESSON_STEPS_MAX);
    size_t i;
    json_t *s;
    json_array_foreach((json_t *)steps, i, s) {
        char p[64];
        snprintf(p, sizeof p, "$.steps[%zu]", i);
        if (!check_step(c, s, p, lua_fns))
            return false;
        for (size_t j = 0; j < i; j++)
            if (json_equal(json_object_get(s, "id"),
                           json_object_get(json_array_get(steps, j), "id")))
                return fail(c, p, _("the id \"%1$s\" is already step %2$zu's"),
                            json_string_value(json_object_get(s, "id")), j + 1);
    }
    return true;
}

/* ------------------------------------------------------------------------
 * The texts: a section a step.
 */
#define STEP_MARK "<!-- step: "

/* Splits `text` of language `lang` into the introduction and the steps'
 * sections. 0, or -1 with err naming file and line. */
static int split_text(struct lesson *l, int lang, const char *file, const char *text,
                      char err[LESSON_ERROR_MAX])
{
    const char *p = text, *section = text;
    int current = -1, line = 1;
    bool *seen = calloc(l->n_steps, sizeof *seen);
    if (!seen) {
        snprintf(err, LESSON_ERROR_MAX, "%s: %s", file, strerror(ENOMEM));
        return -1;
    }
    int rc = -1;
    for (;;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        bool mark = strncmp(p, STEP_MARK, strlen(STEP_MARK)) == 0;
        if (mark || !eol) {
            const char *end = mark ? p : p + len;
            char *body = strndup(section, (size_t)(end - section));
            if (!body) {
                snprintf(err, LESSON_ERROR_MAX, "%s: %s", file, strerror(ENOMEM));
                goto done;
            }
            if (current < 0)
                l->intro[lang] = body;
            else
                l->steps[current].text[lang] = body;
        }
        if (mark) {
            const char *id = p + strlen(STEP_MARK);
            const char *close = strstr(id, " -->");
            if (!close || close > p + len) {
                snprintf(err, LESSON_ERROR_MAX, _("%1$s:%2$d: a step mark is <!-- step: ID -->"),
                         file, line);
                goto done;
            }
            char name[LESSON_ID_MAX];
            snprintf(name, sizeof name, "%.*s", (int)(close - id), id);
            current = lesson_step_index(l, name);
            if (current < 0) {
                snprintf(err, LESSON_ERROR_MAX,
                         _("%1$s:%2$d: no step \"%3$s\" in lesson.json"), file, line, name);
                goto done;
            }
            if (seen[current]) {
                snprintf(err, LESSON_ERROR_MAX, _("%1$s:%2$d: step \"%3$s\" has a section already"),
                         file, line, name);
                goto done;
            }
            seen[current] = true;
            section = eol ? eol + 1 : p + len;
        }
        if (!eol)
            break;
        p = eol + 1;
        line++;
    }
    for (size_t i = 0; i < l->n_steps; i++) {
        if (!seen[i]) {
            snprintf(err, LESSON_ERROR_MAX, _("%1$s: step \"%2$s\" has no section (a line "
                                              "\"<!-- step: %2$s -->\" opens it)"),
                     file, l->steps[i].id);
            goto done;
        }
    }
    rc = 0;
done:
    free(seen);
    return rc;
}

/* ------------------------------------------------------------------------
 * Loading.
 */
static char *read_limited(const char *path, size_t *len, bool optional, char err[LESSON_ERROR_MAX])
{
    char *s = fs_read_file(path, len);
    if (!s) {
        if (!(optional && errno == ENOENT))
            snprintf(err, LESSON_ERROR_MAX, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (*len > LESSON_FILE_MAX || strlen(s) != *len) {
        snprintf(err, LESSON_ERROR_MAX,
                 *len > LESSON_FILE_MAX ? _("%1$s: larger than %2$u bytes")
                                        : _("%1$s: holds a NUL byte"),
                 path, LESSON_FILE_MAX);
        free(s);
        return NULL;
    }
    return s;
}

struct lesson *lesson_load(const char *dir, char err[LESSON_ERROR_MAX])
{
    struct lesson *l = calloc(1, sizeof *l);
    char path[PATH_MAX + 16], *texts[2] = {NULL, NULL}, *json_text = NULL;
    json_t *lua_fns = json_array();
    SHA2_CTX sha;
    if (!l || !lua_fns) {
        snprintf(err, LESSON_ERROR_MAX, "%s", strerror(ENOMEM));
        goto fail;
    }
    snprintf(l->dir, sizeof l->dir, "%s", dir);
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    snprintf(path, sizeof path, "%s/lesson.json", dir);
    size_t len;
    if (!(json_text = read_limited(path, &len, false, err)))
        goto fail;
    json_error_t je;
    l->doc = json_loadb(json_text, len, JSON_REJECT_DUPLICATES, &je);
    if (!l->doc) {
        /* jansson quotes the bytes near the error: a message stays one line */
        for (char *c = je.text; *c; c++)
            if ((unsigned char)*c < 0x20)
                *c = ' ';
        snprintf(err, LESSON_ERROR_MAX, _("%1$s:%2$d:%3$d: %4$s"), path, je.line, je.column, je.text);
        goto fail;
    }
    struct checker c = {.file = path, .err = err};
    if (!check_doc(&c, l->doc, lua_fns))
        goto fail;
    const char *id = json_string_value(json_object_get(l->doc, "id"));
    if (strlen(id) >= LESSON_ID_MAX || strcmp(id, base) != 0) {
        snprintf(err, LESSON_ERROR_MAX, _("%1$s: $.id: \"%2$s\" must be the folder's name, \"%3$s\""),
                 path, id, base);
        goto fail;
    }
    snprintf(l->id, sizeof l->id, "%s", id);
    l->number = isdigit((unsigned char)id[0]) ? atoi(id) : -1;
    const char *world = json_string_value(json_object_get(l->doc, "world"));
    bool named = world && strspn(world, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(world);
    if (named && strcmp(world, "default") != 0) {
        /* a name: a world that ships with the tutor, beside the default one */
        if (strlen(world) >= sizeof l->world_name) {
            snprintf(err, LESSON_ERROR_MAX, _("%1$s: $.world: \"%2$s\" is too long for a world's name"),
                     path, world);
            goto fail;
        }
        snprintf(l->world_name, sizeof l->world_name, "%s", world);
    } else if (world && strcmp(world, "default") != 0) {
        snprintf(l->world, sizeof l->world, "%s/%s", dir, world);
        if (access(l->world, R_OK) != 0) {
            snprintf(err, LESSON_ERROR_MAX, _("%1$s: $.world: %2$s: %3$s"), path, l->world,
                     strerror(errno));
            goto fail;
        }
    }
    json_t *steps = json_object_get(l->doc, "steps");
    l->n_steps = json_array_size(steps);
    l->steps = calloc(l->n_steps, sizeof *l->steps);
    if (!l->steps) {
        snprintf(err, LESSON_ERROR_MAX, "%s", strerror(ENOMEM));
        goto fail;
    }
    for (size_t i = 0; i < l->n_steps; i++) {
        l->steps[i].spec = json_array_get(steps, i);
        l->steps[i].id = json_string_value(json_object_get(l->steps[i].spec, "id"));
        l->steps[i].n_hints = json_array_size(json_object_get(l->steps[i].spec, "hints"));
    }
    SHA256Init(&sha);
    SHA256Update(&sha, (const uint8_t *)json_text, len);
    for (int lang = 0; lang < 2; lang++) {
        snprintf(path, sizeof path, "%s/%s.md", dir, LANGS[lang]);
        if (!(texts[lang] = read_limited(path, &len, false, err)))
            goto fail;
        if (split_text(l, lang, path, texts[lang], err) < 0)
            goto fail;
        SHA256Update(&sha, (const uint8_t *)texts[lang], len);
    }
    snprintf(path, sizeof path, "%s/checks.lua", dir);
    err[0] = '\0';
    l->checks_lua = read_limited(path, &l->checks_len, true, err);
    if (!l->checks_lua && err[0])
        goto fail;
    if (l->checks_lua)
        SHA256Update(&sha, (const uint8_t *)l->checks_lua, l->checks_len);
    else if (json_array_size(lua_fns) > 0) {
        json_t *first = json_array_get(lua_fns, 0);
        snprintf(err, LESSON_ERROR_MAX, _("%1$s/lesson.json: %2$s: a \"lua\" check, and there is "
                                          "no checks.lua"),
                 dir, json_string_value(json_object_get(first, "path")));
        goto fail;
    }
    uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256Final(digest, &sha);
    memcpy(l->hash, "sha256:", 7);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(l->hash + 7 + 2 * i, 3, "%02x", digest[i]);
    free(texts[0]);
    free(texts[1]);
    free(json_text);
    json_decref(lua_fns);
    return l;
fail:
    free(texts[0]);
    free(texts[1]);
    free(json_text);
    json_decref(lua_fns);
    lesson_free(l);
    return NULL;
}

void lesson_free(struct lesson *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n_steps; i++) {
        free(l->steps[i].text[0]);
        free(l->steps[i].text[1]);
    }
    free(l->steps);
    free(l->intro[0]);
    free(l->intro[1]);
    free(l->checks_lua);
    json_decref(l->doc);
    free(l);
}

/* ------------------------------------------------------------------------
 * The shelf.
 */
static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int lesson_list(const char *root, struct lesson ***out, size_t *n, char err[LESSON_ERROR_MAX])
{
    *out = NULL;
    *n = 0;
    err[0] = '\0';
    DIR *d = opendir(root);
    if (!d) {
        snprintf(err, LESSON_ERROR_MAX, "%s: %s", root, strerror(errno));
        return -1;
    }
    char *names[256];
    size_t nn = 0;
    struct dirent *e;
    while ((e = readdir(d)) && nn < sizeof names / sizeof names[0]) {
        if (e->d_name[0] == '.' || !isdigit((unsigned char)e->d_name[0]))
            continue;
        char p[PATH_MAX + 16];
        snprintf(p, sizeof p, "%s/%s/lesson.json", root, e->d_name);
        if (access(p, F_OK) == 0 && (names[nn] = strdup(e->d_name)))
            nn++;
    }
    closedir(d);
    qsort(names, nn, sizeof names[0], by_name);
    struct lesson **all = calloc(nn ? nn : 1, sizeof *all);
    for (size_t i = 0; i < nn; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", root, names[i]);
        char e1[LESSON_ERROR_MAX];
        struct lesson *l = all ? lesson_load(p, e1) : NULL;
        if (l)
            all[(*n)++] = l;
        else if (!err[0])
            snprintf(err, LESSON_ERROR_MAX, "%s", all ? e1 : strerror(ENOMEM));
        free(names[i]);
    }
    *out = all;
    return all ? 0 : -1;
}

void lesson_list_free(struct lesson **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        lesson_free(l[i]);
    free(l);
}

struct lesson *lesson_find(struct lesson **all, size_t n, const char *what)
{
    char *end;
    long num = strtol(what, &end, 10);
    bool numeric = *what && !*end;
    for (size_t i = 0; i < n; i++) {
        const char *id = all[i]->id;
        const char *slug = strchr(id, '-') ? strchr(id, '-') + 1 : id;
        if ((numeric && all[i]->number == num) || strcmp(id, what) == 0 || strcmp(slug, what) == 0)
            return all[i];
    }
    return NULL;
}

/* ------------------------------------------------------------------------
 * Variants.
 */
bool lesson_varies(const struct lesson *l)
{
    return json_object_size(json_object_get(l->doc, "variables")) > 0;
}

/* FNV-1a, 64 bits: the same student, lesson and variable give the same
 * choice on every machine. */
static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return (h ^ 0xff) * 0x100000001b3ULL;
}

struct chosen {
    const char *name[LESSON_VARIABLES_MAX];
    const char *value[LESSON_VARIABLES_MAX];
    size_t n;
};

/* `s` with each {{name}} replaced (its value escaped for a Lua pattern
 * when `pattern`). New string, or NULL when out of memory. */
static char *substitute(const char *s, const struct chosen *v, bool pattern)
{
    size_t cap = strlen(s) + 1, len = 0;
    char *out = malloc(cap);
    while (out && *s) {
        const char *value = NULL;
        size_t skip = 0;
        if (s[0] == '{' && s[1] == '{') {
            for (size_t i = 0; i < v->n && !value; i++) {
                size_t n = strlen(v->name[i]);
                if (strncmp(s + 2, v->name[i], n) == 0 && strncmp(s + 2 + n, "}}", 2) == 0) {
                    value = v->value[i];
                    skip = n + 4;
                }
            }
        }
        size_t need = value ? 2 * strlen(value) : 1;
        if (len + need + 1 > cap) {
            cap = (len + need + 1) * 2;
            char *grown = realloc(out, cap);
            if (!grown) {
                free(out);
                return NULL;
            }
            out = grown;
        }
        if (!value) {
            out[len++] = *s++;
            continue;
        }
        for (const char *c = value; *c; c++) {
            if (pattern && strchr("^$()%.[]*+-?", *c))
                out[len++] = '%';
            out[len++] = *c;
        }
        s += skip;
    }
    if (out)
        out[len] = '\0';
    return out;
}

/* The members of a check that hold patterns. */
static bool is_pattern_key(const char *k)
{
    static const char *const keys[] = {"sent", "reply",  "after", "args",  "host",
                                       "has",  "answer", "dns",   "relay", NULL};
    for (size_t i = 0; keys[i]; i++)
        if (strcmp(keys[i], k) == 0)
            return true;
    return false;
}

/* Replaces, in place, every string under `v`. 0, or -1 out of memory. */
static int vary_json(json_t *v, const struct chosen *c, bool pattern, int depth)
{
    if (depth > 32)
        return 0;
    if (json_is_string(v)) {
        /* only what changes is set: the steps' ids (which cannot hold a
         * {{name}}) are borrowed by struct lesson_step */
        char *s = substitute(json_string_value(v), c, pattern);
        int rc = !s ? -1 : strcmp(s, json_string_value(v)) ? json_string_set(v, s) : 0;
        free(s);
        return rc;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) if (vary_json(x, c, pattern, depth + 1) < 0) return -1;
    } else if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) if (vary_json(x, c, pattern || is_pattern_key(k), depth + 1) < 0) return -1;
    }
    return 0;
}

static int vary_text(char **text, const struct chosen *c)
{
    if (!*text)
        return 0;
    char *s = substitute(*text, c, false);
    if (!s)
        return -1;
    free(*text);
    *text = s;
    return 0;
}

/* A copy of `src` in memory (no file read again): its document, texts
 * and checks. New, or NULL when out of memory. */
static struct lesson *copy_lesson(const struct lesson *src)
{
    struct lesson *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    memcpy(l, src, sizeof *l);
    l->doc = json_deep_copy(src->doc);
    l->steps = calloc(src->n_steps, sizeof *l->steps);
    l->intro[0] = l->intro[1] = l->checks_lua = NULL;
    bool ok = l->doc && l->steps;
    for (int lang = 0; ok && lang < 2; lang++)
        ok = (l->intro[lang] = strdup(src->intro[lang])) != NULL;
    if (ok && src->checks_lua)
        ok = (l->checks_lua = strndup(src->checks_lua, src->checks_len)) != NULL;
    json_t *steps = l->doc ? json_object_get(l->doc, "steps") : NULL;
    for (size_t i = 0; ok && i < src->n_steps; i++) {
        l->steps[i].spec = json_array_get(steps, i);
        l->steps[i].id = json_string_value(json_object_get(l->steps[i].spec, "id"));
        l->steps[i].n_hints = src->steps[i].n_hints;
        ok = (l->steps[i].text[0] = strdup(src->steps[i].text[0])) != NULL &&
             (l->steps[i].text[1] = strdup(src->steps[i].text[1])) != NULL;
    }
    if (!ok) {
        if (!l->steps)
            l->n_steps = 0;
        lesson_free(l);
        return NULL;
    }
    return l;
}

struct lesson *lesson_load_variant(const char *dir, const char *student, char err[LESSON_ERROR_MAX])
{
    struct lesson *l = lesson_load(dir, err);
    if (!l)
        return NULL;
    struct lesson *v = lesson_variant(l, student, err);
    lesson_free(l);
    return v;
}

struct lesson *lesson_variant(const struct lesson *src, const char *student,
                              char err[LESSON_ERROR_MAX])
{
    struct lesson *l = copy_lesson(src);
    if (!l) {
        snprintf(err, LESSON_ERROR_MAX, "%s", strerror(ENOMEM));
        return NULL;
    }
    snprintf(l->student, sizeof l->student, "%s", student ? student : "");
    json_t *vars = json_object_get(l->doc, "variables");
    if (!json_object_size(vars))
        return l;
    struct chosen c = {0};
    const char *k;
    json_t *x;
    json_object_foreach(vars, k, x) {
        uint64_t h = fnv(fnv(fnv(0xcbf29ce484222325ULL, l->student), l->id), k);
        c.name[c.n] = k;
        c.value[c.n++] = json_string_value(json_array_get(x, (size_t)(h % json_array_size(x))));
    }
    /* the values are the document's: the steps are varied, not the list */
    int rc = vary_json(json_object_get(l->doc, "steps"), &c, false, 0);
    for (int lang = 0; lang < 2 && rc == 0; lang++) {
        rc = vary_text(&l->intro[lang], &c);
        for (size_t i = 0; i < l->n_steps && rc == 0; i++)
            rc = vary_text(&l->steps[i].text[lang], &c);
    }
    if (rc < 0) {
        snprintf(err, LESSON_ERROR_MAX, "%s", strerror(ENOMEM));
        lesson_free(l);
        return NULL;
    }
    return l;
}
