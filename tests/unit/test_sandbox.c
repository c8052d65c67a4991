/*
 * test_sandbox — the Lua sandbox against hostile and ordinary scripts.
 *
 * Each test runs a script in a fresh sandbox and asserts the exact message
 * a student would see (sbx_error()), following the checklist in STYLE.md,
 * "The Lua sandbox": the exact set of globals, text-only load, the
 * instruction budget and the wall-clock deadline (also when the script
 * catches the error), the memory cap, the pattern and string.rep guards,
 * locked metatables, read-only host tables, errors naming script and line,
 * deterministic math.random.
 *
 * Scenarios that, if the sandbox is wrong, run for minutes inside a C
 * function (where no hook can stop them) run in a child process that is
 * killed after a timeout, so a failure is reported instead of hanging the
 * suite.
 */
#include "unit.h"

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "host/sandbox.h"

/* ------------------------------------------------------------------------
 * Helpers
 */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct sandbox *new_sandbox(const struct sandbox_limits *lim)
{
    struct sandbox *sbx = sbx_new("t.lua", lim);
    assert_non_null(sbx);
    return sbx;
}

/* Loads `text` as t.lua and fails the test, showing the error, if it does
 * not load. */
static void load_ok(struct sandbox *sbx, const char *text)
{
    int rc = sbx_load(sbx, "t.lua", text, strlen(text));
    if (rc != 0)
        fail_msg("sbx_load failed: %s", sbx_error(sbx));
}

static void call_ok(struct sandbox *sbx, const char *fn)
{
    int rc = sbx_call(sbx, fn, NULL, NULL);
    if (rc != 0)
        fail_msg("sbx_call(%s) failed: %s", fn, sbx_error(sbx));
}

/* Loads `text`, which must fail, and checks the message. */
static void load_fails_with(const char *text, const char *expected)
{
    struct sandbox *sbx = new_sandbox(NULL);
    assert_int_equal(sbx_load(sbx, "t.lua", text, strlen(text)), -1);
    assert_string_equal(sbx_error(sbx), expected);
    sbx_free(sbx);
}

/* Loads `text`, calls `fn`, which must fail, and checks the message. */
static void call_fails_with(const char *text, const char *fn, const char *expected)
{
    struct sandbox *sbx = new_sandbox(NULL);
    load_ok(sbx, text);
    assert_int_equal(sbx_call(sbx, fn, NULL, NULL), -1);
    assert_string_equal(sbx_error(sbx), expected);
    sbx_free(sbx);
}

/* Reads the script's global `name` as text ("<nil>" and the like for what
 * is neither a string nor a number). */
struct global_text {
    const char *name;
    char text[4096];
};

static int read_global_cb(lua_State *L, void *ud)
{
    struct global_text *g = ud;
    int t = sbx_get_global(L, g->name);
    if (t == LUA_TSTRING || t == LUA_TNUMBER)
        snprintf(g->text, sizeof g->text, "%s", lua_tostring(L, -1));
    else if (t == LUA_TBOOLEAN)
        snprintf(g->text, sizeof g->text, "%s", lua_toboolean(L, -1) ? "true" : "false");
    else
        snprintf(g->text, sizeof g->text, "<%s>", lua_typename(L, t));
    lua_pop(L, 1);
    return 0;
}

static const char *global_text(struct sandbox *sbx, struct global_text *g, const char *name)
{
    g->name = name;
    g->text[0] = '\0';
    if (sbx_protect(sbx, read_global_cb, g) != 0)
        fail_msg("reading global %s: %s", name, sbx_error(sbx));
    return g->text;
}

/* Runs a script in a child process, killed after `timeout` seconds. */
struct outcome {
    bool finished;              /* false: killed at the timeout */
    bool crashed;               /* the child died without reporting */
    int rc;                     /* of sbx_load, or of sbx_call when fn */
    double seconds;
    char err[SBX_ERROR_MAX];
};

static void run_in_child(const char *text, const char *fn,
                         const struct sandbox_limits *lim, double timeout,
                         struct outcome *out)
{
    int fds[2];
    memset(out, 0, sizeof *out);
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    double start = now_seconds();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        struct outcome r;
        memset(&r, 0, sizeof r);
        struct sandbox *sbx = sbx_new("t.lua", lim);
        if (!sbx)
            _exit(3);
        r.rc = sbx_load(sbx, "t.lua", text, strlen(text));
        if (r.rc == 0 && fn)
            r.rc = sbx_call(sbx, fn, NULL, NULL);
        snprintf(r.err, sizeof r.err, "%s", sbx_error(sbx));
        r.finished = true;
        sbx_free(sbx);
        ssize_t n = write(fds[1], &r, sizeof r);
        _exit(n == (ssize_t)sizeof r ? 0 : 4);
    }
    close(fds[1]);
    struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
    int ready = poll(&pfd, 1, (int)(timeout * 1000));
    if (ready > 0) {
        ssize_t n = read(fds[0], out, sizeof *out);
        if (n != (ssize_t)sizeof *out) {
            memset(out, 0, sizeof *out);
            out->crashed = true;
        }
    } else {
        kill(pid, SIGKILL);
    }
    int status;
    waitpid(pid, &status, 0);
    close(fds[0]);
    out->seconds = now_seconds() - start;
}

/* ------------------------------------------------------------------------
 * The exact set of globals (STYLE.md items 2, 3, 11)
 */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, space-separated keys of the base behind the script's _ENV, read
 * from the host side (the C API ignores __metatable). */
struct keys {
    char text[2048];
    int non_string;
};

static int base_keys_cb(lua_State *L, void *ud)
{
    struct keys *k = ud;
    static char names[64][32];
    const char *ptrs[64];
    int n = 0;

    assert_int_equal(sbx_get_global(L, "_G"), LUA_TTABLE);     /* env */
    assert_true(lua_getmetatable(L, -1));                       /* env, mt */
    assert_int_equal(lua_getfield(L, -1, "__index"), LUA_TTABLE); /* env, mt, base */
    int base = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, base)) {
        if (lua_type(L, -2) == LUA_TSTRING && n < 64) {
            snprintf(names[n], sizeof names[n], "%s", lua_tostring(L, -2));
            ptrs[n] = names[n];
            n++;
        } else {
            k->non_string++;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 3);
    qsort(ptrs, (size_t)n, sizeof ptrs[0], cmp_str);
    k->text[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i)
            strncat(k->text, " ", sizeof k->text - strlen(k->text) - 1);
        strncat(k->text, ptrs[i], sizeof k->text - strlen(k->text) - 1);
    }
    return 0;
}

