/*
 * password.c — salted slow password hashes through libxcrypt (see password.h).
 *
 * crypt_rn() with a struct crypt_data on the stack: reentrant, no static buffer, and
 * no allocation left behind. Both libxcrypt calls are checked: NULL, or a result that
 * starts with '*' (libxcrypt's "failure token"), is a failure.
 *
 * libxcrypt refuses passphrases of CRYPT_MAX_PASSPHRASE_SIZE (512) bytes or more, and a
 * valid password (128 characters of 4 bytes each) can reach 512 bytes. Such a password
 * is first reduced to the hex of its SHA-256 (64 characters, nothing of it lost) and
 * that is hashed; verifying applies the same rule, so it stays transparent. Every
 * shorter password is hashed as it is: a standard crypt(3) hash.
 */
#include "app/password.h"

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "worker/gate.h"

/* yescrypt, the default of current Debian and Fedora for /etc/shadow. */
#define PASSWORD_PREFIX "$y$"

_Static_assert(PASSWORD_HASH_SIZE >= CRYPT_OUTPUT_SIZE, "hash buffer too small");

static bool password_failed(const char *result)
{
    return result == NULL || result[0] == '*';
}

/* Room for the SHA-256 hex of an overlong password, NUL included. */
#define PASSWORD_DIGEST_HEX (2 * 32 + 1)

/*
 * The passphrase handed to crypt: the password itself when libxcrypt takes it, else the
 * hex SHA-256 of it written into digest. NULL when hashing fails.
 */
static const char *password_phrase(const char *password, char digest[PASSWORD_DIGEST_HEX])
{
    size_t len = strlen(password);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (len < CRYPT_MAX_PASSPHRASE_SIZE) {
        return password;
    }
    if (EVP_Digest(password, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
        return NULL;
    }
    for (unsigned int i = 0; i < mdlen; i++) {
        snprintf(digest + 2 * i, 3, "%02x", md[i]);
    }
    explicit_bzero(md, sizeof md);
    return digest;
}

/* crypt_rn inside the gate; NULL with *busy set when the gate is full. */
static const char *password_crypt(const char *phrase, const char *setting, struct crypt_data *data,
                                  bool *busy)
{
    const char *result;

    *busy = !gate_try_enter();
    if (*busy) {
        return NULL;
    }
    result = crypt_rn(phrase, setting, data, sizeof *data);
    gate_leave();
    return result;
}

enum password_result password_hash(const char *password, char *hash, size_t hashlen, char *why,
                                   size_t whylen)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE], digest[PASSWORD_DIGEST_HEX];
    struct crypt_data data;
    const char *phrase = password_phrase(password, digest);

    if (phrase == NULL) {
        snprintf(why, whylen, "sha256 of an overlong password failed");
        return PASSWORD_FAILED;
    }
    /* count 0: the library's default cost; rbytes NULL: the OS's randomness. */
    if (password_failed(crypt_gensalt_rn(PASSWORD_PREFIX, 0, NULL, 0, salt, sizeof salt))) {
        snprintf(why, whylen, "crypt_gensalt_rn: %s", strerror(errno));
        explicit_bzero(digest, sizeof digest);
        return PASSWORD_FAILED;
    }
    memset(&data, 0, sizeof data);
    bool busy;
    const char *result = password_crypt(phrase, salt, &data, &busy);
    enum password_result rc = PASSWORD_OK;
    if (busy) {
        rc = PASSWORD_BUSY;
    } else if (!password_failed(result) && strlen(result) < hashlen) {
        memcpy(hash, result, strlen(result) + 1);
    } else {
        snprintf(why, whylen, "crypt_rn: %s", result == NULL ? strerror(errno) : "failed");
        rc = PASSWORD_FAILED;
    }
    explicit_bzero(&data, sizeof data);
    explicit_bzero(digest, sizeof digest);
    return rc;
}

enum password_result password_verify(const char *password, const char *hash)
{
    char digest[PASSWORD_DIGEST_HEX];
    struct crypt_data data;
    const char *phrase = password_phrase(password, digest);

    if (phrase == NULL) {
        return PASSWORD_FAILED;
    }
    memset(&data, 0, sizeof data);
    bool busy;
    const char *result = password_crypt(phrase, hash, &data, &busy);
    bool match = false;
    if (!busy && !password_failed(result)) {
        size_t n = strlen(hash);
        unsigned char diff = (unsigned char)(strlen(result) != n);
        for (size_t i = 0; i < n && result[i] != '\0'; i++) {
            diff |= (unsigned char)(result[i] ^ hash[i]);
        }
        match = diff == 0;
    }
    explicit_bzero(&data, sizeof data);
    explicit_bzero(digest, sizeof digest);
    return busy ? PASSWORD_BUSY : match ? PASSWORD_OK : PASSWORD_FAILED;
}
