/*
 * gate.c — the shared concurrency limit (see gate.h): an array of pid slots in a shared
 * anonymous mapping, taken and given back with atomic compare-and-swap (no lock that a
 * killed worker could leave held).
 */
#include "worker/gate.h"

#include <stdatomic.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

struct gate_shared {
    atomic_int capacity;
    atomic_int slot[GATE_MAX_SLOTS]; /* 0 = free, else the pid inside */
};

static struct gate_shared *gate; /* NULL: no limit */
static int gate_mine = -1;       /* the slot this process holds, or -1 */

static int gate_clamp(long capacity)
{
    return capacity < 1 ? 1 : capacity > GATE_MAX_SLOTS ? GATE_MAX_SLOTS : (int)capacity;
}

int gate_create(long capacity)
{
    void *p = mmap(NULL, sizeof *gate, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        return -1;
    }
    gate = p; /* zero-filled: every slot free */
    atomic_store(&gate->capacity, gate_clamp(capacity));
    return 0;
}

void gate_set_capacity(long capacity)
{
    if (gate != NULL) {
        atomic_store(&gate->capacity, gate_clamp(capacity));
    }
}

bool gate_try_enter(void)
{
    int me = (int)getpid();
    int n;

    if (gate == NULL) {
        return true;
    }
    n = atomic_load(&gate->capacity);
    for (int i = 0; i < n; i++) {
        int expected = 0;

        if (atomic_compare_exchange_strong(&gate->slot[i], &expected, me)) {
            gate_mine = i;
            return true;
        }
    }
    return false;
}

void gate_leave(void)
{
    if (gate != NULL && gate_mine >= 0) {
        atomic_store(&gate->slot[gate_mine], 0);
    }
    gate_mine = -1;
}

void gate_release_pid(pid_t pid)
{
    if (gate == NULL) {
        return;
    }
    for (int i = 0; i < GATE_MAX_SLOTS; i++) {
        int expected = (int)pid;

        atomic_compare_exchange_strong(&gate->slot[i], &expected, 0);
    }
}
