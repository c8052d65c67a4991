/* host_dns — see host_dns.h. */
#include "host_dns.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>
#include <ldns/ldns.h>

#include "server.h"
#include "zone.h"

#define DATAGRAM_TYPE "tutor.datagram"
#define OWNED_TYPE "tutor.owned"
#define DNS_RTT_LOCAL_MS 1          /* a server on the same network */
#define DNS_RTT_REMOTE_MS 30        /* one across the routers (until net-sim times it) */
#define DNS_HINTS_TTL 3600000
#define DNS_RCODE_BADVERS 16        /* RFC 6891 6.1.3, 9: 12 bits, over the header and the OPT */

struct dns_data {
    struct zone_set *zones;             /* NULL when the server has none */
    ldns_rr_list *hints;
};

/* ------------------------------------------------------------------------
 * Owning C memory from Lua: ldns allocates with malloc, and Lua raises by
 * longjmp. Whatever C holds while calling something that can raise is put
 * in an `owned` box; the box's __gc frees it if the raise comes. The box is
 * made empty, *before* the memory it will own: making it can raise (the
 * state's memory cap), and a box made after would leak what it was to hold.
 */
struct owned {
    void *p;
    void (*free_fn)(void *);
};

static int owned_gc(lua_State *L)
{
    struct owned *o = luaL_checkudata(L, 1, OWNED_TYPE);
    if (o->p && o->free_fn)
        o->free_fn(o->p);
    o->p = NULL;
    return 0;
}

/* Pushes an empty box whose contents will be freed with free_fn; returns
 * it. Put the pointer in ->p as soon as it is allocated, with no Lua call
 * in between. */
static struct owned *own(lua_State *L, void (*free_fn)(void *))
{
    struct owned *o = lua_newuserdatauv(L, sizeof *o, 0);
    o->p = NULL;
    o->free_fn = free_fn;
    luaL_setmetatable(L, OWNED_TYPE);
    return o;
}

/* Pushes the string a box holds (from ldns; "" when it has none) and frees
 * it: what ldns's *2str functions return crosses into Lua this way. */
static void push_boxed_str(lua_State *L, struct owned *box)
{
    lua_pushstring(L, box->p ? (const char *)box->p : "");
    free(box->p);
    box->p = NULL;
}

static void free_pkt(void *p) { ldns_pkt_free(p); }
static void free_rdf(void *p) { ldns_rdf_deep_free(p); }

/* ------------------------------------------------------------------------
 * Zones and hints from the settings.
 */
static int load_hints(const char *path, ldns_rr_list **out, char err[RT_ERROR_MAX])
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, RT_ERROR_MAX, "%s: %s", path, strerror(errno));
        return -1;
    }
    ldns_zone *z = NULL;
    int line = 0;
    ldns_rdf *root = ldns_dname_new_frm_str(".");
    ldns_status st = ldns_zone_new_frm_fp_l(&z, f, root, DNS_HINTS_TTL, LDNS_RR_CLASS_IN, &line);
    ldns_rdf_deep_free(root);
    fclose(f);
    if (st != LDNS_STATUS_OK) {
        snprintf(err, RT_ERROR_MAX, "%s:%d: %s", path, line, ldns_get_errorstr_by_id(st));
        return -1;
    }
    *out = ldns_rr_list_clone(ldns_zone_rrs(z));
    ldns_zone_deep_free(z);
    if (!*out || ldns_rr_list_rr_count(*out) == 0) {
        ldns_rr_list_deep_free(*out);
        *out = NULL;
        snprintf(err, RT_ERROR_MAX, "%s: no root hints in it", path);
        return -1;
    }
    return 0;
}

