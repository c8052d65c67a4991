/*
 * test_runtime — what a world keeps in its state folder across runs: the
 * counter that makes Maildir names unique, and server.log with its
 * rotation. Every test opens the default world on a fresh state folder.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "util/fsutil.h"
#include "host/runtime.h"
#include "host/world.h"

#define WORLD_FILE "tutor/world/default.json"

struct fx {
    struct world *w;
    struct runtime rt;
    bool rt_opened;
    char root[64];
    char err[RT_ERROR_MAX];
};

static void open_rt(struct fx *f)
{
    if (rt_open(&f->rt, f->w, ".", f->root, f->err) < 0)
        fail_msg("rt_open: %s", f->err);
    f->rt_opened = true;
}

static void close_rt(struct fx *f)
{
    rt_close(&f->rt);
    f->rt_opened = false;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    f->w = world_load(WORLD_FILE, f->err);
    if (!f->w) {
        fprintf(stderr, "world_load: %s\n", f->err);
        return -1;
    }
    snprintf(f->root, sizeof f->root, "/tmp/tutor-test-runtime-XXXXXX");
    if (!mkdtemp(f->root)) {
        perror("mkdtemp");
        f->root[0] = '\0';
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (!f)
        return 0;
    if (f->rt_opened)
        rt_close(&f->rt);
    world_free(f->w);
    if (f->root[0]) {
        char ferr[FS_ERROR_MAX];
        if (fs_remove_tree(f->root, ferr) < 0)
            fprintf(stderr, "fs_remove_tree: %s\n", ferr);
    }
    free(f);
    return 0;
}

static void put_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (!fp)
        fail_msg("%s: cannot write", path);
    fputs(text, fp);
    fclose(fp);
}

static char *state_file(const struct fx *f, const char *name)
{
    static char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/%s", f->rt.state, name);
    return p;
}

/* The counter of a name: "1022634074.N000041.mail.a.example" -> 41. */
static unsigned long counter_of(const char *name)
{
    const char *n = strstr(name, ".N");
    assert_non_null(n);
    return strtoul(n + 2, NULL, 10);
}

static int by_number(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return (x > y) - (x < y);
}

/* Names go on from where the last run stopped. */
static void test_names_go_on_after_a_restart(void **state)
{
    struct fx *f = *state;
    open_rt(f);
    char first[MAILDIR_NAME_MAX], second[MAILDIR_NAME_MAX];
    rt_unique_name(&f->rt, "mail.a.example", first);
    close_rt(f);
    open_rt(f);
    rt_unique_name(&f->rt, "mail.a.example", second);
    assert_string_not_equal(first, second);
    assert_true(strcmp(first, second) < 0);
}

/* A state whose clock file is lost still has its mail: a read message in
 * cur/ and one in a client's folder. The next name is above both, so no
 * message is ever given a UIDL another one has. */
static void test_lost_clock_file_never_repeats_a_name(void **state)
{
    struct fx *f = *state;
    open_rt(f);
    char dir[PATH_MAX], path[PATH_MAX + 128], ferr[FS_ERROR_MAX];
    rt_mailbox_dir(&f->rt, "alice@a.example", dir);
    if (maildir_create(dir, ferr) < 0)
        fail_msg("%s", ferr);
    snprintf(path, sizeof path, "%s/cur/1022634074.N000041.mail.a.example:2,S", dir);
    put_file(path, "Subject: read\n\nread\n");
    snprintf(path, sizeof path, "%s/client/bob@b.example/new", f->rt.state);
    if (fs_mkdirs(path, ferr) < 0)
        fail_msg("%s", ferr);
    snprintf(path, sizeof path, "%s/client/bob@b.example/new/1022634080.N000057.pc2.b.example",
             f->rt.state);
    put_file(path, "Subject: fetched\n\nfetched\n");
    close_rt(f);
    assert_int_equal(unlink(state_file(f, "clock")), 0);

    open_rt(f);
    char name[MAILDIR_NAME_MAX];
    rt_unique_name(&f->rt, "mail.a.example", name);
    assert_int_equal(counter_of(name), 58);
}

/* The REPL and tutor serve on one state folder: each claims blocks of the
 * counter from the clock file, so that neither hands out a name the other
 * did, across block ends, saves and a restart. */
