/* dnsview — see dnsview.h.
 *
 * One pass over the message, front to back, in the order of RFC 1035 4.1:
 * header, then the four sections as the counts announce them. Every field
 * is checked for room before it is read (need()), against the end of the
 * message or, inside RDATA, against the end RDLENGTH gives. The first
 * problem prints "*** offset N: ..." and unwinds with -1; nothing after it
 * is read, so nothing after it can mislead.
 *
 * A row is the unit of output: a byte range shown in hex on the left, a
 * text on the right. Rows that do not fit wrap: more hex on the left, more
 * text on the right, both cut hard at their width (no word wrap, because
 * the long texts are names and quoted strings, where a dropped space at a
 * break would change what the student reads).
 */
#include "dnsview.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define DNSVIEW_HEADER_SIZE 12       /* RFC 1035 4.1.1 */
#define DNSVIEW_MESSAGE_MAX 65535    /* what TCP's 2-byte length can carry (4.2.2) */
#define DNSVIEW_NAME_MAX 255         /* octets of a name on the wire (3.1) */
#define DNSVIEW_LABEL_MAX 63         /* octets of a label (3.1) */
#define DNSVIEW_NAME_LABELS_MAX 127  /* 127 one-octet labels and the root make 255 */
/* Pointers followed while reading one name. A pointer may point at another
 * pointer, so a chain of them adds nothing to the name's length and the
 * 255-octet rule alone does not bound the walk: 30000 pointers each naming
 * the one before would cost 30000 steps per name, for every name. A real
 * name never needs more pointers than it has labels. */
#define DNSVIEW_POINTERS_MAX DNSVIEW_NAME_LABELS_MAX
/* A name as text: every octet may become \DDD, plus the dots. */
#define DNSVIEW_NAME_TEXT_MAX (4 * DNSVIEW_NAME_MAX + 4)
#define DNSVIEW_ROW_TEXT_MAX 2048    /* the longest is a TXT string: 255 * 4 + 20 */

/* The columns: "0000  " then the hex, two spaces, the text. */
#define HEX_COL 6
#define HEX_WIDTH (DNSVIEW_BYTES_PER_LINE * 3 - 1)
#define TEXT_COL (HEX_COL + HEX_WIDTH + 2)
#define TEXT_WIDTH (DNSVIEW_WIDTH - TEXT_COL)
#define INDENT 2
#define NO_OFFSET SIZE_MAX          /* a row of text alone */

_Static_assert(TEXT_WIDTH >= 40, "the text column is too narrow for the field names");

enum {
    TYPE_A = 1, TYPE_NS = 2, TYPE_CNAME = 5, TYPE_SOA = 6, TYPE_PTR = 12,
    TYPE_MX = 15, TYPE_TXT = 16, TYPE_AAAA = 28, TYPE_OPT = 41, TYPE_ANY = 255,
};
enum { CLASS_IN = 1 };

struct view {
    FILE *f;
    const unsigned char *msg;
    size_t len;
    unsigned rcode;             /* the header's 4 bits; OPT adds 8 above them */
};

/* ------------------------------------------------------------------------
 * Rows and errors.
 */
