"""results.py — turns one `make bench` run into its results table (Markdown).

    /usr/bin/python3 tests/bench/results.py META RAW OUT.md

META holds `key=value` lines about the machine and the settings (written by run.sh); RAW
holds one line of `key=value` pairs per measured run (bench.lua's done(), run.sh's pgbench
lines) and `rss stage=... pid=... kb=...` lines. The table is printed and written to OUT.md.
Ratios compare each endpoint with the ceilings measured in the same run at the same
connection count; the targets are issue 6's. Python 3 standard library only.
"""

import sys

ENDPOINTS = [
    ("info", "GET /info"),
    ("user", "GET /users/{id}"),
    ("items", "GET /items/?skip=…&limit=10"),
    ("items0", "GET /items/?limit=10 (first page)"),
    ("post", "POST /users/{id}/items/"),
]
CEILINGS = [
    ("fixed", "nginx fixed JSON"),
    ("pgbench-S", "pgbench -S -M prepared"),
    ("pgbench-N", "pgbench -N -M prepared"),
]
# (endpoint, ceiling, minimum ratio) — issue 6's throughput targets.
TARGETS = [
    ("info", "fixed", 0.40),
    ("user", "pgbench-S", 0.40),
    ("items", "pgbench-S", 0.35),
    ("post", "pgbench-N", 0.50),
]
RSS_LIMIT_KB = 8 * 1024
P99_FACTOR = 10


def parse_pairs(line):
    out = {}
    for field in line.split():
        if "=" in field:
            k, v = field.split("=", 1)
            out[k] = v
    return out


def read_meta(path):
    meta = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if "=" in line:
                k, v = line.split("=", 1)
                meta[k] = v
    return meta


def read_raw(path):
    runs, rss = {}, []
    with open(path) as f:
        for line in f:
            if line.startswith("rss "):
                rss.append(parse_pairs(line))
            elif line.startswith("name="):
                r = parse_pairs(line)
                runs[(r["name"], r.get("conns", "?"))] = r
    return runs, rss


def ms(us):
    return "%.2f" % (float(us) / 1000.0)


def ratio(a, b):
    if a is None or b is None or float(b) == 0:
        return "–"
    return "%.0f %%" % (100.0 * float(a) / float(b))


def socket_errors(r):
    return sum(int(r.get(k, 0)) for k in ("connect", "read", "write", "timeout"))


