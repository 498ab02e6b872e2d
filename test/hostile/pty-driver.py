import os, pty, sys, time, select, json
# usage: drive.py JSON  {"argv": [...], "env": {...}, "cwd": "...", "script": [[expect, send], ...], "timeout": 20}
spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.chdir(spec["cwd"])
    os.execve(spec["argv"][0], spec["argv"], spec["env"])
out = b""
deadline = time.time() + spec.get("timeout", 20)
steps = list(spec["script"])
def read_some(t):
    global out
    r, _, _ = select.select([fd], [], [], t)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            return False
        if not data:
            return False
        out += data
    return True
alive = True
while steps and time.time() < deadline and alive:
    expect, send = steps[0]
    if expect.encode() in out:
        out_marker = len(out)
        time.sleep(0.15)
        os.write(fd, send.encode())
        steps.pop(0)
        # consume so the same prompt text is not matched twice
        out = out.replace(expect.encode(), b"<" + b"seen" + b">", 1)
        continue
    alive = read_some(0.1)
while time.time() < deadline and alive:
    alive = read_some(0.2)
    wpid, status = os.waitpid(pid, os.WNOHANG)
    if wpid:
        while read_some(0.05): pass
        print(json.dumps({"code": os.waitstatus_to_exitcode(status), "output": out.decode("utf8", "replace"), "pending": len(steps)}))
        sys.exit(0)
try:
    wpid, status = os.waitpid(pid, 0 if not alive else os.WNOHANG)
except ChildProcessError:
    wpid, status = pid, 0
if not wpid:
    os.kill(pid, 9); wpid, status = os.waitpid(pid, 0)
print(json.dumps({"code": os.waitstatus_to_exitcode(status), "output": out.decode("utf8", "replace"), "pending": len(steps)}))