static void row_v(struct view *v, size_t off, size_t n, int indent, const char *fmt, va_list ap)
{
    char text[DNSVIEW_ROW_TEXT_MAX];
    vsnprintf(text, sizeof text, fmt, ap);
    size_t tlen = strlen(text), t = 0, b = 0;
    size_t tcol = TEXT_COL + (size_t)indent * INDENT;
    size_t twidth = DNSVIEW_WIDTH - tcol;
    static const char hex[] = "0123456789abcdef";
    bool first = true;
    while (first || b < n || t < tlen) {
        char line[DNSVIEW_WIDTH + 1];
        memset(line, ' ', sizeof line);
        size_t end = 0;
        if (off != NO_OFFSET && (first || b < n)) {
            size_t o = off + b;     /* < 0x10000: the length is checked first */
            for (int k = 0; k < 4; k++)
                line[k] = hex[(o >> (12 - 4 * k)) & 0xf];
            end = 4;
        }
        for (int k = 0; k < DNSVIEW_BYTES_PER_LINE && b < n; k++, b++) {
            unsigned char c = v->msg[off + b];
            line[HEX_COL + 3 * k] = hex[c >> 4];
            line[HEX_COL + 3 * k + 1] = hex[c & 0xf];
            end = HEX_COL + 3 * k + 2;
        }
        size_t chunk = tlen - t < twidth ? tlen - t : twidth;
        if (chunk > 0) {
            memcpy(line + tcol, text + t, chunk);
            t += chunk;
            end = tcol + chunk;
        }
        line[end] = '\0';
        fprintf(v->f, "%s\n", line);
        first = false;
    }
}

/* A row showing msg[off, off + n) in hex with its text; off NO_OFFSET for
 * text alone. */
static void row(struct view *v, size_t off, size_t n, int indent, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void row(struct view *v, size_t off, size_t n, int indent, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    row_v(v, off, n, indent, fmt, ap);
    va_end(ap);
}

/* A section's title, at the left margin: "header", "answer 2". */
static void title(struct view *v, const char *what, unsigned n)
{
    if (n)
        fprintf(v->f, "%s %u\n", what, n);
    else
        fprintf(v->f, "%s\n", what);
}

/* Prints the error line (cut to the width, though every message here is
 * written to fit) and returns -1. */
static int fail(struct view *v, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct view *v, size_t off, const char *fmt, ...)
{
    char line[DNSVIEW_WIDTH + 1];
    int n = snprintf(line, sizeof line, "*** offset %zu: ", off);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(v->f, "%s\n", line);
    return -1;
}

/* 0 when field (n bytes at off) ends by limit; else the error. */
static int need(struct view *v, size_t off, size_t n, size_t limit, const char *field,
                const char *within)
{
    if (off <= limit && limit - off >= n)
        return 0;
    size_t left = off <= limit ? limit - off : 0;
    return fail(v, off, "%s needs %zu byte%s, %zu left in %s", field, n, n == 1 ? "" : "s",
                left, within);
}

static unsigned get16(const struct view *v, size_t off)
{
    return (unsigned)v->msg[off] << 8 | v->msg[off + 1];
}

static uint32_t get32(const struct view *v, size_t off)
{
    return (uint32_t)get16(v, off) << 16 | get16(v, off + 2);
}

/* ------------------------------------------------------------------------
 * Names for numbers.
 */
static const char *type_name(unsigned type, char buf[16])
{
    switch (type) {
    case TYPE_A: return "A";
    case TYPE_NS: return "NS";
    case TYPE_CNAME: return "CNAME";
    case TYPE_SOA: return "SOA";
    case TYPE_PTR: return "PTR";
    case TYPE_MX: return "MX";
    case TYPE_TXT: return "TXT";
    case TYPE_AAAA: return "AAAA";
    case TYPE_OPT: return "OPT";
    case TYPE_ANY: return "ANY";
    }
    snprintf(buf, 16, "TYPE%u", type);   /* RFC 3597 5 */
    return buf;
}

static const char *class_name(unsigned class, char buf[16])
{
    if (class == CLASS_IN)
        return "IN";
    snprintf(buf, 16, "CLASS%u", class);
    return buf;
}

static const char *opcode_name(unsigned op)
{
    static const char *const names[] = {
        [0] = "QUERY", [1] = "IQUERY", [2] = "STATUS", [4] = "NOTIFY", [5] = "UPDATE",
        [6] = "DSO",
    };
    return op < sizeof names / sizeof *names && names[op] ? names[op] : "unassigned";
}

/* The 12-bit RCODE once OPT has added its 8 bits (RFC 6891 6.1.3). */
static const char *rcode_name(unsigned rcode)
{
    static const char *const names[] = {
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
        "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
    };
    if (rcode < sizeof names / sizeof *names)
        return names[rcode];
    return rcode == 16 ? "BADVERS" : "unassigned";
}

static const char *option_name(unsigned code)
{
    switch (code) {
    case 3: return " NSID";
    case 8: return " CLIENT-SUBNET";
    case 9: return " EXPIRE";
    case 10: return " COOKIE";
    case 11: return " TCP-KEEPALIVE";
    case 12: return " PADDING";
    case 15: return " EDE";
    }
    return "";
}

/* "(1h)", "(1d2h30m)": a TTL the way zone files may write it. Empty under
 * a minute, where the seconds say it all. */
static void duration(uint32_t s, char out[32])
{
    static const struct { char unit; uint32_t secs; } units[] = {
        {'w', 604800}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1},
    };
    out[0] = '\0';
    if (s < 60)
        return;
    size_t n = 0;
    out[n++] = ' ';
    out[n++] = '(';
    for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
        uint32_t q = s / units[i].secs;
        s %= units[i].secs;
        if (q)
            n += (size_t)snprintf(out + n, 32 - n, "%u%c", (unsigned)q, units[i].unit);
    }
    snprintf(out + n, 32 - n, ")");
}