static void test_globals_exact_set_host_view(void **state)
{
    (void)state;
    struct sandbox *sbx = new_sandbox(NULL);
    struct keys k;
    memset(&k, 0, sizeof k);
    assert_int_equal(sbx_protect(sbx, base_keys_cb, &k), 0);
    assert_string_equal(k.text,
        "_VERSION assert coroutine error getmetatable ipairs load math next "
        "pairs pcall rawequal rawget rawlen rawset select setmetatable string "
        "table tonumber tostring type utf8 xpcall");
    assert_int_equal(k.non_string, 0);
    sbx_free(sbx);
}

static void test_globals_script_view(void **state)
{
    (void)state;
    static const char script[] =
        "local present = { 'assert', 'error', 'getmetatable', 'ipairs', 'load',\n"
        "  'next', 'pairs', 'pcall', 'rawequal', 'rawget', 'rawlen', 'rawset',\n"
        "  'select', 'setmetatable', 'tonumber', 'tostring', 'type', 'xpcall',\n"
        "  '_VERSION', 'string', 'table', 'math', 'utf8', 'coroutine', '_G' }\n"
        "local forbidden = { 'dofile', 'loadfile', 'require', 'collectgarbage',\n"
        "  'print', 'warn', 'io', 'os', 'debug', 'package', 'loadstring',\n"
        "  'unpack', 'setfenv', 'getfenv', 'module', 'newproxy', 'gcinfo' }\n"
        "local missing, leaked = {}, {}\n"
        "for _, name in ipairs(present) do\n"
        "  if _ENV[name] == nil then missing[#missing + 1] = name end\n"
        "end\n"
        "for _, name in ipairs(forbidden) do\n"
        "  if _ENV[name] ~= nil then leaked[#leaked + 1] = name end\n"
        "end\n"
        "if string.dump ~= nil then leaked[#leaked + 1] = 'string.dump' end\n"
        "if ('').dump ~= nil then leaked[#leaked + 1] = \"('').dump\" end\n"
        "result = 'missing:' .. table.concat(missing, ',')\n"
        "  .. ' leaked:' .. table.concat(leaked, ',')\n"
        "g_is_env = _G == _ENV\n"
        "version = _VERSION\n"
        "types = type(assert) .. type(string) .. type(_G)\n";
    struct sandbox *sbx = new_sandbox(NULL);
    struct global_text g;
    load_ok(sbx, script);
    assert_string_equal(global_text(sbx, &g, "result"), "missing: leaked:");
    assert_string_equal(global_text(sbx, &g, "g_is_env"), "true");
    assert_string_equal(global_text(sbx, &g, "version"), "Lua 5.4");
    assert_string_equal(global_text(sbx, &g, "types"), "functiontabletable");
    sbx_free(sbx);
}

static void test_globals_library_contents(void **state)
{
    (void)state;
    static const char script[] =
        "local function keys(t)\n"
        "  local r = {}\n"
        "  for k in pairs(t) do r[#r + 1] = tostring(k) end\n"
        "  table.sort(r)\n"
        "  return table.concat(r, ' ')\n"
        "end\n"
        "s_keys = keys(string)\n"
        "t_keys = keys(table)\n"
        "m_keys = keys(math)\n"
        "u_keys = keys(utf8)\n"
        "c_keys = keys(coroutine)\n"
        "env_keys = keys(_ENV)\n";
    struct sandbox *sbx = new_sandbox(NULL);
    struct global_text g;
    load_ok(sbx, script);
    assert_string_equal(global_text(sbx, &g, "s_keys"),
        "byte char find format gmatch gsub len lower match pack packsize rep "
        "reverse sub unpack upper");
    assert_string_equal(global_text(sbx, &g, "t_keys"),
        "concat insert move pack remove sort unpack");
    /* Debian's liblua5.4 is built with the 5.3 compatibility functions */
    assert_string_equal(global_text(sbx, &g, "m_keys"),
        "abs acos asin atan atan2 ceil cos cosh deg exp floor fmod frexp huge "
        "ldexp log log10 max maxinteger min mininteger modf pi pow rad random "
        "randomseed sin sinh sqrt tan tanh tointeger type ult");
    assert_string_equal(global_text(sbx, &g, "u_keys"),
        "char charpattern codepoint codes len offset");
    assert_string_equal(global_text(sbx, &g, "c_keys"),
        "close create isyieldable resume running status wrap yield");
    /* the script's own _ENV holds only what it defined, and _G */
    assert_string_equal(global_text(sbx, &g, "env_keys"),
        "_G c_keys m_keys s_keys t_keys u_keys");
    sbx_free(sbx);
}

/* ------------------------------------------------------------------------
 * load: text only, in the script's environment (items 3, 4)
 */

struct dumpbuf {
    char data[4096];
    size_t len;
};

static int dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    struct dumpbuf *b = ud;
    if (sz > sizeof b->data - b->len)
        return 1;
    memcpy(b->data + b->len, p, sz);
    b->len += sz;
    return 0;
}

/* Bytecode for `return 42`, compiled in a plain state of its own. */
static void make_bytecode(struct dumpbuf *b)
{
    memset(b, 0, sizeof *b);
    lua_State *L = luaL_newstate();
    assert_non_null(L);
    assert_int_equal(luaL_loadstring(L, "return 42"), LUA_OK);
    assert_int_equal(lua_dump(L, dump_writer, b, 0), 0);
    lua_close(L);
    assert_true(b->len > 4);
    assert_memory_equal(b->data, LUA_SIGNATURE, 4);
}

static int set_bytecode_global(lua_State *L, void *ud)
{
    struct dumpbuf *b = ud;
    lua_pushlstring(L, b->data, b->len);
    sbx_set_global(L, "bc");
    return 0;
}

static void test_load_refuses_bytecode(void **state)
{
    (void)state;
    static const char script[] =
        "local f, e = load(bc)\n"
        "plain = tostring(f) .. '|' .. tostring(e)\n"
        "f, e = load(bc, 'chunk', 'b')\n"
        "mode_b = tostring(f) .. '|' .. tostring(e)\n"
        "f, e = load(bc, 'chunk', 'bt', {})\n"
        "mode_bt = tostring(f) .. '|' .. tostring(e)\n"
        "local parts = { bc:sub(1, 4), bc:sub(5) }\n"
        "local i = 0\n"
        "f, e = load(function() i = i + 1; return parts[i] end)\n"
        "reader = tostring(f) .. '|' .. tostring(e)\n"
        "bc_type = type(bc) .. ' ' .. #bc\n";
    struct dumpbuf b;
    make_bytecode(&b);
    struct sandbox *sbx = new_sandbox(NULL);
    struct global_text g;
    assert_int_equal(sbx_protect(sbx, set_bytecode_global, &b), 0);
    load_ok(sbx, script);
    char expect_type[64];
    snprintf(expect_type, sizeof expect_type, "string %zu", b.len);
    assert_string_equal(global_text(sbx, &g, "bc_type"), expect_type);
    assert_string_equal(global_text(sbx, &g, "plain"),
                        "nil|attempt to load a binary chunk (mode is 't')");
    assert_string_equal(global_text(sbx, &g, "mode_b"),
                        "nil|attempt to load a binary chunk (mode is 't')");
    assert_string_equal(global_text(sbx, &g, "mode_bt"),
                        "nil|attempt to load a binary chunk (mode is 't')");
    assert_string_equal(global_text(sbx, &g, "reader"),
                        "nil|attempt to load a binary chunk (mode is 't')");
    sbx_free(sbx);
}

