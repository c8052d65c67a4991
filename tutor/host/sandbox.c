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
#include <signal.h>
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

/* Allocations this large are charged and look at the clock (sbx_big_alloc). */
#define SBX_BIG_ALLOC (64u << 10)
#define SBX_BYTES_PER_INSTRUCTION 64

struct sandbox {
    lua_State *L;
    char name[128];
    struct sandbox_limits lim;
    size_t used;                /* bytes held by the state */
    long spent;                 /* instructions in this callback */
    long long deadline_ms;      /* monotonic clock */
    const char *expired;        /* why the budget ran out, NULL while it lasts */
    char expired_at[SBX_ERROR_MAX]; /* "t.lua:3: time limit exceeded", where it ran out */
    bool in_call;
    unsigned long calls;        /* callbacks run so far, sbx_call_number() */
    int env_ref;                /* the script's _ENV */
    int base_ref;               /* the read-only base behind it */
    void *host;
    char err[SBX_ERROR_MAX];
};

/* The sandbox whose callback runs now, innermost first: a host call such
 * as tutor.query runs another server's script inside the caller's, and
 * the inner call may not outlive the caller's deadline. Lua runs on one
 * thread per process here; _Thread_local keeps that an assumption of the
 * thread, not of the program. */
static _Thread_local struct sandbox *sbx_running;

/* Set by sbx_interrupt() (a signal handler); the hook sees it. */
static volatile sig_atomic_t sbx_interrupted;

static struct sandbox *sbx_of(lua_State *L)
{
    return *(struct sandbox **)lua_getextraspace(L);
}

void sbx_set_host(struct sandbox *sbx, void *host) { sbx->host = host; }
void *sbx_host(lua_State *L) { return sbx_of(L)->host; }
lua_State *sbx_state(struct sandbox *sbx) { return sbx->L; }
const char *sbx_error(const struct sandbox *sbx) { return sbx->err; }
size_t sbx_memory_used(const struct sandbox *sbx) { return sbx->used; }
unsigned long sbx_call_number(const struct sandbox *sbx) { return sbx->calls; }

static long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sbx_hook(lua_State *L, lua_Debug *ar);

/* A C function that copies a large string (sub, upper, rep, .., gsub,
 * table.concat) does work the count hook never sees, and a loop of them
 * can run for seconds between two hooks. Large allocations are charged
 * (an instruction per SBX_BYTES_PER_INSTRUCTION bytes) and look at the
 * clock; when the budget or the deadline is past, the hook is re-armed to
 * fire at the next instruction. The allocator itself may not raise. */
static void sbx_big_alloc(struct sandbox *sbx, size_t nsize)
{
    if (sbx->expired)
        return;
    sbx->spent += (long)(nsize / SBX_BYTES_PER_INSTRUCTION);
    if (sbx->spent > sbx->lim.instructions)
        sbx->expired = "instruction budget exceeded";
    else if (monotonic_ms() > sbx->deadline_ms)
        sbx->expired = "time limit exceeded";
    if (sbx->expired)
        lua_sethook(sbx->L, sbx_hook, LUA_MASKCOUNT, 1);
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
    if (p && nsize >= SBX_BIG_ALLOC && sbx->in_call)
        sbx_big_alloc(sbx, nsize);
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
        if (sbx_interrupted)
            sbx->expired = "interrupted";
        else if (sbx->spent > sbx->lim.instructions)
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
        if (!sbx->expired_at[0])
            snprintf(sbx->expired_at, sizeof sbx->expired_at, "%s", lua_tostring(L, -1));
        lua_error(L);
    }
}

/* A fresh budget; a call nested in another sandbox's callback ends by
 * the caller's deadline at the latest. */
static void sbx_arm(struct sandbox *sbx, const struct sandbox *outer)
{
    sbx->spent = 0;
    sbx->expired = NULL;
    sbx->expired_at[0] = '\0';
    sbx->deadline_ms = monotonic_ms() + sbx->lim.deadline_ms;
    if (outer && outer->deadline_ms < sbx->deadline_ms)
        sbx->deadline_ms = outer->deadline_ms;
    lua_sethook(sbx->L, sbx_hook, LUA_MASKCOUNT, SBX_HOOK_STEP);
}

