/* dns_exchange — see dns_exchange.h. */
#include "dns_exchange.h"
#include "session.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <ldns/ldns.h>

#include "dns/dns_cache.h"
#include "dns/dns_lua.h"
#include "dns/dns_wire.h"
#include "netsim_rt.h"
#include "server.h"

#define DATAGRAM_TYPE "tutor.datagram"
#define DNS_RCODE_BADVERS 16        /* RFC 6891 6.1.3, 9: 12 bits, over the header and the OPT */

/* ------------------------------------------------------------------------
 * A datagram session: one query, at most one answer.
 */
struct datagram {
    const ldns_pkt *query;
    size_t limit;                       /* bytes the response may have */
    uint8_t *resp;                      /* the answer, malloc'd */
    size_t resp_len;
    enum dns_cache_mode cache;          /* what the script let the host keep */
    int ref;                            /* registry ref of the userdata */
};

struct datagram_ud {
    struct datagram *d;                 /* NULL once the exchange is over */
};

/* The response's wire form, cut to the header and question with TC set
 * when it does not fit (RFC 2181 9: the client then asks over TCP), and to
 * the header alone when even the question does not (a query may ask
 * many). */
static uint8_t *encode_response(ldns_pkt *pkt, size_t limit, size_t *len)
{
    uint8_t *wire = NULL;
    if (dns_wire_encode(pkt, &wire, len) != LDNS_STATUS_OK)
        return NULL;
    if (*len <= limit)
        return wire;
    free(wire);
    ldns_pkt *cut = ldns_pkt_clone(pkt);
    if (!cut)
        return NULL;
    ldns_rr_list_deep_free(ldns_pkt_answer(cut));
    ldns_rr_list_deep_free(ldns_pkt_authority(cut));
    ldns_rr_list_deep_free(ldns_pkt_additional(cut));
    ldns_pkt_set_answer(cut, ldns_rr_list_new());
    ldns_pkt_set_authority(cut, ldns_rr_list_new());
    ldns_pkt_set_additional(cut, ldns_rr_list_new());
    ldns_pkt_set_ancount(cut, 0);
    ldns_pkt_set_nscount(cut, 0);
    ldns_pkt_set_arcount(cut, 0);
    ldns_pkt_set_tc(cut, true);
    wire = NULL;
    if (dns_wire_encode(cut, &wire, len) != LDNS_STATUS_OK)
        wire = NULL;
    if (wire && *len > limit) {
        free(wire);
        ldns_rr_list_deep_free(ldns_pkt_question(cut));
        ldns_pkt_set_question(cut, ldns_rr_list_new());
        ldns_pkt_set_qdcount(cut, 0);
        wire = NULL;
        if (dns_wire_encode(cut, &wire, len) != LDNS_STATUS_OK)
            wire = NULL;
    }
    ldns_pkt_free(cut);
    return wire;
}

/* Adds the records listed in r[key] to a section of pkt. NULL, or why not
 * (in why). Raises only through the table's own metamethods, and pkt is
 * owned by a box by then. */
static const char *add_section(lua_State *L, int r, const char *key, ldns_pkt *pkt,
                               ldns_pkt_section sec, char why[256])
{
    if (lua_getfield(L, r, key) == LUA_TNIL) {
        lua_pop(L, 1);
        return NULL;
    }
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        snprintf(why, 256, "%s must be a list of records", key);
        return why;
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    if (n > DNS_RECORDS_MAX) {
        lua_pop(L, 1);
        snprintf(why, 256, "%s has more than %d records", key, DNS_RECORDS_MAX);
        return why;
    }
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, -1, i) != LUA_TSTRING) {
            lua_pop(L, 2);
            snprintf(why, 256, "%s record %d is not a string", key, (int)i);
            return why;
        }
        ldns_rr *rr = NULL;
        ldns_status st = ldns_rr_new_frm_str(&rr, lua_tostring(L, -1), 3600, NULL, NULL);
        if (st != LDNS_STATUS_OK) {
            snprintf(why, 256, "%s record %d: %s: \"%.80s\"", key, (int)i,
                     ldns_get_errorstr_by_id(st), lua_tostring(L, -1));
            lua_pop(L, 2);
            return why;
        }
        ldns_pkt_push_rr(pkt, sec, rr);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return NULL;
}