static void test_sbx_load_refuses_bytecode(void **state)
{
    (void)state;
    struct dumpbuf b;
    make_bytecode(&b);
    struct sandbox *sbx = new_sandbox(NULL);
    assert_int_equal(sbx_load(sbx, "bc.lua", b.data, b.len), -1);
    assert_string_equal(sbx_error(sbx),
                        "bc.lua: attempt to load a binary chunk (mode is 't')");
    sbx_free(sbx);
}

static void test_load_text_runs_in_script_env(void **state)
{
    (void)state;
    static const char script[] =
        "local f = assert(load('return dofile, loadfile, require, collectgarbage, '\n"
        "  .. 'print, warn, io, os, debug, package, string.dump'))\n"
        "local n, leaked = select('#', f()), {}\n"
        "local r = table.pack(f())\n"
        "for i = 1, n do if r[i] ~= nil then leaked[#leaked + 1] = i end end\n"
        "leaks = n .. ':' .. table.concat(leaked, ',')\n"
        "mine = 'script value'\n"
        "seen = load('return mine')()\n"
        "load('from_load = 42; function loaded_fn() return 7 end')()\n"
        "same_env = load('return _G == _ENV and _ENV == ...')(_ENV)\n"
        "nested = load(\"return load('return io == nil and os == nil')()\")()\n";
    struct sandbox *sbx = new_sandbox(NULL);
    struct global_text g;
    load_ok(sbx, script);
    assert_string_equal(global_text(sbx, &g, "leaks"), "11:");
    assert_string_equal(global_text(sbx, &g, "seen"), "script value");
    assert_string_equal(global_text(sbx, &g, "from_load"), "42");
    assert_true(sbx_has_function(sbx, "loaded_fn"));
    assert_string_equal(global_text(sbx, &g, "same_env"), "true");
    assert_string_equal(global_text(sbx, &g, "nested"), "true");
    sbx_free(sbx);
}

/* ------------------------------------------------------------------------
 * The instruction budget (item 6)
 */

static void test_budget_infinite_loop(void **state)
{
    (void)state;
    struct sandbox *sbx = new_sandbox(NULL);
    static const char script[] = "local x = 1\n\nwhile true do end\n";
    assert_int_equal(sbx_load(sbx, "script.lua", script, strlen(script)), -1);
    assert_string_equal(sbx_error(sbx), "script.lua:3: instruction budget exceeded");
    sbx_free(sbx);
}

static void test_budget_loop_in_callback(void **state)
{
    (void)state;
    call_fails_with("function on_line(s)\n"
                    "  local n = 0\n"
                    "  while true do n = n + 1 end\n"
                    "end\n",
                    "on_line", "t.lua:3: instruction budget exceeded");
}

static void test_budget_survives_pcall(void **state)
{
    (void)state;
    struct sandbox *sbx = new_sandbox(NULL);
    load_ok(sbx, "function f()\n"
                 "  pcall(function() while true do end end)\n"
                 "  while true do end\n"
                 "end\n"
                 "function g()\n"
                 "  caught = pcall(function() while true do end end)\n"
                 "  caught = 'after'\n"
                 "end\n"
                 "function small() ok_after = 1 + 1 end\n");
    double t0 = now_seconds();
    assert_int_equal(sbx_call(sbx, "f", NULL, NULL), -1);
    assert_string_equal(sbx_error(sbx), "t.lua:3: instruction budget exceeded");
    assert_true(now_seconds() - t0 < 5.0);
    /* pcall returned false, and the very next instruction (storing that
     * false, line 6) raised again */
    struct global_text g;
    assert_int_equal(sbx_call(sbx, "g", NULL, NULL), -1);
    assert_string_equal(sbx_error(sbx), "t.lua:6: instruction budget exceeded");
    assert_string_equal(global_text(sbx, &g, "caught"), "<nil>");
    /* the next callback gets a fresh budget */
    call_ok(sbx, "small");
    assert_string_equal(global_text(sbx, &g, "ok_after"), "2");
    sbx_free(sbx);
}

static void test_budget_in_coroutine(void **state)
{
    (void)state;
    /* coroutine.wrap re-raises a string error with its own position in
     * front (standard Lua), hence the line twice */
    call_fails_with("function f()\n"
                    "  coroutine.wrap(function() while true do end end)()\n"
                    "end\n",
                    "f", "t.lua:2: t.lua:2: instruction budget exceeded");
    /* resume returns the error instead of raising: the main thread must
     * still be stopped */
    call_fails_with("function f()\n"
                    "  local co = coroutine.create(function() while true do end end)\n"
                    "  local ok, e = coroutine.resume(co)\n"
                    "  while true do end\n"
                    "end\n",
                    "f", "t.lua:4: instruction budget exceeded");
    /* a fresh coroutine for every caught failure */
    call_fails_with("function f()\n"
                    "  while true do\n"
                    "    pcall(coroutine.wrap(function() while true do end end))\n"
                    "  end\n"
                    "end\n",
                    "f", "t.lua:3: instruction budget exceeded");
}

static void test_budget_pcall_in_loop(void **state)
{
    (void)state;
    struct sandbox *sbx = new_sandbox(NULL);
    load_ok(sbx, "function f()\n"
                 "  while true do pcall(function() while true do end end) end\n"
                 "end\n");
    double t0 = now_seconds();
    assert_int_equal(sbx_call(sbx, "f", NULL, NULL), -1);
    assert_string_equal(sbx_error(sbx), "t.lua:2: instruction budget exceeded");
    assert_true(now_seconds() - t0 < 5.0);
    sbx_free(sbx);
}

/* ------------------------------------------------------------------------
 * The wall-clock deadline (item 6)
 */

