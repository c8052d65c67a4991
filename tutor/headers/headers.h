/*
 * headers — tutor headers [FILE|-]...: where each mail really came from,
 * read from its Received: lines and the fields around them (mail/trace.h),
 * for a message, an mbox or a Maildir; --json for graders, --redact for a
 * report on one's own mail, --sample for the lecture's three examples.
 */
#ifndef TUTOR_HEADERS_H
#define TUTOR_HEADERS_H

#include <stdbool.h>

struct headers_env {
    const char *datadir;                /* where lessons/samples/ is */
};

/* Whether "headers ..." is the prompt's command instead: "headers N"
 * (message N of the mail client), "headers --help" (its help line). */
bool headers_is_prompt_command(int argc, char **argv);

/* argv[0] is "headers". Exit status: 0 every message was read, 2 a file
 * could not be (or the command was used wrongly). */
int headers_main(const struct headers_env *env, int argc, char **argv);

#endif