static int m_answer(lua_State *L)
{
    struct datagram_ud *u = luaL_checkudata(L, 1, DATAGRAM_TYPE);
    struct datagram *d = u->d;
    if (!d)
        return luaL_error(L, "the query is over");
    if (d->resp)
        return luaL_error(L, "the query is already answered");
    if (lua_type(L, 2) == LUA_TSTRING) {
        /* raw bytes: a script may send anything, even nonsense */
        size_t len;
        const char *b = lua_tolstring(L, 2, &len);
        if (len > 65535)
            return luaL_error(L, "answer: a DNS message has at most 65535 bytes");
        if (!(d->resp = malloc(len ? len : 1)))
            return luaL_error(L, "not enough memory");
        memcpy(d->resp, b, len);
        d->resp_len = len;
        return 0;
    }
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);                           /* s r */
    const ldns_pkt *q = d->query;
    struct dns_owned *box = dns_lua_own(L, dns_lua_free_pkt);  /* s r box */
    ldns_pkt *pkt = box->p = ldns_pkt_new();
    if (!pkt)
        return luaL_error(L, "not enough memory");
    lua_Integer id = ldns_pkt_id(q);
    if (lua_getfield(L, 2, "id") != LUA_TNIL) {
        id = lua_tointeger(L, -1);
        luaL_argcheck(L, lua_isinteger(L, -1) && id >= 0 && id <= 65535, 2, "id must be 0 to 65535");
    }
    lua_pop(L, 1);
    /* The name is checked while it is on the stack: r's __index may have
     * made it, and nothing else would keep it alive for the message. */
    int rcode = 0;
    if (lua_getfield(L, 2, "rcode") != LUA_TNIL) {
        const char *rc = lua_tostring(L, -1);
        if ((rcode = rc ? dns_lua_rcode_of(rc) : -1) < 0)
            return luaL_error(L, "answer: unknown rcode \"%s\"", rc ? rc : luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    /* may the host answer this question so again? (dns_cache.h) */
    enum dns_cache_mode cache = DNS_CACHE_NONE;
    int ct = lua_getfield(L, 2, "cache");
    if (ct == LUA_TSTRING && strcmp(lua_tostring(L, -1), "ttl") == 0)
        cache = DNS_CACHE_TTL;
    else if (ct == LUA_TSTRING && strcmp(lua_tostring(L, -1), "zone") == 0)
        cache = DNS_CACHE_ZONE;
    else if (ct != LUA_TNIL && !(ct == LUA_TBOOLEAN && !lua_toboolean(L, -1)))
        return luaL_error(L, "answer: cache must be \"ttl\" or \"zone\"");
    lua_pop(L, 1);
    ldns_pkt_set_id(pkt, (uint16_t)id);
    ldns_pkt_set_qr(pkt, true);
    ldns_pkt_set_opcode(pkt, ldns_pkt_get_opcode(q));
    ldns_pkt_set_aa(pkt, dns_lua_opt_bool(L, 2, "aa", false));
    ldns_pkt_set_tc(pkt, dns_lua_opt_bool(L, 2, "tc", false));
    ldns_pkt_set_ra(pkt, dns_lua_opt_bool(L, 2, "ra", false));
    ldns_pkt_set_rd(pkt, ldns_pkt_rd(q));
    ldns_pkt_set_cd(pkt, ldns_pkt_cd(q));
    ldns_pkt_set_rcode(pkt, (uint8_t)rcode);
    const ldns_rr_list *question = ldns_pkt_question(q);
    for (size_t i = 0; question && i < ldns_rr_list_rr_count(question); i++)
        ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, ldns_rr_clone(ldns_rr_list_rr(question, i)));
    char why[256];
    const char *bad = add_section(L, 2, "answer", pkt, LDNS_SECTION_ANSWER, why);
    if (!bad)
        bad = add_section(L, 2, "authority", pkt, LDNS_SECTION_AUTHORITY, why);
    if (!bad)
        bad = add_section(L, 2, "additional", pkt, LDNS_SECTION_ADDITIONAL, why);
    if (bad)
        return luaL_error(L, "answer: %s", bad);
    /* r's metamethods ran script code above, which may have answered */
    if (d->resp)
        return luaL_error(L, "the query is already answered");
    if (ldns_pkt_edns(q)) {
        /* RFC 6891 7: a responder that knows EDNS answers with OPT */
        ldns_pkt_set_edns_udp_size(pkt, DNS_EDNS_SIZE);
        ldns_pkt_set_edns_version(pkt, 0);
        ldns_pkt_set_edns_do(pkt, ldns_pkt_edns_do(q));
    }
    d->resp = encode_response(pkt, d->limit, &d->resp_len);
    d->cache = cache;
    ldns_pkt_free(pkt);
    box->p = NULL;
    if (!d->resp)
        return luaL_error(L, "answer: the response could not be encoded");
    return 0;
}

