/*
 * test_maildrop — a user's Maildir as a POP3 session sees it: the locked
 * snapshot, sizes as POP3 counts them, UIDLs, "seen" flags, deletion on
 * commit only; and maildir_deliver and maildir_batch, which fill it.
 *
 * Every test has a fresh temporary folder; the Maildir inside it does not
 * exist until the test delivers or opens. Expected MD5 UIDLs come from
 * md5sum(1), not from the library the module uses.
 */
#include "unit.h"

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/fsutil.h"
#include "mail/maildir.h"
#include "mail/maildir_batch.h"
#include "mail/maildrop.h"

struct fx {
    char root[64];
    char dir[PATH_MAX];                 /* ROOT/alice/Maildir, missing at first */
    char err[FS_ERROR_MAX];
    struct maildrop *md, *md2;          /* closed at teardown */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    snprintf(f->root, sizeof f->root, "/tmp/tutor-test-maildrop-XXXXXX");
    if (!mkdtemp(f->root)) {
        perror("mkdtemp");
        f->root[0] = '\0';
        return -1;
    }
    snprintf(f->dir, sizeof f->dir, "%s/alice/Maildir", f->root);
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (!f)
        return 0;
    maildrop_close(f->md);
    maildrop_close(f->md2);
    if (f->root[0]) {
        char ferr[FS_ERROR_MAX];
        if (fs_remove_tree(f->root, ferr) < 0)
            fprintf(stderr, "fs_remove_tree: %s\n", ferr);
    }
    free(f);
    return 0;
}

/* ------------------------------------------------------------------------
 * Helpers.
 */
static void deliver(struct fx *f, const char *name, const char *text)
{
    f->err[0] = '\0';
    if (maildir_deliver(f->dir, name, text, strlen(text), f->err) < 0)
        fail_msg("maildir_deliver(%s): %s", name, f->err);
}

/* Opens f->dir into f->md (closing what was there); must succeed. */
static struct maildrop *open_md(struct fx *f)
{
    maildrop_close(f->md);
    f->md = NULL;
    f->err[0] = '\0';
    enum maildrop_status st = maildrop_open(f->dir, &f->md, f->err);
    if (st != MAILDROP_OK)
        fail_msg("maildrop_open: status %d: %s", (int)st, f->err);
    assert_non_null(f->md);
    return f->md;
}

static void close_md(struct fx *f)
{
    maildrop_close(f->md);
    f->md = NULL;
}

/* DIR/SUB/NAME, or DIR/SUB when name is NULL. */
static const char *path_of(const struct fx *f, const char *sub, const char *name)
{
    static char p[PATH_MAX];
    if (name)
        snprintf(p, sizeof p, "%s/%s/%s", f->dir, sub, name);
    else
        snprintf(p, sizeof p, "%s/%s", f->dir, sub);
    return p;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The file names in DIR/SUB, sorted, joined by " " ("" when empty). */
static const char *ls(const struct fx *f, const char *sub)
{
    static char out[2048];
    char *names[64];
    size_t n = 0;
    DIR *d = opendir(path_of(f, sub, NULL));
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 && n < 64)
            names[n++] = strdup(e->d_name);
    closedir(d);
    for (size_t i = 1; i < n; i++)                  /* insertion sort */
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(out);
        snprintf(out + used, sizeof out - used, "%s%s", i ? " " : "", names[i]);
        free(names[i]);
    }
    return out;
}

/* The file's bytes must be exactly `want` (which may hold no NUL). */
static void assert_file(const char *path, const char *want)
{
    size_t len = 0;
    char *got = fs_read_file(path, &len);
    if (!got)
        fail_msg("%s: cannot be read", path);
    bool same = len == strlen(want) && memcmp(got, want, len) == 0;
    if (!same) {
        char shown[256];
        snprintf(shown, sizeof shown, "%.*s", (int)len, got);
        free(got);
        fail_msg("%s holds \"%s\" (%zu bytes), want \"%s\"", path, shown, len, want);
    }
    free(got);
}

