/*
 * world — see world.h.
 *
 * The checker walks the document once, keeping a JSON path for messages.
 * Unknown keys are errors: a misspelt "pasword" would otherwise be a user
 * who can never log in, found an hour into a class.
 */
#include "world.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct checker {
    const char *file;
    char *err;
    bool failed;
};

static void fail(struct checker *c, const char *path, const char *fmt, ...)
{
    if (c->failed)
        return;
    c->failed = true;
    char what[WORLD_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(c->err, WORLD_ERROR_MAX, "%s: %s: %s", c->file, path, what);
    topo_escape_controls(c->err, WORLD_ERROR_MAX);
}

/* Every key of `obj` must be in the NULL-terminated `allowed`. */
static void check_keys(struct checker *c, const char *path, json_t *obj,
                       const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        const char *const *a = allowed;
        while (*a && strcmp(*a, key) != 0)
            a++;
        if (!*a)
            fail(c, path, "unknown key \"%s\"", key);
    }
}

static const char *opt_string(struct checker *c, const char *path, json_t *obj,
                              const char *key, bool required)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            fail(c, path, "\"%s\" is missing", key);
        return NULL;
    }
    if (!json_is_string(v)) {
        fail(c, path, "\"%s\" must be a string", key);
        return NULL;
    }
    return json_string_value(v);
}

static json_t *opt_object(struct checker *c, const char *path, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (v && !json_is_object(v)) {
        fail(c, path, "\"%s\" must be an object", key);
        return NULL;
    }
    return v;
}

static json_t *opt_array(struct checker *c, const char *path, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (v && !json_is_array(v)) {
        fail(c, path, "\"%s\" must be an array", key);
        return NULL;
    }
    return v;
}

/* ------------------------------------------------------------------------
 * Nodes.
 */
/* What a world adds to net-sim's topology format: net-sim checks the
 * network (kind, label, host name, interfaces, routes, links) and lets these
 * through; the world checks them here. */
static const char *const world_top_keys[] = {
    "student", "clock", "timezone", "seed", "budget", "users", NULL,
};
static const char *const world_node_keys[] = {"dns", "services", "mail_domains", NULL};
const struct topo_extra_keys world_topo_keys = {world_top_keys, world_node_keys};

static void load_services(struct checker *c, const char *npath, json_t *jsvc,
                          struct world_node *n)
{
    n->services = calloc(json_object_size(jsvc) + 1, sizeof *n->services);
    if (!n->services) {
        fail(c, npath, "out of memory");
        return;
    }
    const char *name;
    json_t *js;
    json_object_foreach(jsvc, name, js) {
        char path[256];
        snprintf(path, sizeof path, "%s.services.%s", npath, name);
        if (!json_is_object(js)) {
            fail(c, path, "must be an object");
            return;
        }
        static const char *const keys[] = {"port", "script", "settings", NULL};
        check_keys(c, path, js, keys);
        struct world_service *s = &n->services[n->n_services++];
        s->name = name;
        json_t *port = json_object_get(js, "port");
        s->port = port ? (int)json_integer_value(port) : world_port_of(name);
        if ((port && !json_is_integer(port)) || s->port < 1 || s->port > 65535)
            fail(c, path, "\"port\" must be a number from 1 to 65535");
        s->script = opt_string(c, path, js, "script", true);
        s->settings = opt_object(c, path, js, "settings");
        if (!s->settings) {
            /* an empty object the document owns, so it is freed with it */
            json_object_set_new(js, "settings", json_object());
            s->settings = json_object_get(js, "settings");
        }
    }
}

/* The network side of a node, as net-sim loaded it: the interfaces that
 * have an address and the default route's gateway. */
static void take_network(struct checker *c, const char *path, const struct topo_node *tn,
                         struct world_node *n)
{
    static const char *const kinds[] = {"host", "router", "server"};
    n->kind = kinds[tn->kind];
    n->hostname = tn->hostname;
    n->label_en = tn->label_en;
    n->label_ja = tn->label_ja;
    n->ifaces = calloc(tn->n_ifaces + 1, sizeof *n->ifaces);
    if (!n->ifaces) {
        fail(c, path, "out of memory");
        return;
    }
    for (size_t i = 0; i < tn->n_ifaces; i++)
        if (tn->ifaces[i].ipv4.len >= 0)
            n->ifaces[n->n_ifaces++] = (struct world_iface){tn->ifaces[i].name, tn->ifaces[i].ipv4};
    for (size_t i = 0; i < tn->n_routes && !n->has_gateway; i++)
        if (tn->routes[i].is_default && tn->routes[i].has_gateway) {
            n->has_gateway = true;
            n->gateway = tn->routes[i].gateway;
        }
}

