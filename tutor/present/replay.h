/*
 * replay — tutor replay FILE.cast: an instructor's recorded demo (asciicast
 * v2, read by cast_read.h) played again for a class that missed it, with
 * its timing, pauses shortened, and its markers as the steps to jump
 * between; off a terminal, its output written at once (as `asciinema
 * cat`), which is what tests and pipes get.
 */
#ifndef TUTOR_REPLAY_H
#define TUTOR_REPLAY_H

/* argv[0] is "replay". Exit status: 0 played (or listed), 2 the file could
 * not be read or the command was used wrongly. SIGINT, SIGTERM and SIGHUP
 * end a replay on a terminal by that signal, once the terminal is put
 * back. */
int replay_main(int argc, char **argv);

#endif
