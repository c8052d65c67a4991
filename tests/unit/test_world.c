/*
 * test_world — the world loader: the default world, the exact messages for
 * broken worlds (file, JSON path, what is wrong), and the look-ups.
 *
 * Broken worlds are small files written to a fresh temporary folder; each
 * differs from MINI (which loads) in one place, so each message is about
 * that place alone.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fsutil.h"
#include "host/world.h"

#define WORLD_FILE "tutor/world/default.json"

/* A smallest world that loads; the broken ones below change one thing. */
#define MINI_HEAD "{\"name\": \"t\", \"student\": \"pc1\",\n"
#define MINI_NODES \
    " \"nodes\": {\n" \
    "  \"pc1\": {\"hostname\": \"pc1.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.10/24\"}}},\n" \
    "  \"mail-a\": {\"hostname\": \"mail.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.25/24\"}},\n" \
    "             \"mail_domains\": [\"a.example\"]}},\n" \
    MINI_LINKS
/* one network is one segment: its hosts must be joined by links */
#define MINI_LINKS " \"links\": [{\"endpoints\": [\"pc1:eth0\", \"mail-a:eth0\"]}],\n"
#define MINI_USERS " \"users\": [{\"address\": \"alice@a.example\", \"password\": \"pw\"}]}\n"
#define MINI MINI_HEAD MINI_NODES MINI_USERS

