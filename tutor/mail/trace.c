/* trace — see trace.h. */
#include "trace.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "message.h"
#include "util/ascii.h"

/* src into dst[size], cut to fit: snprintf's "%s" without its cost, which
 * is most of a hint's when a mailbox gives a million. */
static void copy_n(char *dst, size_t size, const char *src, size_t n)
{
    n = strnlen(src, n < size - 1 ? n : size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}
static void copy_into(char *dst, size_t size, const char *src) { copy_n(dst, size, src, size); }
#define copy(dst, src) copy_into(dst, sizeof(dst), src)

/* ------------------------------------------------------------------------
 * Names and addresses.
 */
/* A dotted-quad as inet_pton(AF_INET) reads it (four parts of 0 to 255,
 * no leading zeros), into a[4]: asked of every name and address of every
 * hop, most of them no address at all. */
static bool ipv4(const char *s, unsigned char a[4])
{
    for (int part = 0; part < 4; part++) {
        if (part > 0 && *s++ != '.')
            return false;
        if (*s < '0' || *s > '9')
            return false;
        unsigned v = 0;
        const char *start = s;
        while (*s >= '0' && *s <= '9' && s - start < 4)
            v = v * 10 + (unsigned)(*s++ - '0');
        if (v > 255 || (s - start > 1 && *start == '0'))
            return false;
        a[part] = (unsigned char)v;
    }
    return *s == '\0';
}

enum trace_addr trace_addr_kind(const char *ip)
{
    unsigned char a[16];
    bool v6 = strchr(ip, ':') != NULL;          /* else a dotted quad, or no address */
    if (!v6 && ipv4(ip, a)) {
        if (a[0] == 127)
            return ADDR_LOOPBACK;
        if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
            (a[0] == 169 && a[1] == 254) || (a[0] == 100 && (a[1] & 0xc0) == 64))
            return ADDR_PRIVATE;        /* RFC 1918, link-local, RFC 6598's shared space */
        return a[0] == 0 ? ADDR_NONE : ADDR_PUBLIC;
    }
    if (v6 && inet_pton(AF_INET6, ip, a) == 1) {
        static const unsigned char loop[16] = {[15] = 1}, mapped[12] = {[10] = 0xff, [11] = 0xff};
        static const unsigned char unspecified[16] = {0};
        if (memcmp(a, loop, 16) == 0)
            return ADDR_LOOPBACK;
        if (memcmp(a, unspecified, 16) == 0)
            return ADDR_NONE;               /* "::", as 0.0.0.0: no host */
        if (memcmp(a, mapped, 12) == 0) {
            char v4[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, a + 12, v4, sizeof v4);
            return trace_addr_kind(v4);
        }
        if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
            return ADDR_PRIVATE;        /* unique local, link-local */
        return ADDR_PUBLIC;
    }
    return ADDR_NONE;
}

/* A host name: labels with a dot between, not an address. One pass, as
 * it is asked of every name of every hop. */
static bool is_name(const char *s)
{
    if (!s[0] || s[0] == '[')
        return false;
    bool dot = false, address_chars = true;
    for (const char *c = s; *c; c++) {
        unsigned char u = (unsigned char)*c;
        if (u == ' ' || u == '@')
            return false;
        dot |= u == '.';
        address_chars &= (u >= '0' && u <= '9') || (u >= 'a' && u <= 'f') || (u >= 'A' && u <= 'F') ||
                         u == '.' || u == ':';
    }
    /* only what an address is made of is asked of trace_addr_kind */
    return dot && (!address_chars || trace_addr_kind(s) == ADDR_NONE);
}

