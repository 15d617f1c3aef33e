/*
 * errname.c - errno to symbolic name.
 *
 * A table rather than glibc's strerrorname_np() so that the programs build
 * with any C library. It lists the values socket calls can produce plus the
 * common generic ones; anything else is reported by number.
 */
#include "errname.h"

#include <errno.h>
#include <stdio.h>

#define E(name) { name, #name }

static const struct {
    int value;
    const char *name;
} names[] = {
    E(EPERM), E(ENOENT), E(EINTR), E(EIO), E(EBADF), E(EAGAIN), E(ENOMEM),
    E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(ENODEV), E(EINVAL),
    E(ENFILE), E(EMFILE), E(ENOSPC), E(EPIPE), E(ERANGE), E(ENOSYS),
    E(ENOTSOCK), E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT),
    E(EPROTONOSUPPORT), E(EOPNOTSUPP), E(EAFNOSUPPORT), E(EADDRINUSE),
    E(EADDRNOTAVAIL), E(ENETDOWN), E(ENETUNREACH), E(ENETRESET),
    E(ECONNABORTED), E(ECONNRESET), E(ENOBUFS), E(EISCONN), E(ENOTCONN),
    E(ETIMEDOUT), E(ECONNREFUSED), E(EHOSTDOWN), E(EHOSTUNREACH),
    E(EALREADY), E(EINPROGRESS), E(EPROTO), E(ECANCELED),
#ifdef ESOCKTNOSUPPORT
    E(ESOCKTNOSUPPORT),
#endif
#ifdef EPFNOSUPPORT
    E(EPFNOSUPPORT),
#endif
#ifdef ESHUTDOWN
    E(ESHUTDOWN),
#endif
#ifdef ENONET
    E(ENONET),
#endif
};

const char *errno_name(int err)
{
    static char unknown[16];

    /* On Linux EWOULDBLOCK is EAGAIN and ENOTSUP is EOPNOTSUPP: the
     * table holds one spelling per value, the usual one. */
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].value == err)
            return names[i].name;
    snprintf(unknown, sizeof unknown, "E%d", err);
    return unknown;
}