static void test_deadline_string_concat(void **state)
{
    (void)state;
    struct sandbox_limits lim = {0, SBX_INSTRUCTIONS_MAX, 200};
    struct sandbox *sbx = new_sandbox(&lim);
    load_ok(sbx, "function f()\n"
                 "  local s = ''\n"
                 "  while true do s = s .. 'x' end\n"
                 "end\n");
    double t0 = now_seconds();
    assert_int_equal(sbx_call(sbx, "f", NULL, NULL), -1);
    double spent = now_seconds() - t0;
    assert_string_equal(sbx_error(sbx), "t.lua:3: time limit exceeded");
    assert_true(spent >= 0.19);
    assert_true(spent < 2.0);
    sbx_free(sbx);
}

/* ------------------------------------------------------------------------
 * What no hook can stop: finalizers, message handlers and C loops
 * (STYLE.md item 7). Each runs in a child killed after 10 s, and must end
 * by itself within the 1 s deadline's reach, with its message.
 */

static void ends_with(const char *text, const char *fn, const char *expected)
{
    struct outcome out;
    run_in_child(text, fn, NULL, 10.0, &out);
    if (!out.finished)
        fail_msg("%s", out.crashed ? "the child crashed" : "still running after 10 s");
    assert_int_equal(out.rc, -1);
    assert_string_equal(out.err, expected);
    if (out.seconds > 2.0)
        fail_msg("took %.2f s", out.seconds);
}

/* The same, for work whose cost depends on the machine: either budget may
 * run out first (the sanitizer build is slower). */
static void ends_out_of_budget(const char *text, const char *fn, const char *where)
{
    struct outcome out;
    run_in_child(text, fn, NULL, 10.0, &out);
    if (!out.finished)
        fail_msg("%s", out.crashed ? "the child crashed" : "still running after 10 s");
    assert_int_equal(out.rc, -1);
    char budget[128], clock[128];
    snprintf(budget, sizeof budget, "%s instruction budget exceeded", where);
    snprintf(clock, sizeof clock, "%s time limit exceeded", where);
    if (strcmp(out.err, budget) != 0 && strcmp(out.err, clock) != 0)
        fail_msg("\"%s\" is neither \"%s\" nor \"%s\"", out.err, budget, clock);
    if (out.seconds > 2.0)
        fail_msg("took %.2f s", out.seconds);
}

static void test_xpcall_handler_loop(void **state)
{
    (void)state;
    /* the handler of a budget error used to run with hooks off, for ever */
    ends_with("function f()\n"
              "  xpcall(function() while true do end end,\n"
              "         function() while true do end end)\n"
              "end\n",
              "f", "t.lua:4: instruction budget exceeded");
    /* a handler that loops on an ordinary error meets the budget itself */
    ends_with("function f()\n"
              "  return xpcall(function() error('x') end,\n"
              "                function() while true do end end)\n"
              "end\n",
              "f", "t.lua:3: instruction budget exceeded");
    /* and a handler that works still sees the error and its result counts */
    struct sandbox *sbx = new_sandbox(NULL);
    struct global_text g;
    load_ok(sbx, "local ok, e = xpcall(function() error('boom') end,\n"
                 "                     function(m) return 'handled: ' .. m end)\n"
                 "r = tostring(ok) .. ' ' .. e\n");
    assert_string_equal(global_text(sbx, &g, "r"), "false handled: t.lua:1: boom");
    sbx_free(sbx);
}

static void test_gc_finalizer_refused(void **state)
{
    (void)state;
    load_fails_with("setmetatable({}, {__gc = function() while true do end end})\n",
                    "t.lua:1: setmetatable: __gc is not allowed in a script "
                    "(finalizers run where no time limit can stop them)");
    /* a placeholder filled in later would be called all the same */
    load_fails_with("local mt = {__gc = true}\n"
                    "local t = setmetatable({}, mt)\n"
                    "mt.__gc = function() while true do end end\n",
                    "t.lua:2: setmetatable: __gc is not allowed in a script "
                    "(finalizers run where no time limit can stop them)");
    /* a __gc added after setmetatable is never called (Lua 5.4 2.5.3):
     * the collector runs by itself and nothing freezes */
    struct outcome out;
    run_in_child("local mt = {}\n"
                 "for i = 1, 1000 do setmetatable({}, mt) end\n"
                 "mt.__gc = function() while true do end end\n"
                 "local junk = {}\n"
                 "for i = 1, 200000 do junk[i % 100] = {i} end\n"
                 "done = true\n",
                 NULL, NULL, 10.0, &out);
    assert_true(out.finished);
    assert_int_equal(out.rc, 0);
}

static void test_table_loops_in_c(void **state)
{
    (void)state;
    ends_with("function f() table.move({}, 1, 1 << 53, 2) end\n", "f",
              "t.lua:1: too many elements for one call (9007199254740992, at most 4194304)");
    ends_with("function f()\n"
              "  local t = setmetatable({}, {__len = function() return 1 << 53 end})\n"
              "  table.insert(t, 1, 'x')\n"
              "end\n", "f",
              "t.lua:3: too many elements for one call (9007199254740992, at most 4194304)");
    ends_with("function f()\n"
              "  local t = setmetatable({}, {__len = function() return 1 << 40 end})\n"
              "  table.remove(t, 1)\n"
              "end\n", "f",
              "t.lua:3: too many elements for one call (1099511627776, at most 4194304)");
    ends_with("function f()\n"
              "  local t = setmetatable({}, {__index = type, __len = function() return 1 << 30 end})\n"
              "  table.sort(t)\n"
              "end\n", "f",
              "t.lua:3: too many elements for one call (1073741824, at most 4194304)");
    ends_with("function f() return table.concat(setmetatable({}, {__index = type}), '', 1, 1 << 50) end\n",
              "f", "t.lua:1: too many elements for one call (1125899906842624, at most 4194304)");
    ends_with("function f() return table.unpack({}, 1, 1 << 50) end\n", "f",
              "t.lua:1: too many elements for one call (1125899906842624, at most 4194304)");
    /* many calls that each pass: the charges add up */
    ends_with("function f()\n"
              "  local sink = setmetatable({}, {__newindex = type})\n"
              "  while true do table.move({}, 1, 500000, 1, sink) end\n"
              "end\n", "f", "t.lua:3: instruction budget exceeded");
}

/* C functions that copy or scan a long string, in a loop: the count hook
 * sees three instructions a turn and would let seconds pass. */
static void test_linear_c_loops(void **state)
{
    (void)state;
    ends_out_of_budget("function f()\n"
              "  local s = ('x'):rep(2000000)\n"
              "  while true do local t = s:sub(2) end\n"
              "end\n", "f", "t.lua:3:");
    ends_out_of_budget("function f()\n"
              "  local s = ('x'):rep(2000000)\n"
              "  while true do local t = s:upper() end\n"
              "end\n", "f", "t.lua:3:");
    ends_out_of_budget("function f()\n"
              "  local s = ('x'):rep(2000000)\n"
              "  while true do utf8.len(s) end\n"
              "end\n", "f", "t.lua:3:");
    ends_out_of_budget("function f()\n"
              "  local s = ('x'):rep(100000)\n"
              "  while true do local n = select('#', s:byte(1, -1)) end\n"
              "end\n", "f", "t.lua:3:");
}

