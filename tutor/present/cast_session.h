/*
 * cast_session — `tutor --cast FILE ...`: any session (the prompt, one
 * command such as `relay --animate`, `headers --animate`) run on a
 * pseudo-terminal and recorded as it was seen, in asciicast v2
 * (cast_write.h), for `asciinema play` or `tutor replay`. The
 * keyboard goes to the session untouched; a resized window is recorded
 * as a resize.
 */
#ifndef TUTOR_CAST_SESSION_H
#define TUTOR_CAST_SESSION_H

/* Runs this program with argv (argv[0] first, --cast already taken out)
 * on a pseudo-terminal the size of this one, recording to path under
 * `title` (the command's name). The session's exit status, or 2 (said on
 * stderr) when the recording or the terminal could not be set up. */
int cast_session_run(const char *path, const char *title, char **argv);

#endif
