/*
 * sandbox — see sandbox.h. The checklist in STYLE.md, item by item:
 * one state per server (sbx_new), libraries opened one by one (sbx_setup),
 * dangerous globals removed, text-only load, capped allocator (sbx_alloc),
 * one count hook for both budgets (sbx_hook), guarded pattern functions,
 * locked metatables, per-script _ENV over a read-only base, every entry
 * through lua_pcall with a message handler (sbx_call).
 */
#include "sandbox.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lualib.h>

/* The hook runs every SBX_HOOK_STEP instructions: often enough that the
 * deadline is noticed within microseconds, rarely enough to cost nothing. */
#define SBX_HOOK_STEP 1000

struct sandbox {
    lua_State *L;
    char name[128];
    struct sandbox_limits lim;
    size_t used;                /* bytes held by the state */
    long spent;                 /* instructions in this callback */
    long long deadline_ms;      /* monotonic clock */
    const char *expired;        /* why the budget ran out, NULL while it lasts */
    bool in_call;
    int env_ref;                /* the script's _ENV */
    int base_ref;               /* the read-only base behind it */
    void *host;
    char err[SBX_ERROR_MAX];
};

static struct sandbox *sbx_of(lua_State *L)
{
    return *(struct sandbox **)lua_getextraspace(L);
}

void sbx_set_host(struct sandbox *sbx, void *host) { sbx->host = host; }
void *sbx_host(lua_State *L) { return sbx_of(L)->host; }
lua_State *sbx_state(struct sandbox *sbx) { return sbx->L; }
const char *sbx_error(const struct sandbox *sbx) { return sbx->err; }
size_t sbx_memory_used(const struct sandbox *sbx) { return sbx->used; }

static long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------------
 * Allocator: refuses to grow past the cap. When ptr is NULL, osize is a
 * type tag, not a size (lua_Alloc's contract), so it must not be counted.
 */
static void *sbx_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct sandbox *sbx = ud;
    size_t old = ptr ? osize : 0;

    if (nsize == 0) {
        free(ptr);
        sbx->used -= old;
        return NULL;
    }
    if (nsize > old && sbx->used - old + nsize > sbx->lim.memory)
        return NULL;
    void *p = realloc(ptr, nsize);
    if (p)
        sbx->used = sbx->used - old + nsize;
    return p;
}

/* ------------------------------------------------------------------------
 * Budget: one count hook checks both the instruction count and the wall
 * clock. Once either runs out it re-arms itself to fire on every
 * instruction, so a script that catches the error with pcall meets it again
 * at its very next instruction (Redis' luaMaskCountHook does the same).
 */
static void sbx_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    struct sandbox *sbx = sbx_of(L);

    if (!sbx->expired) {
        sbx->spent += SBX_HOOK_STEP;
        if (sbx->spent > sbx->lim.instructions)
            sbx->expired = "instruction budget exceeded";
        else if (monotonic_ms() > sbx->deadline_ms)
            sbx->expired = "time limit exceeded";
    }
    if (sbx->expired) {
        lua_sethook(L, sbx_hook, LUA_MASKCOUNT, 1);
        /* level 0, the running function: luaL_error's level 1 would be
         * its caller, which is pcall (no line) in the case that matters */
        luaL_where(L, 0);
        lua_pushstring(L, sbx->expired);
        lua_concat(L, 2);
        lua_error(L);
    }
}

static void sbx_arm(struct sandbox *sbx)
{
    sbx->spent = 0;
    sbx->expired = NULL;
    sbx->deadline_ms = monotonic_ms() + sbx->lim.deadline_ms;
    lua_sethook(sbx->L, sbx_hook, LUA_MASKCOUNT, SBX_HOOK_STEP);
}

/* ------------------------------------------------------------------------
 * Guarded pattern functions. The hook cannot interrupt C code, and Lua's
 * matcher backtracks: `(.-)(.-)(.-)x` over a few kilobytes runs for
 * minutes. Each call is priced before it runs as subject_len raised to the
 * number of repetition items (one more when the match may start anywhere),
 * a bound on the matcher's backtracking; calls over SBX_PATTERN_COST_MAX
 * are refused with advice. Plain finds (4th argument true) are linear and
 * always allowed. The estimate is pessimistic for patterns whose items
 * cannot overlap, which scripts avoid by splitting long text first.
 */