/* Ends the budget: the next VM instruction of any thread of the state
 * raises (the running one now; the others at their next hook, which sees
 * `expired`). */
static void sbx_expire(struct sandbox *sbx, lua_State *L, const char *why)
{
    if (!sbx->expired) {
        sbx->expired = why;
        /* level 1: the script that called the C function charging;
         * nothing here allocates, so nothing can raise */
        lua_Debug ar;
        if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
            snprintf(sbx->expired_at, sizeof sbx->expired_at, "%s:%d: %s", ar.short_src,
                     ar.currentline, why);
        else
            snprintf(sbx->expired_at, sizeof sbx->expired_at, "%s: %s", sbx->name, why);
    }
    lua_sethook(L, sbx_hook, LUA_MASKCOUNT, 1);
}

void sbx_charge(lua_State *L, double instructions)
{
    struct sandbox *sbx = sbx_of(L);
    if (!sbx->in_call || sbx->expired)
        return;
    if (instructions > 0)
        sbx->spent += instructions > (double)sbx->lim.instructions
                          ? sbx->lim.instructions + 1L
                          : (long)instructions;
    if (sbx->spent > sbx->lim.instructions)
        sbx_expire(sbx, L, "instruction budget exceeded");
    else if (monotonic_ms() > sbx->deadline_ms)
        sbx_expire(sbx, L, "time limit exceeded");
}

void sbx_interrupt(void)
{
    sbx_interrupted = 1;
}

void sbx_clear_interrupt(void)
{
    sbx_interrupted = 0;
}

/* What is left of the instruction budget, for pricing C work up front. */
static double sbx_remaining(lua_State *L)
{
    struct sandbox *sbx = sbx_of(L);
    return (double)(sbx->lim.instructions - sbx->spent);
}

/* ------------------------------------------------------------------------
 * Wrappers around library functions.
 */
/* Calls the wrapped function (upvalue 1) with the wrapper's arguments and
 * returns its results. An error it raises names the wrapper, a C function,
 * as where it happened, so it would reach the student without a line: the
 * script's position is put in front (errors from Lua code inside, like
 * the budget's, have one already and pass as they are). */
static bool has_position(const char *msg)
{
    const char *colon = strchr(msg, ':');
    if (!colon || colon == msg || !(colon[1] >= '0' && colon[1] <= '9'))
        return false;
    const char *p = colon + 1;
    while (*p >= '0' && *p <= '9')
        p++;
    return *p == ':';
}

static int call_original(lua_State *L, int nresults)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    int status = lua_pcall(L, lua_gettop(L) - 1, nresults, 0);
    if (status != LUA_OK) {
        if (status == LUA_ERRRUN && lua_type(L, -1) == LUA_TSTRING &&
            !has_position(lua_tostring(L, -1))) {
            luaL_where(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
        }
        return lua_error(L);
    }
    return lua_gettop(L);
}

/* ------------------------------------------------------------------------
 * Guarded pattern functions. The hook cannot interrupt C code, and Lua's
 * matcher backtracks: `(.-)(.-)b` over 1,000 bytes runs for 3 s inside one
 * call. Lua patterns have no alternation and quantify single characters
 * only, so the work of one call is bounded by how many ways k repeated
 * items can share n bytes, C(n + k, k), times the start positions tried
 * (n + 1 unless anchored). A repeated item at the very end of the pattern
 * never backtracks (what follows it always matches) and is not counted;
 * a back-reference (%1) or a balanced match (%b) rescans the subject, so
 * each counts like a repeated item. One unit is one step of the matcher,
 * about 5 ns here, the time of two or three VM instructions.
 *
 * Each call is priced before it runs, refused with advice over
 * SBX_PATTERN_COST_MAX units (about 0.1 s), and charged to the callback's
 * instruction budget, so many cheap-looking calls end the callback too.
 * A pattern without repeated items is charged what it really scanned.
 * The bound is pessimistic for items that cannot overlap (`%a+%s+`);
 * scripts split long text first.
 */
struct pattern_shape {
    int repeats;            /* items that may backtrack */
    bool anchored;          /* '^' */
};

/* Reads the pattern item by item: a class (`.`, `%a`, `[set]`, a
 * character) with its quantifier, a capture, an anchor, %b, %f or %1. */