static void test_pattern_real_worst_case(void **state)
{
    (void)state;
    /* each of these passed the old guard and took seconds in one call */
    ends_with("function f() return ('a'):rep(31622):find('.-b') end\n", "f",
              "t.lua:1: pattern too complex for a 31622-byte subject "
              "(split the text first, or use a plain find)");
    ends_with("function f() return (('a'):rep(31622):gsub('a-b', '')) end\n", "f",
              "t.lua:1: pattern too complex for a 31622-byte subject "
              "(split the text first, or use a plain find)");
    ends_with("function f() return ('a'):rep(1000):find('(.-)(.-)b') end\n", "f",
              "t.lua:1: pattern too complex for a 1000-byte subject "
              "(split the text first, or use a plain find)");
    /* a hundred calls that each pass end the callback by its budget */
    ends_with("function f()\n"
              "  local s = ('a'):rep(3000)\n"
              "  for i = 1, 100 do s:find('.-b') end\n"
              "end\n", "f", "t.lua:3: instruction budget exceeded");
    ends_with("function f()\n"
              "  local s = ('a'):rep(4000000)\n"
              "  while true do s:find('b', 1, true) end\n"
              "end\n", "f", "t.lua:3: instruction budget exceeded");
}

static void test_load_charged(void **state)
{
    (void)state;
    ends_with("function f()\n"
              "  local src = ('x = 1 '):rep(600000)\n"
              "  while true do load(src) end\n"
              "end\n", "f", "t.lua:3: instruction budget exceeded");
}

/* A script that calls back into the host (tutor.query runs another
 * server's script) cannot have more time by nesting: the inner call ends
 * by the outer deadline. */
static struct sandbox *inner_sbx;

static int call_inner(lua_State *L)
{
    (void)L;
    sbx_call(inner_sbx, "spin", NULL, NULL);
    return 0;
}

static int push_call_inner(lua_State *L, void *ud)
{
    (void)ud;
    lua_pushcfunction(L, call_inner);
    sbx_set_global(L, "inner");
    return 0;
}

static void test_nested_call_shares_deadline(void **state)
{
    (void)state;
    struct sandbox_limits lim = {0, SBX_INSTRUCTIONS_MAX, 300};
    inner_sbx = new_sandbox(&lim);
    load_ok(inner_sbx, "function spin() local s = '' while true do s = s .. 'x' end end\n");
    struct sandbox *outer = new_sandbox(&lim);
    assert_int_equal(sbx_protect(outer, push_call_inner, NULL), 0);
    load_ok(outer, "function f() for i = 1, 10 do inner() end end\n");
    double t0 = now_seconds();
    assert_int_equal(sbx_call(outer, "f", NULL, NULL), -1);
    double spent = now_seconds() - t0;
    assert_string_equal(sbx_error(outer), "t.lua:1: time limit exceeded");
    if (spent > 0.6)
        fail_msg("ten nested calls took %.2f s against a 0.3 s deadline", spent);
    sbx_free(outer);
    sbx_free(inner_sbx);
}

static void test_interrupt(void **state)
{
    (void)state;
    struct sandbox *sbx = new_sandbox(NULL);
    load_ok(sbx, "function f() while true do end end\n");
    sbx_interrupt();
    assert_int_equal(sbx_call(sbx, "f", NULL, NULL), -1);
    assert_string_equal(sbx_error(sbx), "t.lua:1: interrupted");
    sbx_clear_interrupt();
    load_ok(sbx, "function g() ok = 1 end\n");
    call_ok(sbx, "g");
    sbx_free(sbx);
}

/* ------------------------------------------------------------------------
 * The memory cap (item 5)
 */

static void test_memory_bomb(void **state)
{
    (void)state;
    struct sandbox_limits lim = {4u << 20, 0, 0};
    struct sandbox *sbx = new_sandbox(&lim);
    load_ok(sbx, "function bomb()\n"
                 "  local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(1000) .. i end\n"
                 "end\n"
                 "function small() local t = {} for i = 1, 100 do t[i] = i end\n"
                 "  ok_after = #t end\n");
    assert_true(sbx_memory_used(sbx) <= lim.memory);
    assert_int_equal(sbx_call(sbx, "bomb", NULL, NULL), -1);
    assert_string_equal(sbx_error(sbx), "t.lua: out of memory (the limit is 4096 KiB)");
    assert_true(sbx_memory_used(sbx) <= lim.memory);
    /* the failed call's memory was given back; the state still works */
    assert_true(sbx_memory_used(sbx) < (1u << 20));
    struct global_text g;
    call_ok(sbx, "small");
    assert_string_equal(global_text(sbx, &g, "ok_after"), "100");
    assert_true(sbx_memory_used(sbx) <= lim.memory);
    sbx_free(sbx);
}

/* ------------------------------------------------------------------------
 * string.rep and pattern guards (item 7)
 */

static void test_string_rep_bomb(void **state)
{
    (void)state;
    call_fails_with("function f()\n  local s = ('x'):rep(1e8)\nend\n", "f",
                    "t.lua:2: string.rep result too large (at most 4194304 bytes)");
    call_fails_with("function f()\n  local s = string.rep('ab', 3e6, ',')\nend\n", "f",
                    "t.lua:2: string.rep result too large (at most 4194304 bytes)");
    /* ordinary use still works */
    struct sandbox *sbx = new_sandbox(NULL);
    struct global_text g;
    load_ok(sbx, "r = ('ab'):rep(3, '-') .. #('x'):rep(1000000)\n");
    assert_string_equal(global_text(sbx, &g, "r"), "ab-ab-ab1000000");
    sbx_free(sbx);
}