struct fx {
    char dir[64];
    char path[128];             /* DIR/world.json */
    char err[WORLD_ERROR_MAX];
    char want[WORLD_ERROR_MAX + 128];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    snprintf(f->dir, sizeof f->dir, "/tmp/tutor-test-world-XXXXXX");
    if (!mkdtemp(f->dir)) {
        perror("mkdtemp");
        f->dir[0] = '\0';
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/world.json", f->dir);
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (!f)
        return 0;
    if (f->dir[0]) {
        char ferr[FS_ERROR_MAX];
        if (fs_remove_tree(f->dir, ferr) < 0)
            fprintf(stderr, "fs_remove_tree: %s\n", ferr);
    }
    free(f);
    return 0;
}

static void write_world(struct fx *f, const char *text)
{
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    size_t n = strlen(text);
    bool ok = fwrite(text, 1, n, fp) == n;
    ok = fclose(fp) == 0 && ok;
    assert_true(ok);
}

/* Writes `text` as the world file and loads it; the world, or NULL with
 * the message in f->err. */
static struct world *load_text(struct fx *f, const char *text)
{
    write_world(f, text);
    f->err[0] = '\0';
    return world_load(f->path, f->err);
}

/* The world must not load, and the message must be "PATH<rest>" exactly. */
static void expect_error(struct fx *f, const char *text, const char *rest)
{
    struct world *w = load_text(f, text);
    if (w) {
        world_free(w);
        fail_msg("the world loaded, expected \"%s%s\"", f->path, rest);
    }
    snprintf(f->want, sizeof f->want, "%s%s", f->path, rest);
    assert_string_equal(f->err, f->want);
}

/* ------------------------------------------------------------------------
 * Worlds that load.
 */
static void test_default_world_loads(void **state)
{
    (void)state;
    char err[WORLD_ERROR_MAX] = "";
    struct world *w = world_load(WORLD_FILE, err);
    if (!w)
        fail_msg("world_load: %s", err);
    assert_string_equal(w->path, WORLD_FILE);
    assert_string_equal(w->name, "lecture");
    assert_string_equal(w->student, "pc1");
    assert_int_equal(w->n_nodes, 12);
    assert_int_equal(w->n_users, 4);       /* alice, bob, and each domain's postmaster */
    /* 2002-05-29T10:00:00+09:00 */
    assert_true(w->clock_start == 1022634000LL);
    assert_int_equal(w->tz_minutes, 9 * 60);
    assert_int_equal(w->seed, 20020529UL);
    /* the budget as the file says it (memory in KiB) */
    json_t *budget = json_object_get(w->doc, "budget");
    assert_true(json_is_object(budget));
    json_int_t kib = json_integer_value(json_object_get(budget, "memory_kib"));
    assert_true(kib > 0);
    assert_int_equal(w->limits.memory, (size_t)kib << 10);
    assert_int_equal(w->limits.instructions,
                     json_integer_value(json_object_get(budget, "instructions")));
    assert_int_equal(w->limits.deadline_ms,
                     json_integer_value(json_object_get(budget, "deadline_ms")));

    const struct world_user *alice = world_user(w, "alice@a.example");
    assert_non_null(alice);
    assert_string_equal(alice->password, "alice-pw");
    assert_string_equal(alice->name, "Alice");
    assert_string_equal(alice->localpart, "alice");
    assert_string_equal(alice->domain, "a.example");
    const struct world_user *bob = world_user(w, "bob@b.example");
    assert_non_null(bob);
    assert_string_equal(bob->password, "bob-pw");
    assert_string_equal(bob->domain, "b.example");

    const struct world_node *pc1 = world_node(w, "pc1");
    assert_non_null(pc1);
    assert_string_equal(pc1->kind, "host");
    assert_string_equal(pc1->hostname, "pc1.a.example");
    assert_string_equal(pc1->label_en, "student's PC");
    assert_int_equal(pc1->n_ifaces, 1);
    assert_string_equal(pc1->ifaces[0].name, "eth0");
    assert_int_equal(pc1->ifaces[0].ipv4.addr, 0xC000020Au);      /* 192.0.2.10 */
    assert_int_equal(pc1->ifaces[0].ipv4.len, 24);
    assert_int_equal(world_node_addr(pc1), 0xC000020Au);
    assert_true(pc1->has_gateway);
    assert_int_equal(pc1->gateway, 0xC0000201u);                  /* 192.0.2.1 */
    assert_int_equal(pc1->n_dns, 1);
    assert_int_equal(pc1->dns[0], 0xC0000235u);                   /* 192.0.2.53 */
    assert_int_equal(pc1->n_services, 0);

    const struct world_node *ma = world_node(w, "mail-a");
    assert_non_null(ma);
    assert_string_equal(ma->kind, "server");
    assert_int_equal(world_node_addr(ma), 0xC0000219u);           /* 192.0.2.25 */
    assert_int_equal(ma->n_mail_domains, 1);
    assert_string_equal(ma->mail_domains[0], "a.example");
    assert_int_equal(ma->n_services, 3);
    const struct world_service *smtp = world_service(ma, "smtp");
    assert_non_null(smtp);
    assert_int_equal(smtp->port, 25);
    assert_string_equal(smtp->script, "smtp.lua");
    assert_true(json_is_object(smtp->settings));
    assert_int_equal(json_integer_value(json_object_get(smtp->settings, "max_recipients")), 100);
    assert_ptr_equal(world_service_by_port(ma, 587), world_service(ma, "submission"));
    assert_ptr_equal(world_service_by_port(ma, 110), world_service(ma, "pop3"));
    assert_null(world_service(ma, "imap"));
    assert_null(world_service_by_port(ma, 143));

    const struct world_node *mb = world_node(w, "mail-b");
    assert_non_null(mb);
    assert_int_equal(world_node_addr(mb), 0xC6336419u);           /* 198.51.100.25 */
    assert_ptr_equal(world_mail_host(w, "a.example"), ma);
    assert_ptr_equal(world_mail_host(w, "B.Example."), mb);
    assert_null(world_mail_host(w, "c.example"));

    const struct world_node *gw = world_node(w, "gw-a");
    assert_non_null(gw);
    assert_string_equal(gw->kind, "router");
    assert_int_equal(gw->n_ifaces, 2);
    world_free(w);
}

static void test_mini_world_loads(void **state)
{
    struct fx *f = *state;
    struct world *w = load_text(f, MINI);
    if (!w)
        fail_msg("world_load: %s", f->err);
    assert_int_equal(w->n_nodes, 2);
    assert_int_equal(w->n_users, 1);
    /* without "clock" the wall clock runs; without "seed", 1 */
    assert_true(w->clock_start == -1);
    assert_int_equal(w->tz_minutes, 0);
    assert_int_equal(w->seed, 1UL);
    const struct world_user *u = world_user(w, "alice@a.example");
    assert_non_null(u);
    assert_string_equal(u->name, "alice");      /* no "name": the local part */
    assert_string_equal(world_node(w, "pc1")->kind, "host");
    world_free(w);
}

/* ------------------------------------------------------------------------
 * Broken worlds: the exact messages.
 */
static void test_json_syntax_error(void **state)
{
    struct fx *f = *state;
    /* "file:LINE:COL: what" */
    expect_error(f, "{\"name\": \"t\",\n  \"student\": }\n", ":2:14: unexpected token near '}'");
    expect_error(f, "{\"name\": \"t\",\n \"name\": \"u\"}\n",
                 ":2:7: duplicate object key near '\"name\"'");
}

static void test_missing_file(void **state)
{
    struct fx *f = *state;
    char err[WORLD_ERROR_MAX], want[WORLD_ERROR_MAX + 128];
    char path[128];
    snprintf(path, sizeof path, "%s/nosuch.json", f->dir);
    assert_null(world_load(path, err));
    snprintf(want, sizeof want, "%s: unable to open %s: No such file or directory", path, path);
    assert_string_equal(err, want);
}

static void test_unknown_key(void **state)
{
    struct fx *f = *state;
    expect_error(f, "{\"nmae\": \"x\", \"name\": \"t\", \"student\": \"pc1\",\n" MINI_NODES MINI_USERS,
                 ": $: unknown key \"nmae\"");
    expect_error(f, "{\"n\\u0001\\n\": \"x\", \"name\": \"t\", \"student\": \"pc1\",\n" MINI_NODES MINI_USERS,
                 ": $: unknown key \"n\\u0001\\n\"");
    expect_error(f, MINI_HEAD
                 " \"nodes\": {\n"
                 "  \"pc1\": {\"hostnmae\": \"pc1.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.10/24\"}}},\n"
                 "  \"mail-a\": {\"hostname\": \"mail.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.25/24\"}},\n"
                 "             \"mail_domains\": [\"a.example\"]}},\n" MINI_LINKS MINI_USERS,
                 ": $.nodes.pc1: unknown key \"hostnmae\"");
    expect_error(f, MINI_HEAD
                 " \"nodes\": {\n"
                 "  \"pc1\": {\"hostname\": \"pc1.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.10/24\", \"mac\": \"x\"}}},\n"
                 "  \"mail-a\": {\"hostname\": \"mail.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.25/24\"}},\n"
                 "             \"mail_domains\": [\"a.example\"]}},\n" MINI_LINKS MINI_USERS,
                 ": $.nodes.pc1.interfaces.eth0: unknown key \"mac\"");
    expect_error(f, MINI_HEAD
                 " \"nodes\": {\n"
                 "  \"pc1\": {\"hostname\": \"pc1.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.10/24\"}}},\n"
                 "  \"mail-a\": {\"hostname\": \"mail.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.25/24\"}},\n"
                 "             \"services\": {\"smtp\": {\"script\": \"smtp.lua\", \"setings\": {}}},\n"
                 "             \"mail_domains\": [\"a.example\"]}},\n" MINI_LINKS MINI_USERS,
                 ": $.nodes.mail-a.services.smtp: unknown key \"setings\"");
    expect_error(f, MINI_HEAD MINI_NODES
                 " \"users\": [{\"address\": \"alice@a.example\", \"pasword\": \"pw\"}]}\n",
                 ": $.users[0]: unknown key \"pasword\"");
}

static void test_bad_prefix(void **state)
{
    struct fx *f = *state;
    expect_error(f, MINI_HEAD
                 " \"nodes\": {\n"
                 "  \"pc1\": {\"hostname\": \"pc1.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.300/24\"}}},\n"
                 "  \"mail-a\": {\"hostname\": \"mail.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.25/24\"}},\n"
                 "             \"mail_domains\": [\"a.example\"]}},\n" MINI_LINKS MINI_USERS,
                 ": $.nodes.pc1.interfaces.eth0: \"ipv4\" must be an address with a prefix length, "
                 "like \"192.0.2.10/24\", not \"192.0.2.300/24\"");
    /* no prefix length, or one past 32 */
    expect_error(f, MINI_HEAD
                 " \"nodes\": {\n"
                 "  \"pc1\": {\"hostname\": \"pc1.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.10\"}}},\n"
                 "  \"mail-a\": {\"hostname\": \"mail.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.25/24\"}},\n"
                 "             \"mail_domains\": [\"a.example\"]}},\n" MINI_LINKS MINI_USERS,
                 ": $.nodes.pc1.interfaces.eth0: \"ipv4\" must be an address with a prefix length, "
                 "like \"192.0.2.10/24\", not \"192.0.2.10\"");
    expect_error(f, MINI_HEAD
                 " \"nodes\": {\n"
                 "  \"pc1\": {\"hostname\": \"pc1.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.10/24\"}}},\n"
                 "  \"mail-a\": {\"hostname\": \"mail.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.25/33\"}},\n"
                 "             \"mail_domains\": [\"a.example\"]}},\n" MINI_LINKS MINI_USERS,
                 ": $.nodes.mail-a.interfaces.eth0: \"ipv4\" must be an address with a prefix length, "
                 "like \"192.0.2.10/24\", not \"192.0.2.25/33\"");
}

static void test_duplicate_address(void **state)
{
    struct fx *f = *state;
    expect_error(f, MINI_HEAD
                 " \"nodes\": {\n"
                 "  \"pc1\": {\"hostname\": \"pc1.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.10/24\"}}},\n"
                 "  \"mail-a\": {\"hostname\": \"mail.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.10/24\"}},\n"
                 "             \"mail_domains\": [\"a.example\"]}},\n" MINI_LINKS MINI_USERS,
                 ": $.nodes.mail-a.interfaces.eth0.ipv4: address 192.0.2.10 is already used by pc1:eth0");
    /* two interfaces of one node */
    expect_error(f, MINI_HEAD
                 " \"nodes\": {\n"
                 "  \"pc1\": {\"hostname\": \"pc1.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.10/24\"},\n"
                 "                                                    \"eth1\": {\"ipv4\": \"192.0.2.10/30\"}}},\n"
                 "  \"mail-a\": {\"hostname\": \"mail.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.25/24\"}},\n"
                 "             \"mail_domains\": [\"a.example\"]}},\n" MINI_LINKS MINI_USERS,
                 ": $.nodes.pc1.interfaces.eth1.ipv4: address 192.0.2.10 is already used by pc1:eth0");
}

static void test_student_not_a_node(void **state)
{
    struct fx *f = *state;
    expect_error(f, "{\"name\": \"t\", \"student\": \"pc9\",\n" MINI_NODES MINI_USERS,
                 ": $.student: no node is called \"pc9\"");
    expect_error(f, "{\"name\": \"t\",\n" MINI_NODES MINI_USERS, ": $: \"student\" is missing");
}

static void test_user_domain_not_served(void **state)
{
    struct fx *f = *state;
    expect_error(f, MINI_HEAD MINI_NODES
                 " \"users\": [{\"address\": \"alice@a.example\", \"password\": \"pw\"},\n"
                 "           {\"address\": \"carol@c.example\", \"password\": \"pw\"}]}\n",
                 ": $.users[1]: no node has \"c.example\" in its mail_domains");
    expect_error(f, MINI_HEAD MINI_NODES
                 " \"users\": [{\"address\": \"alice\", \"password\": \"pw\"}]}\n",
                 ": $.users[0]: \"address\" must look like user@domain, not \"alice\"");
    expect_error(f, MINI_HEAD MINI_NODES
                 " \"users\": [{\"address\": \"alice@a.example\", \"password\": \"pw\"},\n"
                 "           {\"address\": \"Alice@A.example\", \"password\": \"pw\"}]}\n",
                 ": $.users[1]: user \"Alice@A.example\" is listed twice");
    expect_error(f, MINI_HEAD MINI_NODES
                 " \"users\": [{\"address\": \"alice@a.example\"}]}\n",
                 ": $.users[0]: \"password\" is missing");
}

static void test_bad_clock(void **state)
{
    struct fx *f = *state;
    expect_error(f, "{\"name\": \"t\", \"student\": \"pc1\", \"clock\": \"yesterday\",\n" MINI_NODES MINI_USERS,
                 ": $.clock: must be a date like \"2002-05-29T10:00:00+09:00\", not \"yesterday\"");
    expect_error(f, "{\"name\": \"t\", \"student\": \"pc1\", \"clock\": \"2002-13-29T10:00:00+09:00\",\n"
                 MINI_NODES MINI_USERS,
                 ": $.clock: must be a date like \"2002-05-29T10:00:00+09:00\", "
                 "not \"2002-13-29T10:00:00+09:00\"");
    expect_error(f, "{\"name\": \"t\", \"student\": \"pc1\", \"clock\": \"2002-05-29 10:00:00\",\n"
                 MINI_NODES MINI_USERS,
                 ": $.clock: must be a date like \"2002-05-29T10:00:00+09:00\", "
                 "not \"2002-05-29 10:00:00\"");
    expect_error(f, "{\"name\": \"t\", \"student\": \"pc1\", \"clock\": 1022634000,\n"
                 MINI_NODES MINI_USERS, ": $: \"clock\" must be a string");
    expect_error(f, "{\"name\": \"t\", \"student\": \"pc1\", \"timezone\": \"+9\",\n" MINI_NODES MINI_USERS,
                 ": $.timezone: must look like \"+0900\", not \"+9\"");
}

/* Strings that hold a date but are not one of the form the message asks
 * for: each must be refused like "yesterday" is. */
static void test_bad_clock_near_misses(void **state)
{
    struct fx *f = *state;
    static const char *const bad[] = {
        "2002-05-29T10:00:00+09:00junk",        /* trailing text */
        "2002-05-29T10:00:00+99:99",            /* no such offset */
        "2002-02-31T10:00:00+09:00",            /* no such day */
        "2002-05-29T10:-5:00+09:00",            /* negative minute */
    };
    char text[1024], rest[256], loaded[512] = "";
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "{\"name\": \"t\", \"student\": \"pc1\", \"clock\": \"%s\",\n%s%s",
                 bad[i], MINI_NODES, MINI_USERS);
        struct world *w = load_text(f, text);
        if (w) {
            /* collect them all, so one run names every string let through */
            size_t used = strlen(loaded);
            snprintf(loaded + used, sizeof loaded - used, " \"%s\"", bad[i]);
            world_free(w);
            continue;
        }
        snprintf(rest, sizeof rest,
                 ": $.clock: must be a date like \"2002-05-29T10:00:00+09:00\", not \"%s\"", bad[i]);
        snprintf(f->want, sizeof f->want, "%s%s", f->path, rest);
        assert_string_equal(f->err, f->want);
    }
    if (loaded[0])
        fail_msg("these clocks were accepted:%s", loaded);
}

