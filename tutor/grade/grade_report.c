/* grade_report — see grade_report.h. */
#include "grade_report.h"

#include <string.h>

#include "util/i18n.h"
#include "util/term.h"

int grade_format_parse(const char *name, enum grade_format *out)
{
    static const char *const names[] = {"plain", "json", "tap", "junit", "csv"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (enum grade_format)i;
            return 0;
        }
    }
    return -1;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static size_t passed_steps(const json_t *r)
{
    size_t n = 0, i;
    json_t *s;
    json_array_foreach(json_object_get(r, "steps"), i, s) n += json_is_true(json_object_get(s, "passed"));
    return n;
}

/* A failed step's story: each failing check's expected, got and rule. */
static void failure_text(const json_t *step, char *out, size_t size)
{
    size_t used = 0, i;
    json_t *c;
    out[0] = '\0';
    if (json_is_false(json_object_get(step, "reached"))) {
        snprintf(out, size, "%s", _("not reached: the recording ends before this step"));
        return;
    }
    json_array_foreach(json_object_get(step, "checks"), i, c) {
        if (json_is_true(json_object_get(c, "ok")) || used >= size)
            continue;
        used += (size_t)snprintf(out + used, size - used, "%s%s: %s\n%s: %s%s%s", used ? "\n" : "",
                                 _("EXPECTED"), str(c, "expect"), _("ACTUAL"), str(c, "actual"),
                                 *str(c, "rule") ? "\n" : "", str(c, "rule"));
    }
    if (!out[0])
        snprintf(out, size, "%s", _("the step was not reached, or was skipped"));
}

/* The name a submission goes by: its student, else its file. */
static const char *who(const json_t *r)
{
    const char *s = str(r, "student");
    return *s ? s : str(r, "submission");
}

/* ------------------------------------------------------------------------
 * plain
 */
static void plain(FILE *f, const struct lesson *l, const json_t *results)
{
    size_t i, pass = 0, fail = 0, error = 0;
    json_t *r;
    json_array_foreach(results, i, r) {
        const char *status = str(r, "status");
        const json_t *steps = json_object_get(r, "steps");
        if (strcmp(status, "error") == 0) {
            error++;
            fprintf(f, "%s: %s\n  %s\n", who(r), _("could not be graded"), str(r, "message"));
            continue;
        }
        strcmp(status, "pass") == 0 ? pass++ : fail++;
        fprintf(f, _("%1$s: lesson %2$s, %3$zu of %4$zu steps passed, %5$d hints\n"), who(r), l->id,
                passed_steps(r), json_array_size(steps),
                (int)json_integer_value(json_object_get(r, "hints")));
        size_t k;
        json_t *s;
        json_array_foreach(steps, k, s) {
            bool ok = json_is_true(json_object_get(s, "passed"));
            fprintf(f, "  %s  %s: %s\n", ok ? _("PASS") : _("FAIL"), str(s, "id"), str(s, "title"));
            if (ok)
                continue;
            char text[4096];
            failure_text(s, text, sizeof text);
            for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                fprintf(f, "        ");
                term_wrap(f, line, 8, 10, TERM_LINE_WIDTH);
            }
        }
        if (*str(r, "message"))
            fprintf(f, "  %s\n", str(r, "message"));
    }
    if (error)
        fprintf(f, _("%1$zu passed, %2$zu failed, %3$zu could not be graded\n"), pass, fail, error);
    else
        fprintf(f, _("%1$zu passed, %2$zu failed\n"), pass, fail);
}

/* ------------------------------------------------------------------------
 * json: Exercism v3, with Gradescope's scores
 */