static int pattern_quantifiers(const char *p, size_t len)
{
    int q = 0;
    for (size_t i = 0; i < len; i++) {
        switch (p[i]) {
        case '%':
            if (i + 1 < len && (p[i + 1] == 'b' || p[i + 1] == 'f'))
                q++;
            i++;
            break;
        case '[':
            /* skip the set: a ']' right after '[' or '[^' is a member */
            i++;
            if (i < len && p[i] == '^')
                i++;
            if (i < len && p[i] == ']')
                i++;
            while (i < len && p[i] != ']') {
                if (p[i] == '%')
                    i++;
                i++;
            }
            break;
        case '*': case '+': case '-': case '?':
            /* '?' too: ("a?"):rep(40) backtracks 2^40 ways */
            q++;
            break;
        }
    }
    return q;
}

static void pattern_check(lua_State *L, bool iterates)
{
    size_t slen, plen;
    luaL_checklstring(L, 1, &slen);
    const char *pat = luaL_checklstring(L, 2, &plen);

    if (plen > SBX_PATTERN_LEN_MAX)
        luaL_error(L, "pattern too long (%d bytes, at most %d)", (int)plen,
                   SBX_PATTERN_LEN_MAX);
    bool anchored = plen > 0 && pat[0] == '^';
    int e = pattern_quantifiers(pat, plen) + (anchored && !iterates ? 0 : 1);
    if (pow((double)slen, e) > SBX_PATTERN_COST_MAX)
        luaL_error(L, "pattern too complex for a %d-byte subject "
                   "(split the text first, or use a plain find)", (int)slen);
}

/* Upvalues: the raw function, and what it is: 0 find (plain allowed),
 * 1 match, 2 gmatch/gsub (iterate over the subject). */
static int guarded_pattern(lua_State *L)
{
    lua_Integer kind = lua_tointeger(L, lua_upvalueindex(2));
    if (kind == 0 && lua_toboolean(L, 4)) {
        /* a plain find is subject x needle in the worst case, not linear */
        size_t slen, nlen;
        luaL_checklstring(L, 1, &slen);
        luaL_checklstring(L, 2, &nlen);
        if ((double)slen * (double)nlen > SBX_PLAIN_FIND_COST_MAX)
            luaL_error(L, "plain find too costly (%d-byte subject, %d-byte needle)",
                       (int)slen, (int)nlen);
    } else {
        pattern_check(L, kind == 2);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int guarded_rep(lua_State *L)
{
    size_t len, seplen = 0;
    luaL_checklstring(L, 1, &len);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &seplen);
    if (n > 0 && (double)n * (double)(len + seplen) > SBX_STRING_REP_MAX)
        luaL_error(L, "string.rep result too large (at most %d bytes)",
                   (int)SBX_STRING_REP_MAX);
    if (n <= 0 || len + seplen == 0) {
        /* Lua would loop n times copying nothing: maxinteger never ends */
        lua_pushliteral(L, "");
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int guarded_randomseed(lua_State *L)
{
    if (lua_gettop(L) == 0)
        lua_pushinteger(L, SBX_RANDOM_SEED);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 0);
    return 0;
}

static void wrap_string_function(lua_State *L, const char *name, lua_CFunction guard, int kind)
{
    /* stack: string */
    lua_getfield(L, -1, name);          /* string, orig */
    lua_pushinteger(L, kind);           /* string, orig, kind */
    lua_pushcclosure(L, guard, 2);      /* string, guarded */
    lua_setfield(L, -2, name);          /* string */
}

/* ------------------------------------------------------------------------
 * load, text only, in the caller's sandbox: load(chunk [, name [, mode [, env]]]).
 * The mode argument is ignored, never trusted: bytecode can crash the VM.
 */
static int sandboxed_load(lua_State *L)
{
    struct sandbox *sbx = sbx_of(L);
    int top = lua_gettop(L);
    if (top < 1)
        return luaL_error(L, "bad argument #1 to 'load' (value expected)");
    lua_pushvalue(L, lua_upvalueindex(1));          /* orig */
    lua_pushvalue(L, 1);                            /* chunk */
    if (top >= 2) lua_pushvalue(L, 2); else lua_pushnil(L);
    lua_pushliteral(L, "t");
    if (top >= 4 && !lua_isnil(L, 4))
        lua_pushvalue(L, 4);
    else
        lua_rawgeti(L, LUA_REGISTRYINDEX, sbx->env_ref);
    lua_call(L, 4, 2);
    return 2;
}

/* ------------------------------------------------------------------------
 * Read-only proxies: an empty table whose metatable reads through to the
 * real one and refuses writes. __metatable hides the real table. */
static int readonly_newindex(lua_State *L)
{
    return luaL_error(L, "attempt to modify a read-only table (field '%s')",
                      lua_isstring(L, 2) ? lua_tostring(L, 2) : "?");
}

static int readonly_len(lua_State *L)
{
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__index");
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
    return 1;
}

/* The iterator holds the real table as an upvalue: handing it to the
 * script (as pairs' state argument) would let it write through. */
static int readonly_next(lua_State *L)
{
    lua_settop(L, 2);
    if (lua_next(L, lua_upvalueindex(1)) == 0) {
        lua_pushnil(L);
        return 1;
    }
    return 2;
}

static int readonly_pairs(lua_State *L)
{
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__index");             /* mt, real */
    lua_pushcclosure(L, readonly_next, 1);      /* mt, iter */
    lua_pushvalue(L, 1);                        /* the proxy, harmless */
    lua_pushnil(L);
    return 3;
}

/* Replaces the table at the top with a read-only proxy of it, proxying its
 * table-valued fields too (a world's settings nest). Depth-limited. */
static void push_readonly(lua_State *L, int depth)
{
    luaL_checkstack(L, 8, "read-only proxy");
    if (!lua_istable(L, -1) || depth > 8)
        return;
    int real = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, real)) {                     /* real, k, v */
        if (lua_istable(L, -1)) {
            push_readonly(L, depth + 1);            /* real, k, proxy(v) */
            lua_pushvalue(L, -2);                   /* real, k, proxy, k */
            lua_insert(L, -2);                      /* real, k, k, proxy */
            lua_rawset(L, real);                    /* real, k */
        } else {
            lua_pop(L, 1);
        }
    }
    lua_newtable(L);                                /* real, proxy */
    lua_createtable(L, 0, 5);                       /* real, proxy, mt */
    lua_pushvalue(L, real);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, readonly_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, readonly_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);                        /* real, proxy */
    lua_remove(L, real);                            /* proxy */
}

