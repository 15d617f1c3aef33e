/*
 * message.h - control-protocol messages, shared by the reference programs
 * and the lwIP program: replies and events out, one JSON line each, and the
 * fields of a request in. Sharing them keeps the wire format and the
 * bad-request wording the same in every bundled program.
 *
 * Not thread-safe: a program with several threads must write from one
 * at a time (tcplwip holds lwIP's core lock).
 */
#ifndef TCPREF_MESSAGE_H
#define TCPREF_MESSAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"

/* ---- out: replies and events ---- */

/* The message being built; jw_* calls may add to it between begin_* and
 * end_message. */
extern struct json_writer out;

/*
 * Called once, with the errno, when stdout fails for good (the controller
 * stopped reading); later messages are dropped. It may end the program.
 * Without one, messages are dropped silently.
 */
void set_stdout_failed(void (*fn)(int err));

void put_str(const char *key, const char *value);
void put_int(const char *key, int64_t value);
void put_uint(const char *key, uint64_t value);
void put_bool(const char *key, bool value);
__attribute__((format(printf, 2, 3)))
void put_fmt(const char *key, const char *fmt, ...);
/* "errno" and "message" of a failed call. */
void put_errno(int err);

void begin_reply(int64_t id, bool ok);
/* conn 0: an event about no handle in particular. */
void begin_event(const char *name, int64_t conn);
/* Closes the message and writes it as one line. */
void end_message(void);

void reply_ok(int64_t id);
void reply_errno(int64_t id, int err);
/* A protocol-level failure: kind is bad-request, unknown-op, bad-handle or
 * cancelled. id is NULL when the request had no usable id. */
__attribute__((format(printf, 3, 4)))
void reply_error(const int64_t *id, const char *kind, const char *fmt, ...);

/* ---- in: request fields ---- */

struct request {
    int64_t id;
    const char *op;               /* the op's name, NUL-terminated */
    const struct json_value *obj; /* the whole request */
};

/* The field called key, or NULL. */
const struct json_value *arg(const struct request *r, const char *key);

/*
 * Each reader answers the request itself with bad-request and returns false
 * when the field is unusable; the op then just returns. An absent optional
 * field leaves *value as it was (a string's is set to NULL).
 */
bool arg_int(const struct request *r, const char *key, bool required, int64_t min, int64_t max, int64_t *value);
bool arg_bool(const struct request *r, const char *key, bool *value);
bool arg_string(const struct request *r, const char *key, bool required, const struct json_value **value);

#endif