static void json_lines(FILE *f, const struct lesson *l, const json_t *results)
{
    size_t i;
    json_t *r;
    json_array_foreach(results, i, r) {
        const char *status = str(r, "status");
        json_t *tests = json_array();
        size_t k;
        json_t *s;
        int score = 0, max = 0;
        json_array_foreach(json_object_get(r, "steps"), k, s) {
            bool ok = json_is_true(json_object_get(s, "passed"));
            char text[4096], name[256];
            failure_text(s, text, sizeof text);
            snprintf(name, sizeof name, "%s: %s", str(s, "id"), str(s, "title"));
            score += ok;
            max++;
            json_array_append_new(
                tests, json_pack("{s:s,s:s,s:o,s:n,s:I,s:s,s:i,s:i,s:i}", "name", name, "status",
                                 ok ? "pass" : "fail", "message", ok ? json_null() : json_string(text),
                                 "output", "task_id", (json_int_t)k + 1, "test_code", "", "score",
                                 ok, "max_score", 1, "hints",
                                 (int)json_integer_value(json_object_get(s, "hints"))));
        }
        bool error = strcmp(status, "error") == 0;
        json_t *o = json_pack("{s:i,s:s,s:o,s:o,s:i,s:i,s:s,s:O,s:s,s:i}", "version", 3, "status",
                              status, "message",
                              error || *str(r, "message") ? json_string(str(r, "message"))
                                                          : json_null(),
                              "tests", tests, "score", score, "max_score", max, "lesson", l->id,
                              "student", json_object_get(r, "student"), "submission",
                              str(r, "submission"), "hints_used",
                              (int)json_integer_value(json_object_get(r, "hints")));
        char *text = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        if (text)
            fprintf(f, "%s\n", text);
        free(text);
        json_decref(o);
    }
}

/* ------------------------------------------------------------------------
 * tap: TAP version 14
 */
/* A YAML block scalar's lines, indented. */
static void yaml_block(FILE *f, const char *indent, const char *key, const char *text)
{
    fprintf(f, "%s%s: |\n", indent, key);
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, "\n");
        fprintf(f, "%s  %.*s\n", indent, (int)n, p);
        p += n;
        if (*p == '\n')
            p++;
    }
}

/* A test point's description may not hold "#" (a directive would begin). */
static void tap_name(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc(*s == '#' ? ' ' : *s == '\n' ? ' ' : *s, f);
}

static void tap(FILE *f, const json_t *results)
{
    fprintf(f, "TAP version 14\n1..%zu\n", json_array_size(results));
    size_t i;
    json_t *r;
    json_array_foreach(results, i, r) {
        const char *status = str(r, "status");
        const json_t *steps = json_object_get(r, "steps");
        fprintf(f, "# Subtest: ");
        tap_name(f, who(r));
        fprintf(f, "\n    1..%zu\n", json_array_size(steps));
        size_t k;
        json_t *s;
        json_array_foreach(steps, k, s) {
            bool ok = json_is_true(json_object_get(s, "passed"));
            fprintf(f, "    %s %zu - ", ok ? "ok" : "not ok", k + 1);
            tap_name(f, str(s, "id"));
            fprintf(f, ": ");
            tap_name(f, str(s, "title"));
            fputc('\n', f);
            if (!ok) {
                char text[4096];
                failure_text(s, text, sizeof text);
                fprintf(f, "      ---\n");
                yaml_block(f, "      ", "message", text);
                fprintf(f, "      ...\n");
            }
        }
        fprintf(f, "%s %zu - ", strcmp(status, "pass") == 0 ? "ok" : "not ok", i + 1);
        tap_name(f, who(r));
        fputc('\n', f);
        if (strcmp(status, "error") == 0) {
            fprintf(f, "  ---\n");
            yaml_block(f, "  ", "message", str(r, "message"));
            fprintf(f, "  ...\n");
        }
    }
}

/* ------------------------------------------------------------------------
 * junit
 */
static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\n': fputs("&#10;", f); break;
        case '\t': fputs("&#9;", f); break;
        default:
            /* XML 1.0 has no other control characters at all */
            if (c >= 0x20 || c == '\r')
                fputc(c, f);
        }
    }
}

