/*
 * serve — `tutor serve`: the world's virtual servers on real sockets, so
 * that telnet, curl, swaks, fetchmail, Thunderbird and dig talk to the same
 * Lua scripts as the REPL. One single-threaded poll() loop holds every
 * client; a script that loops or fails ends its own session only.
 */
#ifndef TUTOR_SERVE_H
#define TUTOR_SERVE_H

#include <getopt.h>
#include <stdbool.h>

/* What main found before the subcommand. */
struct serve_env {
    const char *datadir;        /* scripts/ */
    const char *world;          /* the world file, unless --world says another */
    const char *state_root;     /* $XDG_STATE_HOME/tutor */
    bool reset;                 /* tutor --reset serve ... */
};

/* argv[0] is "serve". Returns the exit status: 0 after SIGTERM or SIGINT,
 * 2 when it could not start (bad option or address, a port in use, an
 * unreadable world). */
int serve_main(const struct serve_env *env, int argc, char **argv);

/* Its options, for getopt_long and the shells' completion. */
extern const struct option serve_options[];

#endif
