/*
 * fcgi_io.h — the FastCGI transport of one worker: waits for the next request on the
 * listening socket (or on nginx's kept-alive connection), turns libfcgi's params and
 * FCGI_STDIN into a struct http_request, writes the serialised response and finishes
 * the request. The only module that includes fcgiapp.h.
 *
 * One request at a time (libfcgi's model). Strings placed in the request (method, path,
 * query, content type, request id, body) stay valid until fcgi_io_finish().
 */
#ifndef WORKER_FCGI_IO_H
#define WORKER_FCGI_IO_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "worker/http.h"

/* What fcgi_io_accept() came back with. */
enum fcgi_io_event {
    FCGI_IO_REQUEST, /* a request is open: read it, answer it, fcgi_io_finish() it */
    FCGI_IO_STOP,    /* *stop was set (a stop signal arrived): leave the loop */
    FCGI_IO_FAILED   /* the listening socket is unusable (logged): exit non-zero */
};

/* Longest request id accepted from nginx or a client; longer ones are replaced. */
#define FCGI_IO_REQUEST_ID_MAX 64

/*
 * Initialises the transport for the inherited listening socket (made O_NONBLOCK):
 * FCGX_Init and one FCGX_Request. read_timeout_ms bounds how long a peer may take to send
 * its request (from connecting to the end of the body) and to take its response;
 * allowed_peers is FCGI_WEB_SERVER_ADDRS, checked for TCP peers. Call after the worker's
 * signal handlers are in place: the deadline is a SIGALRM, which must have a handler
 * without SA_RESTART. Returns 0, or -1 (logged).
 */
int fcgi_io_init(int listen_fd, long read_timeout_ms, const char *allowed_peers);

/* Arms (ms > 0) or disarms (0) the I/O deadline: from ms on, SIGALRM every 50 ms, so
 * libfcgi's blocking reads and writes on the peer fail instead of waiting. */
void fcgi_io_deadline(long ms);

/*
 * Waits for the next request. Stop signals must be blocked by the caller; they are
 * unblocked (waitmask) only while waiting, so a request in hand is never interrupted
 * (libfcgi does not retry reads and writes cut short by a signal). When *stop is set,
 * a request already waiting on the kept-alive connection is still taken, then STOP.
 */
enum fcgi_io_event fcgi_io_accept(const sigset_t *waitmask, const volatile sig_atomic_t *stop);

/*
 * Fills req's transport fields from the open request and reads its body to the end.
 * Returns 0, or an HTTP status to answer instead of dispatching, with *detail set:
 * 400 "Invalid Content-Length", 400 "Incomplete request body", 413 "Request Entity Too
 * Large" (the body is still read to its end, so a kept-alive connection stays usable).
 */
int fcgi_io_read_request(struct http_request *req, long long max_body, const char **detail);

/*
 * Marks the open request as the last one on nginx's kept-alive connection (the worker is
 * about to stop). Its response is then sent so that nginx itself closes the connection
 * instead of keeping it for another request (see fcgi_io_write_last in fcgi_io.c): a
 * request nginx sent into a connection we are closing would be lost, and nginx cannot
 * retry a POST elsewhere. Call before fcgi_io_write().
 */
void fcgi_io_last_response(void);

/* Writes response bytes under the I/O deadline, which lasts until fcgi_io_finish();
 * false when the connection failed (nginx gave up, or the peer did not read). */
bool fcgi_io_write(const char *data, size_t len);

/* Ends the open request (flush, FCGI_END_REQUEST) and frees what it owned, then disarms
 * the I/O deadline. Keeps nginx's connection open when it asked for keep-alive, unless
 * this was the last response. */
void fcgi_io_finish(void);

/* Tells libfcgi to refuse further accepts. Async-signal-safe: for the stop handler. */
void fcgi_io_shutdown_pending(void);

/* Finishes any open request and closes the kept-alive connection, if any (worker exit). */
void fcgi_io_close(void);

/* ---- Pure helpers, exposed for unit tests ---- */

/* Parses CONTENT_LENGTH: NULL or "" gives 0 with *len = -1 (not given); digits only
 * (no sign, no spaces, at most 18 digits) give 0 with the value; anything else -1. */
int fcgi_io_parse_content_length(const char *text, long long *len);

/* True for a usable request id: 1..FCGI_IO_REQUEST_ID_MAX of [A-Za-z0-9._:-] (safe in a
 * header and a log line as it is). */
bool fcgi_io_request_id_ok(const char *id);

/* Writes a fresh random request id (32 hex digits, like nginx's $request_id) into buf
 * (at least 33 bytes). */
void fcgi_io_new_request_id(char *buf, size_t buflen);

#endif