def main(meta_path, raw_path, out_path):
    meta = read_meta(meta_path)
    runs, rss = read_raw(raw_path)
    conns = meta.get("conns", "8 64").split()
    lines = []
    add = lines.append

    def rps(name, c):
        r = runs.get((name, c))
        return float(r["rps"]) if r and r.get("rps") else None

    add("# make bench — results")
    add("")
    add("%s · %s, %s cores, %s · Linux %s" % (meta.get("date"), meta.get("cpu"),
                                                meta.get("cores"), meta.get("memory"),
                                                meta.get("kernel")))
    add("")
    add("- Versions: api-worker %s, nginx %s, PostgreSQL %s, gcc %s (-O2), wrk %s"
        % (meta.get("version"), meta.get("nginx"), meta.get("postgresql"), meta.get("gcc"),
           meta.get("wrk")))
    add("- Settings: WORKERS=%s, nginx worker_processes %s, upstream keepalive %s, FastCGI "
        "over %s socket, LOG_LEVEL=%s, ITEMS_PER_USER=%s, MAX_REQUESTS=0"
        % (meta.get("workers"), meta.get("nginx_processes"),
           meta.get("keepalive") if meta.get("keepalive") != "0" else "off",
           "a unix" if meta.get("listen") == "unix" else "a TCP", meta.get("log_level"),
           meta.get("items_per_user")))
    add("- PostgreSQL: %s" % meta.get("pg_settings"))
    add("- Load: wrk -t%s, %s s per run; seed %s; before the run the CPUs were %s %% busy "
        "(load average %s)" % (meta.get("threads"), meta.get("seconds"), meta.get("seed"),
                               meta.get("busy_before"), meta.get("load_before")))
    if int(meta.get("busy_before", "0")) > 10:
        add("- **The machine was shared: its CPUs were %s %% busy before the run started; "
            "figures are low and noisy.**" % meta.get("busy_before"))
    add("")

    add("## Endpoints")
    add("")
    add("| endpoint | conns | req/s | p50 ms | p99 ms | p99/p50 | non-2xx | socket errors "
        "| vs nginx fixed | vs pgbench -S | vs pgbench -N |")
    add("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for name, label in ENDPOINTS:
        for c in conns:
            r = runs.get((name, c))
            if r is None:
                continue
            p50, p99 = float(r["p50_us"]), float(r["p99_us"])
            add("| %s | %s | %.0f | %s | %s | %.1f | %s | %d | %s | %s | %s |" % (
                label, c, float(r["rps"]), ms(p50), ms(p99), p99 / p50 if p50 else 0,
                r["non2xx"], socket_errors(r), ratio(r["rps"], rps("fixed", c)),
                ratio(r["rps"], rps("pgbench-S", c)), ratio(r["rps"], rps("pgbench-N", c))))
    add("")

    add("## Ceilings (same machine, same run)")
    add("")
    add("| ceiling | conns | req/s or TPS | p50 ms | p99 ms | avg ms | errors |")
    add("|---|--:|--:|--:|--:|--:|--:|")
    for name, label in CEILINGS:
        for c in conns:
            r = runs.get((name, c))
            if r is None:
                continue
            if name == "fixed":
                add("| %s | %s | %.0f | %s | %s | – | %d |" % (
                    label, c, float(r["rps"]), ms(r["p50_us"]), ms(r["p99_us"]),
                    int(r["non2xx"]) + socket_errors(r)))
            else:
                add("| %s | %s | %.0f | – | – | %s | %s |" % (
                    label, c, float(r["rps"]), r.get("lat_avg_ms", "–"), r.get("failed", "0")))
    add("")

    queries = sorted((n, r) for (n, _), r in runs.items() if n.startswith("query-"))
    if queries:
        add("## Statement variants (pgbench -f tests/bench/queries/NAME.sql, %s clients)"
            % queries[0][1].get("conns"))
        add("")
        add("| statement | mode | TPS | avg ms |")
        add("|---|---|--:|--:|")
        for n, r in queries:
            q, mode = n[len("query-"):].rsplit("-", 1)
            add("| %s | %s | %.0f | %s |" % (q, mode, float(r["rps"]), r.get("lat_avg_ms", "–")))
        add("")

    # Worker memory.
    stages = []
    by_pid, anon = {}, {}
    for r in rss:
        if r["stage"] not in stages:
            stages.append(r["stage"])
        by_pid.setdefault(r["pid"], {})[r["stage"]] = int(r["kb"])
        anon.setdefault(r["pid"], {})[r["stage"]] = int(r.get("anon", 0))
    stage_names = {"after_runs": "after the runs", "nogrowth_1": "after 100k run 1",
                   "nogrowth_2": "after 100k run 2"}
    if by_pid:
        add("## Worker RSS (KiB: VmRSS, and in brackets RssAnon, the worker's own memory)")
        add("")
        head = "| worker pid | " + " | ".join(stage_names.get(s, s) for s in stages)
        has_growth = "nogrowth_1" in stages and "nogrowth_2" in stages
        add(head + (" | growth run 1 → 2 |" if has_growth else " |"))
        add("|--:|" + "--:|" * (len(stages) + (1 if has_growth else 0)))
        for pid in sorted(by_pid, key=int):
            row = by_pid[pid]
            cells = ["%s (%s)" % (row.get(s, "–"), anon[pid].get(s, "–")) for s in stages]
            if has_growth:
                cells.append("%+d (%+d)" % (row.get("nogrowth_2", 0) - row.get("nogrowth_1", 0),
                                            anon[pid].get("nogrowth_2", 0) -
                                            anon[pid].get("nogrowth_1", 0)))
            add("| %s | %s |" % (pid, " | ".join(cells)))
        add("")
    nogrowth = [runs.get(("nogrowth-%d" % i, c)) for i in (1, 2) for c in conns]
    nogrowth = [r for r in nogrowth if r]
    if nogrowth:
        add("No-growth runs (the four endpoints in turn): " + "; ".join(
            "%s requests at %.0f req/s, %s non-2xx, %d socket errors"
            % (r["requests"], float(r["rps"]), r["non2xx"], socket_errors(r))
            for r in nogrowth) + ".")
        add("")

    # Targets.
    add("## Targets (issue 6)")
    add("")
    add("| target | " + " | ".join("%s conns" % c for c in conns) + " | met |")
    add("|---|" + "--:|" * len(conns) + ":-:|")
    for name, ceiling, minimum in TARGETS:
        cells, ok = [], True
        for c in conns:
            a, b = rps(name, c), rps(ceiling, c)
            if a is None or b is None:
                cells.append("–")
                ok = None if ok is not False else ok
                continue
            cells.append("%.0f %%" % (100 * a / b))
            ok = ok and a / b >= minimum
        label = dict(ENDPOINTS)[name] + " ≥ %.0f %% of %s" % (100 * minimum,
                                                              dict(CEILINGS)[ceiling])
        add("| %s | %s | %s |" % (label, " | ".join(cells),
                                  "–" if ok is None else ("yes" if ok else "**no**")))
    def summary_row(label, value, ok):
        cells = [""] * (len(conns) - 1) + [value]
        add("| %s | %s | %s |" % (label, " | ".join(cells),
                                  "–" if ok is None else ("yes" if ok else "**no**")))

    measured = [r for (n, _), r in runs.items() if not n.startswith("pgbench")]
    bad = sum(int(r.get("non2xx", 0)) + socket_errors(r) for r in measured)
    summary_row("zero non-2xx and socket errors (every wrk run)", "%d" % bad, bad == 0)
    worst = None
    for name, _ in ENDPOINTS:
        r = runs.get((name, conns[-1]))
        if r and float(r["p50_us"]) > 0:
            f = float(r["p99_us"]) / float(r["p50_us"])
            worst = f if worst is None else max(worst, f)
    summary_row("p99 ≤ %d × p50 at %s connections (worst endpoint)" % (P99_FACTOR, conns[-1]),
                "–" if worst is None else "%.1f ×" % worst,
                None if worst is None else worst <= P99_FACTOR)
    if by_pid:
        largest = max(max(v.values()) for v in by_pid.values())
        summary_row("worker RSS ≤ 8 MiB (largest)", "%d KiB" % largest,
                    largest <= RSS_LIMIT_KB)
        if has_growth:
            growth = max(v.get("nogrowth_2", 0) - v.get("nogrowth_1", 0) for v in by_pid.values())
            summary_row("no RSS growth between two 100k-request runs (largest)",
                        "%+d KiB" % growth, growth <= 0)
    add("")
    add("Worker log: %s error lines; nginx error log: %s error lines."
        % (meta.get("worker_errors", "?"), meta.get("nginx_errors", "?")))
    text = "\n".join(lines) + "\n"
    with open(out_path, "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: results.py META RAW OUT.md")
    main(*sys.argv[1:])