static int datagram_newindex(lua_State *L)
{
    return luaL_error(L, "the query's fields are read-only");
}

void dns_exchange_register(lua_State *L)
{
    static const luaL_Reg methods[] = {{"answer", m_answer}, {NULL, NULL}};
    static const luaL_Reg meta[] = {
        {"__index", session_object_index}, {"__newindex", datagram_newindex}, {NULL, NULL},
    };
    luaL_newmetatable(L, DATAGRAM_TYPE);            /* mt */
    luaL_newlib(L, methods);                        /* mt methods */
    lua_setfield(L, -2, "methods");                 /* mt */
    luaL_setfuncs(L, meta, 0);
    dns_lua_set_bool(L, "__metatable", false);      /* a script can neither see nor change it */
    lua_pop(L, 1);
}

struct call_args {
    struct datagram *d;
    struct session_endpoint client, server;
    size_t bytes;
};

/* Pushes the session object and the query table. Runs protected. */
static int push_datagram(lua_State *L, void *ud)
{
    struct call_args *a = ud;
    const ldns_pkt *q = a->d->query;
    struct dns_owned *box = dns_lua_own(L, free);  /* box, for ldns's strings */
    struct datagram_ud *u = lua_newuserdatauv(L, sizeof *u, 1);    /* box s */
    u->d = NULL;
    luaL_setmetatable(L, DATAGRAM_TYPE);
    lua_createtable(L, 0, 2);
    session_push_endpoint(L, &a->client);
    lua_setfield(L, -2, "client");
    session_push_endpoint(L, &a->server);
    lua_setfield(L, -2, "server");
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, -1);
    a->d->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    u->d = a->d;

    lua_createtable(L, 0, 10);                  /* box s q */
    dns_lua_set_int(L, "id", ldns_pkt_id(q));
    box->p = ldns_pkt_opcode2str(ldns_pkt_get_opcode(q));
    dns_lua_push_boxed(L, box);
    lua_setfield(L, -2, "opcode");
    dns_lua_set_bool(L, "rd", ldns_pkt_rd(q));
    dns_lua_set_bool(L, "cd", ldns_pkt_cd(q));
    dns_lua_set_int(L, "bytes", (lua_Integer)a->bytes);
    const ldns_rr_list *question = ldns_pkt_question(q);
    if (question && ldns_rr_list_rr_count(question) > 0) {
        const ldns_rr *qr = ldns_rr_list_rr(question, 0);
        box->p = ldns_rdf2str(ldns_rr_owner(qr));
        dns_lua_push_boxed(L, box);
        lua_setfield(L, -2, "name");
        box->p = ldns_rr_type2str(ldns_rr_get_type(qr));
        dns_lua_push_boxed(L, box);
        lua_setfield(L, -2, "type");
        box->p = ldns_rr_class2str(ldns_rr_get_class(qr));
        dns_lua_push_boxed(L, box);
        lua_setfield(L, -2, "class");
    }
    if (ldns_pkt_edns(q)) {
        lua_createtable(L, 0, 3);
        dns_lua_set_int(L, "size", ldns_pkt_edns_udp_size(q));
        dns_lua_set_int(L, "version", ldns_pkt_edns_version(q));
        dns_lua_set_bool(L, "do", ldns_pkt_edns_do(q));
        lua_setfield(L, -2, "edns");
    }
    lua_remove(L, -3);                          /* the empty box: s q are the arguments */
    return 2;
}