static void test_missing_nodes(void **state)
{
    struct fx *f = *state;
    expect_error(f, "{\"name\": \"t\", \"student\": \"pc1\"}\n", ": $: \"nodes\" is missing or empty: a network needs at least one node");
    expect_error(f, "{\"name\": \"t\", \"student\": \"pc1\", \"nodes\": []}\n",
                 ": $: \"nodes\" must be an object");
}

static void test_other_checks(void **state)
{
    struct fx *f = *state;
    expect_error(f, "[1, 2]\n", ": $: a world must be a JSON object");
    expect_error(f, "{\"name\": \"my world\", \"student\": \"pc1\",\n" MINI_NODES MINI_USERS,
                 ": $.name: use only letters, digits, '-' and '_' (it names a folder)");
    expect_error(f, "{\"schema\": \"tutor-world/2\", \"name\": \"t\", \"student\": \"pc1\",\n"
                 MINI_NODES MINI_USERS,
                 ": $.schema: unknown schema \"tutor-world/2\" (this tutor reads \"tutor-world/1\")");
    expect_error(f, MINI_HEAD
                 " \"nodes\": {\n"
                 "  \"pc1\": {\"kind\": \"laptop\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.10/24\"}}},\n"
                 "  \"mail-a\": {\"hostname\": \"mail.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.25/24\"}},\n"
                 "             \"mail_domains\": [\"a.example\"]}},\n" MINI_LINKS MINI_USERS,
                 ": $.nodes.pc1: \"kind\" must be host, router or server, not \"laptop\"");
    expect_error(f, MINI_HEAD
                 " \"nodes\": {\n"
                 "  \"pc1\": {\"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.10/24\"}}},\n"
                 "  \"mail-a\": {\"hostname\": \"mail.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.25/24\"}},\n"
                 "             \"services\": {\"smtp\": {\"port\": 70000, \"script\": \"smtp.lua\"}},\n"
                 "             \"mail_domains\": [\"a.example\"]}},\n" MINI_LINKS MINI_USERS,
                 ": $.nodes.mail-a.services.smtp: \"port\" must be a number from 1 to 65535");
    /* a service the tutor does not know by name needs a port */
    expect_error(f, MINI_HEAD
                 " \"nodes\": {\n"
                 "  \"pc1\": {\"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.10/24\"}}},\n"
                 "  \"mail-a\": {\"hostname\": \"mail.a.example\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.25/24\"}},\n"
                 "             \"services\": {\"gopher\": {\"script\": \"g.lua\"}},\n"
                 "             \"mail_domains\": [\"a.example\"]}},\n" MINI_LINKS MINI_USERS,
                 ": $.nodes.mail-a.services.gopher: \"port\" must be a number from 1 to 65535");
}