static void load_node(struct checker *c, const struct topo_node *tn, json_t *jn,
                      struct world_node *n)
{
    char path[200];
    snprintf(path, sizeof path, "$.nodes.%s", tn->name);
    n->name = tn->name;
    take_network(c, path, tn, n);

    json_t *dns = opt_array(c, path, jn, "dns");
    if (dns) {
        n->dns = calloc(json_array_size(dns) + 1, sizeof *n->dns);
        size_t di;
        json_t *jd;
        json_array_foreach(dns, di, jd) {
            if (!json_is_string(jd) || addr_parse_ipv4(json_string_value(jd), &n->dns[di]) < 0) {
                fail(c, path, "\"dns\"[%zu] must be an IPv4 address", di);
                break;
            }
            n->n_dns++;
        }
    }

    json_t *svc = opt_object(c, path, jn, "services");
    if (svc)
        load_services(c, path, svc, n);

    json_t *md = opt_array(c, path, jn, "mail_domains");
    if (md) {
        n->mail_domains = calloc(json_array_size(md) + 1, sizeof *n->mail_domains);
        size_t mi;
        json_t *jm;
        json_array_foreach(md, mi, jm) {
            if (!json_is_string(jm)) {
                fail(c, path, "\"mail_domains\"[%zu] must be a string", mi);
                break;
            }
            n->mail_domains[n->n_mail_domains++] = json_string_value(jm);
        }
    }
}

/* ------------------------------------------------------------------------
 * Users.
 */
static void load_users(struct checker *c, struct world *w, json_t *users)
{
    w->users = calloc(json_array_size(users) + 1, sizeof *w->users);
    size_t i;
    json_t *ju;
    json_array_foreach(users, i, ju) {
        char path[64];
        snprintf(path, sizeof path, "$.users[%zu]", i);
        static const char *const keys[] = {"address", "password", "name", NULL};
        if (!json_is_object(ju)) {
            fail(c, path, "a user must be an object");
            return;
        }
        check_keys(c, path, ju, keys);
        struct world_user *u = &w->users[w->n_users++];
        u->address = opt_string(c, path, ju, "address", true);
        u->password = opt_string(c, path, ju, "password", true);
        u->name = opt_string(c, path, ju, "name", false);
        if (!u->address)
            return;
        const char *at = strchr(u->address, '@');
        if (!at || at == u->address || !at[1] || strchr(at + 1, '@')) {
            fail(c, path, "\"address\" must look like user@domain, not \"%s\"", u->address);
            return;
        }
        /* The split halves are kept in the document so they live as long. */
        json_object_set_new(ju, "localpart",
                            json_stringn(u->address, (size_t)(at - u->address)));
        u->localpart = json_string_value(json_object_get(ju, "localpart"));
        u->domain = at + 1;
        if (!u->name)
            u->name = u->localpart;
        for (size_t j = 0; j + 1 < w->n_users; j++)
            if (strcasecmp(w->users[j].address, u->address) == 0)
                fail(c, path, "user \"%s\" is listed twice", u->address);
        if (!world_mail_host(w, u->domain))
            fail(c, path, "no node has \"%s\" in its mail_domains", u->domain);
    }
}

/* ------------------------------------------------------------------------
 * Top level.
 */
static int parse_tz(const char *s)
{
    /* "+0900" or "-0330" */
    if (!s || strlen(s) != 5 || (s[0] != '+' && s[0] != '-'))
        return -100000;
    for (int i = 1; i < 5; i++)
        if (!isdigit((unsigned char)s[i]))
            return -100000;
    int h = (s[1] - '0') * 10 + (s[2] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 14 || m > 59)
        return -100000;
    return (s[0] == '-' ? -1 : 1) * (h * 60 + m);
}

/* Two digits at s[0..1], or -1. */
static int two_digits(const char *s)
{
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
        return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* "2002-05-29T10:00:00+09:00" (exactly that shape) to seconds since 1970,
 * -1 when malformed or not a real date. */
static long long parse_clock(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd+dd:dd";
    if (!s || strlen(s) != sizeof shape - 1)
        return -1;
    for (size_t i = 0; shape[i]; i++) {
        bool ok = shape[i] == 'd' ? isdigit((unsigned char)s[i])
                : shape[i] == '+' ? (s[i] == '+' || s[i] == '-')
                : s[i] == shape[i];
        if (!ok)
            return -1;
    }
    int Y = two_digits(s) * 100 + two_digits(s + 2), M = two_digits(s + 5),
        D = two_digits(s + 8), h = two_digits(s + 11), m = two_digits(s + 14),
        sec = two_digits(s + 17), oh = two_digits(s + 20), om = two_digits(s + 23);
    char sign = s[19];
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || (M == 2 && D == 29 && !leap) ||
        h > 23 || m > 59 || sec > 59 || oh > 14 || om > 59)
        return -1;
    /* days from the civil date (H. Hinnant's algorithm): timegm is not POSIX */
    long long y = M <= 2 ? Y - 1 : Y;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (M + (M > 2 ? -3 : 9)) + 2) / 5 + D - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long long days = era * 146097 + doe - 719468;
    long long t = days * 86400 + h * 3600LL + m * 60LL + sec;
    return t - (sign == '-' ? -1 : 1) * (oh * 3600LL + om * 60LL);
}

