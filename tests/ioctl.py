#!/usr/bin/env python3
"""The ioctls of /dev/signalconfpid (signal_example.h), driven from the VM suite.

Usage:
  ioctl.py queue PID SIGNAL VALUE   one SIGNALCONF_QUEUE; prints OK or the errno name
  ioctl.py many PID:SIGNAL:VALUE[:FLAGS]...
                                    one SIGNALCONF_QUEUE_MANY; prints `sent N`, then each
                                    entry's result (OK or the errno name), one per line
  ioctl.py battery                  the malformed calls; prints `call: expected got` for each,
                                    exit status 1 if any differs
  ioctl.py random N SEED            N random calls with random buffers; prints the outcomes and
                                    `commands M`, what the statistics must have counted
SIGNALCONFPID names another file (default /dev/signalconfpid)."""

import ctypes
import errno
import os
import random
import signal
import struct
import sys

PATH = os.environ.get("SIGNALCONFPID", "/dev/signalconfpid")
MAGIC = 0xE6
ENTRY = struct.Struct("=iIQIi")  # pid, signal, value, flags, result: struct signalconf_entry
MANY = struct.Struct("=QII")  # entries, count, reserved: struct signalconf_many
FLAG_DEFAULT_VALUE = 1
MAX_ENTRIES = 1024


def iow(nr, size):
    return (1 << 30) | (size << 16) | (MAGIC << 8) | nr


QUEUE = iow(1, ENTRY.size)
QUEUE_MANY = iow(2, MANY.size)


def name(err):
    return errno.errorcode.get(err, str(err))


LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.ioctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)


def call(fd, cmd, arg):
    """ioctl(fd, cmd, arg): its return value, or the errno name. `arg` is an address, or bytes
    to pass a copy of (Python's own fcntl.ioctl would hide the return value)."""
    if isinstance(arg, (bytes, bytearray)):
        buf = ctypes.create_string_buffer(bytes(arg), len(arg))
        arg = ctypes.addressof(buf)
    ret = LIBC.ioctl(fd, cmd, arg)
    return name(ctypes.get_errno()) if ret < 0 else ret


def entries_buffer(entries):
    buf = ctypes.create_string_buffer(ENTRY.size * max(len(entries), 1))
    for i, entry in enumerate(entries):
        ENTRY.pack_into(buf, i * ENTRY.size, *entry, 0)
    return buf


def results(buf, count):
    return [ENTRY.unpack_from(buf, i * ENTRY.size)[4] for i in range(count)]


def many(fd, entries, count=None, reserved=0, address=None):
    """SIGNALCONF_QUEUE_MANY on `entries` ((pid, signal, value, flags) each): (return, results)."""
    buf = entries_buffer(entries)
    header = MANY.pack(ctypes.addressof(buf) if address is None else address,
                       len(entries) if count is None else count, reserved)
    return call(fd, QUEUE_MANY, header), results(buf, len(entries))


def queue(fd, pid, sig, value, flags=0):
    ret = call(fd, QUEUE, ENTRY.pack(pid, sig, value, flags, 0))
    return "OK" if ret == 0 else ret


