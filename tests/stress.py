#!/usr/bin/env python3
"""Load and fault generators for tests/vm-tests, run inside the test VM.

    stress.py writers PID WRITERS COUNT   concurrent writers, each COUNT commands `PID value=V`
                                          with distinct values, retrying EAGAIN; prints the
                                          values sent (one per line) to stdout and a summary
                                          `accepted A eagain E` to stderr
    stress.py churn WRITERS PID           writers that open/write/close in a loop, pausing 2 ms
                                          after each close (an open file pins the module: the
                                          pauses let the test unload it), until each has seen the
                                          file gone 100 times (no deadline: they write until the
                                          test has unloaded the module, however long it takes);
                                          prints a count per outcome, e.g. `OK 120 ENOENT 400`
    stress.py random COUNT SEED           COUNT writes of random bytes; every result must be
                                          success or a documented errno; prints the counts
"""
import collections
import errno
import os
import random
import sys
import threading
import time

# The module's file to write to: SIGNALCONFPID, else the debugfs file (the device's path is given
# by the cases that use it).
CONFPID = os.environ.get("SIGNALCONFPID", "/sys/kernel/debug/signalconfpid")
DOCUMENTED = {errno.EINVAL, errno.EFAULT, errno.ESRCH, errno.EPERM, errno.EAGAIN}


def writers(pid, nwriters, count):
    totals = collections.Counter()
    lock = threading.Lock()
    values = []

    def run(writer):
        fd = os.open(CONFPID, os.O_WRONLY)
        accepted = eagain = 0
        mine = []
        for i in range(count):
            value = writer * 1_000_000 + i
            command = f"{pid} value={value}\n".encode()
            while True:
                try:
                    os.write(fd, command)
                    accepted += 1
                    mine.append(value)
                    break
                except BlockingIOError:
                    eagain += 1
                    time.sleep(0.001)
        os.close(fd)
        with lock:
            totals["accepted"] += accepted
            totals["eagain"] += eagain
            values.extend(mine)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(nwriters)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sys.stdout.write("".join(f"{v}\n" for v in sorted(values)))
    print(f"accepted {totals['accepted']} eagain {totals['eagain']}", file=sys.stderr)


def churn(nwriters, pid):
    outcomes = collections.Counter()
    lock = threading.Lock()

    def run():
        mine = collections.Counter()
        while mine["ENOENT"] < 100:
            try:
                fd = os.open(CONFPID, os.O_WRONLY)
                try:
                    os.write(fd, f"{pid}\n".encode())
                    mine["OK"] += 1
                finally:
                    os.close(fd)
            except OSError as e:
                mine[errno.errorcode[e.errno]] += 1
            time.sleep(0.002)
        with lock:
            outcomes.update(mine)

    threads = [threading.Thread(target=run) for _ in range(nwriters)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(" ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))


def random_writes(count, seed):
    rng = random.Random(seed)
    outcomes = collections.Counter()
    fd = os.open(CONFPID, os.O_WRONLY)
    for _ in range(count):
        data = rng.randbytes(rng.randrange(0, 100))
        try:
            os.write(fd, data)
            outcomes["OK"] += 1
        except OSError as e:
            if e.errno not in DOCUMENTED:
                print(f"undocumented {errno.errorcode[e.errno]} for {data!r}")
                sys.exit(1)
            outcomes[errno.errorcode[e.errno]] += 1
    os.close(fd)
    print(" ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "writers":
        writers(int(args[0]), int(args[1]), int(args[2]))
    elif mode == "churn":
        churn(int(args[0]), int(args[1]))
    elif mode == "random":
        random_writes(int(args[0]), int(args[1]))
    else:
        sys.exit(__doc__)