static void load_top(struct checker *c, struct world *w, json_t *doc)
{
    if (!json_is_object(doc)) {
        fail(c, "$", "a world must be a JSON object");
        return;
    }
    const char *schema = opt_string(c, "$", doc, "schema", false);
    if (schema && strcmp(schema, "tutor-world/1") != 0)
        fail(c, "$.schema", "unknown schema \"%s\" (this tutor reads \"tutor-world/1\")", schema);
    if (c->failed)
        return;
    /* then the network: net-sim checks it, and every unknown key */
    w->net = topo_load_doc(doc, c->file, &world_topo_keys, c->err);
    if (!w->net) {
        c->failed = true;
        return;
    }
    w->name = opt_string(c, "$", doc, "name", true);
    if (w->name) {
        for (const char *p = w->name; *p; p++)
            if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
                fail(c, "$.name", "use only letters, digits, '-' and '_' (it names a folder)");
        if (!*w->name)
            fail(c, "$.name", "must not be empty");
    }
    w->student = opt_string(c, "$", doc, "student", true);

    const char *clock = opt_string(c, "$", doc, "clock", false);
    w->clock_start = -1;
    if (clock && (w->clock_start = parse_clock(clock)) < 0)
        fail(c, "$.clock", "must be a date like \"2002-05-29T10:00:00+09:00\", not \"%s\"", clock);
    const char *tz = opt_string(c, "$", doc, "timezone", false);
    w->tz_minutes = tz ? parse_tz(tz) : 0;
    if (tz && w->tz_minutes == -100000)
        fail(c, "$.timezone", "must look like \"+0900\", not \"%s\"", tz);
    json_t *seed = json_object_get(doc, "seed");
    if (seed && (!json_is_integer(seed) || json_integer_value(seed) < 0))
        fail(c, "$.seed", "must be a non-negative integer");
    w->seed = seed ? (unsigned long)json_integer_value(seed) : 1;

    json_t *budget = opt_object(c, "$", doc, "budget");
    if (budget) {
        static const char *const bkeys[] = {"memory_kib", "instructions", "deadline_ms", NULL};
        check_keys(c, "$.budget", budget, bkeys);
        const char *key;
        json_t *v;
        json_object_foreach(budget, key, v)
            if (!json_is_integer(v) || json_integer_value(v) <= 0)
                fail(c, "$.budget", "\"%s\" must be a positive whole number", key);
        json_int_t mem = json_integer_value(json_object_get(budget, "memory_kib"));
        w->limits.memory = mem > 0 ? (size_t)mem << 10 : 0;
        w->limits.instructions = (long)json_integer_value(json_object_get(budget, "instructions"));
        w->limits.deadline_ms = (long)json_integer_value(json_object_get(budget, "deadline_ms"));
    }

    json_t *nodes = json_object_get(doc, "nodes");
    w->nodes = calloc(w->net->n_nodes + 1, sizeof *w->nodes);
    if (!w->nodes) {
        fail(c, "$.nodes", "out of memory");
        return;
    }
    for (size_t i = 0; i < w->net->n_nodes && !c->failed; i++) {
        const struct topo_node *tn = &w->net->nodes[i];
        load_node(c, tn, json_object_get(nodes, tn->name), &w->nodes[w->n_nodes++]);
    }
    if (c->failed)
        return;

    if (w->student && !world_node(w, w->student))
        fail(c, "$.student", "no node is called \"%s\"", w->student);

    json_t *users = opt_array(c, "$", doc, "users");
    if (users)
        load_users(c, w, users);
}

_Static_assert(WORLD_ERROR_MAX == TOPO_ERROR_MAX, "world_load passes err to topo_json_load");

