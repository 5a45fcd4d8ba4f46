/*
 * gate.h — a limit on how many workers of one master do an expensive thing at once
 * (SPEC §12: password hashing runs on at most PASSWORD_HASH_CONCURRENCY workers, so
 * cheap requests are never starved by expensive ones).
 *
 * The slots live in shared memory the master maps before forking; each holds the pid of
 * the worker inside, so the slots of a worker that died inside (killed mid-hash) are
 * given back when the master reaps it. Entering never waits: a full gate is answered
 * at once (503 + Retry-After), because a worker waiting here is a worker not serving.
 */
#ifndef WORKER_GATE_H
#define WORKER_GATE_H

#include <stdbool.h>
#include <sys/types.h>

/* Most slots a gate can have (one page of pids); capacity is capped to it. */
#define GATE_MAX_SLOTS 1024

/* Master, before forking: maps the slots, `capacity` of them usable. Returns 0, or -1
 * with errno (mmap). */
int gate_create(long capacity);

/* Master, on SIGHUP: a new capacity for the workers started from now on (slots taken
 * stay taken until left). */
void gate_set_capacity(long capacity);

/* Worker: takes a free slot; false when all are taken. Without gate_create (a unit
 * test, a tool) there is no limit and it always succeeds. */
bool gate_try_enter(void);

/* Worker: gives back the slot gate_try_enter took (no-op when it took none). */
void gate_leave(void);

/* Master: gives back every slot held by a worker that is gone. */
void gate_release_pid(pid_t pid);

#endif
