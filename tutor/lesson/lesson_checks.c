/* lesson_checks — see lesson_checks.h. */
#include "lesson_checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "host/lua_json.h"
#include "host/sandbox.h"
#include "mail/maildir.h"
#include "mail/queue.h"
#include "util/i18n.h"

/* A world's mailbox read for a check: at most this many bytes of messages
 * in one call (a check is not a way to copy a flood into memory). */
#define LCHECK_MAILBOX_BYTES_MAX (8u << 20)

struct lesson_checker {
    const struct lesson *lesson;
    struct sandbox *sbx;
    int steps_ref;                      /* the steps' objects, as Lua tables, made once */
    bool *needs_all;                    /* a step a flag: a check reads the whole lesson */
    bool mistakes_need_all;             /* a mistake of the lesson's own list does */
    /* the call in progress */
    struct runtime *rt;
    const struct transcript *t;
    int step;
    struct lcheck_result *out;
};

/* ------------------------------------------------------------------------
 * The world, read-only.
 */
static struct lesson_checker *checker_of(lua_State *L)
{
    return sbx_host(L);
}

/* The host's lists are malloc'd, and a Lua error longjmps: each is
 * turned into a table by a function run under lua_pcall, so that a
 * failure (the memory cap) frees the list before it is raised again. */
static int protected_push(lua_State *L, lua_CFunction fill, void *list, size_t n)
{
    lua_pushcfunction(L, fill);
    lua_pushlightuserdata(L, list);
    lua_pushinteger(L, (lua_Integer)n);
    return lua_pcall(L, 2, 1, 0);
}

static int push_text(lua_State *L)
{
    lua_pushlstring(L, lua_touserdata(L, 1), (size_t)lua_tointeger(L, 2));
    return 1;
}

static int fill_maildir(lua_State *L)
{
    struct maildir_entry *e = lua_touserdata(L, 1);
    size_t n = (size_t)lua_tointeger(L, 2), total = 0;
    lua_createtable(L, (int)(n < 1000 ? n : 1000), 0);
    lua_Integer k = 1;
    for (size_t i = 0; i < n && total < LCHECK_MAILBOX_BYTES_MAX; i++) {
        size_t len;
        char *text = fs_read_file(e[i].path, &len);
        if (!text)
            continue;
        total += len;
        sbx_charge(L, (double)len / 16);
        /* the text is malloc'd too: pushed under a pcall of its own */
        lua_pushcfunction(L, push_text);
        lua_pushlightuserdata(L, text);
        lua_pushinteger(L, (lua_Integer)len);
        int rc = lua_pcall(L, 2, 1, 0);
        free(text);
        if (rc != LUA_OK)
            return lua_error(L);
        lua_rawseti(L, -2, k++);
    }
    return 1;
}

/* Pushes the messages of the Maildir `dir` as an array of strings. */
static int push_maildir(lua_State *L, const char *dir)
{
    struct maildir_entry *e;
    size_t n;
    char err[FS_ERROR_MAX];
    if (maildir_list(dir, &e, &n, err) < 0)
        return luaL_error(L, "%s", err);
    int rc = protected_push(L, fill_maildir, e, n);
    maildir_list_free(e, n);
    if (rc != LUA_OK)
        return lua_error(L);
    return 1;
}

static int world_mailbox(lua_State *L)
{
    const char *address = luaL_checkstring(L, 1);
    char dir[PATH_MAX];
    rt_mailbox_dir(checker_of(L)->rt, address, dir);
    return push_maildir(L, dir);
}

static int world_fetched(lua_State *L)
{
    const char *address = luaL_checkstring(L, 1);
    char dir[PATH_MAX];
    rt_client_dir(checker_of(L)->rt, address, dir);
    return push_maildir(L, dir);
}