/* ------------------------------------------------------------------------
 * Look-ups.
 */
static void test_find_host(void **state)
{
    (void)state;
    char err[WORLD_ERROR_MAX] = "";
    struct world *w = world_load(WORLD_FILE, err);
    if (!w)
        fail_msg("world_load: %s", err);
    const struct world_node *ma = world_node(w, "mail-a");
    const struct world_node *pc1 = world_node(w, "pc1");
    assert_non_null(ma);
    assert_non_null(pc1);
    assert_string_equal(ma->hostname, "mail.a.example");

    /* by node name */
    assert_ptr_equal(world_find_host(w, "mail-a"), ma);
    assert_ptr_equal(world_find_host(w, "pc1"), pc1);
    /* by host name: without case, with or without a trailing dot */
    assert_ptr_equal(world_find_host(w, "mail.a.example"), ma);
    assert_ptr_equal(world_find_host(w, "MAIL.A.EXAMPLE"), ma);
    assert_ptr_equal(world_find_host(w, "Mail.A.Example."), ma);
    assert_ptr_equal(world_find_host(w, "pc1.a.example."), pc1);
    assert_ptr_equal(world_host_by_name(w, "mail.b.example."), world_node(w, "mail-b"));
    /* by address, any interface */
    assert_ptr_equal(world_find_host(w, "192.0.2.25"), ma);
    assert_ptr_equal(world_find_host(w, "192.0.2.10"), pc1);
    assert_ptr_equal(world_find_host(w, "203.0.113.10"), world_node(w, "gw-b"));
    assert_ptr_equal(world_host_by_addr(w, 0xC6336419u), world_node(w, "mail-b"));
    /* nothing */
    assert_null(world_find_host(w, "nosuch"));
    assert_null(world_find_host(w, "nosuch.a.example"));
    assert_null(world_find_host(w, "192.0.2.99"));
    assert_null(world_find_host(w, "mail.a.example.."));
    assert_null(world_find_host(w, ""));
    assert_null(world_host_by_addr(w, 0));
    /* a node name is not a host name */
    assert_null(world_host_by_name(w, "mail-a"));
    /* users compare without case */
    assert_ptr_equal(world_user(w, "ALICE@A.EXAMPLE"), world_user(w, "alice@a.example"));
    assert_null(world_user(w, "alice"));
    world_free(w);
}

static void test_port_of(void **state)
{
    (void)state;
    assert_int_equal(world_port_of("smtp"), 25);
    assert_int_equal(world_port_of("SMTP"), 25);
    assert_int_equal(world_port_of("pop3"), 110);
    assert_int_equal(world_port_of("submission"), 587);
    assert_int_equal(world_port_of("domain"), 53);
    assert_int_equal(world_port_of("imap"), 143);
    assert_int_equal(world_port_of("nosuch"), -1);
    assert_int_equal(world_port_of(""), -1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_default_world_loads),
        T(test_mini_world_loads),
        T(test_json_syntax_error),
        T(test_missing_file),
        T(test_unknown_key),
        T(test_bad_prefix),
        T(test_duplicate_address),
        T(test_student_not_a_node),
        T(test_user_domain_not_served),
        T(test_bad_clock),
        T(test_bad_clock_near_misses),
        T(test_missing_nodes),
        T(test_other_checks),
        T(test_find_host),
        T(test_port_of),
    };
    return cmocka_run_group_tests_name("world", tests, NULL, NULL);
}
