#!/usr/bin/env python3
# CPU time (user+sys, from wait4's rusage: microseconds, not GNU time's 10 ms steps) and wall time of whole
# commands, run interleaved (1, 2, 3, 1, 2, 3 …; two warm-up rounds dropped) so each sees the same load.
# Ratios are against the LAST command (put `node -e 0` last). Used by bench/startup.sh.
#   python3 bench/cpu-rusage.py RUNS 'PREPARE (sh, may be "")' 'name=command' …
import os, sys, time, shlex, subprocess, statistics
runs = int(sys.argv[1]); prepare = sys.argv[2]; cmds = [a.split("=", 1) for a in sys.argv[3:]]
res = {n: ([], []) for n, _ in cmds}
devnull = os.open(os.devnull, os.O_WRONLY)
for i in range(runs + 2):
    for n, c in cmds:
        if prepare: subprocess.run(prepare, shell=True)
        argv = shlex.split(c); t = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os.dup2(devnull, 1); os.dup2(devnull, 2); os.execvp(argv[0], argv)
        _, status, ru = os.wait4(pid, 0); w = time.perf_counter() - t
        if i >= 2: res[n][0].append((ru.ru_utime + ru.ru_stime) * 1000); res[n][1].append(w * 1000)
ref = statistics.median(res[cmds[-1][0]][0])
for n, _ in cmds:
    cpu, wall = res[n]; m = statistics.median(cpu)
    print(f"{n:14s} cpu median {m:7.1f} ms (q1 {statistics.quantiles(cpu, n=4)[0]:6.1f} q3 {statistics.quantiles(cpu, n=4)[2]:6.1f})  ratio {m/ref:5.2f}  wall median {statistics.median(wall):7.1f}")
print("load", open("/proc/loadavg").read().split()[:3])
