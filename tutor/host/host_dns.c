/* host_dns — see host_dns.h. */
#include "host_dns.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <ldns/ldns.h>

#include "dns/dns_wire.h"
#include "dns_client.h"
#include "dns/dns_lua.h"
#include "server.h"
#include "dns/zone.h"

#define DNS_HINTS_TTL 3600000

struct dns_data {
    struct zone_set *zones;             /* NULL when the server has none */
    ldns_rr_list *hints;
};

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
 * Records to Lua (s:answer takes them back: dns_exchange.c).
 */
/* Pushes the records as a list of master-file strings. */
static void push_rr_list(lua_State *L, const ldns_rr_list *l)
{
    size_t n = l ? ldns_rr_list_rr_count(l) : 0;
    lua_createtable(L, n > DNS_RECORDS_MAX ? DNS_RECORDS_MAX : (int)n, 0);
    struct dns_owned *box = dns_lua_own(L, free);  /* ... list box */
    lua_Integer k = 0;
    for (size_t i = 0; i < n; i++) {
        char *s = box->p = ldns_rr2str(ldns_rr_list_rr(l, i));
        if (!s)
            continue;
        s[strcspn(s, "\n")] = '\0';
        dns_lua_push_boxed(L, box);             /* ... list box s */
        lua_rawseti(L, -3, ++k);
    }
    lua_pop(L, 1);                              /* ... list */
}

/* t[key] = the list push_rr_list makes, t on top of the stack. */
static void set_rr_list(lua_State *L, const char *key, const ldns_rr_list *l)
{
    push_rr_list(L, l);                         /* t list */
    lua_setfield(L, -2, key);                   /* t */
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
    struct dns_owned *box = dns_lua_own(L, dns_lua_free_rdf);
    ldns_rdf *dname = box->p = len <= LDNS_MAX_DOMAINLEN * 4 ? ldns_dname_new_frm_str(name) : NULL;
    if (!dname)
        luaL_argerror(L, arg, lua_pushfstring(L, "\"%s\" is not a domain name", name));
    return dname;
}

void host_dns_register(lua_State *L)
{
    dns_exchange_register(L);
    dns_lua_register(L);
}

int host_dns_lookup(lua_State *L)
{
    struct vserver *srv = srv_of(L);
    ldns_rr_type type = check_type(L, 2);
    lua_settop(L, 2);
    ldns_rdf *name = check_name(L, 1);             /* name type box */
    const struct dns_data *d = srv_dns(srv);
    struct dns_owned *rbox = dns_lua_own(L, free_result);  /* name type box rbox */
    struct zone_result *r = rbox->p = calloc(1, sizeof *r);
    if (!r)
        return luaL_error(L, "not enough memory");
    if (!d || !d->zones) {
        r->kind = ZONE_REFUSED;
    } else if (zone_set_lookup(d->zones, name, type, r) < 0) {
        return luaL_error(L, "not enough memory");
    }
    lua_createtable(L, 0, 5);
    dns_lua_set_str(L, "kind", KINDS[r->kind]);
    dns_lua_set_bool(L, "aa", r->authoritative);
    set_rr_list(L, "answer", r->answer);
    set_rr_list(L, "authority", r->authority);
    set_rr_list(L, "additional", r->additional);
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
    bool rd = lua_istable(L, 4) && dns_lua_opt_bool(L, 4, "rd", false);
    lua_settop(L, 3);
    ldns_rr_type type = check_type(L, 3);
    ldns_rdf *name = check_name(L, 2);              /* addr name type namebox */
    /* the boxes first, filled as their contents come (see dns_lua.h) */
    struct dns_owned *wbox = dns_lua_own(L, free), *rbox = dns_lua_own(L, free),
                     *pbox = dns_lua_own(L, dns_lua_free_pkt);
    uint8_t *wire = NULL;
    size_t wire_len = 0;
    int rc = dns_query_wire(rt, name, type, rd, true, &wire, &wire_len);
    wbox->p = wire;
    if (rc < 0)
        return luaL_error(L, "not enough memory");
    char err[RT_ERROR_MAX];
    struct dns_reply reply;
    enum dns_outcome out = dns_send(rt, world_node_addr(srv_node(srv)), to, wire, wire_len, NULL,
                                    NULL, &reply, err);
    rbox->p = reply.wire;
    dns_exchange_wait(reply.total_ms);
    if (out != DNS_OK) {
        lua_pushnil(L);
        lua_pushstring(L, out == DNS_REFUSED ? "refused" : "timeout");
        return 2;
    }
    ldns_pkt *r = NULL;
    ldns_status st = dns_wire_decode(&r, reply.wire, reply.len);
    pbox->p = r;
    if (st != LDNS_STATUS_OK) {
        lua_pushnil(L);
        lua_pushstring(L, "malformed response");
        return 2;
    }
    lua_createtable(L, 0, 10);
    dns_lua_set_int(L, "id", ldns_pkt_id(r));
    dns_lua_set_str(L, "rcode", dns_lua_rcode_name(ldns_pkt_get_rcode(r)));
    dns_lua_set_bool(L, "aa", ldns_pkt_aa(r));
    dns_lua_set_bool(L, "ra", ldns_pkt_ra(r));
    dns_lua_set_bool(L, "tc", ldns_pkt_tc(r));
    set_rr_list(L, "answer", ldns_pkt_answer(r));
    set_rr_list(L, "authority", ldns_pkt_authority(r));
    set_rr_list(L, "additional", ldns_pkt_additional(r));
    dns_lua_set_int(L, "bytes", (lua_Integer)reply.len);
    dns_lua_set_int(L, "rtt", reply.total_ms);
    return 1;
}