/* Writes a file directly (a Maildir left by another program). */
static void put_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    size_t n = strlen(text);
    bool ok = fwrite(text, 1, n, fp) == n;
    ok = fclose(fp) == 0 && ok;
    assert_true(ok);
}

/* The MD5 of `s` in hex, as md5sum(1) computes it. */
static void md5_hex(struct fx *f, const char *s, char out[33])
{
    char file[PATH_MAX], cmd[PATH_MAX + 32], line[128] = "";
    snprintf(file, sizeof file, "%s/md5-input", f->root);
    put_file(file, s);
    snprintf(cmd, sizeof cmd, "md5sum < '%s'", file);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    bool got = fgets(line, sizeof line, p) != NULL;
    assert_int_equal(pclose(p), 0);
    assert_true(got);
    assert_true(strlen(line) > 32);
    memcpy(out, line, 32);
    out[32] = '\0';
    remove(file);
}

/* Message i of the snapshot, read back; must be exactly `want`. */
static void assert_read(struct fx *f, size_t i, const char *want)
{
    size_t len = 0;
    f->err[0] = '\0';
    char *got = maildrop_read(f->md, i, &len, f->err);
    if (!got)
        fail_msg("maildrop_read(%zu): %s", i, f->err);
    bool same = len == strlen(want) && memcmp(got, want, len) == 0;
    if (!same) {
        char shown[256];
        snprintf(shown, sizeof shown, "%.*s", (int)len, got);
        free(got);
        fail_msg("message %zu is \"%s\" (%zu bytes), want \"%s\"", i, shown, len, want);
    }
    free(got);
}

/* ------------------------------------------------------------------------
 * Opening and listing.
 */
static void test_open_missing_creates_empty(void **state)
{
    struct fx *f = *state;
    assert_false(exists(f->dir));
    struct maildrop *md = open_md(f);
    assert_int_equal(md->n, 0);
    assert_true(is_dir(path_of(f, "new", NULL)));
    assert_true(is_dir(path_of(f, "cur", NULL)));
    assert_true(is_dir(path_of(f, "tmp", NULL)));
    assert_string_equal(ls(f, "new"), "");
    assert_string_equal(ls(f, "cur"), "");
    close_md(f);
    /* and it stays empty when opened again */
    md = open_md(f);
    assert_int_equal(md->n, 0);
}

static void test_listed_in_name_order(void **state)
{
    struct fx *f = *state;
    deliver(f, "1000000003.N000003.mail.a.example", "Subject: three\n\nc\n");
    deliver(f, "1000000001.N000001.mail.a.example", "Subject: one\n\na\n");
    deliver(f, "1000000002.N000002.mail.a.example", "Subject: two\n\nb\n");
    struct maildrop *md = open_md(f);
    assert_int_equal(md->n, 3);
    assert_string_equal(md->msgs[0].uid, "1000000001.N000001.mail.a.example");
    assert_string_equal(md->msgs[1].uid, "1000000002.N000002.mail.a.example");
    assert_string_equal(md->msgs[2].uid, "1000000003.N000003.mail.a.example");
    assert_read(f, 0, "Subject: one\n\na\n");
    assert_read(f, 1, "Subject: two\n\nb\n");
    assert_read(f, 2, "Subject: three\n\nc\n");
}

static void test_sizes_count_crlf(void **state)
{
    struct fx *f = *state;
    deliver(f, "m1", "a\nb\n");                 /* 4 bytes stored, 6 on the wire */
    deliver(f, "m2", "a\nb");                   /* no last LF: counted as if there */
    deliver(f, "m3", "a\r\nb\r\n");             /* stored with LF */
    deliver(f, "m4", "");
    assert_file(path_of(f, "new", "m1"), "a\nb\n");
    assert_file(path_of(f, "new", "m2"), "a\nb");
    assert_file(path_of(f, "new", "m3"), "a\nb\n");
    assert_file(path_of(f, "new", "m4"), "");
    struct maildrop *md = open_md(f);
    assert_int_equal(md->n, 4);
    assert_int_equal(md->msgs[0].size, 6);
    assert_int_equal(md->msgs[1].size, 6);
    assert_int_equal(md->msgs[2].size, 6);
    assert_int_equal(md->msgs[3].size, 0);
    /* read gives what is stored */
    assert_read(f, 0, "a\nb\n");
    assert_read(f, 1, "a\nb");
    assert_read(f, 2, "a\nb\n");
    assert_read(f, 3, "");
}

