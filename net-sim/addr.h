/*
 * addr — IPv4 addresses and prefixes, the numbers behind the names.
 *
 * Part of net-sim, the network library: it never prints, exits or reads the
 * terminal. Addresses are host-order uint32_t so that masks and longest-
 * prefix matches are plain integer arithmetic.
 */
#ifndef NETSIM_ADDR_H
#define NETSIM_ADDR_H

#include <stdbool.h>
#include <stdint.h>

#define ADDR_IPV4_STRLEN 16     /* "255.255.255.255" and its NUL */
#define ADDR_PREFIX_STRLEN 19   /* "255.255.255.255/32" and its NUL */

struct ipv4_prefix {
    uint32_t addr;              /* the interface's own address, not masked */
    int len;                    /* 0 to 32 */
};

/* Dotted quad to number: 0, or -1 when `s` is not exactly a dotted quad. */
int addr_parse_ipv4(const char *s, uint32_t *out);

/* "192.0.2.10/24": 0, or -1 when the address or the length is malformed. */
int addr_parse_prefix(const char *s, struct ipv4_prefix *out);

/* Writes the dotted quad into `buf`; returns `buf`. */
char *addr_format_ipv4(uint32_t a, char buf[ADDR_IPV4_STRLEN]);

/* The netmask of a prefix length: 24 gives 0xffffff00. */
uint32_t addr_mask(int len);

/* Does `a` fall inside `p`'s network? */
bool addr_in_prefix(uint32_t a, const struct ipv4_prefix *p);

#endif