/* ------------------------------------------------------------------------
 * What the host answers itself.
 */
/* The header of a query, with FORMERR: what a server says to bytes it
 * cannot read (RFC 1035 4.1.1). */
static uint8_t *formerr(const uint8_t *q, size_t q_len, size_t *len)
{
    uint8_t *r = calloc(1, 12);
    if (!r)
        return NULL;
    if (q_len >= 2)
        memcpy(r, q, 2);
    r[2] = 0x80 | (q_len >= 3 ? (q[2] & 0x79) : 0);    /* QR, opcode and RD kept */
    r[3] = LDNS_RCODE_FORMERR;
    *len = 12;
    return r;
}

/* Reads the name at *pos of m[0..len): true when its compression pointers
 * all point backwards, each before the start of the labels it ends, and
 * then *pos is past the name. ldns follows a pointer anywhere in the
 * message; RFC 1035 4.1.4 says "a prior occurrence", and a pointer forward
 * lets names overlap their own fields, which a real server answers with
 * FORMERR (as OpenSMTPD's unpack_dns.c refuses them). Each jump lowers
 * `start`, so the walk ends. */
static bool name_points_back(const uint8_t *m, size_t len, size_t *pos)
{
    size_t p = *pos, start = *pos;
    bool jumped = false;
    for (;;) {
        if (p >= len)
            return false;
        uint8_t l = m[p];
        if (l == 0) {
            if (!jumped)
                *pos = p + 1;
            return true;
        }
        if ((l & 0xc0) != 0xc0) {
            if (l & 0xc0)
                return false;                   /* label types 01 and 10 */
            p += 1 + (size_t)l;
            continue;
        }
        if (p + 1 >= len)
            return false;
        size_t target = (size_t)(l & 0x3f) << 8 | m[p + 1];
        if (target >= start)
            return false;
        if (!jumped)
            *pos = p + 2;
        jumped = true;
        start = p = target;
    }
}

/* Do all the owner names of the message (which ldns has read) point
 * backwards? The names inside RDATA are left alone: a query's records
 * other than the question and OPT are read by nobody. */
static bool names_point_back(const uint8_t *m, size_t len)
{
    size_t pos = 12;
    unsigned qd = (unsigned)m[4] << 8 | m[5];
    unsigned rrs = ((unsigned)m[6] << 8 | m[7]) + ((unsigned)m[8] << 8 | m[9]) +
                   ((unsigned)m[10] << 8 | m[11]);
    for (unsigned i = 0; i < qd; i++) {
        if (!name_points_back(m, len, &pos) || len - pos < 4)
            return false;
        pos += 4;                               /* QTYPE, QCLASS */
    }
    for (unsigned i = 0; i < rrs; i++) {
        if (!name_points_back(m, len, &pos) || len - pos < 10)
            return false;
        size_t rdlength = (size_t)m[pos + 8] << 8 | m[pos + 9];
        if (len - pos - 10 < rdlength)
            return false;
        pos += 10 + rdlength;                   /* TYPE CLASS TTL RDLENGTH RDATA */
    }
    return true;
}

/* The answer to an EDNS version we do not speak (RFC 6891 6.1.3): BADVERS,
 * which is 16, so RCODE 0 in the header and 1 in the OPT's extended-rcode,
 * with our own version, 0. The question, ID, RD and CD are kept as for any
 * answer, cut as any answer to `limit`. NULL when out of memory. */