int dns_data_load(struct runtime *rt, const struct world_service *svc, struct dns_data **out,
                  char err[RT_ERROR_MAX])
{
    *out = NULL;
    json_t *zones = svc && svc->settings ? json_object_get(svc->settings, "zones") : NULL;
    json_t *hints = svc && svc->settings ? json_object_get(svc->settings, "hints") : NULL;
    if (!zones && !hints)
        return 0;
    struct dns_data *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, RT_ERROR_MAX, "out of memory");
        return -1;
    }
    char path[PATH_MAX];
    if (zones) {
        const char *origin;
        json_t *file;
        if (!json_is_object(zones) || !(d->zones = zone_set_new())) {
            snprintf(err, RT_ERROR_MAX, "%s: \"zones\" must be an object: {\"origin.\": \"file\"}",
                     svc->name);
            goto fail;
        }
        json_object_foreach(zones, origin, file) {
            if (!json_is_string(file)) {
                snprintf(err, RT_ERROR_MAX, "%s: the zone file of %s must be a string", svc->name,
                         origin);
                goto fail;
            }
            rt_world_path(rt, json_string_value(file), path);
            char zerr[ZONE_ERROR_MAX];
            if (zone_set_load(d->zones, path, origin, zerr) < 0) {
                snprintf(err, RT_ERROR_MAX, "%s", zerr);
                goto fail;
            }
        }
    }
    if (hints) {
        if (!json_is_string(hints)) {
            snprintf(err, RT_ERROR_MAX, "%s: \"hints\" must be a file name", svc->name);
            goto fail;
        }
        rt_world_path(rt, json_string_value(hints), path);
        if (load_hints(path, &d->hints, err) < 0)
            goto fail;
    }
    *out = d;
    return 0;
fail:
    dns_data_free(d);
    return -1;
}

void dns_data_free(struct dns_data *d)
{
    if (!d)
        return;
    zone_set_free(d->zones);
    ldns_rr_list_deep_free(d->hints);
    free(d);
}

/* ------------------------------------------------------------------------
 * Records to Lua and back.
 */