static struct pattern_shape pattern_shape(const char *p, size_t len)
{
    struct pattern_shape sh = {0, len > 0 && p[0] == '^'};
    bool last_repeated = false;     /* the last item was a repeated class */
    for (size_t i = sh.anchored ? 1 : 0; i < len; ) {
        char c = p[i];
        size_t end = i + 1;         /* past the single-character class */
        if (c == '(' || c == ')') {
            i++;
            continue;               /* captures match nothing themselves */
        }
        last_repeated = false;
        if (c == '$' && i + 1 == len) {
            i++;
            continue;
        }
        if (c == '%' && i + 1 < len) {
            char e = p[i + 1];
            if (e == 'b') {
                sh.repeats++;
                i += 4;
                continue;
            }
            if (e == 'f') {
                /* a frontier tests one position: skip its set */
                i += 2;
                if (i < len && p[i] == '[') {
                    i++;
                    if (i < len && p[i] == '^') i++;
                    if (i < len && p[i] == ']') i++;
                    while (i < len && p[i] != ']')
                        i += p[i] == '%' ? 2 : 1;
                    i++;
                }
                continue;
            }
            if (e >= '0' && e <= '9') {
                sh.repeats++;
                i += 2;
                continue;
            }
            end = i + 2;
        } else if (c == '[') {
            end = i + 1;
            if (end < len && p[end] == '^') end++;
            if (end < len && p[end] == ']') end++;
            while (end < len && p[end] != ']')
                end += p[end] == '%' ? 2 : 1;
            end++;
        }
        if (end < len && (p[end] == '*' || p[end] == '+' || p[end] == '-' || p[end] == '?')) {
            sh.repeats++;
            last_repeated = true;
            end++;
        }
        i = end;
    }
    if (last_repeated)
        sh.repeats--;
    return sh;
}

/* starts x C(n + k, k), in matcher steps; saturates at HUGE_VAL. */
static double pattern_cost(struct pattern_shape sh, size_t n, bool iterates)
{
    double cost = sh.anchored && !iterates ? 1.0 : (double)n + 1.0;
    for (int i = 1; i <= sh.repeats && cost < HUGE_VAL; i++)
        cost *= ((double)n + i) / i;
    return cost;
}

/* Lua's string.find init: 1-based, negative from the end, clamped. */
static size_t subject_from(lua_State *L, int arg, size_t slen)
{
    lua_Integer init = luaL_optinteger(L, arg, 1);
    if (init < 0)
        init = (lua_Integer)slen + init + 1;
    if (init < 1)
        init = 1;
    if ((size_t)init > slen + 1)
        init = (lua_Integer)slen + 1;
    return (size_t)init;
}

/* Upvalues: the raw function, and what it is: 0 find, 1 match,
 * 2 gmatch/gsub (iterate over the subject). */
static int guarded_pattern(lua_State *L)
{
    lua_Integer kind = lua_tointeger(L, lua_upvalueindex(2));
    size_t slen, plen;
    const char *subject = luaL_checklstring(L, 1, &slen);
    const char *pat = luaL_checklstring(L, 2, &plen);
    size_t from = kind == 2 ? 1 : subject_from(L, 3, slen);
    size_t n = slen + 1 - from;
    bool plain = kind == 0 && lua_toboolean(L, 4);
    (void)subject;

    if (!plain && plen > SBX_PATTERN_LEN_MAX)
        return luaL_error(L, "pattern too long (%d bytes, at most %d)", (int)plen,
                          SBX_PATTERN_LEN_MAX);
    struct pattern_shape sh = pattern_shape(pat, plen);
    double cost = plain ? (double)n * (double)(plen ? plen : 1) : pattern_cost(sh, n, kind == 2);
    double max = plain ? SBX_PLAIN_FIND_COST_MAX : SBX_PATTERN_COST_MAX;
    if (cost > max)
        return plain ? luaL_error(L, "plain find too costly (%d-byte subject, %d-byte needle)",
                                  (int)slen, (int)plen)
                     : luaL_error(L, "pattern too complex for a %d-byte subject "
                                  "(split the text first, or use a plain find)", (int)slen);

    int nres = call_original(L, LUA_MULTRET);

    /* A scan without backtracking stops where it matched: charge that.
     * A plain find compares with memchr and memcmp, some 8 bytes in the
     * time of one instruction. */
    if (kind == 0 && (plain || sh.repeats == 0) && lua_isinteger(L, 1)) {
        double scanned = (double)(lua_tointeger(L, 1) - (lua_Integer)from + 1);
        cost = plain ? scanned * (double)(plen ? plen : 1) : scanned;
    }
    sbx_charge(L, plain ? cost / 8 : cost * SBX_PATTERN_STEP_COST);
    return nres;
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
    return call_original(L, 1);
}