/* Bytes as presentation text into out (room for 4n + 1). In a name (txt
 * false) a dot inside a label is "\." and a space "\032", as dig writes
 * them (RFC 1035 5.1); in a TXT string a space is itself. Either way a
 * terminal never gets a control byte or a byte above 0x7e. */
static size_t escape(char *out, const unsigned char *s, size_t n, bool txt)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c < 0x20 || c > 0x7e || (!txt && c == ' ')) {
            k += (size_t)sprintf(out + k, "\\%03u", c);
        } else {
            if (c == '"' || c == '\\' || (!txt && c == '.'))
                out[k++] = '\\';
            out[k++] = (char)c;
        }
    }
    out[k] = '\0';
    return k;
}

/* RFC 5952: lower case, no leading zeros, the longest run of two or more
 * zero groups as "::" (the first of equal runs), and ::ffff:0:0/96 with
 * the IPv4 address dotted (section 5). Not inet_ntop, whose choices are
 * the C library's. */
static void ipv6_text(const unsigned char a[16], char out[48])
{
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (g[i]) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    if (best_len < 2)
        best = -1;
    bool mapped = !g[0] && !g[1] && !g[2] && !g[3] && !g[4] && g[5] == 0xffff;
    int groups = mapped ? 6 : 8;
    size_t n = 0;
    for (int i = 0; i < groups; i++) {
        if (i == best) {
            n += (size_t)snprintf(out + n, 48 - n, "::");
            i += best_len - 1;
            continue;
        }
        if (i > 0 && i != best + best_len)
            out[n++] = ':';
        n += (size_t)snprintf(out + n, 48 - n, "%x", g[i]);
    }
    if (mapped)
        snprintf(out + n, 48 - n, ":%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
    else
        out[n] = '\0';
}

/* ------------------------------------------------------------------------
 * Names (RFC 1035 3.1, 4.1.4).
 *
 * A name is read in full before it is shown, so that its title row can
 * give the whole name and a pointer's row the name it stands for. Only the
 * parts written where the name is (up to its root or its first pointer)
 * get rows; what a pointer leads to was shown where it was written.
 */
struct name_part {
    size_t off;
    unsigned len;               /* a label's; 0 for the root */
    bool pointer;
    size_t target;              /* pointer: where it points */
    size_t suffix;              /* pointer: where its part of text starts */
};

struct name {
    struct name_part part[DNSVIEW_NAME_LABELS_MAX + 1];
    size_t nparts;
    char text[DNSVIEW_NAME_TEXT_MAX];
    size_t text_len;
    size_t end;                 /* just past the name where it is written */
    size_t err_off;
    char err[DNSVIEW_WIDTH];
};

static int name_error(struct name *nm, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int name_error(struct name *nm, size_t off, const char *fmt, ...)
{
    nm->err_off = off;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(nm->err, sizeof nm->err, fmt, ap);
    va_end(ap);
    return -1;
}

/* Reads the name at off, whose own bytes must end by limit (where within
 * says what that is). 0, or -1 with nm->err set.
 *
 * A pointer must point before the start of the labels it ends, not just
 * before itself (OpenSMTPD's unpack_dns.c asks the same). With "before
 * itself" alone a label can swallow a pointer's bytes and the pointer lead
 * back to that label: a loop that only the 255-octet rule would end, with
 * the wrong reason at the wrong offset. Here targets only go down, so the
 * walk ends on its own; the octet count and DNSVIEW_POINTERS_MAX bound
 * how long it takes. */
static int name_parse(const struct view *v, size_t off, size_t limit, const char *within,
                      struct name *nm)
{
    nm->nparts = 0;
    nm->text_len = 0;
    nm->text[0] = '\0';
    size_t seg = off;           /* where the labels being read began */
    size_t octets = 0;          /* the name's length on the wire, so far */
    unsigned pointers = 0;
    bool top = true;            /* still where the name is written */
    for (;;) {
        size_t lim = top ? limit : v->len;
        if (off >= lim)
            return name_error(nm, off, "the name runs past the end of %s",
                              top ? within : "the message");
        unsigned char b = v->msg[off];
        if (b == 0) {
            if (top) {
                nm->part[nm->nparts++] = (struct name_part){.off = off};
                nm->end = off + 1;
            }
            break;
        }
        if ((b & 0xc0) == 0xc0) {
            if (lim - off < 2)
                return name_error(nm, off, "a pointer needs 2 bytes, 1 left in %s",
                                  top ? within : "the message");
            size_t target = (size_t)(b & 0x3f) << 8 | v->msg[off + 1];
            if (target == off)
                return name_error(nm, off, "pointer to 0x%04zx points to itself", target);
            if (target > off)
                return name_error(nm, off, "pointer to 0x%04zx does not point backwards",
                                  target);
            if (target >= seg)
                return name_error(nm, off, "pointer to 0x%04zx is inside its own name (a loop)",
                                  target);
            if (++pointers > DNSVIEW_POINTERS_MAX)
                return name_error(nm, off, "more than %d pointers in one name",
                                  DNSVIEW_POINTERS_MAX);
            if (top) {
                nm->part[nm->nparts++] = (struct name_part){
                    .off = off, .pointer = true, .target = target, .suffix = nm->text_len,
                };
                nm->end = off + 2;
                top = false;
            }
            off = seg = target;
            continue;
        }
        if (b > DNSVIEW_LABEL_MAX)
            return name_error(nm, off, "length byte 0x%02x: labels are 0-63, pointers 0xc0-0xff",
                              b);
        if (lim - off - 1 < b)
            return name_error(nm, off, "a label of %u bytes runs past the end of %s", b,
                              top ? within : "the message");
        if (octets + 1 + b + 1 > DNSVIEW_NAME_MAX)
            return name_error(nm, off, "the name is longer than %d octets", DNSVIEW_NAME_MAX);
        octets += 1 + (size_t)b;
        nm->text_len += escape(nm->text + nm->text_len, v->msg + off + 1, b, false);
        nm->text[nm->text_len++] = '.';
        nm->text[nm->text_len] = '\0';
        if (top)
            nm->part[nm->nparts++] = (struct name_part){.off = off, .len = b};
        off += 1 + (size_t)b;
    }
    return 0;
}

/* The name at off as a title row ("QNAME mail.b.example.") and a row for
 * each part; *next is where the field after it starts. */
static int show_name(struct view *v, int indent, const char *field, size_t off, size_t limit,
                     const char *within, size_t *next)
{
    struct name nm;
    int rc = name_parse(v, off, limit, within, &nm);
    if (rc == 0)
        row(v, NO_OFFSET, 0, indent, "%s %s", field, nm.text_len ? nm.text : ".");
    else
        row(v, NO_OFFSET, 0, indent, "%s", field);
    for (size_t i = 0; i < nm.nparts; i++) {
        const struct name_part *p = &nm.part[i];
        if (p->pointer && rc == 0)
            row(v, p->off, 2, indent + 1, "pointer to 0x%04zx: %s", p->target,
                p->suffix < nm.text_len ? nm.text + p->suffix : ".");
        else if (p->pointer)
            row(v, p->off, 2, indent + 1, "pointer to 0x%04zx", p->target);
        else if (p->len == 0)
            row(v, p->off, 1, indent + 1, "label 0: the root");
        else {
            char label[4 * DNSVIEW_LABEL_MAX + 1];
            escape(label, v->msg + p->off + 1, p->len, false);
            row(v, p->off, 1 + p->len, indent + 1, "label %u: \"%s\"", p->len, label);
        }
    }
    if (rc < 0)
        return fail(v, nm.err_off, "%s", nm.err);
    *next = nm.end;
    return 0;
}

/* ------------------------------------------------------------------------
 * Header (RFC 1035 4.1.1; AD and CD from RFC 4035 3.2).
 */

/* A row for the bits of word under mask, the others as dots, the way
 * Wireshark draws them: ".... ...1 .... .... RD 1: recursion desired". */
static void bits(struct view *v, unsigned word, unsigned mask, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void bits(struct view *v, unsigned word, unsigned mask, const char *fmt, ...)
{
    char pat[20], what[DNSVIEW_WIDTH];
    size_t n = 0;
    for (int i = 15; i >= 0; i--) {
        pat[n++] = mask >> i & 1 ? (word >> i & 1 ? '1' : '0') : '.';
        if (i % 4 == 0 && i > 0)
            pat[n++] = ' ';
    }
    pat[n] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    row(v, NO_OFFSET, 0, 1, "%s %s", pat, what);
}

/* A one-bit flag with what 0 and what 1 mean. */
static void flag(struct view *v, unsigned word, unsigned mask, const char *name,
                 const char *off_means, const char *on_means)
{
    bool on = word & mask;
    bits(v, word, mask, "%s %d: %s", name, on, on ? on_means : off_means);
}

static const struct {
    const char *title, *count;
} sections[4] = {
    {"question", "QDCOUNT"},
    {"answer", "ANCOUNT"},
    {"authority", "NSCOUNT"},
    {"additional", "ARCOUNT"},
};

static int show_header(struct view *v, unsigned counts[4])
{
    static const char *const count_means[4] = {
        "questions", "answers", "authority records", "additional records",
    };
    const char *msg = "the message";
    title(v, "header", 0);
    if (need(v, 0, 2, v->len, "ID", msg) < 0)
        return -1;
    row(v, 0, 2, 0, "ID %u", get16(v, 0));
    if (need(v, 2, 2, v->len, "flags", msg) < 0)
        return -1;
    unsigned w = get16(v, 2);
    unsigned op = w >> 11 & 0xf;
    v->rcode = w & 0xf;
    row(v, 2, 2, 0, "flags");
    flag(v, w, 0x8000, "QR", "query", "response");
    bits(v, w, 0x7800, "opcode %u: %s", op, opcode_name(op));
    flag(v, w, 0x0400, "AA", "not authoritative", "authoritative answer");
    flag(v, w, 0x0200, "TC", "not truncated", "truncated");
    flag(v, w, 0x0100, "RD", "recursion not desired", "recursion desired");
    flag(v, w, 0x0080, "RA", "recursion unavailable", "recursion available");
    flag(v, w, 0x0040, "Z", "reserved", "reserved, must be 0");
    flag(v, w, 0x0020, "AD", "not authenticated", "authentic data");
    flag(v, w, 0x0010, "CD", "checking enabled", "checking disabled");
    bits(v, w, 0x000f, "RCODE %u: %s", v->rcode, rcode_name(v->rcode));
    for (int s = 0; s < 4; s++) {
        size_t off = 4 + 2 * (size_t)s;
        if (need(v, off, 2, v->len, sections[s].count, msg) < 0)
            return -1;
        counts[s] = get16(v, off);
        row(v, off, 2, 0, "%s %u (%s)", sections[s].count, counts[s], count_means[s]);
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * RDATA (RFC 1035 3.3, 3.4; RFC 3596 2.2; RFC 6891 6.1.2). Each reader
 * starts at *off, stays before end, and leaves *off where it stopped.
 */
static const char *const in_rdata = "the RDATA";

static int rdata_u32(struct view *v, size_t *off, size_t end, const char *field, bool secs)
{
    if (need(v, *off, 4, end, field, in_rdata) < 0)
        return -1;
    uint32_t n = get32(v, *off);
    char d[32];
    duration(n, d);
    if (secs)
        row(v, *off, 4, 0, "%s %u seconds%s", field, (unsigned)n, d);
    else
        row(v, *off, 4, 0, "%s %u", field, (unsigned)n);
    *off += 4;
    return 0;
}

static int rdata_name(struct view *v, size_t *off, size_t end, const char *field)
{
    return show_name(v, 0, field, *off, end, in_rdata, off);
}

static int rdata_a(struct view *v, size_t *off, size_t end)
{
    if (need(v, *off, 4, end, "ADDRESS", in_rdata) < 0)
        return -1;
    const unsigned char *a = v->msg + *off;
    row(v, *off, 4, 0, "ADDRESS %u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    *off += 4;
    return 0;
}

static int rdata_aaaa(struct view *v, size_t *off, size_t end)
{
    if (need(v, *off, 16, end, "ADDRESS", in_rdata) < 0)
        return -1;
    char text[48];
    ipv6_text(v->msg + *off, text);
    row(v, *off, 16, 0, "ADDRESS %s", text);
    *off += 16;
    return 0;
}

static int rdata_mx(struct view *v, size_t *off, size_t end)
{
    if (need(v, *off, 2, end, "PREFERENCE", in_rdata) < 0)
        return -1;
    row(v, *off, 2, 0, "PREFERENCE %u", get16(v, *off));
    *off += 2;
    return rdata_name(v, off, end, "EXCHANGE");
}

static int rdata_soa(struct view *v, size_t *off, size_t end)
{
    if (rdata_name(v, off, end, "MNAME") < 0 || rdata_name(v, off, end, "RNAME") < 0)
        return -1;
    if (rdata_u32(v, off, end, "SERIAL", false) < 0)
        return -1;
    static const char *const times[] = {"REFRESH", "RETRY", "EXPIRE", "MINIMUM"};
    for (size_t i = 0; i < 4; i++)
        if (rdata_u32(v, off, end, times[i], true) < 0)
            return -1;
    return 0;
}

/* One or more <character-string>s (RFC 1035 3.3.14): none is an error. */
static int rdata_txt(struct view *v, size_t *off, size_t end)
{
    if (*off == end)
        return fail(v, *off, "a TXT RDATA holds one or more strings, this none");
    while (*off < end) {
        unsigned n = v->msg[*off];
        if (end - *off - 1 < n)
            return fail(v, *off, "a string of %u bytes runs past the end of the RDATA", n);
        char text[4 * 255 + 1];
        escape(text, v->msg + *off + 1, n, true);
        row(v, *off, 1 + (size_t)n, 0, "string %u: \"%s\"", n, text);
        *off += 1 + (size_t)n;
    }
    return 0;
}

static int rdata_opt(struct view *v, size_t *off, size_t end)
{
    while (*off < end) {
        if (need(v, *off, 2, end, "OPTION-CODE", in_rdata) < 0)
            return -1;
        unsigned code = get16(v, *off);
        row(v, *off, 2, 0, "OPTION-CODE %u%s", code, option_name(code));
        *off += 2;
        if (need(v, *off, 2, end, "OPTION-LENGTH", in_rdata) < 0)
            return -1;
        unsigned n = get16(v, *off);
        row(v, *off, 2, 0, "OPTION-LENGTH %u", n);
        *off += 2;
        if (need(v, *off, n, end, "OPTION-DATA", in_rdata) < 0)
            return -1;
        if (n)
            row(v, *off, n, 0, "OPTION-DATA");
        *off += n;
    }
    return 0;
}

/* Whether the RDATA of type in class is decoded here: A and AAAA only in
 * IN, because their format is per class (RFC 1035 3.4); the rest are the
 * same in every class. */
static bool decoded(unsigned type, unsigned class)
{
    switch (type) {
    case TYPE_A:
    case TYPE_AAAA:
        return class == CLASS_IN;
    case TYPE_NS:
    case TYPE_CNAME:
    case TYPE_PTR:
    case TYPE_MX:
    case TYPE_SOA:
    case TYPE_TXT:
    case TYPE_OPT:
        return true;
    }
    return false;
}

/* RDATA as its type's fields, or as bytes; a decoded type must use up
 * exactly RDLENGTH. */
static int show_rdata(struct view *v, unsigned type, unsigned class, size_t off, size_t n)
{
    char tb[16], cb[16];
    if (!decoded(type, class)) {
        if (n)
            row(v, off, n, 0, "RDATA of %s %s, not decoded", class_name(class, cb),
                type_name(type, tb));
        return 0;
    }
    size_t end = off + n, at = off;
    int rc = 0;
    switch (type) {
    case TYPE_A: rc = rdata_a(v, &at, end); break;
    case TYPE_AAAA: rc = rdata_aaaa(v, &at, end); break;
    case TYPE_NS: rc = rdata_name(v, &at, end, "NSDNAME"); break;
    case TYPE_CNAME: rc = rdata_name(v, &at, end, "CNAME"); break;
    case TYPE_PTR: rc = rdata_name(v, &at, end, "PTRDNAME"); break;
    case TYPE_MX: rc = rdata_mx(v, &at, end); break;
    case TYPE_SOA: rc = rdata_soa(v, &at, end); break;
    case TYPE_TXT: rc = rdata_txt(v, &at, end); break;
    case TYPE_OPT: rc = rdata_opt(v, &at, end); break;
    }
    if (rc < 0)
        return -1;
    if (at != end)
        return fail(v, at, "RDLENGTH %zu, but the %s RDATA ends after %zu bytes", n,
                    type_name(type, tb), at - off);
    return 0;
}

/* ------------------------------------------------------------------------
 * Sections (RFC 1035 4.1.2, 4.1.3).
 */
static int show_question(struct view *v, size_t *off)
{
    const char *msg = "the message";
    char tb[16], cb[16];
    if (show_name(v, 0, "QNAME", *off, v->len, msg, off) < 0)
        return -1;
    if (need(v, *off, 2, v->len, "QTYPE", msg) < 0)
        return -1;
    unsigned type = get16(v, *off);
    row(v, *off, 2, 0, "QTYPE %u %s", type, type_name(type, tb));
    *off += 2;
    if (need(v, *off, 2, v->len, "QCLASS", msg) < 0)
        return -1;
    unsigned class = get16(v, *off);
    row(v, *off, 2, 0, "QCLASS %u %s", class, class_name(class, cb));
    *off += 2;
    return 0;
}

/* OPT's TTL is three fields (RFC 6891 6.1.3). */
static void show_opt_ttl(struct view *v, size_t off)
{
    unsigned ext = v->msg[off];
    unsigned rcode = ext << 4 | v->rcode;
    row(v, off, 1, 0, "TTL in OPT: EXTENDED-RCODE %u (RCODE %u %s)", ext, rcode,
        rcode_name(rcode));
    row(v, off + 1, 1, 0, "VERSION %u", v->msg[off + 1]);
    unsigned w = get16(v, off + 2);
    row(v, off + 2, 2, 0, "flags");
    flag(v, w, 0x8000, "DO", "no DNSSEC records", "DNSSEC OK");
    bits(v, w, 0x7fff, "Z %u%s", w & 0x7fff, w & 0x7fff ? ": must be 0" : "");
}

static int show_rr(struct view *v, size_t *off)
{
    const char *msg = "the message";
    char tb[16], cb[16];
    if (show_name(v, 0, "NAME", *off, v->len, msg, off) < 0)
        return -1;
    if (need(v, *off, 2, v->len, "TYPE", msg) < 0)
        return -1;
    unsigned type = get16(v, *off);
    row(v, *off, 2, 0, "TYPE %u %s", type, type_name(type, tb));
    *off += 2;
    if (need(v, *off, 2, v->len, "CLASS", msg) < 0)
        return -1;
    unsigned class = get16(v, *off);
    if (type == TYPE_OPT)
        row(v, *off, 2, 0, "CLASS %u: in OPT, the UDP payload size", class);
    else
        row(v, *off, 2, 0, "CLASS %u %s", class, class_name(class, cb));
    *off += 2;
    if (need(v, *off, 4, v->len, "TTL", msg) < 0)
        return -1;
    uint32_t ttl = get32(v, *off);
    if (type == TYPE_OPT) {
        show_opt_ttl(v, *off);
    } else if (ttl > INT32_MAX) {     /* RFC 2181 8 */
        row(v, *off, 4, 0, "TTL %u: more than 2^31-1, read as 0", (unsigned)ttl);
    } else {
        char d[32];
        duration(ttl, d);
        row(v, *off, 4, 0, "TTL %u seconds%s", (unsigned)ttl, d);
    }
    *off += 4;
    if (need(v, *off, 2, v->len, "RDLENGTH", msg) < 0)
        return -1;
    size_t n = get16(v, *off);
    row(v, *off, 2, 0, "RDLENGTH %zu", n);
    if (v->len - *off - 2 < n)
        return fail(v, *off, "RDLENGTH %zu, but %zu bytes are left", n, v->len - *off - 2);
    *off += 2;
    if (show_rdata(v, type, class, *off, n) < 0)
        return -1;
    *off += n;
    return 0;
}

int dnsview_print(FILE *f, const unsigned char *msg, size_t len)
{
    struct view v = {.f = f, .msg = msg, .len = len};
    if (len > DNSVIEW_MESSAGE_MAX)
        return fail(&v, 0, "%zu bytes, more than a DNS message's %d", len, DNSVIEW_MESSAGE_MAX);
    unsigned counts[4];
    if (show_header(&v, counts) < 0)
        return -1;
    size_t off = DNSVIEW_HEADER_SIZE;
    for (int s = 0; s < 4; s++) {
        for (unsigned i = 1; i <= counts[s]; i++) {
            if (off == len)
                return fail(&v, off, "the message ends before %s %u of %u", sections[s].title, i,
                            counts[s]);
            title(&v, sections[s].title, i);
            if ((s == 0 ? show_question(&v, &off) : show_rr(&v, &off)) < 0)
                return -1;
        }
    }
    if (off == len) {
        row(&v, off, 0, 0, "end of the message, %zu bytes", len);
        return 0;
    }
    row(&v, off, 0, 0, "end of the last record, %zu bytes in all", len);
    return fail(&v, off, "%zu byte%s after the last record", len - off, len - off == 1 ? "" : "s");
}