static void junit(FILE *f, const struct lesson *l, const json_t *results)
{
    size_t i, tests = 0, failures = 0, errors = 0;
    json_t *r;
    json_array_foreach(results, i, r) {
        size_t n = json_array_size(json_object_get(r, "steps"));
        if (strcmp(str(r, "status"), "error") == 0) {
            errors++;
            tests++;
        } else {
            tests += n;
            failures += n - passed_steps(r);
        }
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"");
    xml_text(f, l->id);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n", tests, failures, errors);
    json_array_foreach(results, i, r) {
        const json_t *steps = json_object_get(r, "steps");
        bool error = strcmp(str(r, "status"), "error") == 0;
        size_t n = json_array_size(steps);
        fprintf(f, "  <testsuite name=\"");
        xml_text(f, who(r));
        fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%d\" skipped=\"0\">\n",
                error ? 1 : n, error ? 0 : n - passed_steps(r), error);
        if (error) {
            fprintf(f, "    <testcase name=\"grading\" classname=\"");
            xml_text(f, l->id);
            fprintf(f, "\">\n      <error message=\"");
            xml_text(f, str(r, "message"));
            fprintf(f, "\"/>\n    </testcase>\n");
        }
        size_t k;
        json_t *s;
        json_array_foreach(steps, k, s) {
            fprintf(f, "    <testcase name=\"");
            xml_text(f, str(s, "id"));
            fprintf(f, ": ");
            xml_text(f, str(s, "title"));
            fprintf(f, "\" classname=\"");
            xml_text(f, l->id);
            fprintf(f, "\"");
            if (json_is_true(json_object_get(s, "passed"))) {
                fprintf(f, "/>\n");
                continue;
            }
            char text[4096];
            failure_text(s, text, sizeof text);
            fprintf(f, ">\n      <failure message=\"");
            xml_text(f, text);
            fprintf(f, "\" type=\"step\"/>\n    </testcase>\n");
        }
        fprintf(f, "  </testsuite>\n");
    }
    fprintf(f, "</testsuites>\n");
}

/* ------------------------------------------------------------------------
 * csv (RFC 4180: CR LF, fields with quotes, commas or line ends quoted)
 */
static void csv_field(FILE *f, const char *s, bool last)
{
    if (strpbrk(s, "\",\r\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputs(last ? "\r\n" : ",", f);
}

static void csv(FILE *f, const struct lesson *l, const json_t *results)
{
    fputs("student,lesson,score,max_score,steps_passed,steps,hints_used,status,submission\r\n", f);
    size_t i;
    json_t *r;
    json_array_foreach(results, i, r) {
        size_t n = json_array_size(json_object_get(r, "steps"));
        char num[5][24];
        snprintf(num[0], sizeof num[0], "%zu", passed_steps(r));
        snprintf(num[1], sizeof num[1], "%zu", n);
        snprintf(num[2], sizeof num[2], "%d", (int)json_integer_value(json_object_get(r, "hints")));
        csv_field(f, str(r, "student"), false);
        csv_field(f, l->id, false);
        csv_field(f, num[0], false);    /* a step a point: score is steps passed */
        csv_field(f, num[1], false);
        csv_field(f, num[0], false);
        csv_field(f, num[1], false);
        csv_field(f, num[2], false);
        csv_field(f, str(r, "status"), false);
        csv_field(f, str(r, "submission"), true);
    }
}

void grade_report(FILE *f, enum grade_format fmt, const struct lesson *l, const json_t *results)
{
    switch (fmt) {
    case GRADE_PLAIN: plain(f, l, results); break;
    case GRADE_JSON: json_lines(f, l, results); break;
    case GRADE_TAP: tap(f, results); break;
    case GRADE_JUNIT: junit(f, l, results); break;
    case GRADE_CSV: csv(f, l, results); break;
    }
    fflush(f);
}
