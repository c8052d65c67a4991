/*
 * present — `tutor present DEMO|LESSON`: an instructor's demo on a
 * projector. The real REPL runs on a pseudo-terminal (pty_child.h) against
 * a fresh world, and the demo's commands (demo.h) are typed into it a key
 * press at a time, so a live demo has no typos; Enter runs each. The
 * instructor can take over and type, hold a server's reply back while the
 * room guesses it, and step back: the world is started afresh and what was
 * typed up to the step before is typed again (the world's clock makes
 * every run give the same dates and IDs). `--notes` in a second terminal
 * follows the first (present_notes.c); `--cast` records it.
 */
#ifndef TUTOR_PRESENT_H
#define TUTOR_PRESENT_H

struct present_env {
    const char *datadir;                /* scripts/, lessons/, the built-in worlds */
    const char *world_path;             /* the default world's file */
    const char *state_root;             /* $XDG_STATE_HOME/tutor: where the notes are shared */
};

/* `tutor present ...` (argv[0] is "present"): the exit status. */
int present_main(const struct present_env *env, int argc, char **argv);

/* The file the presenter keeps its position in and `--notes` reads:
 * STATE_ROOT/present/NAME.json, NAME from the demo's file name or the
 * lesson's id. */
void present_notes_path(const char *state_root, const char *source, char out[4096]);

/* `tutor present --notes DEMO|LESSON`: follows the presenter's position;
 * the exit status. */
int present_notes_follow(const char *path, const char *source);

#endif
