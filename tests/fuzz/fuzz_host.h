/*
 * fuzz_host — the default world with a runtime behind it, for the
 * harnesses that drive the whole host (fuzz_exchange, fuzz_smtp,
 * fuzz_pop3). Run them from the repository root: the world and its
 * scripts are found through datadir ".".
 *
 * The state folder lives in /dev/shm where there is one (the servers
 * write mail and queue files at every input) and is removed at exit.
 * fuzz_host_tick() resets the world every FUZZ_HOST_RESET_EVERY inputs,
 * so mail does not pile up without end; between two resets the servers
 * keep what earlier inputs left (mail, a relay queue), as they would in a
 * class, and a finding may need the inputs before it to show again.
 */
#ifndef TUTOR_FUZZ_HOST_H
#define TUTOR_FUZZ_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "host/runtime.h"
#include "host/world.h"

#define FUZZ_HOST_RESET_EVERY 5000

extern struct world *fuzz_world;
extern struct runtime fuzz_rt;

/* Loads tutor/world/default.json and opens its runtime, quietly (the
 * scripts' log lines are not under test); exits with a message naming
 * `harness` when it cannot. */
void fuzz_host_open(const char *harness);

/* Counts one input; resets the world when it is time. */
void fuzz_host_tick(void);

/* The address of a node of the default world, or exits. */
uint32_t fuzz_host_addr(const char *node);

/* The server of `service` on the host called `host`, or exits. */
struct vserver *fuzz_host_server(const char *host, const char *service);

#endif

/* Called for each line a server sends; `after` is the client line it
 * answers (NULL for the greeting), `first` whether it is the first line
 * of that answer. Aborts, saying why, when a promise is broken. */
typedef void fuzz_reply_check(const char *line, const char *after, int first);

/* One connection to `srv` from pc1, or with `socket` from a real program
 * at 127.0.0.1 as under tutor serve: `data` cut into lines at each LF (a
 * CR before it is the line end's; an LF alone is sent as nc would, bare),
 * the last piece sent as a line too; every reply checked. A script error
 * is a finding: the harness aborts with it. */
void fuzz_host_dialogue(struct vserver *srv, int server_port, int socket,
                        const uint8_t *data, size_t size, fuzz_reply_check *check);

/* Writes `data` to this process's scratch file (in /dev/shm where there
 * is one; removed at exit) for the harnesses whose parser reads a path;
 * returns the path, or exits. */
const char *fuzz_scratch_file(const char *harness, const uint8_t *data, size_t size);

/* What every loader promises of a refusal: a reason, naming the file
 * `path` first, on one line. Aborts, saying which is broken. */
void fuzz_check_refusal(const char *harness, const char *path, const char *err);
