/*
 * json.c - a strict reader for flat JSON objects and a small writer.
 *
 * The reader follows RFC 8259 for everything it accepts (no trailing commas,
 * no leading zeros, no raw control characters in strings, well-formed UTF-8,
 * paired surrogates) and refuses duplicate keys, which JSON merely frowns
 * upon but which would make a request ambiguous. It never reads past the
 * given length, so a line may contain NUL bytes without harm.
 */
#include "json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
    char *base; /* start of the text, for column numbers */
    char *p;    /* next unread byte */
    char *end;
    struct json_doc *doc;
    const char *error; /* first failure wins */
    size_t error_at;
};

static bool fail(struct parser *ps, const char *msg)
{
    if (!ps->error) {
        ps->error = msg;
        ps->error_at = (size_t)(ps->p - ps->base);
    }
    return false;
}

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static bool at(const struct parser *ps, char c)
{
    return ps->p < ps->end && *ps->p == c;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Length of the well-formed UTF-8 sequence at s (s < end), or 0. */
static size_t utf8_sequence(const unsigned char *s, const unsigned char *end)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* no overlong forms */
        else if (c == 0xED)
            hi = 0x9F; /* no UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
    } else
        return 0;

    if ((size_t)(end - s) < n)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

bool json_utf8_valid(const char *buf, size_t len)
{
    const unsigned char *s = (const unsigned char *)buf, *end = s + len;
    while (s < end) {
        size_t n = utf8_sequence(s, end);
        if (n == 0)
            return false;
        s += n;
    }
    return true;
}

/* Reads the four hex digits of a \u escape at ps->p. */
static bool read_hex4(struct parser *ps, unsigned *out)
{
    unsigned v = 0;
    if (ps->end - ps->p < 4)
        return fail(ps, "truncated \\u escape");
    for (int i = 0; i < 4; i++) {
        int h = hex_value(ps->p[i]);
        if (h < 0)
            return fail(ps, "invalid \\u escape");
        v = v << 4 | (unsigned)h;
    }
    ps->p += 4;
    *out = v;
    return true;
}

static char *put_utf8(char *dst, unsigned cp)
{
    if (cp < 0x80) {
        *dst++ = (char)cp;
    } else if (cp < 0x800) {
        *dst++ = (char)(0xC0 | cp >> 6);
        *dst++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *dst++ = (char)(0xE0 | cp >> 12);
        *dst++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *dst++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *dst++ = (char)(0xF0 | cp >> 18);
        *dst++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *dst++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *dst++ = (char)(0x80 | (cp & 0x3F));
    }
    return dst;
}

/* Decodes the escape after a backslash (ps->p is past the backslash). */
static bool read_escape(struct parser *ps, char **dst)
{
    unsigned cp, low;

    if (ps->p >= ps->end)
        return fail(ps, "unterminated string");
    switch (*ps->p++) {
    case '"': *(*dst)++ = '"'; return true;
    case '\\': *(*dst)++ = '\\'; return true;
    case '/': *(*dst)++ = '/'; return true;
    case 'b': *(*dst)++ = '\b'; return true;
    case 'f': *(*dst)++ = '\f'; return true;
    case 'n': *(*dst)++ = '\n'; return true;
    case 'r': *(*dst)++ = '\r'; return true;
    case 't': *(*dst)++ = '\t'; return true;
    case 'u': break;
    default:
        ps->p--;
        return fail(ps, "invalid escape in string");
    }

    if (!read_hex4(ps, &cp))
        return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return fail(ps, "unpaired UTF-16 surrogate in \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        /* A high surrogate must be followed by an escaped low one. */
        if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
            return fail(ps, "unpaired UTF-16 surrogate in \\u escape");
        ps->p += 2;
        if (!read_hex4(ps, &low))
            return false;
        if (low < 0xDC00 || low > 0xDFFF)
            return fail(ps, "unpaired UTF-16 surrogate in \\u escape");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    /* 6 (or 12) source bytes become at most 3 (or 4): dst stays behind p. */
    *dst = put_utf8(*dst, cp);
    return true;
}

/* Parses the string at ps->p (an opening quote) and decodes it in place. */
static bool parse_string(struct parser *ps, const char **out, size_t *outlen)
{
    char *dst, *start;

    ps->p++; /* opening quote */
    start = dst = ps->p;
    for (;;) {
        unsigned char c;
        if (ps->p >= ps->end)
            return fail(ps, "unterminated string");
        c = (unsigned char)*ps->p;
        if (c == '"')
            break;
        if (c < 0x20)
            return fail(ps, "control character in string (escape it)");
        if (c == '\\') {
            ps->p++;
            if (!read_escape(ps, &dst))
                return false;
        } else {
            size_t n = utf8_sequence((const unsigned char *)ps->p, (const unsigned char *)ps->end);
            if (n == 0)
                return fail(ps, "invalid UTF-8 in string");
            memmove(dst, ps->p, n);
            dst += n;
            ps->p += n;
        }
    }
    /* dst <= position of the closing quote, which is consumed already. */
    *dst = '\0';
    ps->p++;
    *out = start;
    *outlen = (size_t)(dst - start);
    return true;
}

static bool parse_number(struct parser *ps, struct json_value *v)
{
    char *start = ps->p;
    bool negative = false, integral = true;

    if (at(ps, '-')) {
        negative = true;
        ps->p++;
    }
    if (ps->p >= ps->end || !is_digit(*ps->p))
        return fail(ps, "invalid number");
    if (*ps->p == '0')
        ps->p++; /* a leading zero stands alone; "01" fails at the caller */
    else
        while (ps->p < ps->end && is_digit(*ps->p))
            ps->p++;
    if (at(ps, '.')) {
        integral = false;
        ps->p++;
        if (ps->p >= ps->end || !is_digit(*ps->p))
            return fail(ps, "invalid number");
        while (ps->p < ps->end && is_digit(*ps->p))
            ps->p++;
    }
    if (at(ps, 'e') || at(ps, 'E')) {
        integral = false;
        ps->p++;
        if (at(ps, '+') || at(ps, '-'))
            ps->p++;
        if (ps->p >= ps->end || !is_digit(*ps->p))
            return fail(ps, "invalid number");
        while (ps->p < ps->end && is_digit(*ps->p))
            ps->p++;
    }

    if (!integral) {
        v->type = JSON_REAL;
        return true;
    }

    /* Accumulate as a negative number so that INT64_MIN fits too. */
    int64_t acc = 0;
    for (char *d = start + negative; d < ps->p; d++) {
        int digit = *d - '0';
        if (acc < (INT64_MIN + digit) / 10) {
            ps->p = start;
            return fail(ps, "integer out of range");
        }
        acc = acc * 10 - digit;
    }
    if (!negative) {
        if (acc == INT64_MIN) {
            ps->p = start;
            return fail(ps, "integer out of range");
        }
        acc = -acc;
    }
    v->type = JSON_INT;
    v->integer = acc;
    return true;
}

static bool parse_literal(struct parser *ps, const char *word, struct json_value *v, enum json_type type, bool b)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail(ps, "unexpected characters (expected a value)");
    ps->p += n;
    v->type = type;
    v->boolean = b;
    return true;
}

static bool parse_object(struct parser *ps, struct json_value *v, int depth);

static bool parse_value(struct parser *ps, struct json_value *v, int depth)
{
    memset(v, 0, sizeof *v);
    if (ps->p >= ps->end)
        return fail(ps, "expected a value");
    switch (*ps->p) {
    case '{':
        if (depth >= 2)
            return fail(ps, "objects nested more than one level deep are not supported");
        return parse_object(ps, v, depth + 1);
    case '[':
        return fail(ps, "arrays are not supported");
    case '"':
        v->type = JSON_STRING;
        return parse_string(ps, &v->str, &v->len);
    case 't':
        return parse_literal(ps, "true", v, JSON_BOOL, true);
    case 'f':
        return parse_literal(ps, "false", v, JSON_BOOL, false);
    case 'n':
        return parse_literal(ps, "null", v, JSON_NULL, false);
    default:
        if (*ps->p == '-' || is_digit(*ps->p))
            return parse_number(ps, v);
        return fail(ps, "unexpected character (expected a value)");
    }
}

/*
 * Members of the top-level object go to doc->fields; members of a nested
 * object go to doc->nested. Nested objects cannot contain objects, so the
 * members of each object are contiguous in their pool.
 */
static bool parse_object(struct parser *ps, struct json_value *v, int depth)
{
    struct json_member *pool = depth == 1 ? ps->doc->fields : ps->doc->nested;
    size_t *used = depth == 1 ? &ps->doc->nfields : &ps->doc->nnested;
    size_t cap = depth == 1 ? JSON_MAX_FIELDS : JSON_MAX_NESTED_FIELDS;
    size_t first = *used;

    ps->p++; /* '{' */
    v->type = JSON_OBJECT;
    v->members = pool + first;
    v->count = 0;

    skip_ws(ps);
    if (at(ps, '}')) {
        ps->p++;
        return true;
    }
    for (;;) {
        struct json_member *m;

        skip_ws(ps);
        if (!at(ps, '"'))
            return fail(ps, "expected a string key");
        if (*used == cap)
            return fail(ps, "too many fields");
        m = &pool[(*used)++];
        if (!parse_string(ps, &m->key, &m->keylen))
            return false;
        for (size_t i = first; i < *used - 1; i++)
            if (pool[i].keylen == m->keylen && memcmp(pool[i].key, m->key, m->keylen) == 0)
                return fail(ps, "duplicate key");
        skip_ws(ps);
        if (!at(ps, ':'))
            return fail(ps, "expected ':' after key");
        ps->p++;
        skip_ws(ps);
        if (!parse_value(ps, &m->value, depth))
            return false;
        v->count++;
        skip_ws(ps);
        if (at(ps, ',')) {
            ps->p++;
            continue;
        }
        if (at(ps, '}')) {
            ps->p++;
            return true;
        }
        return fail(ps, "expected ',' or '}'");
    }
}

bool json_parse_object(char *text, size_t len, struct json_doc *doc, char *err, size_t errlen)
{
    struct parser ps = { .base = text, .p = text, .end = text + len, .doc = doc };
    bool ok;

    doc->nfields = doc->nnested = 0;
    memset(&doc->root, 0, sizeof doc->root);

    skip_ws(&ps);
    if (!at(&ps, '{'))
        ok = fail(&ps, "a request must be a JSON object");
    else
        ok = parse_object(&ps, &doc->root, 1);
    if (ok) {
        skip_ws(&ps);
        if (ps.p != ps.end)
            ok = fail(&ps, "unexpected characters after the object");
    }
    if (!ok && err && errlen)
        snprintf(err, errlen, "%s at column %zu", ps.error, ps.error_at + 1);
    return ok;
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
    size_t n = strlen(key);
    if (!obj || obj->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->count; i++)
        if (obj->members[i].keylen == n && memcmp(obj->members[i].key, key, n) == 0)
            return &obj->members[i].value;
    return NULL;
}

const char *json_type_name(enum json_type type)
{
    switch (type) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "a boolean";
    case JSON_INT: return "an integer";
    case JSON_REAL: return "a non-integer number";
    case JSON_STRING: return "a string";
    case JSON_OBJECT: return "an object";
    }
    return "a value";
}

