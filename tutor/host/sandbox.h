/*
 * sandbox — a Lua 5.4 state that an untrusted script may run in.
 *
 * One sandbox per virtual server; never shared with the host or with another
 * server. It owns its lua_State, a capped allocator and the budget hook.
 * What a script may touch is decided here and only here: base (without
 * dofile, loadfile, require, collectgarbage, print), string, table, math and
 * utf8; a text-only load; guarded pattern functions; a locked string
 * metatable; a per-script _ENV whose __index is a read-only base.
 *
 * Every entry into the script goes through sbx_call(), which arms the
 * instruction budget and the wall-clock deadline and turns any failure into
 * a message naming the script and line.
 */
#ifndef TUTOR_SANDBOX_H
#define TUTOR_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include <lua.h>

/* Defaults; a world may lower or raise them within the hard limits below. */
#define SBX_MEMORY_DEFAULT       (16u << 20)    /* bytes per state */
#define SBX_INSTRUCTIONS_DEFAULT 10000000L      /* VM instructions per callback */
#define SBX_DEADLINE_MS_DEFAULT  1000           /* wall clock per callback */
#define SBX_MEMORY_MAX           (512u << 20)
#define SBX_INSTRUCTIONS_MAX     1000000000L
#define SBX_DEADLINE_MS_MAX      60000

/* Guards on C functions: the count hook never fires inside them, so these
 * bound the work one call may do, and what it did is charged to the
 * callback's instruction budget (sandbox.c says how it is priced). */
#define SBX_PATTERN_LEN_MAX      256            /* bytes of pattern */
#define SBX_PATTERN_COST_MAX     2e7            /* matcher steps in one call, about 0.1 s */
#define SBX_PATTERN_STEP_COST    2              /* instructions charged a matcher step */
#define SBX_STRING_REP_MAX       (4u << 20)     /* bytes string.rep may build */
#define SBX_PLAIN_FIND_COST_MAX  1e8            /* subject_len x needle_len */
#define SBX_ELEMENT_COST         10             /* instructions charged a table element */
#define SBX_ELEMENTS_MAX         (1 << 22)      /* table elements one call may touch */
#define SBX_RANDOM_SEED          20020529       /* math.randomseed() without a seed */

#define SBX_ERROR_MAX            512

struct sandbox_limits {
    size_t memory;          /* bytes */
    long instructions;      /* per callback */
    long deadline_ms;       /* per callback */
};

struct sandbox;

/* A new sandbox with the standard environment; NULL only when out of memory.
 * `name` (copied) names the script in error messages. Caller frees with
 * sbx_free(). */
struct sandbox *sbx_new(const char *name, const struct sandbox_limits *limits);
void sbx_free(struct sandbox *sbx);

/* The state, borrowed. */
lua_State *sbx_state(struct sandbox *sbx);

/* Compiles `len` bytes of Lua text (never bytecode) and runs the chunk in
 * the script's environment under the budget. `chunkname` is what errors
 * show ("smtp.lua"). 0 on success, -1 with sbx_error() set. */
int sbx_load(struct sandbox *sbx, const char *chunkname, const char *text, size_t len);

/* Reads and loads a script file: 0, or -1 with sbx_error() naming the file.
 * Errors name the script `chunkname` (NULL: the path). */
int sbx_load_file(struct sandbox *sbx, const char *path, const char *chunkname);

/* Pops the value on top of the stack into the read-only base that every
 * script sees as a global (`tutor`, `server`). Tables are wrapped, with their
 * subtables, in read-only proxies. Call only from sbx_push_fn or setup code
 * that runs protected (sbx_protect). */
void sbx_set_global(lua_State *L, const char *name);

/* Pushes the script's global `name` (a raw read, no metamethods) and
 * returns its type. May raise (memory): call it from protected code. */
int sbx_get_global(lua_State *L, const char *name);

/* Is the script's global `fn` a function? */
bool sbx_has_function(struct sandbox *sbx, const char *fn);

/* Pushes a callback's arguments; runs protected, so it may raise (out of
 * memory). Returns how many it pushed. */
typedef int (*sbx_push_fn)(lua_State *L, void *ud);

/* Calls the script's global function `fn` with the arguments `push` pushes
 * (`push` may be NULL), under a fresh budget. Results are discarded. 0 on
 * success or when `fn` is not defined; -1 with sbx_error() set when the
 * script failed. Not reentrant. */
int sbx_call(struct sandbox *sbx, const char *fn, sbx_push_fn push, void *ud);

/* Runs `fn(L, ud)` protected, for host set-up that allocates in the state.
 * 0, or -1 with sbx_error() set. */
int sbx_protect(struct sandbox *sbx, sbx_push_fn fn, void *ud);

/* The last failure: "smtp.lua:42: attempt to index a nil value", or
 * "smtp.lua:17: instruction budget exceeded". Borrowed, valid until the next
 * call. */
const char *sbx_error(const struct sandbox *sbx);

/* Charges `instructions` of work done outside the VM (a host function's,
 * or C library code's) to the running callback; when its budget or its
 * deadline is past, the script's next instruction raises. Does nothing
 * outside a callback. */
void sbx_charge(lua_State *L, double instructions);

/* Ends the running callback, whatever sandbox it is in, at its next
 * instruction, with "interrupted"; async-signal-safe (a SIGINT handler).
 * The flag stays until sbx_clear_interrupt(). */
void sbx_interrupt(void);
void sbx_clear_interrupt(void);

/* Bytes the state holds now. */
size_t sbx_memory_used(const struct sandbox *sbx);

/* Which callback runs now (or ran last): a number that changes with each
 * sbx_call or sbx_protect, for limits that last one callback. */
unsigned long sbx_call_number(const struct sandbox *sbx);

/* The host's pointer for this state (stored in Lua's extra space). */
void sbx_set_host(struct sandbox *sbx, void *host);
void *sbx_host(lua_State *L);

#endif