static void test_pattern_bomb(void **state)
{
    (void)state;
    double t0 = now_seconds();
    call_fails_with("function f()\n"
                    "  local subject = ('a'):rep(20000)\n"
                    "  return string.find(subject, '(.-)(.-)(.-)(.-)b')\n"
                    "end\n",
                    "f",
                    "t.lua:3: pattern too complex for a 20000-byte subject "
                    "(split the text first, or use a plain find)");
    call_fails_with("function f()\n"
                    "  for w in (('a'):rep(20000)):gmatch('(.-)(.-)b') do end\n"
                    "end\n",
                    "f",
                    "t.lua:2: pattern too complex for a 20000-byte subject "
                    "(split the text first, or use a plain find)");
    call_fails_with("function f()\n"
                    "  return (('a'):rep(20000)):gsub('(.-)(.-)b', '')\n"
                    "end\n",
                    "f",
                    "t.lua:2: pattern too complex for a 20000-byte subject "
                    "(split the text first, or use a plain find)");
    call_fails_with("function f()\n"
                    "  return (('a'):rep(20000)):match('(.-)(.-)(.-)(.-)b')\n"
                    "end\n",
                    "f",
                    "t.lua:2: pattern too complex for a 20000-byte subject "
                    "(split the text first, or use a plain find)");
    assert_true(now_seconds() - t0 < 2.0);
}

static void test_pattern_too_long(void **state)
{
    (void)state;
    call_fails_with("function f()\n"
                    "  return ('abc'):find(('x'):rep(300))\n"
                    "end\n",
                    "f", "t.lua:2: pattern too long (300 bytes, at most 256)");
    call_fails_with("function f()\n"
                    "  return ('abc'):match(('x'):rep(300))\n"
                    "end\n",
                    "f", "t.lua:2: pattern too long (300 bytes, at most 256)");
}

static void test_plain_find_on_large_subject(void **state)
{
    (void)state;
    struct sandbox *sbx = new_sandbox(NULL);
    struct global_text g;
    load_ok(sbx, "local s = ('a'):rep(1000000) .. 'x.y(' .. ('b'):rep(48576)\n"
                 "local i, j = s:find('x.y(', 1, true)\n"
                 "found = i .. '-' .. j .. ' of ' .. #s\n"
                 "local k = string.find(s, 'zzz', 1, true)\n"
                 "missing = tostring(k)\n");
    assert_string_equal(global_text(sbx, &g, "found"), "1000001-1000004 of 1048580");
    assert_string_equal(global_text(sbx, &g, "missing"), "nil");
    sbx_free(sbx);
}

static void test_normal_patterns_work(void **state)
{
    (void)state;
    struct sandbox *sbx = new_sandbox(NULL);
    struct global_text g;
    load_ok(sbx,
        "local a, b, c = ('MAIL FROM:<a@b>'):match('^(%a+)%s+(%a+):<(.-)>$')\n"
        "m = a .. '|' .. b .. '|' .. c\n"
        "local words = {}\n"
        "for w in ('RCPT TO:<x@y.example>'):gmatch('%S+') do words[#words + 1] = w end\n"
        "g = table.concat(words, '|')\n"
        "s = (('hello world'):gsub('o', '0'))\n"
        "f = table.concat({ ('HELO client.example'):find('^(%u+)%s') }, ',')\n"
        "u = ('%d %s'):format(42, 'x')\n"
        "bal = ('x(a(b)c)y'):match('%b()')\n"
        "fr = ('THE (quick) fox'):find('%f[%a]%a+%f[%A]', 5)\n");
    assert_string_equal(global_text(sbx, &g, "m"), "MAIL|FROM|a@b");
    assert_string_equal(global_text(sbx, &g, "g"), "RCPT|TO:<x@y.example>");
    assert_string_equal(global_text(sbx, &g, "s"), "hell0 w0rld");
    assert_string_equal(global_text(sbx, &g, "f"), "1,5,HELO");
    assert_string_equal(global_text(sbx, &g, "u"), "42 x");
    assert_string_equal(global_text(sbx, &g, "bal"), "(a(b)c)");
    assert_string_equal(global_text(sbx, &g, "fr"), "6");
    sbx_free(sbx);
}

/* ------------------------------------------------------------------------
 * Metatables and read-only libraries (item 8)
 */

static void test_string_metatable_locked(void **state)
{
    (void)state;
    struct sandbox *sbx = new_sandbox(NULL);
    struct global_text g;
    load_ok(sbx, "mt = getmetatable('')\n"
                 "env_mt = getmetatable(_ENV)\n"
                 "lib_mt = getmetatable(string)\n");
    assert_string_equal(global_text(sbx, &g, "mt"), "false");
    assert_string_equal(global_text(sbx, &g, "env_mt"), "false");
    assert_string_equal(global_text(sbx, &g, "lib_mt"), "false");
    sbx_free(sbx);
}

static void test_setmetatable_env_refused(void **state)
{
    (void)state;
    load_fails_with("local x = 1\nsetmetatable(_ENV, {})\n",
                    "t.lua:2: cannot change a protected metatable");
    load_fails_with("setmetatable(string, { __index = function() end })\n",
                    "t.lua:1: cannot change a protected metatable");
}

static void test_string_library_read_only(void **state)
{
    (void)state;
    load_fails_with("local x = 1\nstring.find = nil\n",
                    "t.lua:2: attempt to modify a read-only table (field 'find')");
    load_fails_with("math.random = function() return 4 end\n",
                    "t.lua:1: attempt to modify a read-only table (field 'random')");
    load_fails_with("table.newfield = 1\n",
                    "t.lua:1: attempt to modify a read-only table (field 'newfield')");
}

static void test_rawset_on_library_proxy(void **state)
{
    (void)state;
    struct sandbox *sbx = new_sandbox(NULL);
    struct global_text g;
    load_ok(sbx, "rawset(string, 'x', 1)\n"
                 "rawset(string, 'find', 'gone')\n"
                 "proxy_x = string.x\n"
                 "method = ('abc'):find('b')\n"
                 "on_string = tostring(('abc').x)\n");
    /* the proxy itself took the field; the real library, behind every
     * string's methods, did not */
    assert_string_equal(global_text(sbx, &g, "proxy_x"), "1");
    assert_string_equal(global_text(sbx, &g, "method"), "2");
    assert_string_equal(global_text(sbx, &g, "on_string"), "nil");
    sbx_free(sbx);
}

/* pairs() on a read-only proxy must not hand out the table behind it. */
static void test_pairs_does_not_leak_real_library(void **state)
{
    (void)state;
    struct sandbox *sbx = new_sandbox(NULL);
    load_ok(sbx, "function tamper()\n"
                 "  local _, real = pairs(string)\n"
                 "  real.find = nil\n"
                 "end\n"
                 "function use() return ('abc'):find('b') end\n");
    int rc = sbx_call(sbx, "tamper", NULL, NULL);
    int rc_use = sbx_call(sbx, "use", NULL, NULL);
    char use_err[SBX_ERROR_MAX];
    snprintf(use_err, sizeof use_err, "%s", sbx_error(sbx));
    sbx_free(sbx);
    if (rc == 0)
        fail_msg("pairs(string) returned the real string library and the script "
                 "removed string.find from it; afterwards ('abc'):find('b') "
                 "gives: %s", rc_use ? use_err : "(worked)");
    assert_int_equal(rc_use, 0);
}

