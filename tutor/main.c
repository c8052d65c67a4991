/*
 * tutor — a classroom of the Internet in one program.
 *
 * main finds the program's data (the source tree or the installed prefix),
 * chooses the language, loads the world and hands over to the REPL, or runs
 * one REPL command given on the command line.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "repl/completion.h"
#include "util/i18n.h"
#include "util/pager.h"
#include "grade/grade.h"
#include "headers/headers.h"
#include "host/sandbox.h"
#include "lesson/record.h"
#include "repl/repl.h"
#include "host/runtime.h"
#include "present/cast_session.h"
#include "present/present.h"
#include "present/replay.h"
#include "serve/serve.h"
#include "serve/watch.h"
#include "util/term.h"
#include "host/world.h"

#ifndef TUTOR_VERSION
#define TUTOR_VERSION "0"
#endif

static bool exists(const char *p)
{
    return access(p, R_OK) == 0;
}

/* The folder of the running program, from /proc/self/exe. */
static void exe_dir(char out[PATH_MAX])
{
    ssize_t n = readlink("/proc/self/exe", out, PATH_MAX - 1);
    if (n <= 0) {
        snprintf(out, PATH_MAX, ".");
        return;
    }
    out[n] = '\0';
    char *slash = strrchr(out, '/');
    if (slash)
        *slash = '\0';
}

/* DATADIR holds scripts/ and the default world. In the source tree the
 * program is build/tutor and the data is beside build/; installed, it is
 * PREFIX/share/tutor. TUTOR_DATADIR overrides both. */
#ifndef TUTOR_DATADIR
#define TUTOR_DATADIR "/usr/local/share/tutor"
#endif
#ifndef TUTOR_LOCALEDIR
#define TUTOR_LOCALEDIR "/usr/local/share/locale"
#endif

/* The scripts, world and catalogs: TUTOR_DATADIR from the environment;
 * else beside the program (the source tree, or PREFIX/share after make
 * install), found through /proc/self/exe; else, with no /proc, the
 * folders make install was built for; else the current folder. */
static void find_datadir(char datadir[PATH_MAX], char world[PATH_MAX], char localedir[PATH_MAX])
{
    char exe[PATH_MAX], p[PATH_MAX + 64];
    exe_dir(exe);
    const char *env = getenv("TUTOR_DATADIR");
    /* the source tree: build/tutor, or build/asan/tutor for the sanitizer build */
    const char *up = NULL;
    static const char *const ups[] = {"/..", "/../.."};
    for (size_t i = 0; i < 2 && !up; i++) {
        snprintf(p, sizeof p, "%s%s/scripts/smtp.lua", exe, ups[i]);
        if (exists(p))
            up = ups[i];
    }
    snprintf(p, sizeof p, "%s/../share/tutor/scripts/smtp.lua", exe);
    bool installed = exists(p);
    if (env && *env)
        snprintf(datadir, PATH_MAX, "%s", env);
    else if (up)
        snprintf(datadir, PATH_MAX, "%s%s", exe, up);
    else if (installed)
        snprintf(datadir, PATH_MAX, "%s/../share/tutor", exe);
    else if (exists(TUTOR_DATADIR "/scripts/smtp.lua"))
        /* no /proc to find the program by: where make install put it */
        snprintf(datadir, PATH_MAX, "%s", TUTOR_DATADIR);
    else
        snprintf(datadir, PATH_MAX, ".");  /* run from the source tree */
    snprintf(world, PATH_MAX, "%s/tutor/world/default.json", datadir);
    if (!exists(world))
        snprintf(world, PATH_MAX, "%s/world/default.json", datadir);
    snprintf(localedir, PATH_MAX, "%s/locale", exe);
    snprintf(p, sizeof p, "%s/locale/ja/LC_MESSAGES/tutor.mo", exe);
    if (!exists(p))
        snprintf(localedir, PATH_MAX, "%s/../share/locale", exe);
    snprintf(p, sizeof p, "%s/ja/LC_MESSAGES/tutor.mo", localedir);
    if (!exists(p))
        snprintf(localedir, PATH_MAX, "%s", TUTOR_LOCALEDIR);
}