static void test_read_out_of_range(void **state)
{
    struct fx *f = *state;
    deliver(f, "m1", "x\n");
    struct maildrop *md = open_md(f);
    size_t len = 99;
    f->err[0] = '\0';
    assert_null(maildrop_read(md, 1, &len, f->err));
    assert_string_not_equal(f->err, "");
    f->err[0] = '\0';
    assert_int_equal(maildrop_seen(md, 1, f->err), -1);
    assert_string_not_equal(f->err, "");
}

/* ------------------------------------------------------------------------
 * UIDL.
 */
static void test_uid_is_unique_name(void **state)
{
    struct fx *f = *state;
    char seventy[MAILDROP_UID_MAX + 1];
    memset(seventy, 'y', MAILDROP_UID_MAX);
    seventy[MAILDROP_UID_MAX] = '\0';
    deliver(f, "1022634000.N000001.mail.a.example", "x\n");
    deliver(f, seventy, "x\n");                 /* 70: the longest kept as it is */
    /* a message read by another client: the flags are not part of the UID */
    put_file(path_of(f, "cur", "1022634001.N000002.mail.a.example:2,S"), "x\n");
    struct maildrop *md = open_md(f);
    assert_int_equal(md->n, 3);
    assert_string_equal(md->msgs[0].uid, "1022634000.N000001.mail.a.example");
    assert_string_equal(md->msgs[1].uid, "1022634001.N000002.mail.a.example");
    assert_string_equal(md->msgs[2].uid, seventy);
}

static void test_uid_md5_fallback(void **state)
{
    struct fx *f = *state;
    char seventy_one[MAILDROP_UID_MAX + 2];
    memset(seventy_one, 'x', MAILDROP_UID_MAX + 1);
    seventy_one[MAILDROP_UID_MAX + 1] = '\0';
    /* in name order: "a b" < "caf\xc3\xa9" < "d\x7f" < "xxx..." */
    const char *names[] = {"a b", "caf\xc3\xa9", "d\x7f", seventy_one};
    for (size_t i = 0; i < 4; i++)
        deliver(f, names[i], "x\n");
    struct maildrop *md = open_md(f);
    assert_int_equal(md->n, 4);
    for (size_t i = 0; i < 4; i++) {
        char want[33];
        md5_hex(f, names[i], want);
        assert_string_equal(md->msgs[i].uid, want);
    }
}

/* The UID of a message stays the same once it is seen (it moves to cur/
 * and gains ":2,S"), for plain names and MD5 ones alike. */
