/*
 * mx — where mail for a domain goes (RFC 5321 5.1): the MX records of the
 * domain, asked of the sending node's resolver, tried by preference; with
 * no MX, the domain's own address (the implicit MX). Each answer is mapped
 * to the world's host that has the address.
 *
 * A world without DNS (a node with no resolver configured) falls back to
 * the world's mail_domains, so small test worlds need no zones.
 */
#ifndef TUTOR_MX_H
#define TUTOR_MX_H

#include "host/runtime.h"

#define MX_RECORDS_MAX 16           /* MX records tried for one domain */

enum mx_status {
    MX_FOUND,           /* route filled in */
    MX_TEMPFAIL,        /* try again later (SERVFAIL, timeout) */
    MX_FAIL,            /* bounce: no such domain, no MX and no address, a loop */
};

struct mx_route {
    const struct world_node *host;      /* borrowed from the world */
    char name[256];                     /* the MX's name, "mail.b.example" */
    uint32_t addr;
};

/* Finds where `origin` should hand mail for `domain`. `why` says what was
 * looked up and found (for the relay's log) or, when not MX_FOUND, what
 * went wrong in Postfix's words. */
enum mx_status mx_route(struct runtime *rt, const struct world_node *origin, const char *domain,
                        struct mx_route *out, char why[512]);

#endif
