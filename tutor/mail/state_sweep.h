/*
 * state_sweep — removes what an interrupted write leaves in a state
 * folder: files in a Maildir's tmp/ (mail/ and the mail client's client/),
 * a queue's message without the envelope that acknowledges it, and the
 * temporary files of fs_write_atomic ("NAME.tmpPID"). Only files untouched
 * for SWEEP_AGE_S are taken: the Maildir specification's 36 hours, since
 * the REPL and tutor serve may share a state folder and a younger file may
 * be another process's write in progress.
 */
#ifndef TUTOR_STATE_SWEEP_H
#define TUTOR_STATE_SWEEP_H

#include <time.h>

#define SWEEP_AGE_S (36 * 3600)

/* Sweeps the world state folder `state` as of `now` (wall clock: file
 * times are the file system's). Returns how many files it removed;
 * what cannot be read or removed is left alone. */
int state_sweep(const char *state, time_t now);

#endif