def battery(fd):
    me = os.getpid()
    signal.signal(50, signal.SIG_IGN)  # signals to oneself: sent, and discarded
    checks = [
        ("unknown command", call(fd, iow(3, ENTRY.size), ENTRY.pack(me, 50, 1, 0, 0)), "ENOTTY"),
        ("QUEUE of another size", call(fd, iow(1, 20), bytes(20)), "ENOTTY"),
        ("QUEUE, NULL", call(fd, QUEUE, 0), "EFAULT"),
        ("QUEUE, unmapped pointer", call(fd, QUEUE, 0x10), "EFAULT"),
        ("QUEUE, PID 0", queue(fd, 0, 50, 1), "EINVAL"),
        ("QUEUE, PID -1", queue(fd, -1, 50, 1), "EINVAL"),
        ("QUEUE, signal 65", queue(fd, me, 65, 1), "EINVAL"),
        ("QUEUE, unknown flag", queue(fd, me, 50, 1, 2), "EINVAL"),
        ("QUEUE, kernel thread", queue(fd, 2, 50, 1), "EPERM"),
        ("QUEUE, no such PID", queue(fd, 2**31 - 1, 50, 1), "ESRCH"),
        ("QUEUE to itself", queue(fd, me, 50, 1), "OK"),
        ("QUEUE_MANY, NULL", call(fd, QUEUE_MANY, 0), "EFAULT"),
        ("QUEUE_MANY, entries NULL", many(fd, [(me, 50, 1, 0)], address=0)[0], "EFAULT"),
        ("QUEUE_MANY, entries unmapped", many(fd, [(me, 50, 1, 0)], address=0x10)[0], "EFAULT"),
        ("QUEUE_MANY, count 0", many(fd, [(me, 50, 1, 0)], count=0)[0], "EINVAL"),
        ("QUEUE_MANY, count over the bound",
         many(fd, [(me, 50, 1, 0)] * (MAX_ENTRIES + 1))[0], "EINVAL"),
        ("QUEUE_MANY, reserved not 0", many(fd, [(me, 50, 1, 0)], reserved=1)[0], "EINVAL"),
        ("QUEUE_MANY, the bound itself", many(fd, [(me, 50, 1, 0)] * MAX_ENTRIES)[0], MAX_ENTRIES),
    ]
    # Some entries invalid: those fail with their errno, the others are sent.
    sent, got = many(fd, [(me, 50, 1, 0), (0, 50, 1, 0), (me, 65, 1, 0), (2**31 - 1, 50, 1, 0),
                          (2, 50, 1, 0), (me, 50, 1, 4), (me, 50, 0, FLAG_DEFAULT_VALUE)])
    checks.append(("QUEUE_MANY, mixed entries: sent", sent, 2))
    checks.append(("QUEUE_MANY, mixed entries: results", [name(-r) if r else "OK" for r in got],
                   ["OK", "EINVAL", "EINVAL", "ESRCH", "EPERM", "EINVAL", "OK"]))
    bad = 0
    for what, got, expected in checks:
        print(f"{what}: {expected} {got}")
        bad += got != expected
    return 1 if bad else 0


def random_calls(fd, n, seed):
    """N random calls: random entries, headers and command numbers. Returns the outcomes and
    how many commands the statistics must count (each entry of an accepted QUEUE_MANY, one per
    QUEUE and per refused QUEUE_MANY, none for an unknown command)."""
    rng = random.Random(seed)
    outcomes = {}
    commands = 0
    for _ in range(n):
        op = rng.randrange(4)
        if op == 0:
            ret = call(fd, QUEUE, rng.randbytes(ENTRY.size))
            commands += 1
        elif op == 1:
            count = rng.randrange(1, 40)
            buf = ctypes.create_string_buffer(rng.randbytes(ENTRY.size * count), ENTRY.size * count)
            ret = call(fd, QUEUE_MANY, MANY.pack(ctypes.addressof(buf), count, 0))
            commands += count
            if isinstance(ret, int):
                ret = f"sent {'all' if ret == count else 'some' if ret else 'none'}"
        elif op == 2:
            ret = call(fd, QUEUE_MANY, rng.randbytes(MANY.size))
            commands += 1  # refused as a whole (reserved is 0 once in 2^32)
        else:
            cmd = rng.getrandbits(32)
            if cmd in (QUEUE, QUEUE_MANY):
                continue
            ret = call(fd, cmd, rng.getrandbits(64))
            if ret not in ("ENOTTY",):
                print(f"command {cmd:#x}: {ret}")
        key = f"{('QUEUE', 'QUEUE_MANY', 'QUEUE_MANY-header', 'other')[op]} {ret}"
        outcomes[key] = outcomes.get(key, 0) + 1
    for key in sorted(outcomes):
        print(f"{key} {outcomes[key]}")
    print(f"commands {commands}")


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    fd = os.open(PATH, os.O_WRONLY)
    if argv[1] == "queue":
        print(queue(fd, int(argv[2]), int(argv[3]), int(argv[4], 0) % 2**64))
    elif argv[1] == "many":
        entries = []
        for spec in argv[2:]:
            fields = [int(f, 0) for f in spec.split(":")]
            entries.append(tuple(fields + [0] * (4 - len(fields))))
        sent, got = many(fd, entries)
        print(f"sent {sent}")
        for r in got:
            print(name(-r) if r else "OK")
    elif argv[1] == "battery":
        return battery(fd)
    elif argv[1] == "random":
        random_calls(fd, int(argv[2]), int(argv[3]))
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