void sbx_set_global(lua_State *L, const char *name)
{
    struct sandbox *sbx = sbx_of(L);
    push_readonly(L, 0);                            /* v */
    lua_rawgeti(L, LUA_REGISTRYINDEX, sbx->base_ref);
    lua_insert(L, -2);                              /* base, v */
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

/* ------------------------------------------------------------------------
 * Set-up, run protected so that running out of memory is an error, not a
 * panic. Builds: the base (allowed globals, libraries as read-only
 * proxies), the script's _ENV over it, the locked string metatable.
 */
static const char *const removed_globals[] = {
    "dofile", "loadfile", "require", "collectgarbage", "print", "warn",
    "load", NULL,
};

static int sbx_setup(lua_State *L)
{
    struct sandbox *sbx = sbx_of(L);
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},
        {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table},
        {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},
        {LUA_COLIBNAME, luaopen_coroutine},
        {NULL, NULL},
    };
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }

    /* string: guards in place of the raw functions, no dump */
    lua_getglobal(L, LUA_STRLIBNAME);
    wrap_string_function(L, "find", guarded_pattern, 0);
    wrap_string_function(L, "match", guarded_pattern, 1);
    wrap_string_function(L, "gmatch", guarded_pattern, 2);
    wrap_string_function(L, "gsub", guarded_pattern, 2);
    wrap_string_function(L, "rep", guarded_rep, 0);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);

    /* Lock the string metatable, shared by every string of the state. */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);

    /* math.random is seeded for repeatable runs (the host may reseed with
     * the world's seed); randomseed() without a seed would read the clock. */
    lua_getglobal(L, LUA_MATHLIBNAME);
    lua_getfield(L, -1, "randomseed");
    lua_pushvalue(L, -1);
    lua_pushinteger(L, SBX_RANDOM_SEED);
    lua_call(L, 1, 0);
    lua_pushcclosure(L, guarded_randomseed, 1);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);

    /* The base: a copy of the allowed globals, libraries as proxies. */
    lua_pushglobaltable(L);                          /* G */
    lua_getfield(L, -1, "load");
    lua_pushcclosure(L, sandboxed_load, 1);          /* G, load' */
    lua_setfield(L, -2, "load");                     /* replaced below anyway */
    lua_newtable(L);                                 /* G, base */
    lua_pushnil(L);
    while (lua_next(L, -3)) {                        /* G, base, k, v */
        lua_pushvalue(L, -2);
        lua_insert(L, -2);                           /* G, base, k, k, v */
        lua_rawset(L, -4);                           /* G, base, k */
    }
    for (const char *const *g = removed_globals; *g; g++) {
        lua_pushnil(L);
        lua_setfield(L, -2, *g);
    }
    lua_getfield(L, -2, "load");                     /* the wrapper */
    lua_setfield(L, -2, "load");
    lua_pushnil(L);
    lua_setfield(L, -2, LUA_GNAME);                  /* _G is per script */
    for (const luaL_Reg *lib = libs + 1; lib->func; lib++) {
        lua_getfield(L, -1, lib->name);
        push_readonly(L, 0);
        lua_setfield(L, -2, lib->name);
    }
    sbx->base_ref = luaL_ref(L, LUA_REGISTRYINDEX);  /* G */
    lua_pop(L, 1);

    /* The script's _ENV: its own table, reading through to the base. */
    lua_newtable(L);                                 /* env */
    lua_createtable(L, 0, 2);                        /* env, mt */
    lua_rawgeti(L, LUA_REGISTRYINDEX, sbx->base_ref);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, -2, LUA_GNAME);                  /* env._G = env */
    sbx->env_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* ------------------------------------------------------------------------
 * Errors: the message handler keeps the first line, which already names the
 * chunk and line ("smtp.lua:42: ..."), and appends nothing; a traceback is
 * for developers and would drown the student's screen.
 */
