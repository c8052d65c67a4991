/*
 * i18n — the language of the interface: Japanese or English, chosen by
 * --lang, else by the locale (LC_ALL, LC_MESSAGES, LANG). UI strings go
 * through gettext; lesson prose lives in per-language files instead.
 */
#ifndef TUTOR_I18N_H
#define TUTOR_I18N_H

#include <libintl.h>
#include <stdbool.h>

#define _(s) gettext(s)
#define N_(s) (s)

/* `lang` is "ja", "en" or NULL (from the locale). Sets up gettext with the
 * catalogs under `localedir`. 0, or -1 when `lang` is neither. */
int i18n_init(const char *lang, const char *localedir);

/* "ja" or "en". */
const char *i18n_lang(void);

/* gettext(msgid) for a msgid of static storage (a string literal),
 * remembered by its address in a small table of the calling thread's: a
 * lookup of a few instructions instead of gettext's, which reads the
 * environment and takes a lock every time. For code that translates the
 * same sentences for every message of a mailbox (trace_text.c). */
const char *i18n_static(const char *msgid);

#endif
