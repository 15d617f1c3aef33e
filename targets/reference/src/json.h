/*
 * json.h - just enough JSON for the control protocol.
 *
 * The reader accepts one object per line whose values are strings, integers,
 * booleans, null, non-integer numbers (recognised so that they can be refused
 * with a precise message) and objects nested one level deep (socket option
 * values such as {"onoff":1,"linger":0}). Arrays and deeper nesting are
 * refused: no request needs them, and a small grammar is a small attack
 * surface. The writer builds one reply or event at a time.
 */
#ifndef TCPREF_JSON_H
#define TCPREF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fields per request and fields across all of its nested objects. */
#define JSON_MAX_FIELDS 32
#define JSON_MAX_NESTED_FIELDS 32

enum json_type {
    JSON_NULL,
    JSON_BOOL,
    JSON_INT,  /* an integer that fits in int64_t */
    JSON_REAL, /* any other number: parsed for validation only */
    JSON_STRING,
    JSON_OBJECT,
};

struct json_member;

struct json_value {
    enum json_type type;
    bool boolean;
    int64_t integer;
    /* JSON_STRING: decoded UTF-8, NUL-terminated; may itself contain NUL
     * bytes (from \u0000), so always use len. */
    const char *str;
    size_t len;
    /* JSON_OBJECT: members in source order. */
    const struct json_member *members;
    size_t count;
};

struct json_member {
    const char *key; /* decoded, NUL-terminated */
    size_t keylen;
    struct json_value value;
};

/* Storage for one parsed request; strings point into the parsed line. */
struct json_doc {
    struct json_member fields[JSON_MAX_FIELDS];
    struct json_member nested[JSON_MAX_NESTED_FIELDS];
    size_t nfields, nnested;
    struct json_value root;
};

/*
 * Parses text[0..len) as one JSON object, decoding strings in place (an
 * escape never decodes to more bytes than it occupies). On failure returns
 * false and writes a message naming the column to err; doc->root then still
 * holds the top-level members completed before the error, so that a caller
 * can recover a request id from a request that is broken further on.
 */
bool json_parse_object(char *text, size_t len, struct json_doc *doc, char *err, size_t errlen);

/* The member called key of an object, or NULL. */
const struct json_value *json_get(const struct json_value *obj, const char *key);

/* "a string", "an integer", ... for error messages. */
const char *json_type_name(enum json_type type);

/* True when buf[0..len) is well-formed UTF-8. */
bool json_utf8_valid(const char *buf, size_t len);

/*
 * Writer. Calls go in document order: begin/end for objects and arrays,
 * key before every member value. Memory grows as needed; running out of
 * memory ends the program (a reply cannot be half written).
 */
struct json_writer {
    char *buf;
    size_t len, cap;
    bool need_comma; /* a value was written at this level */
    bool after_key;  /* a key was written, its value is next */
};

void jw_reset(struct json_writer *w);
void jw_begin_object(struct json_writer *w);
void jw_end_object(struct json_writer *w);
void jw_begin_array(struct json_writer *w);
void jw_end_array(struct json_writer *w);
void jw_key(struct json_writer *w, const char *key);
void jw_string(struct json_writer *w, const char *s, size_t len);
void jw_cstring(struct json_writer *w, const char *s);
void jw_int(struct json_writer *w, int64_t v);
void jw_uint(struct json_writer *w, uint64_t v);
void jw_bool(struct json_writer *w, bool v);
void jw_raw(struct json_writer *w, const char *s, size_t len);

#endif