/* $XDG_STATE_HOME/tutor, else ~/.local/state/tutor, the home from $HOME
 * or, when HOME is unset, from the passwd entry (as the shell finds ~):
 * never a folder other users share. false when there is no home. */
static bool state_root(char out[PATH_MAX])
{
    const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (x && x[0] == '/') {
        snprintf(out, PATH_MAX, "%s/tutor", x);
        return true;
    }
    if (!home || !*home) {
        const struct passwd *pw = getpwuid(getuid());
        home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
    }
    if (!home)
        return false;
    snprintf(out, PATH_MAX, "%s/.local/state/tutor", home);
    return true;
}

/* The end of the output, as coreutils' close_stdout has it: a write that
 * failed (a full disk, a closed pipe's reader gone) is an error, said on
 * stderr, not a silent success. */
static int finish_stdout(int rc)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return rc;
    fprintf(stderr, "tutor: %s%s%s\n", _("cannot write the output"), errno ? ": " : "",
            errno ? strerror(errno) : "");
    return 1;
}

static void usage(FILE *f)
{
    fprintf(f, "%s", _("Usage: tutor [OPTION]... [COMMAND [ARG]...]\n"
                       "A classroom of the Internet: talk SMTP and POP3 to virtual mail servers\n"
                       "by hand, as in the lecture's \"telnet localhost smtp\", or watch a mail\n"
                       "client do it.\n\n"
                       "With no COMMAND, the interactive prompt starts; with stdin not a\n"
                       "terminal, commands are read from stdin, one a line.\n"
                       "A COMMAND runs one prompt command and exits, e.g. \"tutor ipconfig\".\n\n"
                       "Options:\n"
                       "  --world FILE    use this world instead of the built-in one\n"
                       "  --lang ja|en    language of the interface (default: from the locale)\n"
                       "  --reset         start the world afresh (empty mailboxes and queues)\n"
                       "  --color, --no-color\n"
                       "                  force colour on or off (default: on a terminal)\n"
                       "  --no-pager      never page long output (default: $TUTOR_PAGER, $PAGER or\n"
                       "                  less, on a terminal)\n"
                       "  --record FILE   record every line typed, as JSON lines (tutor grade\n"
                       "                  grades the file against a lesson)\n"
                       "  --student ID    the student's id, in recordings\n"
                       "  --cast FILE     record the session as it is seen, as an asciicast\n"
                       "                  (asciinema play FILE, or tutor replay FILE)\n"
                       "  --theme projector|normal\n"
                       "                  projector: high contrast and bold, for a lecture hall\n"
                       "  --help          show this help and exit\n"
                       "  --version       show the version and exit\n\n"
                       "Commands (also at the prompt):\n"));
    repl_print_commands(f);
    fprintf(f, "%s", _("\nOutside the prompt:\n"
                       "  serve --smtp ADDR:PORT --pop3 ADDR:PORT --dns ADDR:PORT\n"
                       "                  the world's servers on real sockets, for telnet, curl,\n"
                       "                  swaks, fetchmail and dig (tutor serve --help)\n"
                       "  watch [--follow N] [--client ADDR] [--user NAME]\n"
                       "                  a running serve's sessions, live (tutor watch --help)\n"
                       "  grade LESSON SUBMISSION...\n"
                       "                  replay recorded sessions against the lesson's checks\n"
                       "                  (tutor grade --help)\n"
                       "  present DEMO|LESSON\n"
                       "                  a demo for a class, typed into the prompt a key at a\n"
                       "                  time; --notes follows it (tutor present --help)\n"
                       "  replay FILE.cast\n"
                       "                  play a recording made with --cast (tutor replay --help)\n"));
    fprintf(f, "%s", _("\nState (mailboxes, queues, history) is kept under $XDG_STATE_HOME/tutor\n"
                       "(~/.local/state/tutor when XDG_STATE_HOME is not set).\n"));
}

