/*
 * watch — `tutor watch`: a classroom's live view of a running `tutor
 * serve`, attached through the UNIX socket beside its state (no network;
 * watch_proto.h). On a terminal, a full-screen list of the sessions
 * (redrawn as they change and when the window does), or one session's
 * dialogue as it goes; off a terminal, one plain line per event, for tests
 * and logs. It only looks: nothing it does reaches serve's clients.
 */
#ifndef TUTOR_WATCH_H
#define TUTOR_WATCH_H

#include <getopt.h>

/* argv[0] is "watch"; `state_root` is where serve keeps its state
 * ($XDG_STATE_HOME/tutor), unless --state names another folder. Returns
 * the exit status: 0 when serve stopped, q was pressed or the session
 * followed off a terminal ended; 1 when the connection to serve broke
 * (serve drops a watcher that falls behind); 2 when there is nothing to
 * watch (no serve runs there, serve has all the watchers it takes) or an
 * option is wrong. */
int watch_main(const char *state_root, int argc, char **argv);

/* Its options, for getopt_long and the shells' completion. */
extern const struct option watch_options[];

#endif