static uint8_t *badvers(const ldns_pkt *q, size_t limit, size_t *len)
{
    ldns_pkt *r = ldns_pkt_new();
    if (!r)
        return NULL;
    ldns_pkt_set_id(r, ldns_pkt_id(q));
    ldns_pkt_set_qr(r, true);
    ldns_pkt_set_opcode(r, ldns_pkt_get_opcode(q));
    ldns_pkt_set_rd(r, ldns_pkt_rd(q));
    ldns_pkt_set_cd(r, ldns_pkt_cd(q));
    ldns_pkt_set_rcode(r, DNS_RCODE_BADVERS & 0x0f);
    const ldns_rr_list *question = ldns_pkt_question(q);
    for (size_t i = 0; question && i < ldns_rr_list_rr_count(question); i++)
        ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(ldns_rr_list_rr(question, i)));
    ldns_pkt_set_edns_udp_size(r, DNS_EDNS_SIZE);
    ldns_pkt_set_edns_version(r, 0);
    ldns_pkt_set_edns_extended_rcode(r, DNS_RCODE_BADVERS >> 4);
    ldns_pkt_set_edns_do(r, ldns_pkt_edns_do(q));
    uint8_t *wire = encode_response(r, limit, len);
    ldns_pkt_free(r);
    return wire;
}

/* A QUERY must ask exactly one question (RFC 9619: QDCOUNT is one):
 * none, or a hundred, is FORMERR, with the first question echoed so
 * that the client can match the answer to what it asked. */
static uint8_t *formerr_questions(const ldns_pkt *q, size_t limit, size_t *len)
{
    ldns_pkt *r = ldns_pkt_new();
    if (!r)
        return NULL;
    ldns_pkt_set_id(r, ldns_pkt_id(q));
    ldns_pkt_set_qr(r, true);
    ldns_pkt_set_opcode(r, ldns_pkt_get_opcode(q));
    ldns_pkt_set_rd(r, ldns_pkt_rd(q));
    ldns_pkt_set_rcode(r, LDNS_RCODE_FORMERR);
    const ldns_rr_list *question = ldns_pkt_question(q);
    if (question && ldns_rr_list_rr_count(question) > 0)
        ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(ldns_rr_list_rr(question, 0)));
    uint8_t *wire = encode_response(r, limit, len);
    ldns_pkt_free(r);
    return wire;
}

/* ------------------------------------------------------------------------
 * The exchange.
 */
/* Simulated milliseconds the running server has spent waiting for the
 * servers it asked (tutor.query): a resolver's answer comes that much
 * later, which dig's "Query time" shows. */
static int waited_ms;

void dns_exchange_wait(int ms)
{
    waited_ms += ms;
}

/* The answer's way back to a node of the world (asker NULL: a real client,
 * nothing to cross), timed into *rtt_ms after the way there. Takes the
 * answer: DNS_OK with it in *resp, or DNS_TIMEOUT when it got lost. */
static enum dns_outcome carry_back(struct runtime *rt, const struct world_node *asker,
                                   const struct world_node *node,
                                   const struct session_endpoint *client, uint32_t to,
                                   uint8_t *answer, size_t len, int64_t there_us, uint8_t **resp,
                                   size_t *resp_len, int *rtt_ms, char err[RT_ERROR_MAX])
{
    int64_t back_us = 0;
    enum net_carry reach = NET_CARRIED;
    if (asker)
        reach = netsim_rt_carry_dns(rt, node, client->addr, answer, len, &back_us);
    if (reach != NET_CARRIED) {
        char a[ADDR_IPV4_STRLEN];
        free(answer);
        *resp = NULL;
        *resp_len = 0;
        snprintf(err, RT_ERROR_MAX, "the answer from %s: %s", addr_format_ipv4(to, a),
                 netsim_rt_failure(reach));
        return DNS_TIMEOUT;
    }
    /* whole milliseconds, as dig shows them */
    *rtt_ms += (int)((there_us + back_us + 500) / 1000);
    *resp = answer;
    *resp_len = len;
    return DNS_OK;
}