struct world *world_load(const char *path, char err[WORLD_ERROR_MAX])
{
    struct checker c = {path, err, false};
    /* a world is a classroom's network plus its mail: small (the built-in
     * one is 5 KB); the whole tree stays, for the servers' settings */
    static const struct topo_json_limits limits = {WORLD_FILE_MAX, WORLD_VALUES_MAX, "a world"};
    json_t *doc = topo_json_load(path, &limits, err);
    if (!doc)
        return NULL;
    struct world *w = calloc(1, sizeof *w);
    if (!w) {
        json_decref(doc);
        snprintf(err, WORLD_ERROR_MAX, "%s: out of memory", path);
        return NULL;
    }
    w->doc = doc;
    w->path = strdup(path);
    load_top(&c, w, doc);
    if (c.failed || !w->path) {
        if (!c.failed)
            snprintf(err, WORLD_ERROR_MAX, "%s: out of memory", path);
        world_free(w);
        return NULL;
    }
    return w;
}

void world_free(struct world *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n_nodes; i++) {
        free(w->nodes[i].ifaces);
        free(w->nodes[i].dns);
        free(w->nodes[i].services);
        free(w->nodes[i].mail_domains);
    }
    free(w->nodes);
    free(w->users);
    topo_free(w->net);
    free(w->path);
    json_decref(w->doc);
    free(w);
}

/* ------------------------------------------------------------------------
 * Look-ups. Worlds are classroom-sized (tens of hosts), so linear scans are
 * clearer than indexes and fast enough; net-sim keeps its own indexes for
 * large topologies.
 */
static bool same_name(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la && a[la - 1] == '.')
        la--;
    if (lb && b[lb - 1] == '.')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

const struct world_node *world_node(const struct world *w, const char *name)
{
    for (size_t i = 0; i < w->n_nodes; i++)
        if (strcmp(w->nodes[i].name, name) == 0)
            return &w->nodes[i];
    return NULL;
}

const struct world_node *world_host_by_name(const struct world *w, const char *hostname)
{
    for (size_t i = 0; i < w->n_nodes; i++)
        if (w->nodes[i].hostname && same_name(w->nodes[i].hostname, hostname))
            return &w->nodes[i];
    return NULL;
}

const struct world_node *world_host_by_addr(const struct world *w, uint32_t addr)
{
    for (size_t i = 0; i < w->n_nodes; i++)
        for (size_t k = 0; k < w->nodes[i].n_ifaces; k++)
            if (w->nodes[i].ifaces[k].ipv4.addr == addr)
                return &w->nodes[i];
    return NULL;
}

const struct world_node *world_find_host(const struct world *w, const char *what)
{
    uint32_t a;
    if (addr_parse_ipv4(what, &a) == 0)
        return world_host_by_addr(w, a);
    const struct world_node *n = world_host_by_name(w, what);
    return n ? n : world_node(w, what);
}

const struct world_service *world_service(const struct world_node *n, const char *name)
{
    for (size_t i = 0; i < n->n_services; i++)
        if (strcmp(n->services[i].name, name) == 0)
            return &n->services[i];
    return NULL;
}

const struct world_service *world_service_by_port(const struct world_node *n, int port)
{
    for (size_t i = 0; i < n->n_services; i++)
        if (n->services[i].port == port)
            return &n->services[i];
    return NULL;
}

const struct world_user *world_user(const struct world *w, const char *address)
{
    for (size_t i = 0; i < w->n_users; i++) {
        const struct world_user *u = &w->users[i];
        /* local parts are case-sensitive in principle (RFC 5321 2.4), but
         * no real server makes Alice and alice two people */
        if (strcasecmp(u->address, address) == 0)
            return u;
    }
    return NULL;
}

bool world_node_serves(const struct world_node *n, const char *domain)
{
    for (size_t k = 0; k < n->n_mail_domains; k++)
        if (same_name(n->mail_domains[k], domain))
            return true;
    return false;
}

const struct world_node *world_mail_host(const struct world *w, const char *domain)
{
    for (size_t i = 0; i < w->n_nodes; i++)
        for (size_t k = 0; k < w->nodes[i].n_mail_domains; k++)
            if (same_name(w->nodes[i].mail_domains[k], domain))
                return &w->nodes[i];
    return NULL;
}

uint32_t world_node_addr(const struct world_node *n)
{
    return n->n_ifaces ? n->ifaces[0].ipv4.addr : 0;
}

int world_port_of(const char *service)
{
    static const struct { const char *name; int port; } known[] = {
        {"smtp", 25}, {"domain", 53}, {"dns", 53}, {"http", 80},
        {"pop3", 110}, {"pop", 110}, {"imap", 143}, {"submission", 587},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcasecmp(known[i].name, service) == 0)
            return known[i].port;
    return -1;
}