/* ---- writer ---- */

static void reserve(struct json_writer *w, size_t more)
{
    size_t cap;
    char *buf;

    if (w->cap - w->len >= more)
        return;
    cap = w->cap ? w->cap : 256;
    while (cap - w->len < more)
        cap *= 2;
    buf = realloc(w->buf, cap);
    if (!buf) {
        fputs("tcpref: out of memory\n", stderr);
        exit(70); /* EX_SOFTWARE: nothing sensible can be replied */
    }
    w->buf = buf;
    w->cap = cap;
}

void jw_raw(struct json_writer *w, const char *s, size_t len)
{
    reserve(w, len + 1);
    memcpy(w->buf + w->len, s, len);
    w->len += len;
    w->buf[w->len] = '\0';
}

/* The separator owed before a value, unless it follows its key. */
static void value_prefix(struct json_writer *w)
{
    if (!w->after_key && w->need_comma)
        jw_raw(w, ",", 1);
    w->after_key = false;
    w->need_comma = true;
}

void jw_reset(struct json_writer *w)
{
    w->len = 0;
    w->need_comma = w->after_key = false;
    if (w->buf)
        w->buf[0] = '\0';
}

void jw_begin_object(struct json_writer *w)
{
    value_prefix(w);
    jw_raw(w, "{", 1);
    w->need_comma = false;
}