/* ------------------------------------------------------------------------
 * Errors name the script and line (item 9)
 */

static int push_line(lua_State *L, void *ud)
{
    lua_pushnil(L);                         /* the session */
    lua_pushstring(L, ud);
    return 2;
}

static void test_callback_runtime_error(void **state)
{
    (void)state;
    struct sandbox *sbx = new_sandbox(NULL);
    load_ok(sbx, "function on_line(s) local x = nil; return x.y end\n");
    char line[] = "HELO x";
    assert_int_equal(sbx_call(sbx, "on_line", push_line, line), -1);
    assert_string_equal(sbx_error(sbx), "t.lua:1: attempt to index a nil value (local 'x')");
    sbx_free(sbx);
}

static void test_error_with_table_object(void **state)
{
    (void)state;
    call_fails_with("function f()\n  error({})\nend\n", "f",
                    "t.lua: (error object is a table value)");
    call_fails_with("function f()\n  error(setmetatable({}, { __tostring = "
                    "function() return 'custom failure' end }))\nend\n", "f",
                    "t.lua: custom failure");
    call_fails_with("function f()\n  error('plain', 0)\nend\n", "f",
                    "t.lua: plain");
    call_fails_with("function f()\n  error('with level')\nend\n", "f",
                    "t.lua:2: with level");
}

static void test_syntax_error_names_line(void **state)
{
    (void)state;
    load_fails_with("function on_line(s)\n  x = = 1\nend\n",
                    "t.lua:2: unexpected symbol near '='");
    load_fails_with("function on_connect(s)\n  s:reply(220, \"never\"\nend\n",
                    "t.lua:3: ')' expected (to close '(' at line 2) near 'end'");
}

static void test_call_undefined_function(void **state)
{
    (void)state;
    struct sandbox *sbx = new_sandbox(NULL);
    load_ok(sbx, "not_a_function = 3\n");
    assert_false(sbx_has_function(sbx, "on_line"));
    char line[] = "x";
    assert_int_equal(sbx_call(sbx, "on_line", push_line, line), 0);
    assert_string_equal(sbx_error(sbx), "");
    assert_int_equal(sbx_call(sbx, "not_a_function", NULL, NULL), 0);
    assert_string_equal(sbx_error(sbx), "");
    sbx_free(sbx);
}

/* ------------------------------------------------------------------------
 * Host tables are read-only, subtables too (sbx_set_global)
 */

static int set_config_global(lua_State *L, void *ud)
{
    (void)ud;
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, 1);
    lua_setfield(L, -2, "a");
    lua_createtable(L, 0, 1);
    lua_pushinteger(L, 2);
    lua_setfield(L, -2, "b");
    lua_setfield(L, -2, "nested");
    lua_createtable(L, 3, 0);
    for (int i = 1; i <= 3; i++) {
        lua_pushinteger(L, i * 10);
        lua_rawseti(L, -2, i);
    }
    lua_setfield(L, -2, "list");
    sbx_set_global(L, "cfg");
    return 0;
}

static struct sandbox *sandbox_with_config(void)
{
    struct sandbox *sbx = new_sandbox(NULL);
    assert_int_equal(sbx_protect(sbx, set_config_global, NULL), 0);
    return sbx;
}

static void test_host_tables_read_only(void **state)
{
    (void)state;
    struct sandbox *sbx = sandbox_with_config();
    struct global_text g;
    load_ok(sbx, "function write_top() cfg.a = 2 end\n"
                 "function write_nested()\n  cfg.nested.b = 3\nend\n"
                 "function write_list() cfg.list[1] = 0 end\n"
                 "function replace() cfg = nil end\n"
                 "local keys = {}\n"
                 "for k in pairs(cfg) do keys[#keys + 1] = k end\n"
                 "table.sort(keys)\n"
                 "r = cfg.a .. cfg.nested.b .. #cfg.list .. table.concat(keys, ',')\n"
                 "local sum = 0\n"
                 "for _, v in ipairs(cfg.list) do sum = sum + v end\n"
                 "total = sum\n");
    assert_string_equal(global_text(sbx, &g, "r"), "123a,list,nested");
    assert_string_equal(global_text(sbx, &g, "total"), "60");

    assert_int_equal(sbx_call(sbx, "write_top", NULL, NULL), -1);
    assert_string_equal(sbx_error(sbx), "t.lua:1: attempt to modify a read-only table (field 'a')");
    assert_int_equal(sbx_call(sbx, "write_nested", NULL, NULL), -1);
    assert_string_equal(sbx_error(sbx), "t.lua:3: attempt to modify a read-only table (field 'b')");
    assert_int_equal(sbx_call(sbx, "write_list", NULL, NULL), -1);
    assert_string_equal(sbx_error(sbx), "t.lua:5: attempt to modify a read-only table (field '1')");
    /* assigning nil in its own _ENV does not remove the host's table */
    call_ok(sbx, "replace");
    load_ok(sbx, "after = cfg.a .. cfg.nested.b\n");
    assert_string_equal(global_text(sbx, &g, "after"), "12");
    sbx_free(sbx);
}

/* pairs() on a host table's proxy must not hand out the writable table. */
static void test_host_table_pairs_does_not_leak(void **state)
{
    (void)state;
    struct sandbox *sbx = sandbox_with_config();
    struct global_text g;
    load_ok(sbx, "function tamper()\n"
                 "  local _, real = pairs(cfg)\n"
                 "  real.a = 99\n"
                 "end\n");
    int rc = sbx_call(sbx, "tamper", NULL, NULL);
    char err[SBX_ERROR_MAX];
    snprintf(err, sizeof err, "%s", sbx_error(sbx));
    load_ok(sbx, "seen = cfg.a\n");
    char seen[64];
    snprintf(seen, sizeof seen, "%s", global_text(sbx, &g, "seen"));
    sbx_free(sbx);
    if (rc == 0)
        fail_msg("pairs(cfg) returned the table behind the read-only proxy; "
                 "the script wrote cfg.a = %s", seen);
    assert_int_equal(rc, -1);
    assert_memory_equal(err, "t.lua:3: ", 8);
    assert_string_equal(seen, "1");
}

/* ------------------------------------------------------------------------
 * Determinism (item 10)
 */

/* Runs `script` in two fresh sandboxes, alive at the same time (so their
 * states have different addresses), and returns what each left in `r`. */