static int sbx_msgh(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TSTRING)
        return 1;
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
        return 1;
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    return 1;
}

static int sbx_fail(struct sandbox *sbx, int status)
{
    lua_State *L = sbx->L;
    if (status == LUA_ERRMEM) {
        snprintf(sbx->err, sizeof sbx->err, "%s: out of memory (the limit is %zu KiB)",
                 sbx->name, sbx->lim.memory >> 10);
    } else {
        const char *msg = lua_tostring(L, -1);
        /* runtime errors carry "chunk:line:"; others get the script's name */
        if (msg && strncmp(msg, sbx->name, strlen(sbx->name)) == 0)
            snprintf(sbx->err, sizeof sbx->err, "%s", msg);
        else
            snprintf(sbx->err, sizeof sbx->err, "%s: %s", sbx->name, msg ? msg : "error");
    }
    lua_settop(L, 0);
    /* Give back what the failed call held, so the next one starts clean. */
    lua_gc(L, LUA_GCCOLLECT);
    return -1;
}

struct protected_call {
    struct sandbox *sbx;
    const char *fn;
    sbx_push_fn push;
    void *ud;
};

static int sbx_protected_call(lua_State *L)
{
    struct protected_call *pc = lua_touserdata(L, 1);
    lua_settop(L, 0);
    if (pc->fn) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, pc->sbx->env_ref);
        lua_getfield(L, -1, pc->fn);                /* env, f */
        lua_remove(L, -2);
        if (!lua_isfunction(L, -1))
            return 0;
    }
    int nargs = pc->push ? pc->push(L, pc->ud) : 0;
    if (pc->fn)
        lua_call(L, nargs, 0);
    return 0;
}

static int sbx_run(struct sandbox *sbx, const char *fn, sbx_push_fn push, void *ud)
{
    lua_State *L = sbx->L;
    struct protected_call pc = {sbx, fn, push, ud};

    if (sbx->in_call) {
        snprintf(sbx->err, sizeof sbx->err, "%s: re-entered while running", sbx->name);
        return -1;
    }
    sbx->in_call = true;
    sbx->err[0] = '\0';
    lua_settop(L, 0);
    lua_pushcfunction(L, sbx_msgh);
    lua_pushcfunction(L, sbx_protected_call);
    lua_pushlightuserdata(L, &pc);
    sbx_arm(sbx);
    int status = lua_pcall(L, 1, 0, 1);
    lua_sethook(L, NULL, 0, 0);
    sbx->in_call = false;
    if (status != LUA_OK)
        return sbx_fail(sbx, status);
    lua_settop(L, 0);
    return 0;
}

