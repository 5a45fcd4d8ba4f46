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

/* What a hash or a check came to. */
enum password_result {
    PASSWORD_OK,     /* hashed; or, for password_verify, the password matches */
    PASSWORD_BUSY,   /* PASSWORD_HASH_CONCURRENCY workers are hashing already: answer 503 */
    PASSWORD_FAILED, /* hashing failed (why says how); for password_verify, no match */
};

/*
 * Both hash only inside the shared gate (worker/gate.h, SPEC §12: at most
 * PASSWORD_HASH_CONCURRENCY workers run crypt(3) at once, so cheap requests keep their
 * workers); a full gate answers PASSWORD_BUSY at once, without hashing.
 */

/*
 * Hashes `password` into `hash` (hashlen >= PASSWORD_HASH_SIZE). PASSWORD_FAILED when the
 * salt cannot be generated (no randomness) or crypt fails, with a reason (never the
 * password) in why. The scratch memory that held the password is wiped.
 */
enum password_result password_hash(const char *password, char *hash, size_t hashlen, char *why,
                                   size_t whylen);

/* PASSWORD_OK when `password` matches `hash` (a stored crypt(3) hash), compared in
 * constant time. For the coming POST /token (SPEC §13). */
enum password_result password_verify(const char *password, const char *hash);

#endif
