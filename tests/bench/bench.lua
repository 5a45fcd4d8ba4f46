-- bench.lua — the wrk script of `make bench` (tests/bench/run.sh): which requests to send,
-- a count of non-2xx answers, and one result line per run.
--
-- Settings come from the environment (run.sh sets them):
--   BENCH_ENDPOINT  info | user | items | post | fixed | mix
--                     info   GET /info
--                     user   GET /users/{random seeded user}
--                     items  GET /items/?skip={random}&limit=10
--                     items0 GET /items/?limit=10 (the first page; not in the default runs)
--                     post   POST /users/{writer}/items/ — writers taken in turn, each thread
--                            from its own slice of the writer pool, so no user comes near
--                            ITEMS_PER_USER and no two requests wait on one user's lock
--                     fixed  GET /bench/fixed, nginx's own fixed JSON (the ceiling)
--                     mix    the four API requests in turn (the no-growth run)
--   BENCH_USERS=first:last     ids of the seeded users (10 items each)
--   BENCH_WRITERS=first:last   ids of the users that receive POSTed items
--   BENCH_ITEMS=n              number of seeded items (the skip range)
--   BENCH_THREADS=n            wrk's -t (to split the writer pool)
--   BENCH_STOP_AFTER=n         stop each thread once it has its share of n responses
--   BENCH_DONE_FILE=path       a file each stopped thread adds a line to (see finish_thread)
--   BENCH_NAME, BENCH_OUT      label of the result line, file it is appended to
--   BENCH_CONNECTIONS          wrk's -c, copied into the result line
--
-- done() prints (and appends to BENCH_OUT) one line of key=value pairs: requests, rps,
-- p50_us, p99_us, non2xx (counted by response(), so 3xx counts too) and the socket
-- errors wrk saw (connect, read, write, timeout).

local function range(name)
    local v = os.getenv(name) or "1:1"
    local a, b = v:match("^(%d+):(%d+)$")
    return tonumber(a), tonumber(b)
end

local endpoint = os.getenv("BENCH_ENDPOINT") or "info"
local user_first, user_last = range("BENCH_USERS")
local writer_first, writer_last = range("BENCH_WRITERS")
local nitems = tonumber(os.getenv("BENCH_ITEMS") or "10")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
local stop_after = tonumber(os.getenv("BENCH_STOP_AFTER") or "0")

local post_headers = { ["Content-Type"] = "application/json" }
local post_body = '{"title":"bench item","description":"created by make bench"}'

-- setup() runs in the main Lua state, once per thread; done() there reads the counters.
local threads = {}

function setup(thread)
    table.insert(threads, thread)
    thread:set("tid", #threads)
end

-- Per-thread state (each wrk thread has its own Lua state; tid was set by setup()).
local sent, writer_base, writer_span, writer_next, stop_share

function init(args)
    math.randomseed(os.time() * 1000 + tid)
    sent = 0
    non2xx = 0
    received = 0
    -- This thread's slice of the writer pool, started at a random place so that
    -- consecutive runs spread over all of it.
    local pool = writer_last - writer_first + 1
    writer_span = math.max(1, math.floor(pool / nthreads))
    writer_base = writer_first + (tid - 1) * writer_span
    writer_next = math.random(0, writer_span - 1)
    stop_share = stop_after > 0 and math.ceil(stop_after / nthreads) or 0
end

local function get_user()
    return wrk.format("GET", "/users/" .. math.random(user_first, user_last))
end

local function get_items()
    return wrk.format("GET", "/items/?skip=" .. math.random(0, math.max(0, nitems - 10)) .. "&limit=10")
end

local function post_item()
    local id = writer_base + writer_next
    writer_next = (writer_next + 1) % writer_span
    return wrk.format("POST", "/users/" .. id .. "/items/", post_headers, post_body)
end

local function get_path(path)
    return function()
        return wrk.format("GET", path)
    end
end

local makers = {
    info = get_path("/info"),
    items0 = get_path("/items/?limit=10"),
    fixed = get_path("/bench/fixed"),
    user = get_user,
    items = get_items,
    post = post_item,
}
local mix = { makers.info, makers.user, makers.items, makers.post }

function request()
    sent = sent + 1
    if endpoint == "mix" then
        return mix[sent % #mix + 1]()
    end
    return makers[endpoint]()
end

-- A thread that has received its share stops and says so in BENCH_DONE_FILE (one line
-- per thread; the threads share no Lua state). wrk itself would still sleep out -d:
-- run.sh watches the file and interrupts wrk (SIGINT: report now) once every thread is
-- in it. Interrupting from here proved unreliable: the signal can land on this thread
-- rather than on wrk's main thread, which sleeps on.
function finish_thread()
    wrk.thread:stop()
    local path = os.getenv("BENCH_DONE_FILE")
    if path and path ~= "" then
        local f = assert(io.open(path, "a"))
        f:write(tid, "\n")
        f:close()
    end
end

function response(status, headers, body)
    received = received + 1
    if status < 200 or status > 299 then
        non2xx = non2xx + 1
    end
    if stop_share > 0 and received == stop_share then
        finish_thread()
    end
end

function done(summary, latency, requests)
    local bad = 0
    for _, thread in ipairs(threads) do
        bad = bad + (thread:get("non2xx") or 0)
    end
    local e = summary.errors
    local line = string.format(
        "name=%s endpoint=%s conns=%s requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d"
            .. " max_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d",
        os.getenv("BENCH_NAME") or endpoint, endpoint, os.getenv("BENCH_CONNECTIONS") or "?",
        summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
        latency:percentile(50), latency:percentile(99), latency.max, bad, e.connect, e.read,
        e.write, e.timeout)
    print(line)
    local out = os.getenv("BENCH_OUT")
    if out and out ~= "" then
        local f = assert(io.open(out, "a"))
        f:write(line, "\n")
        f:close()
    end
end