/* Pushes the records as a list of master-file strings. */
static void push_rr_list(lua_State *L, const ldns_rr_list *l)
{
    size_t n = l ? ldns_rr_list_rr_count(l) : 0;
    lua_createtable(L, n > DNS_RECORDS_MAX ? DNS_RECORDS_MAX : (int)n, 0);
    struct owned *box = own(L, free);           /* ... list box */
    lua_Integer k = 0;
    for (size_t i = 0; i < n; i++) {
        char *s = box->p = ldns_rr2str(ldns_rr_list_rr(l, i));
        if (!s)
            continue;
        s[strcspn(s, "\n")] = '\0';
        push_boxed_str(L, box);                 /* ... list box s */
        lua_rawseti(L, -3, ++k);
    }
    lua_pop(L, 1);                              /* ... list */
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

static const char *const RCODES[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
                                     "REFUSED"};

static const char *rcode_name(unsigned rcode)
{
    return rcode < sizeof RCODES / sizeof RCODES[0] ? RCODES[rcode] : "RCODE?";
}

static int rcode_of(const char *name)
{
    for (size_t i = 0; i < sizeof RCODES / sizeof RCODES[0]; i++)
        if (strcasecmp(RCODES[i], name) == 0)
            return (int)i;
    return -1;
}

static bool opt_bool(lua_State *L, int t, const char *key, bool dflt)
{
    int type = lua_getfield(L, t, key);
    bool v = type == LUA_TNIL ? dflt : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

/* ------------------------------------------------------------------------
 * A datagram session: one query, at most one answer.
 */
struct datagram {
    const ldns_pkt *query;
    size_t limit;                       /* bytes the response may have */
    uint8_t *resp;                      /* the answer, malloc'd */
    size_t resp_len;
    int ref;                            /* registry ref of the userdata */
};

struct datagram_ud {
    struct datagram *d;                 /* NULL once the exchange is over */
};

/* The response's wire form, cut to the header and question with TC set
 * when it does not fit (RFC 2181 9: the client then asks over TCP). */
static uint8_t *encode_response(ldns_pkt *pkt, size_t limit, size_t *len)
{
    uint8_t *wire = NULL;
    if (ldns_pkt2wire(&wire, pkt, len) != LDNS_STATUS_OK)
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
    if (ldns_pkt2wire(&wire, cut, len) != LDNS_STATUS_OK)
        wire = NULL;
    ldns_pkt_free(cut);
    return wire;
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
    struct owned *box = own(L, free_pkt);       /* s r box */
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
        if ((rcode = rc ? rcode_of(rc) : -1) < 0)
            return luaL_error(L, "answer: unknown rcode \"%s\"", rc ? rc : luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    ldns_pkt_set_id(pkt, (uint16_t)id);
    ldns_pkt_set_qr(pkt, true);
    ldns_pkt_set_opcode(pkt, ldns_pkt_get_opcode(q));
    ldns_pkt_set_aa(pkt, opt_bool(L, 2, "aa", false));
    ldns_pkt_set_tc(pkt, opt_bool(L, 2, "tc", false));
    ldns_pkt_set_ra(pkt, opt_bool(L, 2, "ra", false));
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
    ldns_pkt_free(pkt);
    box->p = NULL;
    if (!d->resp)
        return luaL_error(L, "answer: the response could not be encoded");
    return 0;
}

static int datagram_index(lua_State *L)
{
    /* stack: ud key */
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "methods");
    lua_pushvalue(L, 2);
    if (lua_rawget(L, -2) != LUA_TNIL)
        return 1;
    lua_pop(L, 3);
    lua_getiuservalue(L, 1, 1);
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
}

static int datagram_newindex(lua_State *L)
{
    return luaL_error(L, "the query's fields are read-only");
}

void host_dns_register(lua_State *L)
{
    static const luaL_Reg methods[] = {{"answer", m_answer}, {NULL, NULL}};
    luaL_newmetatable(L, DATAGRAM_TYPE);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "methods");
    lua_pushcfunction(L, datagram_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, datagram_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
    luaL_newmetatable(L, OWNED_TYPE);
    lua_pushcfunction(L, owned_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

static void push_endpoint(lua_State *L, uint32_t addr, int port, const char *name)
{
    char a[ADDR_IPV4_STRLEN];
    lua_createtable(L, 0, 3);
    lua_pushstring(L, addr_format_ipv4(addr, a));
    lua_setfield(L, -2, "addr");
    lua_pushinteger(L, port);
    lua_setfield(L, -2, "port");
    if (name) {
        lua_pushstring(L, name);
        lua_setfield(L, -2, "name");
    }
}

struct call_args {
    struct datagram *d;
    uint32_t from, to;
    const char *from_name, *to_name;
    size_t bytes;
};

/* Pushes the session object and the query table. Runs protected. */
static int push_datagram(lua_State *L, void *ud)
{
    struct call_args *a = ud;
    const ldns_pkt *q = a->d->query;
    struct owned *box = own(L, free);           /* box, for ldns's strings */
    struct datagram_ud *u = lua_newuserdatauv(L, sizeof *u, 1);    /* box s */
    u->d = NULL;
    luaL_setmetatable(L, DATAGRAM_TYPE);
    lua_createtable(L, 0, 2);
    push_endpoint(L, a->from, 49152 + (int)(ldns_pkt_id(q) % 16000), a->from_name);
    lua_setfield(L, -2, "client");
    push_endpoint(L, a->to, DNS_PORT, a->to_name);
    lua_setfield(L, -2, "server");
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, -1);
    a->d->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    u->d = a->d;

    lua_createtable(L, 0, 10);                  /* box s q */
    lua_pushinteger(L, ldns_pkt_id(q));
    lua_setfield(L, -2, "id");
    box->p = ldns_pkt_opcode2str(ldns_pkt_get_opcode(q));
    push_boxed_str(L, box);
    lua_setfield(L, -2, "opcode");
    lua_pushboolean(L, ldns_pkt_rd(q));
    lua_setfield(L, -2, "rd");
    lua_pushboolean(L, ldns_pkt_cd(q));
    lua_setfield(L, -2, "cd");
    lua_pushinteger(L, (lua_Integer)a->bytes);
    lua_setfield(L, -2, "bytes");
    const ldns_rr_list *question = ldns_pkt_question(q);
    if (question && ldns_rr_list_rr_count(question) > 0) {
        const ldns_rr *qr = ldns_rr_list_rr(question, 0);
        box->p = ldns_rdf2str(ldns_rr_owner(qr));
        push_boxed_str(L, box);
        lua_setfield(L, -2, "name");
        box->p = ldns_rr_type2str(ldns_rr_get_type(qr));
        push_boxed_str(L, box);
        lua_setfield(L, -2, "type");
        box->p = ldns_rr_class2str(ldns_rr_get_class(qr));
        push_boxed_str(L, box);
        lua_setfield(L, -2, "class");
    }
    if (ldns_pkt_edns(q)) {
        lua_createtable(L, 0, 3);
        lua_pushinteger(L, ldns_pkt_edns_udp_size(q));
        lua_setfield(L, -2, "size");
        lua_pushinteger(L, ldns_pkt_edns_version(q));
        lua_setfield(L, -2, "version");
        lua_pushboolean(L, ldns_pkt_edns_do(q));
        lua_setfield(L, -2, "do");
        lua_setfield(L, -2, "edns");
    }
    lua_remove(L, -3);                          /* the empty box: s q are the arguments */
    return 2;
}

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
 * answer. NULL when out of memory. */
static uint8_t *badvers(const ldns_pkt *q, size_t *len)
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
    uint8_t *wire = NULL;
    if (ldns_pkt2wire(&wire, r, len) != LDNS_STATUS_OK)
        wire = NULL;
    ldns_pkt_free(r);
    return wire;
}

/* Is `to` on one of the networks of the node at `from`? */
static bool same_network(const struct world *w, uint32_t from, uint32_t to)
{
    const struct world_node *n = world_host_by_addr(w, from);
    for (size_t i = 0; n && i < n->n_ifaces; i++) {
        uint32_t mask = addr_mask(n->ifaces[i].ipv4.len);
        if ((n->ifaces[i].ipv4.addr & mask) == (to & mask))
            return true;
    }
    return false;
}

/* Simulated milliseconds the running server has spent waiting for the
 * servers it asked (tutor.query): a resolver's answer comes that much
 * later, which dig's "Query time" shows. */
static int waited_ms;

/* The servers in on_datagram now, outermost first: one waiting for its
 * own tutor.query cannot take another query, as a real one-query-at-a-time
 * server could not. Without this the sandbox's own guard would refuse the
 * re-entry, with an error notice about the host rather than the world. */
static const struct vserver *busy[DNS_DEPTH_MAX];

enum dns_outcome dns_exchange(struct runtime *rt, uint32_t from, uint32_t to, const uint8_t *q,
                              size_t q_len, int tcp, uint8_t **resp, size_t *resp_len, int *rtt_ms,
                              char err[RT_ERROR_MAX])
{
    static int depth;
    char a[ADDR_IPV4_STRLEN];
    *resp = NULL;
    *resp_len = 0;
    *rtt_ms = same_network(rt->world, from, to) ? DNS_RTT_LOCAL_MS : DNS_RTT_REMOTE_MS;
    const struct world_node *node = world_host_by_addr(rt->world, to);
    if (!node) {
        snprintf(err, RT_ERROR_MAX, "no host has the address %s", addr_format_ipv4(to, a));
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
    ldns_pkt *query = NULL;
    if (ldns_wire2pkt(&query, q, q_len) != LDNS_STATUS_OK || !names_point_back(q, q_len)) {
        ldns_pkt_free(query);
        *resp = formerr(q, q_len, resp_len);
        return *resp ? DNS_OK : DNS_TIMEOUT;
    }
    if (ldns_pkt_edns(query) && ldns_pkt_edns_version(query) > 0) {
        /* answered by the host: a script need not know EDNS versions */
        *resp = badvers(query, resp_len);
        ldns_pkt_free(query);
        return *resp ? DNS_OK : DNS_TIMEOUT;
    }
    size_t limit = DNS_UDP_MAX;
    if (tcp)
        limit = 65535;
    else if (ldns_pkt_edns(query) && ldns_pkt_edns_udp_size(query) > DNS_UDP_MAX)
        limit = ldns_pkt_edns_udp_size(query) < DNS_EDNS_SIZE ? ldns_pkt_edns_udp_size(query)
                                                               : DNS_EDNS_SIZE;
    struct datagram d = {.query = query, .limit = limit, .ref = LUA_NOREF};
    const struct world_node *fn = world_host_by_addr(rt->world, from);
    struct call_args args = {&d, from, to, fn ? fn->hostname : NULL, node->hostname, q_len};
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
    *resp = d.resp;
    *resp_len = d.resp_len;
    return DNS_OK;
}

enum dns_outcome dns_ask(struct runtime *rt, uint32_t from, uint32_t server, const char *name,
                         const char *type, ldns_pkt **resp, char err[RT_ERROR_MAX])
{
    *resp = NULL;
    ldns_rdf *dname = ldns_dname_new_frm_str(name);
    ldns_rr_type t = ldns_get_rr_type_by_name(type);
    ldns_pkt *q = dname && t ? ldns_pkt_query_new(dname, t, LDNS_RR_CLASS_IN, LDNS_RD) : NULL;
    if (!q) {
        ldns_rdf_deep_free(dname);
        snprintf(err, RT_ERROR_MAX, "%s %s: not a valid question", name, type);
        return DNS_TIMEOUT;
    }
    ldns_pkt_set_id(q, (uint16_t)(++rt->next_query * 2654435761u >> 16));
    ldns_pkt_set_edns_udp_size(q, DNS_EDNS_SIZE);
    uint8_t *wire = NULL, *r = NULL;
    size_t wire_len = 0, r_len = 0;
    ldns_pkt2wire(&wire, q, &wire_len);
    ldns_pkt_free(q);
    if (!wire) {
        snprintf(err, RT_ERROR_MAX, "out of memory");
        return DNS_TIMEOUT;
    }
    int rtt;
    enum dns_outcome out = DNS_TIMEOUT;
    for (int tcp = 0; tcp < 2; tcp++) {
        out = dns_exchange(rt, from, server, wire, wire_len, tcp, &r, &r_len, &rtt, err);
        if (out != DNS_OK || tcp || r_len < 3 || !(r[2] & 0x02))
            break;
        free(r);
        r = NULL;
    }
    free(wire);
    if (out == DNS_OK && ldns_wire2pkt(resp, r, r_len) != LDNS_STATUS_OK) {
        snprintf(err, RT_ERROR_MAX, "a malformed response");
        out = DNS_TIMEOUT;
    }
    free(r);
    return out;
}

void dns_first_name(const ldns_pkt *r, char *out, size_t size)
{
    out[0] = '\0';
    const ldns_rr_list *ans = r ? ldns_pkt_answer(r) : NULL;
    for (size_t i = 0; ans && i < ldns_rr_list_rr_count(ans); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(ans, i);
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_PTR)
            continue;
        char *s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
        if (s) {
            size_t n = strlen(s);
            if (n > 1 && s[n - 1] == '.')
                s[n - 1] = '\0';
            snprintf(out, size, "%s", s);
        }
        free(s);
        return;
    }
}

void dns_pkt_free(ldns_pkt *r)
{
    ldns_pkt_free(r);
}

/* ------------------------------------------------------------------------
 * tutor.lookup, tutor.query, tutor.hints
 */
static const char *const KINDS[] = {
    [ZONE_ANSWER] = "answer", [ZONE_REFERRAL] = "referral", [ZONE_NXDOMAIN] = "nxdomain",
    [ZONE_NODATA] = "nodata", [ZONE_REFUSED] = "refused",
};

static void free_result(void *p)
{
    zone_result_free(p);
    free(p);
}

static ldns_rr_type check_type(lua_State *L, int arg)
{
    const char *t = luaL_checkstring(L, arg);
    ldns_rr_type type = ldns_get_rr_type_by_name(t);
    if (type == 0)
        luaL_argerror(L, arg, lua_pushfstring(L, "unknown record type \"%s\"", t));
    return type;
}

/* A domain name from the script, boxed on the stack. */
static ldns_rdf *check_name(lua_State *L, int arg)
{
    size_t len;
    const char *name = luaL_checklstring(L, arg, &len);
    struct owned *box = own(L, free_rdf);
    ldns_rdf *dname = box->p = len <= LDNS_MAX_DOMAINLEN * 4 ? ldns_dname_new_frm_str(name) : NULL;
    if (!dname)
        luaL_argerror(L, arg, lua_pushfstring(L, "\"%s\" is not a domain name", name));
    return dname;
}

int host_dns_lookup(lua_State *L)
{
    struct vserver *srv = srv_of(L);
    ldns_rr_type type = check_type(L, 2);
    lua_settop(L, 2);
    ldns_rdf *name = check_name(L, 1);             /* name type box */
    const struct dns_data *d = srv_dns(srv);
    struct owned *rbox = own(L, free_result);       /* name type box rbox */
    struct zone_result *r = rbox->p = calloc(1, sizeof *r);
    if (!r)
        return luaL_error(L, "not enough memory");
    if (!d || !d->zones) {
        r->kind = ZONE_REFUSED;
    } else if (zone_set_lookup(d->zones, name, type, r) < 0) {
        return luaL_error(L, "not enough memory");
    }
    lua_createtable(L, 0, 5);
    lua_pushstring(L, KINDS[r->kind]);
    lua_setfield(L, -2, "kind");
    lua_pushboolean(L, r->authoritative);
    lua_setfield(L, -2, "aa");
    push_rr_list(L, r->answer);
    lua_setfield(L, -2, "answer");
    push_rr_list(L, r->authority);
    lua_setfield(L, -2, "authority");
    push_rr_list(L, r->additional);
    lua_setfield(L, -2, "additional");
    return 1;
}

int host_dns_hints(lua_State *L)
{
    const struct dns_data *d = srv_dns(srv_of(L));
    push_rr_list(L, d ? d->hints : NULL);
    return 1;
}

int host_dns_query(lua_State *L)
{
    struct vserver *srv = srv_of(L);
    struct runtime *rt = srv_runtime(srv);
    uint32_t to;
    luaL_argcheck(L, addr_parse_ipv4(luaL_checkstring(L, 1), &to) == 0, 1, "an IPv4 address");
    bool rd = lua_istable(L, 4) && opt_bool(L, 4, "rd", false);
    lua_settop(L, 3);
    ldns_rr_type type = check_type(L, 3);
    ldns_rdf *name = check_name(L, 2);              /* addr name type namebox */
    /* the boxes first, filled as their contents come (see own()) */
    struct owned *qbox = own(L, free_pkt), *wbox = own(L, free), *rbox = own(L, free),
                 *pbox = own(L, free_pkt);
    ldns_pkt *q = qbox->p =
        ldns_pkt_query_new(ldns_rdf_clone(name), type, LDNS_RR_CLASS_IN, rd ? LDNS_RD : 0);
    if (!q)
        return luaL_error(L, "not enough memory");
    /* IDs from the world's counter: a replay asks the same questions */
    ldns_pkt_set_id(q, (uint16_t)(++rt->next_query * 2654435761u >> 16));
    ldns_pkt_set_edns_udp_size(q, DNS_EDNS_SIZE);
    uint8_t *wire = NULL;
    size_t wire_len;
    ldns_status st = ldns_pkt2wire(&wire, q, &wire_len);
    wbox->p = wire;
    if (st != LDNS_STATUS_OK)
        return luaL_error(L, "not enough memory");
    uint8_t *resp = NULL;
    size_t resp_len = 0;
    int rtt = 0, total = 0;
    char err[RT_ERROR_MAX];
    enum dns_outcome out = DNS_TIMEOUT;
    for (int tcp = 0; tcp < 2; tcp++) {
        out = dns_exchange(rt, world_node_addr(srv_node(srv)), to, wire, wire_len, tcp, &resp,
                           &resp_len, &rtt, err);
        rbox->p = resp;
        total += rtt;
        waited_ms += rtt;
        /* a truncated answer is asked again over TCP, as resolvers do */
        if (out != DNS_OK || resp_len < 3 || !(resp[2] & 0x02) || tcp)
            break;
        free(resp);
        rbox->p = resp = NULL;
    }
    if (out != DNS_OK) {
        lua_pushnil(L);
        lua_pushstring(L, out == DNS_REFUSED ? "refused" : "timeout");
        return 2;
    }
    ldns_pkt *r = NULL;
    st = ldns_wire2pkt(&r, resp, resp_len);
    pbox->p = r;
    if (st != LDNS_STATUS_OK) {
        lua_pushnil(L);
        lua_pushstring(L, "malformed response");
        return 2;
    }
    lua_createtable(L, 0, 10);
    lua_pushinteger(L, ldns_pkt_id(r));
    lua_setfield(L, -2, "id");
    lua_pushstring(L, rcode_name(ldns_pkt_get_rcode(r)));
    lua_setfield(L, -2, "rcode");
    lua_pushboolean(L, ldns_pkt_aa(r));
    lua_setfield(L, -2, "aa");
    lua_pushboolean(L, ldns_pkt_ra(r));
    lua_setfield(L, -2, "ra");
    lua_pushboolean(L, ldns_pkt_tc(r));
    lua_setfield(L, -2, "tc");
    push_rr_list(L, ldns_pkt_answer(r));
    lua_setfield(L, -2, "answer");
    push_rr_list(L, ldns_pkt_authority(r));
    lua_setfield(L, -2, "authority");
    push_rr_list(L, ldns_pkt_additional(r));
    lua_setfield(L, -2, "additional");
    lua_pushinteger(L, (lua_Integer)resp_len);
    lua_setfield(L, -2, "bytes");
    lua_pushinteger(L, total);
    lua_setfield(L, -2, "rtt");
    return 1;
}
