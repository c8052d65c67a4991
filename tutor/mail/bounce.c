/* bounce — see bounce.h. */
#include "bounce.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An open_memstream-backed text: the report is assembled piecewise. */
static void add(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
}

/* The RFC 3463 status in a reply ("550 5.1.1 ..." gives "5.1.1"); a
 * reply without one gets the class's generic status. */
static void status_of(const char *diagnostic, char out[16])
{
    int a, b, c, used = 0;
    if (sscanf(diagnostic, "%*3d %1d.%3d.%3d%n", &a, &b, &c, &used) == 3 && used > 0 &&
        (diagnostic[used] == ' ' || diagnostic[used] == '\0') && (a == 4 || a == 5)) {
        snprintf(out, 16, "%d.%d.%d", a, b, c);
        return;
    }
    /* our own reasons, with Postfix's codes for them (RFC 3463) */
    if (strncmp(diagnostic, "Host or domain name not found", 29) == 0)
        snprintf(out, 16, "5.4.4");
    else if (strstr(diagnostic, "loops back to myself"))
        snprintf(out, 16, "5.4.6");
    else
        snprintf(out, 16, "%s", diagnostic[0] == '4' ? "4.0.0" : "5.0.0");
}

char *bounce_message(const struct bounce_info *b, const struct bounce_rcpt *r, size_t n,
                     const char *original, size_t len)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f)
        return NULL;
    char boundary[128];
    snprintf(boundary, sizeof boundary, "%s.%s/%s", b->bounce_id, b->queue_id, b->reporting_host);

    add(f, "From: Mail Delivery System <MAILER-DAEMON@%s>\n", b->reporting_host);
    add(f, "To: %s\n", b->sender);
    bool delayed = b->retry_until != NULL;
    add(f, "Subject: %s\n", delayed ? "Delayed Mail (still being retried)"
                                    : "Undelivered Mail Returned to Sender");
    add(f, "Date: %s\n", b->date);
    add(f, "Message-Id: <%s@%s>\n", b->bounce_id, b->reporting_host);
    add(f, "Auto-Submitted: auto-replied\n");
    add(f, "MIME-Version: 1.0\n");
    add(f, "Content-Type: multipart/report; report-type=delivery-status;\n"
           "\tboundary=\"%s\"\n", boundary);
    add(f, "Content-Transfer-Encoding: 7bit\n\n");
    add(f, "This is a MIME-encapsulated message.\n\n");

    add(f, "--%s\n", boundary);
    add(f, "Content-Description: Notification\n");
    add(f, "Content-Type: text/plain; charset=us-ascii\n\n");
    add(f, "This is the mail system at host %s.\n\n", b->reporting_host);
    if (delayed)
        add(f, "####################################################################\n"
               "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
               "####################################################################\n\n"
               "Your message could not be delivered for %.1f hours.\n"
               "It will be retried until %s.\n\n"
               "For further assistance, please send mail to postmaster.\n\n"
               "If you do so, please include this problem report. You can\n"
               "delete your own text from the attached returned message.\n\n"
               "                   The mail system\n", b->delayed_hours, b->retry_until);
    else
        add(f, "I'm sorry to have to inform you that your message could not\n"
               "be delivered to one or more recipients. It's attached below.\n\n"
               "For further assistance, please send mail to postmaster.\n\n"
               "If you do so, please include this problem report. You can\n"
               "delete your own text from the attached returned message.\n\n"
               "                   The mail system\n");
    for (size_t i = 0; i < n; i++) {
        if (r[i].remote)
            add(f, "\n<%s>: host %s said: %s\n", r[i].address, r[i].remote, r[i].diagnostic);
        else
            add(f, "\n<%s>: %s\n", r[i].address, r[i].diagnostic);
    }
    add(f, "\n");

    add(f, "--%s\n", boundary);
    add(f, "Content-Description: Delivery report\n");
    add(f, "Content-Type: message/delivery-status\n\n");
    add(f, "Reporting-MTA: dns; %s\n", b->reporting_host);
    add(f, "X-Postfix-Queue-ID: %s\n", b->queue_id);
    add(f, "X-Postfix-Sender: rfc822; %s\n", b->sender);
    for (size_t i = 0; i < n; i++) {
        char status[16];
        status_of(r[i].diagnostic, status);
        add(f, "\nFinal-Recipient: rfc822; %s\n", r[i].address);
        add(f, "Original-Recipient: rfc822;%s\n", r[i].address);
        if (delayed && status[0] == '5')
            status[0] = '4';        /* still tried: not permanent yet */
        add(f, "Action: %s\n", delayed ? "delayed" : "failed");
        add(f, "Status: %s\n", status);
        if (delayed)
            add(f, "Will-Retry-Until: %s\n", b->retry_until);
        if (r[i].remote) {
            /* "mail.b.example[198.51.100.25]" names the MTA; the address is
             * not part of its DNS name */
            add(f, "Remote-MTA: dns; %.*s\n", (int)strcspn(r[i].remote, "["), r[i].remote);
            add(f, "Diagnostic-Code: smtp; %s\n", r[i].diagnostic);
        } else {
            add(f, "Diagnostic-Code: X-Postfix; %s\n", r[i].diagnostic);
        }
    }
    add(f, "\n");

    /* the returned message's header: up to its first empty line */
    add(f, "--%s\n", boundary);
    add(f, "Content-Description: Undelivered Message Headers\n");
    add(f, "Content-Type: text/rfc822-headers\n\n");
    size_t end = 0;
    while (end < len) {
        const char *nl = memchr(original + end, '\n', len - end);
        size_t line = nl ? (size_t)(nl - (original + end)) : len - end;
        if (line == 0 || (line == 1 && original[end] == '\r'))
            break;
        for (size_t k = 0; k < line; k++)
            if (original[end + k] != '\r')
                fputc(original[end + k], f);
        fputc('\n', f);
        end += line + (nl ? 1 : 0);
    }
    add(f, "\n--%s--\n", boundary);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
