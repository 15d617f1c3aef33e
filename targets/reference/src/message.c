/*
 * message.c - control-protocol messages: replies and events out, request
 * fields in. See message.h.
 */
#include "message.h"
#include "errname.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct json_writer out;

static bool stdout_broken;
static void (*stdout_failed)(int err);

void set_stdout_failed(void (*fn)(int err))
{
    stdout_failed = fn;
}

/* ---- out ---- */

/* Writes the message built in `out` as one line. */
static void emit(void)
{
    const char *p;
    size_t left;
    int err = 0;

    jw_raw(&out, "\n", 1);
    p = out.buf;
    left = out.len;
    while (left > 0 && !stdout_broken) {
        ssize_t n = write(STDOUT_FILENO, p, left);
        if (n > 0) {
            p += n;
            left -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* The controller gave us a non-blocking pipe: wait for room
             * rather than lose a reply. */
            struct pollfd pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };
            (void)poll(&pfd, 1, -1);
        } else {
            err = n < 0 ? errno : EIO;
            stdout_broken = true;
        }
    }
    jw_reset(&out);
    /* Reset first: the callback may write (dropped) messages itself. */
    if (err && stdout_failed)
        stdout_failed(err);
}

void put_str(const char *key, const char *value)
{
    jw_key(&out, key);
    jw_cstring(&out, value);
}

void put_int(const char *key, int64_t value)
{
    jw_key(&out, key);
    jw_int(&out, value);
}

void put_uint(const char *key, uint64_t value)
{
    jw_key(&out, key);
    jw_uint(&out, value);
}

void put_bool(const char *key, bool value)
{
    jw_key(&out, key);
    jw_bool(&out, value);
}

__attribute__((format(printf, 2, 0)))
static void put_vfmt(const char *key, const char *fmt, va_list ap)
{
    char text[512];
    vsnprintf(text, sizeof text, fmt, ap);
    put_str(key, text);
}

void put_fmt(const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put_vfmt(key, fmt, ap);
    va_end(ap);
}

/* The C locale keeps strerror() in ASCII, so it is valid JSON text as it is. */
void put_errno(int err)
{
    put_str("errno", errno_name(err));
    put_str("message", strerror(err));
}

void begin_reply(int64_t id, bool ok)
{
    jw_begin_object(&out);
    put_int("id", id);
    put_bool("ok", ok);
}

void begin_event(const char *name, int64_t conn)
{
    jw_begin_object(&out);
    put_str("event", name);
    if (conn > 0)
        put_int("conn", conn);
}

void end_message(void)
{
    jw_end_object(&out);
    emit();
}

void reply_ok(int64_t id)
{
    begin_reply(id, true);
    end_message();
}

void reply_errno(int64_t id, int err)
{
    begin_reply(id, false);
    put_errno(err);
    end_message();
}

void reply_error(const int64_t *id, const char *kind, const char *fmt, ...)
{
    va_list ap;

    jw_begin_object(&out);
    if (id)
        put_int("id", *id);
    put_bool("ok", false);
    put_str("error", kind);
    va_start(ap, fmt);
    put_vfmt("message", fmt, ap);
    va_end(ap);
    end_message();
}

/* ---- in ---- */

const struct json_value *arg(const struct request *r, const char *key)
{
    return json_get(r->obj, key);
}

bool arg_int(const struct request *r, const char *key, bool required, int64_t min, int64_t max, int64_t *value)
{
    const struct json_value *v = arg(r, key);

    if (!v) {
        if (required)
            reply_error(&r->id, "bad-request", "missing field \"%s\"", key);
        return !required; /* optional: *value keeps its default */
    }
    if (v->type != JSON_INT) {
        reply_error(&r->id, "bad-request", "field \"%s\" must be an integer, not %s", key, json_type_name(v->type));
        return false;
    }
    if (v->integer < min || v->integer > max) {
        reply_error(&r->id, "bad-request", "field \"%s\" must be between %" PRId64 " and %" PRId64, key, min, max);
        return false;
    }
    *value = v->integer;
    return true;
}

bool arg_bool(const struct request *r, const char *key, bool *value)
{
    const struct json_value *v = arg(r, key);

    if (!v)
        return true;
    if (v->type != JSON_BOOL) {
        reply_error(&r->id, "bad-request", "field \"%s\" must be a boolean, not %s", key, json_type_name(v->type));
        return false;
    }
    *value = v->boolean;
    return true;
}

bool arg_string(const struct request *r, const char *key, bool required, const struct json_value **value)
{
    const struct json_value *v = arg(r, key);

    *value = NULL;
    if (!v) {
        if (required)
            reply_error(&r->id, "bad-request", "missing field \"%s\"", key);
        return !required;
    }
    if (v->type != JSON_STRING) {
        reply_error(&r->id, "bad-request", "field \"%s\" must be a string, not %s", key, json_type_name(v->type));
        return false;
    }
    *value = v;
    return true;
}