static void test_two_processes_never_share_a_name(void **state)
{
    struct fx *f = *state;
    struct runtime other;
    open_rt(f);
    if (rt_open(&other, f->w, ".", f->root, f->err) < 0)
        fail_msg("rt_open: %s", f->err);
    enum { EACH = 2 * RT_ID_BLOCK + 100 };
    static unsigned long seen[4 * EACH];
    size_t n = 0;
    char name[MAILDIR_NAME_MAX];
    for (int i = 0; i < EACH; i++) {
        rt_unique_name(&f->rt, "mail.a.example", name);
        seen[n++] = counter_of(name);
        rt_unique_name(&other, "mail.a.example", name);
        seen[n++] = counter_of(name);
        if (i == EACH / 2) {
            /* one of them saves (a REPL command ends) and goes on */
            assert_int_equal(rt_save(&other, f->err), 0);
        }
    }
    rt_close(&other);           /* the REPL quits first, serve goes on */
    for (int i = 0; i < EACH; i++) {
        rt_unique_name(&f->rt, "mail.a.example", name);
        seen[n++] = counter_of(name);
    }
    close_rt(f);
    open_rt(f);                 /* and a restart after both */
    for (int i = 0; i < EACH; i++) {
        rt_unique_name(&f->rt, "mail.a.example", name);
        seen[n++] = counter_of(name);
    }
    qsort(seen, n, sizeof seen[0], by_number);
    for (size_t i = 1; i < n; i++)
        if (seen[i] == seen[i - 1])
            fail_msg("counter %lu handed out twice", seen[i]);
}

/* server.log takes each line whole and at once; past RT_LOG_MAX it moves
 * to server.log.1, and a reset forgets both. */
static void test_server_log_rotates(void **state)
{
    struct fx *f = *state;
    open_rt(f);
    rt_append_log(&f->rt, "smtp.lua: first line");
    char *text = fs_read_file(state_file(f, "server.log"), NULL);
    assert_non_null(text);
    assert_string_equal(text, "smtp.lua: first line\n");
    free(text);

    char line[1024];
    memset(line, 'x', sizeof line - 1);
    line[sizeof line - 1] = '\0';
    struct stat st;
    while (stat(state_file(f, "server.log"), &st) == 0 && st.st_size <= RT_LOG_MAX)
        rt_append_log(&f->rt, line);
    rt_append_log(&f->rt, "smtp.lua: after the turn");
    text = fs_read_file(state_file(f, "server.log"), NULL);
    assert_non_null(text);
    assert_string_equal(text, "smtp.lua: after the turn\n");
    free(text);
    assert_int_equal(stat(state_file(f, "server.log.1"), &st), 0);
    assert_true(st.st_size > RT_LOG_MAX);

    assert_int_equal(rt_reset(&f->rt, f->err), 0);
    assert_int_not_equal(stat(state_file(f, "server.log"), &st), 0);
    assert_int_not_equal(stat(state_file(f, "server.log.1"), &st), 0);
    rt_append_log(&f->rt, "after the reset");
    text = fs_read_file(state_file(f, "server.log"), NULL);
    assert_non_null(text);
    assert_string_equal(text, "after the reset\n");
    free(text);
}

/* A file `age` seconds old. */
static void aged_file(const char *path, long age)
{
    put_file(path, "half written\n");
    struct utimbuf t = {time(NULL) - age, time(NULL) - age};
    assert_int_equal(utime(path, &t), 0);
}

/* What a kill -9 left half written goes once it is 36 hours old; younger,
 * it may be another process's write in progress and stays; the rest is
 * never touched. */
static void test_leftovers_swept_at_start(void **state)
{
    struct fx *f = *state;
    open_rt(f);
    char ferr[FS_ERROR_MAX], p[PATH_MAX + 64];
    static const char *const dirs[] = {"mail/bob@b.example/tmp", "mail/bob@b.example/new",
                                       "client/bob@b.example/tmp", "queue/mail-a"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
        assert_int_equal(fs_mkdirs(state_file(f, dirs[i]), ferr), 0);
    const long old = 37 * 3600, young = 3600;
    static const char *const gone[] = {"mail/bob@b.example/tmp/1.N1.mail", "client/bob@b.example/tmp/x",
                                       "queue/mail-a/A1.eml", "queue/mail-a/A3.json.tmp123",
                                       "clock.tmp4242"};
    static const char *const kept[] = {"mail/bob@b.example/tmp/2.N2.mail",
                                       "mail/bob@b.example/new/3.N3.mail", "queue/mail-a/A2.eml",
                                       "queue/mail-a/A2.json", "queue/mail-a/A4.eml"};
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++)
        aged_file(state_file(f, gone[i]), old);
    aged_file(state_file(f, kept[0]), young);       /* young: maybe a write in progress */
    aged_file(state_file(f, kept[1]), old);         /* delivered mail */
    aged_file(state_file(f, kept[2]), old);         /* acknowledged: its envelope is there */
    aged_file(state_file(f, kept[3]), old);
    aged_file(state_file(f, kept[4]), young);
    close_rt(f);
    open_rt(f);
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++) {
        snprintf(p, sizeof p, "%s", state_file(f, gone[i]));
        if (access(p, F_OK) == 0)
            fail_msg("%s was left", gone[i]);
    }
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
        snprintf(p, sizeof p, "%s", state_file(f, kept[i]));
        if (access(p, F_OK) != 0)
            fail_msg("%s was removed", kept[i]);
    }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_names_go_on_after_a_restart),
        T(test_lost_clock_file_never_repeats_a_name),
        T(test_two_processes_never_share_a_name),
        T(test_server_log_rotates),
        T(test_leftovers_swept_at_start),
    };
    return cmocka_run_group_tests_name("runtime", tests, NULL, NULL);
}