/* Elements from i to j, as a count that cannot overflow. */
static double span(lua_Integer i, lua_Integer j)
{
    return j < i ? 0.0 : (double)j - (double)i + 1.0;
}

/* string.byte and utf8.len, codepoint and offset scan their subject in C
 * without allocating (what they push reuses the stack): charged by the
 * bytes they may read, some 4 a instruction. */
static int guarded_scan(lua_State *L)
{
    size_t len;
    luaL_checklstring(L, 1, &len);
    lua_Integer kind = lua_tointeger(L, lua_upvalueindex(2));
    double bytes = (double)len;
    if (kind == 1 && lua_gettop(L) <= 2) {
        bytes = 1;                  /* string.byte(s [, i]): one byte */
    } else if (kind == 1 && lua_isinteger(L, 2) && lua_isinteger(L, 3)) {
        lua_Integer i = lua_tointeger(L, 2), j = lua_tointeger(L, 3);
        if (i > 0 && j > 0)
            bytes = span(i, j);
    }
    sbx_charge(L, bytes / 4);
    return call_original(L, LUA_MULTRET);
}

/* ------------------------------------------------------------------------
 * Guarded table functions. table.move, insert, remove, concat, unpack and
 * sort loop in C over a count the script chooses (`table.move({}, 1,
 * 1 << 53, 2)` moves nils for ever, allocating nothing, and a __len that
 * answers 2^53 does the same to insert and remove). Each call is priced
 * at SBX_ELEMENT_COST instructions an element before it runs, and
 * refused when that is more than the budget has left, or more than
 * SBX_ELEMENTS_MAX elements whatever the budget (0.3 s at the worst).
 */
enum table_op { TABLE_MOVE, TABLE_INSERT, TABLE_REMOVE, TABLE_CONCAT, TABLE_UNPACK, TABLE_SORT };

static double table_elements(lua_State *L, enum table_op op)
{
    switch (op) {
    case TABLE_MOVE:
        return span(luaL_checkinteger(L, 2), luaL_checkinteger(L, 3));
    case TABLE_CONCAT:
    case TABLE_UNPACK: {
        int i = op == TABLE_CONCAT ? 3 : 2;
        lua_Integer first = luaL_optinteger(L, i, 1);
        lua_Integer last = lua_isnoneornil(L, i + 1) ? luaL_len(L, 1) : luaL_checkinteger(L, i + 1);
        return span(first, last);
    }
    case TABLE_INSERT:
    case TABLE_REMOVE:
    case TABLE_SORT:
        /* may run the table's __len: Lua code, under the hook */
        return (double)luaL_len(L, 1);
    }
    return 0.0;
}

static int guarded_table(lua_State *L)
{
    enum table_op op = (enum table_op)lua_tointeger(L, lua_upvalueindex(2));
    double n = table_elements(L, op);
    double cost = n * SBX_ELEMENT_COST;
    if (op == TABLE_SORT && n > 1)
        cost *= log2(n);
    if (n > SBX_ELEMENTS_MAX) {
        char msg[96];
        snprintf(msg, sizeof msg, "too many elements for one call (%.0f, at most %d)", n,
                 SBX_ELEMENTS_MAX);
        return luaL_error(L, "%s", msg);
    }
    if (cost > sbx_remaining(L)) {
        sbx_charge(L, cost);
        return luaL_error(L, "instruction budget exceeded");
    }
    sbx_charge(L, cost);
    return call_original(L, LUA_MULTRET);
}

/* ------------------------------------------------------------------------
 * What Lua runs where no hook can stop it, refused or tamed.
 *
 * Finalizers run with hooks off (lgc.c, GCTM), so a `__gc` that loops
 * would freeze the program when the collector gets to it, at any later
 * moment: no script table may have one (the host's own userdata keep
 * theirs). setmetatable refuses a metatable with a __gc field at all,
 * since Lua marks the object when the field is present and calls
 * whatever it holds later.
 */
