/*
 * checksum.c — sha256 through libcrypto's EVP one-shot digest (see checksum.h).
 */
#include "dbtool/checksum.h"

#include <openssl/evp.h>
#include <stdio.h>

int checksum_sha256_hex(const void *data, size_t len, char hex[CHECKSUM_HEX_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    hex[0] = '\0';
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return -1;
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}
