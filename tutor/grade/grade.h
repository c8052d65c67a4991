/*
 * grade — tutor grade LESSON SUBMISSION...: each submission (a recording,
 * lesson/record.h) is replayed against a fresh, deterministic world and
 * judged by the lesson's own checks, so a grade rests on what the typed
 * lines really do: a reply forged or edited in the file changes nothing.
 *
 * Submissions are graded in parallel, one child process each (a crash or
 * a runaway replay costs one submission its grade, never the class); the
 * results come back as JSON over a pipe and are reported in one of the
 * formats of grade_report.h.
 */
#ifndef TUTOR_GRADE_H
#define TUTOR_GRADE_H

#define GRADE_JOBS_MAX 64
#define GRADE_TIMEOUT_S 120             /* one submission's replay, at most */
#define GRADE_SUBMISSIONS_MAX 100000

struct grade_env {
    const char *datadir;
    const char *world_path;             /* the built-in world, unless --world */
};

/* argv[0] is "grade". Exit status: 0 every submission passed, 1 some
 * failed, 2 one could not be graded (or the command was used wrongly). */
int grade_main(const struct grade_env *env, int argc, char **argv);

#endif