static int guarded_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        int t = lua_rawget(L, 2);
        lua_pop(L, 1);
        if (t != LUA_TNIL)
            return luaL_error(L, "setmetatable: __gc is not allowed in a script "
                              "(finalizers run where no time limit can stop them)");
    }
    return call_original(L, 1);
}

/* An error raised by the budget hook calls the message handler from inside
 * the hook, where hooks are off: a handler that loops would never end. The
 * wrapper hands the script's handler only errors of a budget that still
 * lasts; once it has run out, the error passes through untouched. */
static int xpcall_handler(lua_State *L)
{
    if (sbx_of(L)->expired) {
        lua_settop(L, 1);
        return 1;
    }
    return call_original(L, 1);
}

static int guarded_xpcall(lua_State *L)
{
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, xpcall_handler, 1);
    lua_replace(L, 2);
    return call_original(L, LUA_MULTRET);
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

/* Replaces lib[name] (the table at the top) with `guard`, whose upvalues
 * are the original function and `kind`. */
static void wrap_function(lua_State *L, const char *name, lua_CFunction guard, int kind)
{
    /* stack: lib */
    lua_getfield(L, -1, name);          /* lib, orig */
    lua_pushinteger(L, kind);           /* lib, orig, kind */
    lua_pushcclosure(L, guard, 2);      /* lib, guarded */
    lua_setfield(L, -2, name);          /* lib */
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
    /* compiling is C work the hook cannot see: some 4 instructions a byte */
    if (lua_type(L, 1) == LUA_TSTRING)
        sbx_charge(L, 4.0 * (double)lua_rawlen(L, 1));
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
    wrap_function(L, "find", guarded_pattern, 0);
    wrap_function(L, "match", guarded_pattern, 1);
    wrap_function(L, "gmatch", guarded_pattern, 2);
    wrap_function(L, "gsub", guarded_pattern, 2);
    wrap_function(L, "rep", guarded_rep, 0);
    wrap_function(L, "byte", guarded_scan, 1);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);

    lua_getglobal(L, LUA_UTF8LIBNAME);
    wrap_function(L, "len", guarded_scan, 0);
    wrap_function(L, "codepoint", guarded_scan, 0);
    wrap_function(L, "offset", guarded_scan, 0);
    lua_pop(L, 1);

    lua_getglobal(L, LUA_TABLIBNAME);
    wrap_function(L, "move", guarded_table, TABLE_MOVE);
    wrap_function(L, "insert", guarded_table, TABLE_INSERT);
    wrap_function(L, "remove", guarded_table, TABLE_REMOVE);
    wrap_function(L, "concat", guarded_table, TABLE_CONCAT);
    wrap_function(L, "unpack", guarded_table, TABLE_UNPACK);
    wrap_function(L, "sort", guarded_table, TABLE_SORT);
    lua_pop(L, 1);

    lua_pushglobaltable(L);
    wrap_function(L, "setmetatable", guarded_setmetatable, 0);
    wrap_function(L, "xpcall", guarded_xpcall, 0);
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
    sbx->calls++;
    sbx->err[0] = '\0';
    lua_settop(L, 0);
    lua_pushcfunction(L, sbx_msgh);
    lua_pushcfunction(L, sbx_protected_call);
    lua_pushlightuserdata(L, &pc);
    struct sandbox *outer = sbx_running;
    sbx_arm(sbx, outer);
    sbx_running = sbx;
    int status = lua_pcall(L, 1, 0, 1);
    sbx_running = outer;
    lua_sethook(L, NULL, 0, 0);
    sbx->in_call = false;
    /* the time this call took is the caller's too */
    if (outer)
        sbx_charge(outer->L, 0);
    if (status != LUA_OK)
        return sbx_fail(sbx, status);
    if (sbx->expired) {
        /* the script caught the error and returned before its next
         * instruction (a tail call): out of budget all the same */
        lua_pushstring(L, sbx->expired_at[0] ? sbx->expired_at : sbx->expired);
        return sbx_fail(sbx, LUA_ERRRUN);
    }
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
