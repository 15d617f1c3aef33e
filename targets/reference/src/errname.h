/*
 * errname.h - symbolic names for errno values ("ECONNREFUSED"), which the
 * control protocol reports because they are stable across C libraries and
 * locales, unlike strerror() texts and unlike the numbers themselves.
 */
#ifndef TCPREF_ERRNAME_H
#define TCPREF_ERRNAME_H

/* The name of err, or "E<number>" for values this table does not know. */
const char *errno_name(int err);

#endif