static int fill_queue(lua_State *L)
{
    struct queue_entry *e = lua_touserdata(L, 1);
    size_t count = (size_t)lua_tointeger(L, 2);
    lua_createtable(L, (int)(count < 1000 ? count : 1000), 0);
    for (size_t i = 0; i < count && i < 1000; i++) {
        lua_createtable(L, 0, 6);
        lua_pushstring(L, e[i].id);
        lua_setfield(L, -2, "id");
        lua_pushstring(L, e[i].from);
        lua_setfield(L, -2, "from");
        lua_pushstring(L, e[i].status);
        lua_setfield(L, -2, "status");
        lua_pushstring(L, e[i].last_error);
        lua_setfield(L, -2, "last_error");
        lua_pushinteger(L, e[i].attempts);
        lua_setfield(L, -2, "attempts");
        lua_createtable(L, (int)e[i].n_rcpts, 0);
        for (size_t r = 0; r < e[i].n_rcpts; r++) {
            lua_pushstring(L, e[i].rcpts[r]);
            lua_rawseti(L, -2, (lua_Integer)r + 1);
        }
        lua_setfield(L, -2, "rcpts");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int world_queue(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    struct runtime *rt = checker_of(L)->rt;
    const struct world_node *n = world_node(rt->world, name);
    if (!n)
        n = world_find_host(rt->world, name);
    if (!n)
        return luaL_error(L, "world.queue: no node \"%s\" in the world", name);
    char dir[PATH_MAX], err[FS_ERROR_MAX];
    rt_queue_dir(rt, n->name, dir);
    struct queue_entry *e;
    size_t count;
    if (queue_list(dir, &e, &count, err) < 0)
        return luaL_error(L, "%s", err);
    int rc = protected_push(L, fill_queue, e, count);
    queue_list_free(e, count);
    if (rc != LUA_OK)
        return lua_error(L);
    return 1;
}

/* ------------------------------------------------------------------------
 * What the library reports.
 */
static void copy_arg(lua_State *L, int i, char *out, size_t size)
{
    size_t len = 0;
    const char *s = lua_isstring(L, i) ? lua_tolstring(L, i, &len) : "";
    snprintf(out, size, "%.*s", (int)(len < size ? len : size - 1), s);
}

/* tutor.result(i, ok, expected, actual, rule) */
static int api_result(lua_State *L)
{
    struct lcheck_result *r = checker_of(L)->out;
    lua_Integer i = luaL_checkinteger(L, 1);
    if (!r || i < 1 || (size_t)i > r->n)
        return luaL_error(L, "tutor.result: no check %d", (int)i);
    struct lcheck_item *it = &r->items[i - 1];
    it->ok = lua_toboolean(L, 2);
    copy_arg(L, 3, it->expect, sizeof it->expect);
    copy_arg(L, 4, it->actual, sizeof it->actual);
    copy_arg(L, 5, it->rule, sizeof it->rule);
    return 0;
}

/* tutor.mistake(k, i): mistake i of step k, or of the lesson's list (0) */
static int api_mistake(lua_State *L)
{
    struct lesson_checker *c = checker_of(L);
    lua_Integer k = luaL_checkinteger(L, 1), i = luaL_checkinteger(L, 2);
    struct lcheck_result *r = c->out;
    if (r && (k == 0 || k == c->step + 1) && i >= 1 && i <= 1000 &&
        r->n_mistakes < LCHECK_MISTAKES_MAX) {
        r->mistakes[r->n_mistakes].lesson_wide = k == 0;
        r->mistakes[r->n_mistakes++].mistake = (int)i - 1;
    }
    return 0;
}

static int setup(lua_State *L, void *ud)
{
    (void)ud;
    static const luaL_Reg world[] = {
        {"mailbox", world_mailbox}, {"fetched", world_fetched}, {"queue", world_queue}, {NULL, NULL}};
    static const luaL_Reg api[] = {{"result", api_result}, {"mistake", api_mistake}, {NULL, NULL}};
    luaL_newlib(L, world);
    sbx_set_global(L, "world");
    luaL_newlib(L, api);
    sbx_set_global(L, "tutor");
    return 0;
}

/* Does `v` (a check, a list of them, a mistake) read beyond the step's
 * own events: a check of the lesson's scope, or one of checks.lua? */
static bool reads_all(const json_t *v, int depth)
{
    if (depth > 8)
        return true;
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) if (reads_all(x, depth + 1)) return true;
        return false;
    }
    if (!json_is_object(v))
        return false;
    const json_t *scope = json_object_get(v, "scope");
    if (json_object_get(v, "lua") || (json_is_string(scope) && strcmp(json_string_value(scope), "lesson") == 0))
        return true;
    return reads_all(json_object_get(v, "when"), depth + 1);
}