int sbx_call(struct sandbox *sbx, const char *fn, sbx_push_fn push, void *ud)
{
    return sbx_run(sbx, fn, push, ud);
}

int sbx_protect(struct sandbox *sbx, sbx_push_fn fn, void *ud)
{
    return sbx_run(sbx, NULL, fn, ud);
}

int sbx_get_global(lua_State *L, const char *name)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, sbx_of(L)->env_ref);
    lua_pushstring(L, name);
    int t = lua_rawget(L, -2);
    lua_remove(L, -2);
    return t;
}

bool sbx_has_function(struct sandbox *sbx, const char *fn)
{
    /* pushing the name may allocate: this runs between calls, when a
     * failed call has already given its memory back (sbx_fail) */
    bool is = sbx_get_global(sbx->L, fn) == LUA_TFUNCTION;
    lua_pop(sbx->L, 1);
    return is;
}

/* ------------------------------------------------------------------------
 * Loading scripts.
 */
struct chunk {
    const char *name, *text;
    size_t len;
};

static int push_chunk(lua_State *L, void *ud)
{
    struct chunk *c = ud;
    struct sandbox *sbx = sbx_of(L);
    char chunkname[sizeof sbx->name + 1];
    snprintf(chunkname, sizeof chunkname, "@%s", c->name);
    /* mode "t": bytecode is refused before it reaches the VM */
    if (luaL_loadbufferx(L, c->text, c->len, chunkname, "t") != LUA_OK)
        lua_error(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, sbx->env_ref);
    lua_setupvalue(L, -2, 1);                        /* its _ENV */
    lua_call(L, 0, 0);
    return 0;
}

int sbx_load(struct sandbox *sbx, const char *chunkname, const char *text, size_t len)
{
    struct chunk c = {chunkname, text, len};
    snprintf(sbx->name, sizeof sbx->name, "%s", chunkname);
    return sbx_protect(sbx, push_chunk, &c);
}

int sbx_load_file(struct sandbox *sbx, const char *path, const char *chunkname)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(sbx->err, sizeof sbx->err, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 16384;
            char *t = realloc(text, cap);
            if (!t) {
                free(text);
                fclose(f);
                snprintf(sbx->err, sizeof sbx->err, "%s: out of memory", path);
                return -1;
            }
            text = t;
        }
        size_t n = fread(text + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        snprintf(sbx->err, sizeof sbx->err, "%s: read error", path);
        return -1;
    }
    int rc = sbx_load(sbx, chunkname ? chunkname : path, text, len);
    free(text);
    return rc;
}

/* ------------------------------------------------------------------------
 * Life cycle.
 */
static long clamp(long v, long dflt, long max)
{
    if (v <= 0)
        return dflt;
    return v > max ? max : v;
}

struct sandbox *sbx_new(const char *name, const struct sandbox_limits *limits)
{
    struct sandbox *sbx = calloc(1, sizeof *sbx);
    if (!sbx)
        return NULL;
    struct sandbox_limits none = {0};
    if (!limits)
        limits = &none;
    sbx->lim.memory = (size_t)clamp((long)limits->memory, SBX_MEMORY_DEFAULT, SBX_MEMORY_MAX);
    sbx->lim.instructions = clamp(limits->instructions, SBX_INSTRUCTIONS_DEFAULT,
                                  SBX_INSTRUCTIONS_MAX);
    sbx->lim.deadline_ms = clamp(limits->deadline_ms, SBX_DEADLINE_MS_DEFAULT,
                                 SBX_DEADLINE_MS_MAX);
    snprintf(sbx->name, sizeof sbx->name, "%s", name ? name : "script");

    sbx->L = lua_newstate(sbx_alloc, sbx);
    if (!sbx->L) {
        free(sbx);
        return NULL;
    }
    *(struct sandbox **)lua_getextraspace(sbx->L) = sbx;
    lua_State *L = sbx->L;
    lua_pushcfunction(L, sbx_setup);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        lua_close(L);
        free(sbx);
        return NULL;
    }
    return sbx;
}

void sbx_free(struct sandbox *sbx)
{
    if (!sbx)
        return;
    lua_close(sbx->L);
    free(sbx);
}