void jw_end_object(struct json_writer *w)
{
    jw_raw(w, "}", 1);
    w->need_comma = true;
}

void jw_begin_array(struct json_writer *w)
{
    value_prefix(w);
    jw_raw(w, "[", 1);
    w->need_comma = false;
}

void jw_end_array(struct json_writer *w)
{
    jw_raw(w, "]", 1);
    w->need_comma = true;
}

static void put_string(struct json_writer *w, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";

    /* Worst case every byte becomes \u00XX. */
    reserve(w, len * 6 + 3);
    w->buf[w->len++] = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char *o = w->buf + w->len;
        switch (c) {
        case '"': memcpy(o, "\\\"", 2); w->len += 2; continue;
        case '\\': memcpy(o, "\\\\", 2); w->len += 2; continue;
        case '\n': memcpy(o, "\\n", 2); w->len += 2; continue;
        case '\r': memcpy(o, "\\r", 2); w->len += 2; continue;
        case '\t': memcpy(o, "\\t", 2); w->len += 2; continue;
        default: break;
        }
        if (c < 0x20 || c == 0x7F) {
            memcpy(o, "\\u00", 4);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 0xF];
            w->len += 6;
        } else {
            *o = (char)c;
            w->len++;
        }
    }
    w->buf[w->len++] = '"';
    w->buf[w->len] = '\0';
}

void jw_key(struct json_writer *w, const char *key)
{
    if (w->need_comma)
        jw_raw(w, ",", 1);
    put_string(w, key, strlen(key));
    jw_raw(w, ":", 1);
    w->after_key = true;
    w->need_comma = false;
}

void jw_string(struct json_writer *w, const char *s, size_t len)
{
    value_prefix(w);
    put_string(w, s, len);
}

void jw_cstring(struct json_writer *w, const char *s)
{
    jw_string(w, s, strlen(s));
}

void jw_int(struct json_writer *w, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    value_prefix(w);
    jw_raw(w, tmp, (size_t)n);
}

void jw_uint(struct json_writer *w, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
    value_prefix(w);
    jw_raw(w, tmp, (size_t)n);
}

void jw_bool(struct json_writer *w, bool v)
{
    value_prefix(w);
    jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}