/* The servers in on_datagram now, outermost first: one waiting for its
 * own tutor.query cannot take another query, as a real one-query-at-a-time
 * server could not. Without this the sandbox's own guard would refuse the
 * re-entry, with an error notice about the host rather than the world. */
static const struct vserver *busy[DNS_DEPTH_MAX];

/* A query from `asker`, a node of the world, crosses the simulated
 * network both ways; one from outside (asker NULL: a real client of tutor
 * serve, `client` says who) arrives at the server as it is. */
static enum dns_outcome exchange(struct runtime *rt, const struct world_node *asker,
                                 const struct session_endpoint *client, uint32_t to,
                                 const uint8_t *q, size_t q_len, int tcp, uint8_t **resp,
                                 size_t *resp_len, int *rtt_ms, char err[RT_ERROR_MAX])
{
    static int depth;
    char a[ADDR_IPV4_STRLEN];
    *resp = NULL;
    *resp_len = 0;
    *rtt_ms = 0;
    const struct world_node *node = world_host_by_addr(rt->world, to);
    if (!node) {
        snprintf(err, RT_ERROR_MAX, "no host has the address %s", addr_format_ipv4(to, a));
        return DNS_TIMEOUT;
    }
    /* the query crosses the network; the answer's way back is timed below */
    int64_t there_us = 0;
    enum net_carry reach = NET_CARRIED;
    if (asker)
        reach = netsim_rt_carry_dns(rt, asker, to, q, q_len, &there_us);
    if (reach != NET_CARRIED) {
        snprintf(err, RT_ERROR_MAX, "%s: %s", addr_format_ipv4(to, a), netsim_rt_failure(reach));
        return DNS_TIMEOUT;
    }
    const struct world_service *svc = world_service_by_port(node, DNS_PORT);
    if (!svc) {
        snprintf(err, RT_ERROR_MAX, "%s runs no DNS server", node->hostname ? node->hostname : node->name);
        return DNS_REFUSED;
    }
    if (depth >= DNS_DEPTH_MAX) {
        snprintf(err, RT_ERROR_MAX, "servers asking servers more than %d deep", DNS_DEPTH_MAX);
        return DNS_TIMEOUT;
    }
    struct vserver *srv = rt_server(rt, node, svc, err);
    if (!srv) {
        rt_notice(rt, "error", "%s", err);
        return DNS_TIMEOUT;
    }
    for (int i = 0; i < depth; i++) {
        if (busy[i] == srv) {
            snprintf(err, RT_ERROR_MAX, "%s is waiting for an answer itself",
                     node->hostname ? node->hostname : node->name);
            return DNS_TIMEOUT;
        }
    }
    /* the simulated clock moves a second for each datagram a server
     * reads, as for each line: so a cached answer is seen to age */
    rt_tick(rt, 1);
    /* asked before, and answered with leave to keep it: no script runs */
    struct dns_cache *cache = srv_dns_cache(srv);
    struct dns_cache_key key;
    bool plain = cache && dns_cache_key(q, q_len, tcp, DNS_EDNS_SIZE, &key) == 0;
    uint8_t *kept = plain ? dns_cache_get(cache, &key, q, rt_now(rt), resp_len) : NULL;
    if (kept)
        return carry_back(rt, asker, node, client, to, kept, *resp_len, there_us, resp, resp_len,
                          rtt_ms, err);
    ldns_pkt *query = NULL;
    if (dns_wire_decode(&query, q, q_len) != LDNS_STATUS_OK || !names_point_back(q, q_len)) {
        ldns_pkt_free(query);
        *resp = formerr(q, q_len, resp_len);
        return *resp ? DNS_OK : DNS_TIMEOUT;
    }
    size_t limit = DNS_UDP_MAX;
    if (tcp)
        limit = 65535;
    else if (ldns_pkt_edns(query) && ldns_pkt_edns_udp_size(query) > DNS_UDP_MAX)
        limit = ldns_pkt_edns_udp_size(query) < DNS_EDNS_SIZE ? ldns_pkt_edns_udp_size(query)
                                                               : DNS_EDNS_SIZE;
    if (ldns_pkt_get_opcode(query) == LDNS_PACKET_QUERY && ldns_pkt_qdcount(query) != 1) {
        *resp = formerr_questions(query, limit, resp_len);
        ldns_pkt_free(query);
        return *resp ? DNS_OK : DNS_TIMEOUT;
    }
    if (ldns_pkt_edns(query) && ldns_pkt_edns_version(query) > 0) {
        /* answered by the host: a script need not know EDNS versions */
        *resp = badvers(query, limit, resp_len);
        ldns_pkt_free(query);
        return *resp ? DNS_OK : DNS_TIMEOUT;
    }
    struct datagram d = {.query = query, .limit = limit, .ref = LUA_NOREF};
    struct call_args args = {&d, *client, {to, DNS_PORT, node->hostname, NULL, false}, q_len};
    struct sandbox *sbx = srv_sandbox(srv);
    int outer_wait = waited_ms;
    waited_ms = 0;
    busy[depth++] = srv;
    int rc = sbx_call(sbx, "on_datagram", push_datagram, &args);
    busy[--depth] = NULL;
    *rtt_ms += waited_ms;
    waited_ms = outer_wait;
    /* the script may have kept `s`: it must not reach this stack frame */
    if (d.ref != LUA_NOREF) {
        lua_State *L = sbx_state(sbx);
        lua_rawgeti(L, LUA_REGISTRYINDEX, d.ref);
        struct datagram_ud *u = lua_touserdata(L, -1);
        if (u)
            u->d = NULL;
        lua_pop(L, 1);
        luaL_unref(L, LUA_REGISTRYINDEX, d.ref);
    }
    ldns_pkt_free(query);
    if (rc < 0)
        rt_notice(rt, "error", "%s", sbx_error(sbx));
    /* An answer given before the script failed has left already, as the
     * lines of a stream session do: it arrives. Only a failure before any
     * answer is a timeout. */
    if (rc < 0 && !d.resp) {
        snprintf(err, RT_ERROR_MAX, "the server's script failed");
        return DNS_TIMEOUT;
    }
    if (!d.resp) {
        snprintf(err, RT_ERROR_MAX, "the server did not answer");
        return DNS_TIMEOUT;
    }
    if (plain && rc == 0)
        dns_cache_put(cache, &key, d.resp, d.resp_len, rt_now(rt), d.cache);
    return carry_back(rt, asker, node, client, to, d.resp, d.resp_len, there_us, resp, resp_len,
                      rtt_ms, err);
}

