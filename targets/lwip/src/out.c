/*
 * out.c - lwIP's values as the protocol writes them: endpoints, errno
 * values, time. The lines themselves are written by message.c; callers
 * hold lwIP's core lock, so lines from different threads never interleave.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "tcplwip.h"

void format_endpoint(const ip_addr_t *ip, uint16_t port, char *buf, size_t size)
{
    char addr[IPADDR_STRLEN_MAX];

    ipaddr_ntoa_r(ip, addr, sizeof addr);
    if (IP_IS_V6(ip))
        snprintf(buf, size, "[%s]:%u", addr, (unsigned)port);
    else
        snprintf(buf, size, "%s:%u", addr, (unsigned)port);
}

int lwip_errno(err_t err)
{
    switch (err) {
    case ERR_MEM: return ENOMEM;
    case ERR_BUF: return ENOBUFS;
    case ERR_TIMEOUT: return ETIMEDOUT;
    case ERR_RTE: return EHOSTUNREACH;
    case ERR_INPROGRESS: return EINPROGRESS;
    case ERR_VAL: return EINVAL;
    case ERR_WOULDBLOCK: return EWOULDBLOCK;
    case ERR_USE: return EADDRINUSE;
    case ERR_ALREADY: return EALREADY;
    case ERR_ISCONN: return EISCONN;
    case ERR_CONN: return ENOTCONN;
    case ERR_IF: return ENETDOWN;
    case ERR_ABRT: return ECONNABORTED;
    case ERR_RST: return ECONNRESET;
    case ERR_CLSD: return ENOTCONN;
    case ERR_ARG: return EINVAL;
    default: return EIO;
    }
}

int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