const char *trace_org_domain(const char *name)
{
    /* where each label starts, from the right: "jp", "ac.jp", "saga-u.ac.jp" */
    const char *from_right[3];
    int n = 0;
    /* an absolute name's final dot ("saga-u.ac.jp.") ends no label */
    const char *end = name + strlen(name);
    if (end > name && end[-1] == '.')
        end--;
    for (const char *p = end; p > name && n < 3; p--)
        if (p[-1] == '.' && p != end)
            from_right[n++] = p;
    if (n == 0)
        return name;
    const char *two = n >= 2 ? from_right[1] : name;
    /* "ac.jp", "co.uk": a country's second level holds the organisations */
    static const char *const second[] = {"ac", "co", "ne", "or", "go", "ed", "gr", "lg",
                                         "ad", "com", "net", "org", "gov", "edu"};
    size_t sld_len = (size_t)(from_right[0] - 1 - two);
    if (end - from_right[0] == 2)
        for (size_t i = 0; i < sizeof second / sizeof second[0]; i++)
            if (strlen(second[i]) == sld_len && ascii_eqn(two, second[i], sld_len))
                return n >= 3 ? from_right[2] : name;
    return two;
}

/* The first word of a clause ("mail.saga-u.example" of a by clause). */
static void first_word(const char *s, char out[TRACE_FIELD_MAX])
{
    size_t n = 0;
    while (s[n] && s[n] != ' ' && n < TRACE_FIELD_MAX - 1)
        n++;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* A name to compare with many: what same_host reads of it, read once,
 * when first asked for (most comparisons end at the first test). */
struct known {
    const char *s;
    int name;                           /* is_name(s); -1 before it is asked */
    const char *org;                    /* its organisation's domain, when a name */
};

static struct known known(const char *s)
{
    return (struct known){s, -1, ""};
}

/* Whether b is the host k is, or of its organisation. */
static bool same_as(struct known *k, const char *b)
{
    if (!k->s[0] || !b[0])
        return false;
    if (ascii_eq(k->s, b))
        return true;
    if (k->name < 0) {
        k->name = is_name(k->s);
        k->org = k->name ? trace_org_domain(k->s) : "";
    }
    return k->name && is_name(b) && ascii_eq(k->org, trace_org_domain(b));
}

static bool same_host(const char *a, const char *b)
{
    struct known k = known(a);
    return same_as(&k, b);
}

/* The client's address a hop names: its TCP-info's (set, for a from name
 * that is one, by client_addresses). */
static const char *hop_ip(const struct received_hop *h)
{
    return h->ip;
}

/* "from 203.0.113.222 by ... with HTTP": the from name is the client's
 * address, where the line gives no other. */
static void client_addresses(struct trace *t)
{
    for (size_t i = 0; i < t->n; i++) {
        struct received_hop *h = &t->hops[i];
        char w[TRACE_FIELD_MAX];
        first_word(h->from, w);
        if (!h->ip[0] && strlen(w) < sizeof h->ip && trace_addr_kind(w) != ADDR_NONE)
            copy(h->ip, w);
    }
}

/* A hop with no client on the network: sendmail's "(from user@localhost)",
 * Exchange's "mail pickup service", a from clause missing. */
static bool hop_local(const struct received_hop *h)
{
    return h->parsed && !hop_ip(h)[0] && (!h->from[0] || strchr(h->from, '@') || strchr(h->from, ' '));
}

/* The name the receiver verified, when it is one. */
static const char *hop_rdns(const struct received_hop *h)
{
    return is_name(h->rdns) && !ascii_eq(h->rdns, "unknown") ? h->rdns : "";
}

/* Whether `by` (the host that says it wrote a line) is the host the line
 * above got the mail from. A local hop's sender is the host itself. */
static bool wrote_to(const char *by, const struct received_hop *above)
{
    char above_by[TRACE_FIELD_MAX];
    first_word(above->by, above_by);
    if (hop_local(above))
        return same_host(by, above_by);
    char from[TRACE_FIELD_MAX];
    first_word(above->from, from);
    /* the names the sender chose (HELO, the from name) count only where the
     * receiver found none: else a spammer who says "HELO mx.bigbank.example"
     * would vouch for a line he wrote himself */
    const char *rdns = hop_rdns(above);
    if (rdns[0])
        return same_host(by, rdns) || (above->ip[0] && ascii_eq(by, above->ip));
    struct known k = known(by);
    return same_as(&k, above->helo) || same_as(&k, from) ||
           (above->ip[0] && ascii_eq(by, above->ip));
}

/* ------------------------------------------------------------------------
 * Hints.
 */
/* Hints of the hops fill at most TRACE_HINTS_MAX - HINTS_KEPT: a header of
 * eighty forged lines must not push out where the trust ends or that the
 * From is forged. */
#define HINTS_KEPT 16
static void hint(struct trace *t, enum trace_hint_kind kind, int hop, const char *a, const char *b)
{
    bool of_a_hop = hop >= 0 && kind != HINT_TRUST_ENDS;
    if (t->nhints == TRACE_HINTS_MAX || (of_a_hop && t->nhints >= TRACE_HINTS_MAX - HINTS_KEPT))
        return;
    struct trace_hint *h = &t->hints[t->nhints++];
    h->kind = kind;
    h->hop = hop;
    copy(h->a, a ? a : "");
    copy(h->b, b ? b : "");
}

static void hop_hints(struct trace *t, int i)
{
    const struct received_hop *h = &t->hops[i];
    if (!h->parsed) {
        char text[RECEIVED_RAW_MAX];
        received_text(h, text);
        hint(t, HINT_UNPARSED, i, text, NULL);
        return;
    }
    const char *ip = hop_ip(h);
    char by[TRACE_FIELD_MAX];
    first_word(h->by, by);
    if (h->may_be_forged)
        hint(t, HINT_MAY_BE_FORGED, i, h->rdns[0] ? h->rdns : h->helo, ip);
    enum trace_addr kind = ip[0] ? trace_addr_kind(ip) : ADDR_NONE;
    if (kind == ADDR_LOOPBACK)
        hint(t, HINT_LOOPBACK, i, ip, NULL);
    else if (kind == ADDR_PRIVATE)
        hint(t, HINT_PRIVATE, i, ip, NULL);
    if (hop_local(h))
        hint(t, HINT_LOCAL, i, h->from[0] ? h->from : by, NULL);
    if (kind == ADDR_PUBLIC && h->helo[0] && trace_addr_kind(h->helo) == ADDR_NONE &&
        h->helo[0] != '[') {
        const char *rdns = hop_rdns(h);
        if (!strchr(h->helo, '.'))
            hint(t, HINT_HELO_NOT_A_NAME, i, h->helo, NULL);
        if (!rdns[0] && !ascii_eq(h->with, "HTTP"))
            hint(t, HINT_NO_RDNS, i, h->helo, ip);
        else if (rdns[0] && !h->may_be_forged && !ascii_eq(rdns, h->helo))
            hint(t, HINT_HELO_RDNS, i, h->helo, rdns);
    }
    if (ascii_eq(h->with, "HTTP") || ascii_eq(h->with, "HTTPS"))
        hint(t, HINT_WEB, i, by, ip);
    if (h->authenticated)
        hint(t, HINT_AUTHENTICATED, i, by, NULL);
    long long d;
    if (i > 0 && trace_delay(t, (size_t)i, &d) && d < 0) {
        char s[32];
        snprintf(s, sizeof s, "%lld", d);
        hint(t, HINT_CLOCK_SKEW, i, s, NULL);
    }
}

bool trace_delay(const struct trace *t, size_t i, long long *seconds)
{
    if (i == 0 || i >= t->n || !t->hops[i].has_date || !t->hops[i - 1].has_date)
        return false;
    *seconds = t->hops[i].when - t->hops[i - 1].when;
    return true;
}

/* ------------------------------------------------------------------------
 * The believed chain and the origin.
 */

/* From the top down, while each line was written by the host the line
 * above got the mail from; the hint goes where that ends. */
static void believed_chain(struct trace *t)
{
    t->believed_from = t->n ? (int)t->n - 1 : -1;
    /* a line that is no hop ("(qmail 4242 invoked by uid 89)", a local
     * note) names no host: the chain goes on past it, from the line above */
    int a = (int)t->n - 1;
    while (a > 0 && !t->hops[a].parsed)
        a--;
    for (int i = a; i > 0; i--) {
        const struct received_hop *above = &t->hops[a], *below = &t->hops[i - 1];
        if (!below->parsed) {
            t->believed_from = i - 1;
            continue;
        }
        char by[TRACE_FIELD_MAX];
        first_word(below->by, by);
        if (above->parsed && wrote_to(by, above)) {
            t->believed_from = i - 1;
            a = i - 1;
            continue;
        }
        const char *got = hop_rdns(above)[0] ? hop_rdns(above) : above->helo[0] ? above->helo
                                                                                : hop_ip(above);
        hint(t, HINT_TRUST_ENDS, i - 1, by, got);
        break;
    }
}

static void find_origin(struct trace *t)
{
    struct trace_origin *o = &t->origin;
    memset(o, 0, sizeof *o);
    o->hop = o->inside_from = o->inside_to = -1;
    for (int j = t->believed_from; j >= 0 && j < (int)t->n; j++) {
        const struct received_hop *h = &t->hops[j];
        const char *ip = hop_ip(h);
        if (!h->parsed || !ip[0] || trace_addr_kind(ip) != ADDR_PUBLIC)
            continue;
        o->kind = ascii_eqn(h->with, "http", 4) ? ORIGIN_WEB : ORIGIN_HOP;
        o->hop = j;
        copy(o->ip, ip);
        copy(o->host, hop_rdns(h));
        first_word(h->by, o->by);
        o->rdns_confirms = o->host[0] && ascii_eq(o->host, h->helo);
        if (j > t->believed_from) {
            o->inside_from = t->believed_from;
            o->inside_to = j - 1;
        }
        break;
    }
    if (o->kind == ORIGIN_NONE && t->believed_from >= 0) {
        /* no line names a machine on the Internet: made inside */
        const struct received_hop *h = &t->hops[t->believed_from];
        o->kind = ORIGIN_INSIDE;
        o->hop = t->believed_from;
        copy(o->ip, hop_ip(h));
        first_word(h->by, o->by);
        copy(o->host, o->by);
    }
    /* The web mail service's word for its user's terminal, believed where
     * the lines end at the service: no machine on the Internet named, or
     * one whose lines show the mail made inside it (a pickup, a loopback
     * hop). A sender named by a line of its own is stronger evidence. */
    bool made_inside = o->kind == ORIGIN_INSIDE || o->kind == ORIGIN_NONE ||
                       (o->kind == ORIGIN_HOP && o->inside_from >= 0);
    if (t->originating_ip[0] && trace_addr_kind(t->originating_ip) == ADDR_PUBLIC && made_inside) {
        o->kind = ORIGIN_ORIGINATING_IP;
        o->hop = -1;                    /* no line names it: a field does */
        copy(o->ip, t->originating_ip);
        o->host[0] = '\0';
        o->rdns_confirms = false;
    }
}

/* ------------------------------------------------------------------------
 * The other fields, gathered in one pass over the header: a mailbox of
 * 100,000 messages is read once, not once a field.
 */
enum field_id {
    F_FROM, F_SUBJECT, F_DATE, F_MESSAGE_ID, F_ORIGINATING_IP, F_ERRORS_TO, F_RETURN_PATH,
    F_X_MAILER, F_USER_AGENT, F_X_SCRIPTNAME, F_X_PHP_SCRIPT, F_X_PHP_ORIGINATING_SCRIPT,
    F_X_PROVIDER_SENDER, F_X_BIGLOBE_SENDER,
    F_COUNT
};

static const struct {
    const char *name, *lower;
    size_t len;
} field_names[F_COUNT] = {
#define NAMED(s, l) {s, l, sizeof s - 1}
    [F_FROM] = NAMED("From", "from"),
    [F_SUBJECT] = NAMED("Subject", "subject"),
    [F_DATE] = NAMED("Date", "date"),
    [F_MESSAGE_ID] = NAMED("Message-ID", "message-id"),
    [F_ORIGINATING_IP] = NAMED("X-Originating-IP", "x-originating-ip"),
    [F_ERRORS_TO] = NAMED("Errors-To", "errors-to"),
    [F_RETURN_PATH] = NAMED("Return-Path", "return-path"),
    [F_X_MAILER] = NAMED("X-Mailer", "x-mailer"),
    [F_USER_AGENT] = NAMED("User-Agent", "user-agent"),
    [F_X_SCRIPTNAME] = NAMED("X-Scriptname", "x-scriptname"),
    [F_X_PHP_SCRIPT] = NAMED("X-PHP-Script", "x-php-script"),
    [F_X_PHP_ORIGINATING_SCRIPT] = NAMED("X-PHP-Originating-Script", "x-php-originating-script"),
    /* a provider's tag for its customer's account: the world's, and the
     * one of the lecture's virus mail */
    [F_X_PROVIDER_SENDER] = NAMED("X-Provider-Sender", "x-provider-sender"),
    [F_X_BIGLOBE_SENDER] = NAMED("X-Biglobe-Sender", "x-biglobe-sender"),
#undef NAMED
};

struct header_fields {
    struct received_field received[RECEIVED_HOPS_MAX];  /* the top one first */
    size_t nreceived;
    struct received_field f[F_COUNT];   /* the first of each name; value NULL when absent */
};

static bool gather(const char *name, size_t nlen, const char *v, size_t len, void *ud)
{
    struct header_fields *g = ud;
    if (nlen == 8 && ascii_eqn(name, "received", 8)) {
        if (g->nreceived < RECEIVED_HOPS_MAX)
            g->received[g->nreceived++] = (struct received_field){v, len};
        return false;
    }
    for (size_t i = 0; i < F_COUNT; i++)
        if (nlen == field_names[i].len && !g->f[i].value && ascii_eqn(name, field_names[i].lower, nlen))
            g->f[i] = (struct received_field){v, len};
    return false;
}

/* A field unfolded and trimmed, "" when absent. */
static void field(const struct header_fields *g, enum field_id id, char out[TRACE_FIELD_MAX])
{
    out[0] = '\0';
    if (g->f[id].value)
        msg_unfold(g->f[id].value, g->f[id].len, out, TRACE_FIELD_MAX);
}

static const char *domain_of(const char *addr)
{
    const char *at = strrchr(addr, '@');
    return at ? at + 1 : "";
}

/* The domain of a Message-Id: "<id@domain>". */
static void message_id_domain(const char *mid, char out[TRACE_FIELD_MAX])
{
    const char *at = strrchr(mid, '@');
    out[0] = '\0';
    if (!at)
        return;
    size_t n = strcspn(at + 1, "> \t");
    copy_n(out, TRACE_FIELD_MAX, at + 1, n);
}

/* Whether the mail passed through the From domain's organisation, by any
 * name a believed line gives: the lines below the chain's end may be the
 * sender's own invention, a bank's name written to vouch for its From. */
static bool path_knows(const struct trace *t, const char *domain, const char *mid_domain)
{
    struct known k = known(domain);
    if (same_as(&k, mid_domain))
        return true;
    for (size_t i = t->believed_from > 0 ? (size_t)t->believed_from : 0; i < t->n; i++) {
        const struct received_hop *h = &t->hops[i];
        char by[TRACE_FIELD_MAX], from[TRACE_FIELD_MAX];
        first_word(h->by, by);
        first_word(h->from, from);
        if (same_as(&k, by) || same_as(&k, from) || same_as(&k, h->helo) || same_as(&k, h->rdns))
            return true;
    }
    return false;
}

static void header_hints(struct trace *t, const struct header_fields *g)
{
    char from_dom[TRACE_FIELD_MAX], mid_dom[TRACE_FIELD_MAX], v[TRACE_FIELD_MAX];
    copy(from_dom, domain_of(t->from));
    if (t->originating_ip[0])
        hint(t, HINT_ORIGINATING_IP, -1, t->originating_ip, NULL);
    message_id_domain(t->message_id, mid_dom);
    if (mid_dom[0] && from_dom[0] && !same_host(mid_dom, from_dom)) {
        /* the receiver's own server, which wrote the top line, adds a
         * Message-Id to mail that has none (Postfix does): then it names
         * where the mail arrived, not where it was sent from */
        char top_by[TRACE_FIELD_MAX] = "";
        if (t->n)
            first_word(t->hops[t->n - 1].by, top_by);
        bool added = top_by[0] && same_host(mid_dom, top_by);
        hint(t, added ? HINT_MESSAGE_ID_ADDED : HINT_MESSAGE_ID, -1, mid_dom, from_dom);
    }
    char addr[COMPOSE_ADDRESS_MAX + 1];
    field(g, F_ERRORS_TO, v);
    compose_addr_spec(v, addr);
    if (addr[0] && !ascii_eq(addr, t->from))
        hint(t, HINT_ERRORS_TO, -1, addr, t->from);
    field(g, F_RETURN_PATH, v);
    compose_addr_spec(v, addr);
    if (!v[0] && t->n && t->hops[t->n - 1].envelope_from[0])
        copy(addr, t->hops[t->n - 1].envelope_from);
    if (addr[0] && t->from[0] && !ascii_eq(addr, t->from))
        hint(t, HINT_RETURN_PATH, -1, addr, t->from);
    for (enum field_id i = F_X_MAILER; i <= F_X_PHP_ORIGINATING_SCRIPT; i++) {
        field(g, i, v);
        if (v[0])
            hint(t, i <= F_USER_AGENT ? HINT_MAILER : HINT_SCRIPT, -1, field_names[i].name, v);
    }
    for (enum field_id i = F_X_PROVIDER_SENDER; i <= F_X_BIGLOBE_SENDER; i++) {
        field(g, i, v);
        if (v[0])
            hint(t, HINT_PROVIDER_SENDER, -1, field_names[i].name, v);
    }
    if (from_dom[0] && t->n && !path_knows(t, from_dom, mid_dom))
        hint(t, HINT_FORGED_FROM, -1, t->from, from_dom);
}

int trace_message(const char *msg, size_t len, struct trace *t)
{
    /* not all of it: the hints' text is written when one is given */
    t->nhints = 0;
    t->believed_from = -1;
    struct header_fields g;
    g.nreceived = 0;
    for (size_t i = 0; i < F_COUNT; i++)
        g.f[i].value = NULL;
    msg_each_any_field(msg, len, gather, &g);
    t->n = g.nreceived;
    t->hops = received_hops_from(g.received, g.nreceived);
    if (!t->hops && t->n > 0) {
        t->n = 0;
        return -1;
    }
    char v[TRACE_FIELD_MAX], addr[COMPOSE_ADDRESS_MAX + 1];
    field(&g, F_FROM, v);
    compose_addr_spec(v, addr);
    copy(t->from, addr);
    field(&g, F_SUBJECT, t->subject);
    field(&g, F_DATE, t->date);
    field(&g, F_MESSAGE_ID, t->message_id);
    field(&g, F_ORIGINATING_IP, v);
    /* "[203.0.113.222]", brackets or not */
    const char *p = v + strspn(v, "[ ");
    copy_n(t->originating_ip, sizeof t->originating_ip, p, strcspn(p, "] "));
    if (t->originating_ip[0] && trace_addr_kind(t->originating_ip) == ADDR_NONE)
        t->originating_ip[0] = '\0';
    client_addresses(t);
    for (size_t i = 0; i < t->n; i++)
        hop_hints(t, (int)i);
    if (t->n == 0)
        hint(t, HINT_NO_HOPS, -1, NULL, NULL);
    believed_chain(t);
    find_origin(t);
    header_hints(t, &g);
    return 0;
}

void trace_free(struct trace *t)
{
    free(t->hops);
    t->hops = NULL;
    t->n = 0;
}
