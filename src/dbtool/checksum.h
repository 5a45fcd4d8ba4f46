/*
 * checksum.h — the sha256 of a revision file, as stored in dbtool_history.checksum
 * (lower-case hex). OpenSSL's libcrypto does the hashing.
 */
#ifndef DBTOOL_CHECKSUM_H
#define DBTOOL_CHECKSUM_H

#include <stddef.h>

#define CHECKSUM_HEX_LEN 64

/* Writes the sha256 of data as 64 hex digits + NUL into hex. Returns 0, or -1 if
 * libcrypto failed (hex is then ""). */
int checksum_sha256_hex(const void *data, size_t len, char hex[CHECKSUM_HEX_LEN + 1]);

#endif