static void two_sandboxes(const char *script, char *a, char *b, size_t size)
{
    struct sandbox *s1 = new_sandbox(NULL);
    struct sandbox *s2 = new_sandbox(NULL);
    struct global_text g;
    load_ok(s1, script);
    load_ok(s2, script);
    snprintf(a, size, "%s", global_text(s1, &g, "r"));
    snprintf(b, size, "%s", global_text(s2, &g, "r"));
    sbx_free(s2);
    sbx_free(s1);
}

static void test_math_random_deterministic(void **state)
{
    (void)state;
    static const char script[] =
        "local t = {}\n"
        "for i = 1, 5 do t[i] = math.random(1, 1000000) end\n"
        "t[6] = math.random()\n"
        "r = table.concat(t, ' ')\n";
    char a[256], b[256];
    two_sandboxes(script, a, b, sizeof a);
    assert_string_equal(a, b);
    /* not a constant */
    char c[256];
    snprintf(c, sizeof c, "%s", a);
    char *first = strtok(c, " ");
    char *second = strtok(NULL, " ");
    assert_non_null(first);
    assert_non_null(second);
    assert_string_not_equal(first, second);
}

/* A script that reseeds without an argument must not get wall-clock
 * entropy (STYLE.md item 10: no wall time). */
static void test_math_randomseed_without_argument(void **state)
{
    (void)state;
    static const char script[] =
        "math.randomseed()\n"
        "local t = {}\n"
        "for i = 1, 5 do t[i] = math.random(1, 1 << 50) end\n"
        "r = table.concat(t, ' ')\n";
    char a[256], b[256];
    two_sandboxes(script, a, b, sizeof a);
    if (strcmp(a, b) != 0)
        fail_msg("math.randomseed() reseeds from the clock: two fresh sandboxes "
                 "drew \"%s\" and \"%s\"", a, b);
}

/* ------------------------------------------------------------------------
 * C functions the hook cannot interrupt (item 7): each must be refused or
 * finish quickly. Run in a child, killed after a few seconds.
 */

#define assert_finished(o, timeout) do {                                    \
        if ((o)->crashed)                                                   \
            fail_msg("the sandboxed child died without reporting");        \
        if (!(o)->finished)                                                 \
            fail_msg("still running inside a C function after %.1f s "     \
                     "(killed)", (timeout));                                \
    } while (0)

/* `?` backtracks exponentially, but is not counted as a repetition item:
 * a 120-byte pattern over a 40-byte subject is priced at 40. */
static void test_pattern_bomb_optional_items(void **state)
{
    (void)state;
    struct outcome o;
    run_in_child("function f()\n"
                 "  local s = ('a'):rep(40)\n"
                 "  return s:find(('a?'):rep(40) .. ('a'):rep(40))\n"
                 "end\n",
                 "f", NULL, 3.0, &o);
    assert_finished(&o, 3.0);
    assert_int_equal(o.rc, -1);
    assert_string_equal(o.err, "t.lua:3: pattern too complex for a 40-byte subject "
                               "(split the text first, or use a plain find)");
}

/* string.rep of an empty string: the guard prices it at 0 bytes, and
 * Lua's str_rep then loops n times copying nothing. */
static void test_string_rep_empty_huge_count(void **state)
{
    (void)state;
    struct outcome o;
    run_in_child("function f()\n"
                 "  local s = (''):rep(math.maxinteger)\n"
                 "  return #s\n"
                 "end\n",
                 "f", NULL, 3.0, &o);
    assert_finished(&o, 3.0);
    if (o.rc != 0)
        assert_string_equal(o.err, "t.lua:2: string.rep result too large "
                                   "(at most 4194304 bytes)");
}

/* A plain find costs subject length x needle length in the worst case
 * (lmemfind: memchr, then memcmp at every hit), not linear. */
static void test_plain_find_worst_case(void **state)
{
    (void)state;
    struct outcome o;
    run_in_child("function f()\n"
                 "  local s = ('a'):rep(4000000)\n"
                 "  local needle = ('a'):rep(2000000) .. 'b'\n"
                 "  return s:find(needle, 1, true)\n"
                 "end\n",
                 "f", NULL, 3.0, &o);
    assert_finished(&o, 3.0);
    if (o.rc != 0)
        assert_non_null(strstr(o.err, "t.lua:4: "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_globals_exact_set_host_view),
        cmocka_unit_test(test_globals_script_view),
        cmocka_unit_test(test_globals_library_contents),
        cmocka_unit_test(test_load_refuses_bytecode),
        cmocka_unit_test(test_sbx_load_refuses_bytecode),
        cmocka_unit_test(test_load_text_runs_in_script_env),
        cmocka_unit_test(test_budget_infinite_loop),
        cmocka_unit_test(test_budget_loop_in_callback),
        cmocka_unit_test(test_budget_survives_pcall),
        cmocka_unit_test(test_budget_in_coroutine),
        cmocka_unit_test(test_budget_pcall_in_loop),
        cmocka_unit_test(test_deadline_string_concat),
        cmocka_unit_test(test_xpcall_handler_loop),
        cmocka_unit_test(test_gc_finalizer_refused),
        cmocka_unit_test(test_table_loops_in_c),
        cmocka_unit_test(test_linear_c_loops),
        cmocka_unit_test(test_pattern_real_worst_case),
        cmocka_unit_test(test_load_charged),
        cmocka_unit_test(test_nested_call_shares_deadline),
        cmocka_unit_test(test_interrupt),
        cmocka_unit_test(test_memory_bomb),
        cmocka_unit_test(test_string_rep_bomb),
        cmocka_unit_test(test_pattern_bomb),
        cmocka_unit_test(test_pattern_too_long),
        cmocka_unit_test(test_plain_find_on_large_subject),
        cmocka_unit_test(test_normal_patterns_work),
        cmocka_unit_test(test_string_metatable_locked),
        cmocka_unit_test(test_setmetatable_env_refused),
        cmocka_unit_test(test_string_library_read_only),
        cmocka_unit_test(test_rawset_on_library_proxy),
        cmocka_unit_test(test_pairs_does_not_leak_real_library),
        cmocka_unit_test(test_callback_runtime_error),
        cmocka_unit_test(test_error_with_table_object),
        cmocka_unit_test(test_syntax_error_names_line),
        cmocka_unit_test(test_call_undefined_function),
        cmocka_unit_test(test_host_tables_read_only),
        cmocka_unit_test(test_host_table_pairs_does_not_leak),
        cmocka_unit_test(test_math_random_deterministic),
        cmocka_unit_test(test_math_randomseed_without_argument),
        cmocka_unit_test(test_pattern_bomb_optional_items),
        cmocka_unit_test(test_string_rep_empty_huge_count),
        cmocka_unit_test(test_plain_find_worst_case),
    };
    return cmocka_run_group_tests_name("sandbox", tests, NULL, NULL);
}