/* argv without its --cast FILE (or --cast=FILE), for the session that
 * --cast records: the same program and the same words otherwise. The
 * words before the command only: a command's own --cast is its own. */
static char **without_cast(int argc, char **argv)
{
    static char *out[256];
    int n = 0;
    bool options = true;
    for (int i = 0; i < argc && n < 255; i++) {
        if (options && i > 0 && argv[i][0] != '-')
            options = false;            /* the command word: getopt stopped here ("+") */
        if (options && strcmp(argv[i], "--cast") == 0 && i + 1 < argc) {
            i++;
            continue;
        }
        if (options && strncmp(argv[i], "--cast=", 7) == 0)
            continue;
        out[n++] = argv[i];
        /* an option's value is no command word */
        if (options && i > 0 && i + 1 < argc && argv[i][0] == '-' && !strchr(argv[i], '=') &&
            (strcmp(argv[i], "--world") == 0 || strcmp(argv[i], "--lang") == 0 ||
             strcmp(argv[i], "--record") == 0 || strcmp(argv[i], "--student") == 0 ||
             strcmp(argv[i], "--theme") == 0))
            out[n++] = argv[++i];
    }
    out[n] = NULL;
    return out;
}

int main(int argc, char **argv)
{
    char datadir[PATH_MAX], world_path[PATH_MAX], localedir[PATH_MAX], state[PATH_MAX];
    const char *lang = NULL, *world_opt = NULL, *record_file = NULL, *student = NULL;
    const char *cast_file = NULL;
    bool reset = false;
    int color = -1;

    find_datadir(datadir, world_path, localedir);
    /* --lang must be known before the first message: scan for it first */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
            lang = argv[i + 1];
        else if (strncmp(argv[i], "--lang=", 7) == 0)
            lang = argv[i] + 7;
    }
    if (i18n_init(lang, localedir) < 0) {
        i18n_init(NULL, localedir);
        fprintf(stderr, _("tutor: --lang takes ja or en, not \"%1$s\"\n"), lang);
        return 2;
    }

    static const struct option opts[] = {
        /* the shells' completion (completion.c) offers these too */
        {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
        {"lang", required_argument, NULL, 'l'}, {"world", required_argument, NULL, 'w'},
        {"reset", no_argument, NULL, 'r'}, {"color", no_argument, NULL, 'c'},
        {"no-color", no_argument, NULL, 'C'}, {"no-pager", no_argument, NULL, 'P'},
        {"record", required_argument, NULL, 'R'}, {"student", required_argument, NULL, 'S'},
        {"theme", required_argument, NULL, 'T'}, {"cast", required_argument, NULL, 'K'},
        {NULL, 0, NULL, 0},
    };
    int o;
    /* "+": options end at the first command word, so its own arguments
     * (ipconfig /all) are left alone */
    while ((o = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (o) {
        case 'h': usage(stdout); return finish_stdout(0);
        case 'V': printf("tutor %s\n", TUTOR_VERSION); return finish_stdout(0);
        case 'l': break;
        case 'w': world_opt = optarg; break;
        case 'r': reset = true; break;
        case 'c': color = 1; break;
        case 'C': color = 0; break;
        case 'P': pager_disable(); break;
        case 'R': record_file = optarg; break;
        case 'S': student = optarg; break;
        case 'T':
            if (strcmp(optarg, "projector") != 0 && strcmp(optarg, "normal") != 0) {
                fprintf(stderr, _("tutor: --theme takes projector or normal, not \"%1$s\"\n"),
                        optarg);
                return 2;
            }
            /* in the environment: a session under present or --cast has it too */
            setenv("TUTOR_THEME", optarg, 1);
            break;
        case 'K': cast_file = optarg; break;
        default: usage(stderr); return 2;
        }
    }
    if (cast_file)
        return cast_session_run(cast_file, optind < argc ? argv[optind] : "tutor",
                                without_cast(argc, argv));
    term_init(color);
    /* the shells' scripts need neither a world nor a home (a package's
     * build writes them) */
    if (optind < argc && strcmp(argv[optind], "completion") == 0 &&
        !(optind + 1 < argc && strcmp(argv[optind + 1], "words") == 0))
        return finish_stdout(completion_script(argc - optind, argv + optind, opts, serve_options));
    /* reading mail needs no world and no state; "headers N" and "headers
     * --help" stay the prompt's command (message N of the mail client) */
    if (optind < argc && strcmp(argv[optind], "headers") == 0 &&
        !headers_is_prompt_command(argc - optind, argv + optind)) {
        struct headers_env env = {datadir};
        return finish_stdout(headers_main(&env, argc - optind, argv + optind));
    }

    /* a recording needs neither a world nor a home */
    if (optind < argc && strcmp(argv[optind], "replay") == 0)
        return finish_stdout(replay_main(argc - optind, argv + optind));

    if (!state_root(state)) {
        fprintf(stderr, "%s", _("tutor: no home folder to keep the state in: set HOME or "
                                "XDG_STATE_HOME\n"));
        return 2;
    }
    if (optind < argc && strcmp(argv[optind], "serve") == 0) {
        struct serve_env env = {datadir, world_opt ? world_opt : world_path, state, reset};
        return serve_main(&env, argc - optind, argv + optind);
    }
    if (optind < argc && strcmp(argv[optind], "watch") == 0)
        return finish_stdout(watch_main(state, argc - optind, argv + optind));

    if (optind < argc && strcmp(argv[optind], "present") == 0) {
        struct present_env env = {datadir, world_opt ? world_opt : world_path, state};
        return finish_stdout(present_main(&env, argc - optind, argv + optind));
    }

    if (optind < argc && strcmp(argv[optind], "grade") == 0) {
        struct grade_env env = {datadir, world_opt ? world_opt : world_path};
        return finish_stdout(grade_main(&env, argc - optind, argv + optind));
    }

    char err[WORLD_ERROR_MAX];
    struct world *w = world_load(world_opt ? world_opt : world_path, err);
    if (!w) {
        fprintf(stderr, "tutor: %s\n", err);
        return 2;
    }
    if (optind < argc && strcmp(argv[optind], "completion") == 0) {
        /* asked at every Tab: the world is read, no state is touched */
        int rc = completion_words(w, argc - optind, argv + optind);
        world_free(w);
        return finish_stdout(rc);
    }
    struct runtime rt;
    char rterr[RT_ERROR_MAX];
    if (rt_open(&rt, w, datadir, state, rterr) < 0) {
        fprintf(stderr, "tutor: %s\n", rterr);
        world_free(w);
        return 2;
    }
    rt_notices_to_screen(&rt);
    if (reset && rt_reset(&rt, rterr) < 0) {
        fprintf(stderr, "tutor: %s\n", rterr);
        rt_close(&rt);
        world_free(w);
        return 2;
    }

    struct repl r;
    repl_open(&r, &rt, state);
    r.datadir = datadir;
    r.world_path = world_opt ? world_opt : world_path;
    r.state_root = state;
    r.student = student;
    struct record_writer rec = {0};
    if (record_file) {
        struct record_header h = {.seed = SBX_RANDOM_SEED};
        snprintf(h.tutor_version, sizeof h.tutor_version, "%s", TUTOR_VERSION);
        if (student)
            snprintf(h.student, sizeof h.student, "%s", student);
        record_hash_file(w->path, h.world_hash);
        char recerr[RECORD_ERROR_MAX];
        if (record_open(&rec, record_file, &h, recerr) < 0) {
            fprintf(stderr, "tutor: --record: %s\n", recerr);
            repl_close(&r);
            rt_close(&rt);
            world_free(w);
            return 2;
        }
        r.record = &rec;
    }
    int rc;
    if (optind < argc) {
        /* one command from the command line, its words as the shell gave
         * them: nothing is joined and split again */
        rc = repl_run_argv(&r, argc - optind, argv + optind);
    } else {
        rc = repl_loop(&r);
    }
    repl_close(&r);
    record_close(&rec);
    rt_close(&rt);
    world_free(w);
    return finish_stdout(rc);
}