enum dns_outcome dns_exchange(struct runtime *rt, uint32_t from, uint32_t to, const uint8_t *q,
                              size_t q_len, int tcp, uint8_t **resp, size_t *resp_len, int *rtt_ms,
                              char err[RT_ERROR_MAX])
{
    const struct world_node *asker = world_host_by_addr(rt->world, from);
    if (!asker) {
        char a[ADDR_IPV4_STRLEN];
        *resp = NULL;
        *resp_len = 0;
        *rtt_ms = 0;
        snprintf(err, RT_ERROR_MAX, "no host has the address %s", addr_format_ipv4(from, a));
        return DNS_TIMEOUT;
    }
    /* the client's port: an ephemeral one, from the query ID so replays repeat */
    int port = 49152 + (int)((q_len >= 2 ? (q[0] << 8 | q[1]) : 0) % 16000);
    struct session_endpoint client = {from, port, asker->hostname, NULL, false};
    return exchange(rt, asker, &client, to, q, q_len, tcp, resp, resp_len, rtt_ms, err);
}

enum dns_outcome dns_exchange_outside(struct runtime *rt, const struct session_endpoint *client,
                                      uint32_t to, const uint8_t *q, size_t q_len, int tcp,
                                      uint8_t **resp, size_t *resp_len, char err[RT_ERROR_MAX])
{
    int rtt_ms;
    return exchange(rt, NULL, client, to, q, q_len, tcp, resp, resp_len, &rtt_ms, err);
}