static void test_uid_stable_across_seen(void **state)
{
    struct fx *f = *state;
    char long_name[MAILDROP_UID_MAX + 10];
    memset(long_name, 'z', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    deliver(f, "1022634000.N000001.mail.a.example", "x\n");
    deliver(f, long_name, "y\n");
    struct maildrop *md = open_md(f);
    assert_int_equal(md->n, 2);
    char uid0[MAILDROP_UID_MAX + 1], uid1[MAILDROP_UID_MAX + 1];
    snprintf(uid0, sizeof uid0, "%s", md->msgs[0].uid);
    snprintf(uid1, sizeof uid1, "%s", md->msgs[1].uid);
    assert_int_equal(maildrop_seen(md, 0, f->err), 0);
    assert_int_equal(maildrop_seen(md, 1, f->err), 0);
    close_md(f);
    md = open_md(f);
    assert_int_equal(md->n, 2);
    assert_string_equal(md->msgs[0].uid, uid0);
    assert_string_equal(md->msgs[1].uid, uid1);
}

/* ------------------------------------------------------------------------
 * The lock.
 */
static void test_second_open_in_use(void **state)
{
    struct fx *f = *state;
    deliver(f, "m1", "x\n");
    open_md(f);
    f->err[0] = '\0';
    struct maildrop *other = f->md;             /* must be reset to NULL */
    enum maildrop_status st = maildrop_open(f->dir, &other, f->err);
    if (other && other != f->md)
        f->md2 = other;                         /* closed at teardown */
    assert_int_equal(st, MAILDROP_IN_USE);
    assert_null(other);
    assert_string_not_equal(f->err, "");
    /* still in use on a second try: the refusal released nothing */
    assert_int_equal(maildrop_open(f->dir, &f->md2, f->err), MAILDROP_IN_USE);
    assert_null(f->md2);
    close_md(f);
    f->err[0] = '\0';
    assert_int_equal(maildrop_open(f->dir, &f->md2, f->err), MAILDROP_OK);
    assert_non_null(f->md2);
    assert_int_equal(f->md2->n, 1);
    /* and now the first one is the one refused */
    assert_int_equal(maildrop_open(f->dir, &f->md, f->err), MAILDROP_IN_USE);
    assert_null(f->md);
}

static void test_close_null(void **state)
{
    (void)state;
    maildrop_close(NULL);
}

/* ------------------------------------------------------------------------
 * Seen.
 */
static void test_seen_moves_to_cur(void **state)
{
    struct fx *f = *state;
    deliver(f, "m1", "Subject: one\n\nhello\n");
    struct maildrop *md = open_md(f);
    assert_int_equal(md->n, 1);
    assert_int_equal(maildrop_seen(md, 0, f->err), 0);
    assert_string_equal(ls(f, "new"), "");
    assert_string_equal(ls(f, "cur"), "m1:2,S");
    assert_string_equal(md->msgs[0].path, path_of(f, "cur", "m1:2,S"));
    /* still readable, same bytes */
    assert_read(f, 0, "Subject: one\n\nhello\n");
    /* idempotent */
    assert_int_equal(maildrop_seen(md, 0, f->err), 0);
    assert_string_equal(ls(f, "cur"), "m1:2,S");
    assert_string_equal(ls(f, "new"), "");
    assert_read(f, 0, "Subject: one\n\nhello\n");
    /* the size is that of the message, not of the move */
    assert_int_equal(md->msgs[0].size, 23);
    close_md(f);
    md = open_md(f);
    assert_int_equal(md->n, 1);
    assert_int_equal(md->msgs[0].size, 23);
    /* seen again in a later session: nothing changes */
    assert_int_equal(maildrop_seen(md, 0, f->err), 0);
    assert_string_equal(ls(f, "cur"), "m1:2,S");
}

static void test_seen_keeps_flags_sorted(void **state)
{
    struct fx *f = *state;
    assert_int_equal(maildir_create(f->dir, f->err), 0);
    put_file(path_of(f, "cur", "m1:2,F"), "one\n");
    put_file(path_of(f, "cur", "m2:2,T"), "two\n");
    put_file(path_of(f, "cur", "m3:2,DR"), "three\n");
    put_file(path_of(f, "cur", "m4"), "four\n");        /* in cur/ with no info */
    put_file(path_of(f, "cur", "m5:2,FS"), "five\n");   /* already seen */
    struct maildrop *md = open_md(f);
    assert_int_equal(md->n, 5);
    for (size_t i = 0; i < 5; i++)
        if (maildrop_seen(md, i, f->err) < 0)
            fail_msg("maildrop_seen(%zu): %s", i, f->err);
    assert_string_equal(ls(f, "cur"), "m1:2,FS m2:2,ST m3:2,DRS m4:2,S m5:2,FS");
    assert_read(f, 0, "one\n");
    assert_read(f, 1, "two\n");
    assert_read(f, 2, "three\n");
    assert_read(f, 3, "four\n");
    assert_read(f, 4, "five\n");
    /* twice changes nothing */
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(maildrop_seen(md, i, f->err), 0);
    assert_string_equal(ls(f, "cur"), "m1:2,FS m2:2,ST m3:2,DRS m4:2,S m5:2,FS");
}

/* Name order is that of the unique names: marking one seen (which adds
 * ":2,S" to its file name) must not move it behind a name it preceded. */
static void test_order_survives_seen(void **state)
{
    struct fx *f = *state;
    deliver(f, "msg", "first\n");
    deliver(f, "msg.2", "second\n");
    struct maildrop *md = open_md(f);
    assert_int_equal(md->n, 2);
    assert_string_equal(md->msgs[0].uid, "msg");
    assert_int_equal(maildrop_seen(md, 0, f->err), 0);
    close_md(f);
    md = open_md(f);
    assert_int_equal(md->n, 2);
    assert_string_equal(md->msgs[0].uid, "msg");
    assert_string_equal(md->msgs[1].uid, "msg.2");
    assert_read(f, 0, "first\n");
}

/* ------------------------------------------------------------------------
 * Commit and close.
 */
static void test_commit_removes_listed(void **state)
{
    struct fx *f = *state;
    deliver(f, "m0", "zero\n");
    deliver(f, "m1", "one\n");
    deliver(f, "m2", "two\n");
    deliver(f, "m3", "three\n");
    struct maildrop *md = open_md(f);
    assert_int_equal(md->n, 4);
    assert_int_equal(maildrop_seen(md, 2, f->err), 0);      /* one in cur/ */
    const size_t gone[] = {0, 2};
    f->err[0] = '\0';
    if (maildrop_commit(md, gone, 2, f->err) < 0)
        fail_msg("maildrop_commit: %s", f->err);
    assert_string_equal(ls(f, "new"), "m1 m3");
    assert_string_equal(ls(f, "cur"), "");
    close_md(f);
    md = open_md(f);
    assert_int_equal(md->n, 2);
    assert_string_equal(md->msgs[0].uid, "m1");
    assert_string_equal(md->msgs[1].uid, "m3");
    assert_read(f, 0, "one\n");
    assert_read(f, 1, "three\n");
}

static void test_commit_nothing(void **state)
{
    struct fx *f = *state;
    deliver(f, "m0", "zero\n");
    struct maildrop *md = open_md(f);
    assert_int_equal(maildrop_commit(md, NULL, 0, f->err), 0);
    assert_string_equal(ls(f, "new"), "m0");
}

static void test_close_deletes_nothing(void **state)
{
    struct fx *f = *state;
    deliver(f, "m0", "zero\n");
    deliver(f, "m1", "one\n");
    struct maildrop *md = open_md(f);
    assert_int_equal(md->n, 2);
    assert_int_equal(maildrop_seen(md, 1, f->err), 0);
    close_md(f);
    assert_string_equal(ls(f, "new"), "m0");
    assert_string_equal(ls(f, "cur"), "m1:2,S");
    md = open_md(f);
    assert_int_equal(md->n, 2);
    assert_read(f, 0, "zero\n");
    assert_read(f, 1, "one\n");
}

static void test_delivery_after_open(void **state)
{
    struct fx *f = *state;
    deliver(f, "m0", "zero\n");
    struct maildrop *md = open_md(f);
    assert_int_equal(md->n, 1);
    deliver(f, "m1", "one\n");                  /* needs no lock */
    assert_int_equal(md->n, 1);
    assert_string_equal(md->msgs[0].uid, "m0");
    /* deleting the snapshot's messages leaves the newcomer */
    const size_t all[] = {0};
    assert_int_equal(maildrop_commit(md, all, 1, f->err), 0);
    assert_string_equal(ls(f, "new"), "m1");
    close_md(f);
    md = open_md(f);
    assert_int_equal(md->n, 1);
    assert_string_equal(md->msgs[0].uid, "m1");
    assert_read(f, 0, "one\n");
}

/* ------------------------------------------------------------------------
 * maildir_deliver.
 */
static void test_deliver_refuses_duplicate(void **state)
{
    struct fx *f = *state;
    deliver(f, "m1", "first\n");
    f->err[0] = '\0';
    const char *second = "second\n";
    assert_int_equal(maildir_deliver(f->dir, "m1", second, strlen(second), f->err), -1);
    assert_string_not_equal(f->err, "");
    assert_file(path_of(f, "new", "m1"), "first\n");
    assert_string_equal(ls(f, "new"), "m1");
    assert_string_equal(ls(f, "tmp"), "");      /* nothing left behind */
}

/* ------------------------------------------------------------------------
 * maildir_batch: group commit.
 */
struct failures {
    char text[512];
    size_t n;
};

/* Owners: the names of the clients the messages came from. */
static char client1[] = "client 1", client2[] = "client 2", client3[] = "client 3";

static void on_failed(void *owner, const char *err, void *ctx)
{
    struct failures *fl = ctx;
    size_t used = strlen(fl->text);
    snprintf(fl->text + used, sizeof fl->text - used, "%s%s: %s", used ? "; " : "",
             (const char *)owner, err);
    fl->n++;
}

/* Nothing is in view before the commit, everything whole after it, and
 * tmp/ is left empty. */
static void test_batch_shows_messages_at_commit_only(void **state)
{
    struct fx *f = *state;
    struct failures fl = {0};
    struct maildir_batch b = {.failed = on_failed, .ctx = &fl};
    const char *one = "Subject: one\r\n\r\nfirst\r\n", *two = "Subject: two\r\n\r\nsecond\r\n";
    assert_int_equal(maildir_batch_add(&b, f->dir, "m1", one, strlen(one), client1, f->err), 0);
    assert_int_equal(maildir_batch_add(&b, f->dir, "m2", two, strlen(two), client2, f->err), 0);
    assert_string_equal(ls(f, "new"), "");
    assert_string_equal(ls(f, "tmp"), "m1 m2");
    maildir_batch_commit(&b);
    assert_string_equal(fl.text, "");
    assert_string_equal(ls(f, "new"), "m1 m2");
    assert_string_equal(ls(f, "tmp"), "");
    assert_file(path_of(f, "new", "m1"), "Subject: one\n\nfirst\n");
    assert_file(path_of(f, "new", "m2"), "Subject: two\n\nsecond\n");
    /* an empty batch commits to nothing; the batch is reusable */
    maildir_batch_commit(&b);
    assert_int_equal(maildir_batch_add(&b, f->dir, "m3", one, strlen(one), client3, f->err), 0);
    maildir_batch_free(&b);
    assert_string_equal(ls(f, "new"), "m1 m2 m3");
    assert_int_equal(fl.n, 0);
}

/* A message that cannot go into view is reported to its owner only; the
 * others of the batch are stored, the one already there is untouched. */
static void test_batch_reports_each_failure_to_its_owner(void **state)
{
    struct fx *f = *state;
    deliver(f, "m1", "the first m1\n");
    struct failures fl = {0};
    struct maildir_batch b = {.failed = on_failed, .ctx = &fl};
    assert_int_equal(maildir_batch_add(&b, f->dir, "m2", "two\n", 4, client2, f->err), 0);
    /* tmp/m1 is free, new/m1 is not: the clash shows only at the link */
    assert_int_equal(maildir_batch_add(&b, f->dir, "m1", "again\n", 6, client1, f->err), 0);
    maildir_batch_free(&b);
    assert_int_equal(fl.n, 1);
    char want[512];
    snprintf(want, sizeof want, "client 1: %s: File exists", path_of(f, "new", "m1"));
    assert_string_equal(fl.text, want);
    assert_file(path_of(f, "new", "m1"), "the first m1\n");
    assert_file(path_of(f, "new", "m2"), "two\n");
    assert_string_equal(ls(f, "tmp"), "");
}

/* More than MAILDIR_BATCH_MAX waiting: the batch commits by itself. */
static void test_batch_commits_when_full(void **state)
{
    struct fx *f = *state;
    struct maildir_batch b = {0};
    char name[16];
    for (int i = 0; i <= MAILDIR_BATCH_MAX; i++) {
        snprintf(name, sizeof name, "m%04d", i);
        assert_int_equal(maildir_batch_add(&b, f->dir, name, "x\n", 2, NULL, f->err), 0);
    }
    assert_int_equal(b.n, 1);
    assert_true(exists(path_of(f, "new", "m0000")));
    assert_false(exists(path_of(f, "new", name)));
    maildir_batch_free(&b);
    assert_true(exists(path_of(f, "new", name)));
}

static void test_deliver_refuses_bad_names(void **state)
{
    struct fx *f = *state;
    static const char *const bad[] = {"", "a/b", "a:b", ".x", "..", "/etc/passwd"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        f->err[0] = '\0';
        if (maildir_deliver(f->dir, bad[i], "x\n", 2, f->err) == 0)
            fail_msg("maildir_deliver accepted the name \"%s\"", bad[i]);
        char want[FS_ERROR_MAX];
        snprintf(want, sizeof want, "%s: not a Maildir name", bad[i]);
        assert_string_equal(f->err, want);
    }
    /* nothing was written, not even the folder */
    assert_false(exists(f->dir));
}

static void test_deliver_name_length_limit(void **state)
{
    struct fx *f = *state;
    char name[MAILDIR_NAME_MAX + 1];
    memset(name, 'n', MAILDIR_NAME_MAX);
    name[MAILDIR_NAME_MAX] = '\0';              /* MAILDIR_NAME_MAX: too long */
    f->err[0] = '\0';
    assert_int_equal(maildir_deliver(f->dir, name, "x\n", 2, f->err), -1);
    assert_string_not_equal(f->err, "");
    name[MAILDIR_NAME_MAX - 1] = '\0';          /* one less: fine */
    deliver(f, name, "x\n");
    assert_string_equal(ls(f, "new"), name);
}

static void test_wire_size(void **state)
{
    (void)state;
    assert_int_equal(maildir_wire_size("", 0), 0);
    assert_int_equal(maildir_wire_size("\n", 1), 2);
    assert_int_equal(maildir_wire_size("x", 1), 3);
    assert_int_equal(maildir_wire_size("a\r\nb\n", 5), 6);
    assert_int_equal(maildir_wire_size("a\nb\n", 4), 6);
    assert_int_equal(maildir_wire_size("a\nb", 3), 6);
    assert_int_equal(maildir_wire_size("\n\n", 2), 4);
    assert_int_equal(maildir_wire_size("\r\n", 2), 2);
    /* only `len` bytes count */
    assert_int_equal(maildir_wire_size("ab\ncd\n", 3), 4);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_open_missing_creates_empty),
        T(test_listed_in_name_order),
        T(test_sizes_count_crlf),
        T(test_read_out_of_range),
        T(test_uid_is_unique_name),
        T(test_uid_md5_fallback),
        T(test_uid_stable_across_seen),
        T(test_second_open_in_use),
        T(test_close_null),
        T(test_seen_moves_to_cur),
        T(test_seen_keeps_flags_sorted),
        T(test_order_survives_seen),
        T(test_commit_removes_listed),
        T(test_commit_nothing),
        T(test_close_deletes_nothing),
        T(test_delivery_after_open),
        T(test_deliver_refuses_duplicate),
        T(test_batch_shows_messages_at_commit_only),
        T(test_batch_reports_each_failure_to_its_owner),
        T(test_batch_commits_when_full),
        T(test_deliver_refuses_bad_names),
        T(test_deliver_name_length_limit),
        T(test_wire_size),
    };
    return cmocka_run_group_tests_name("maildrop", tests, NULL, NULL);
}