/* The steps' objects as one table of tables, and the lesson's own
 * mistakes after them (at n + 1), kept in the registry: pushed by
 * reference at each judging, not converted again. */
static int push_steps(lua_State *L, void *ud)
{
    struct lesson_checker *c = ud;
    size_t n = c->lesson->n_steps;
    lua_createtable(L, (int)n + 1, 0);
    for (size_t i = 0; i < n; i++) {
        lua_json_push(L, c->lesson->steps[i].spec);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_json_push(L, json_object_get(c->lesson->doc, "mistakes"));
    lua_rawseti(L, -2, (lua_Integer)n + 1);
    if (c->steps_ref != LUA_NOREF)
        luaL_unref(L, LUA_REGISTRYINDEX, c->steps_ref);
    c->steps_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

static int take_lesson(struct lesson_checker *c, const struct lesson *l, char err[LESSON_ERROR_MAX])
{
    c->lesson = l;
    free(c->needs_all);
    c->needs_all = calloc(l->n_steps ? l->n_steps : 1, sizeof *c->needs_all);
    if (!c->needs_all) {
        snprintf(err, LESSON_ERROR_MAX, "%s", _("out of memory"));
        return -1;
    }
    c->mistakes_need_all = reads_all(json_object_get(l->doc, "mistakes"), 0);
    for (size_t i = 0; i < l->n_steps; i++)
        c->needs_all[i] = reads_all(json_object_get(l->steps[i].spec, "checks"), 0) ||
                          reads_all(json_object_get(l->steps[i].spec, "mistakes"), 0);
    if (sbx_protect(c->sbx, push_steps, c) < 0) {
        snprintf(err, LESSON_ERROR_MAX, "%s", sbx_error(c->sbx));
        return -1;
    }
    return 0;
}

struct lesson_checker *lcheck_new(const struct lesson *l, const char *datadir,
                                  char err[LESSON_ERROR_MAX])
{
    struct lesson_checker *c = calloc(1, sizeof *c);
    struct sandbox_limits lim = {SBX_MEMORY_DEFAULT, SBX_INSTRUCTIONS_DEFAULT,
                                 SBX_DEADLINE_MS_DEFAULT};
    char name[LESSON_ID_MAX + 16];
    snprintf(name, sizeof name, "%s/checks.lua", l->id);
    if (!c || !(c->sbx = sbx_new(name, &lim))) {
        snprintf(err, LESSON_ERROR_MAX, "%s", _("out of memory"));
        free(c);
        return NULL;
    }
    c->lesson = l;
    c->steps_ref = LUA_NOREF;
    sbx_set_host(c->sbx, c);
    char lib[PATH_MAX + 32];
    snprintf(lib, sizeof lib, "%s/scripts/lesson_checks.lua", datadir);
    if (sbx_protect(c->sbx, setup, NULL) < 0 ||
        sbx_load_file(c->sbx, lib, "lesson_checks.lua") < 0 ||
        (l->checks_lua && sbx_load(c->sbx, name, l->checks_lua, l->checks_len) < 0)) {
        snprintf(err, LESSON_ERROR_MAX, "%s", sbx_error(c->sbx));
        lcheck_free(c);
        return NULL;
    }
    if (take_lesson(c, l, err) < 0) {
        lcheck_free(c);
        return NULL;
    }
    return c;
}

int lcheck_set_lesson(struct lesson_checker *c, const struct lesson *l, char err[LESSON_ERROR_MAX])
{
    return take_lesson(c, l, err);
}

void lcheck_free(struct lesson_checker *c)
{
    if (!c)
        return;
    sbx_free(c->sbx);
    free(c->needs_all);
    free(c);
}

/* ------------------------------------------------------------------------
 * Judging.
 */
static void push_event(lua_State *L, const struct ts_event *e)
{
    lua_createtable(L, 0, 8);
    lua_pushstring(L, transcript_kind_name(e->kind));
    lua_setfield(L, -2, "kind");
    lua_pushinteger(L, e->step + 1);
    lua_setfield(L, -2, "step");
    lua_pushinteger(L, e->session);
    lua_setfield(L, -2, "session");
    lua_pushinteger(L, e->rc);
    lua_setfield(L, -2, "rc");
    const char *fields[] = {"service", "host", "text", "extra"};
    const char *values[] = {e->service, e->host, e->text, e->extra};
    for (int i = 0; i < 4; i++) {
        if (values[i]) {
            lua_pushstring(L, values[i]);
            lua_setfield(L, -2, fields[i]);
        }
    }
}

/* Pushes the latest LCHECK_EVENTS_MAX events, of `step` only or (step <
 * 0) of the whole lesson. */
static void push_events(lua_State *L, const struct transcript *t, int step)
{
    size_t first = 0, n = 0;
    for (size_t i = t->n; i-- > 0 && n < LCHECK_EVENTS_MAX;) {
        if (step >= 0 && t->ev[i].step != step)
            continue;
        first = i;
        n++;
    }
    lua_createtable(L, (int)n, 0);
    lua_Integer k = 1;
    for (size_t i = first; n && i < t->n; i++) {
        if (step >= 0 && t->ev[i].step != step)
            continue;
        luaL_checkstack(L, 4, "events");
        push_event(L, &t->ev[i]);
        lua_rawseti(L, -2, k++);
    }
}

static int push_call(lua_State *L, void *ud)
{
    struct lesson_checker *c = ud;
    /* stack: steps, cur, events, all, lang, everywhere */
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->steps_ref);
    lua_pushinteger(L, c->step + 1);
    push_events(L, c->t, c->step);
    if (c->needs_all[c->step] || c->mistakes_need_all)
        push_events(L, c->t, -1);
    else
        lua_pushvalue(L, -1);           /* nothing reads further: the same list */
    lua_pushstring(L, lesson_lang() ? "ja" : "en");
    lua_rawgeti(L, -5, (lua_Integer)c->lesson->n_steps + 1);
    return 6;
}

int lcheck_step(struct lesson_checker *c, int step, const struct transcript *t,
                struct runtime *rt, struct lcheck_result *out, char err[LESSON_ERROR_MAX])
{
    memset(out, 0, sizeof *out);
    const struct lesson_step *s = &c->lesson->steps[step];
    out->n = json_array_size(json_object_get(s->spec, "checks"));
    if (out->n && !(out->items = calloc(out->n, sizeof *out->items))) {
        snprintf(err, LESSON_ERROR_MAX, "%s", _("out of memory"));
        return -1;
    }
    c->rt = rt;
    c->t = t;
    c->step = step;
    c->out = out;
    int rc = sbx_call(c->sbx, "evaluate", push_call, c);
    c->out = NULL;
    c->rt = NULL;
    if (rc < 0) {
        snprintf(err, LESSON_ERROR_MAX, "%s", sbx_error(c->sbx));
        lcheck_result_free(out);
        return -1;
    }
    out->passed = out->n > 0;
    for (size_t i = 0; i < out->n; i++)
        out->passed = out->passed && out->items[i].ok;
    return 0;
}

void lcheck_result_free(struct lcheck_result *r)
{
    free(r->items);
    r->items = NULL;
    r->n = 0;
}
