/*
 * password.h — password hashing with crypt(3) from libxcrypt: yescrypt ("$y$") with a
 * fresh random salt and the library's default cost. Only the hash is ever stored.
 */
#ifndef APP_PASSWORD_H
#define APP_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/* Room for any hash crypt(3) returns (CRYPT_OUTPUT_SIZE), NUL included. */
#define PASSWORD_HASH_SIZE 384

/*
 * Hashes `password` into `hash` (hashlen >= PASSWORD_HASH_SIZE). Returns true on
 * success; false when the salt cannot be generated (no randomness) or crypt fails, with
 * a reason (never the password) in why. The scratch memory that held the password is
 * wiped.
 */
bool password_hash(const char *password, char *hash, size_t hashlen, char *why, size_t whylen);

/* True when `password` matches `hash` (a stored crypt(3) hash), compared in constant
 * time. For the coming POST /token (SPEC §12). */
bool password_verify(const char *password, const char *hash);

#endif
