#!/usr/bin/env python3
"""The ioctls of /dev/signalconfpid (signal_example.h), driven from the VM suite.

Usage:
  ioctl.py queue PID SIGNAL VALUE   one SIGNALCONF_QUEUE; prints OK or the errno name
  ioctl.py many PID:SIGNAL:VALUE[:FLAGS]...
                                    one SIGNALCONF_QUEUE_MANY; prints `sent N`, then each
                                    entry's result (OK or the errno name), one per line
  ioctl.py partial                  calls whose entries or outputs cannot all be read or written
                                    (with this number and 0.2.0's), to itself, the signal
                                    blocked; prints `CASE NUMBER: RETURN attempted N pending N`
  ioctl.py battery                  the malformed calls; prints `call: expected got` for each,
                                    exit status 1 if any differs
  ioctl.py random N SEED            N random calls with random buffers; prints the outcomes and
                                    `commands M`, what the statistics must have counted
SIGNALCONFPID names another file (default /dev/signalconfpid)."""

import ctypes
import errno
import mmap
import os
import random
import signal
import struct
import sys

PATH = os.environ.get("SIGNALCONFPID", "/dev/signalconfpid")
MAGIC = 0xE6
ENTRY = struct.Struct("=iIQIi")  # pid, signal, value, flags, result: struct signalconf_entry
# entries, count, reserved, attempted, sent: struct signalconf_many
MANY = struct.Struct("=QIIII")
MANY_V0_2 = struct.Struct("=QII")  # 0.2.0's struct signalconf_many: entries, count, reserved
FLAG_DEFAULT_VALUE = 1
MAX_ENTRIES = 1024
PAGE = mmap.PAGESIZE
PROT_NONE = 0  # (the mmap module has PROT_READ and PROT_WRITE only)


def ioc(direction, nr, size):
    """_IOC as on x86 and arm64, the architectures the VM suite runs on."""
    return (direction << 30) | (size << 16) | (MAGIC << 8) | nr


def iow(nr, size):
    return ioc(1, nr, size)


QUEUE = iow(1, ENTRY.size)
QUEUE_MANY = ioc(3, 2, MANY.size)  # _IOWR
QUEUE_MANY_V0_2 = iow(2, MANY_V0_2.size)


def name(err):
    return errno.errorcode.get(err, str(err))


LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.ioctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)
LIBC.mprotect.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)


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
                       len(entries) if count is None else count, reserved, 0, 0)
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
        ("0.2.0's QUEUE_MANY, NULL", call(fd, QUEUE_MANY_V0_2, 0), "EFAULT"),
        ("0.2.0's QUEUE_MANY, reserved not 0",
         call(fd, QUEUE_MANY_V0_2, MANY_V0_2.pack(0x1000, 1, 1)), "EINVAL"),
    ]
    buf = entries_buffer([(me, 50, 1, 0)] * 3)
    checks.append(("0.2.0's QUEUE_MANY, 3 entries",
                   call(fd, QUEUE_MANY_V0_2, MANY_V0_2.pack(ctypes.addressof(buf), 3, 0)), 3))
    # The outputs: how far it got, and how many were sent.
    header = ctypes.create_string_buffer(
        MANY.pack(ctypes.addressof(buf), 3, 0, 77, 77), MANY.size)
    checks.append(("QUEUE_MANY, outputs", (call(fd, QUEUE_MANY, ctypes.addressof(header)),
                                           MANY.unpack(header.raw)[3:]), (3, (3, 3))))
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


def pending(sig):
    """Takes every pending `sig` (blocked); returns how many there were."""
    n = 0
    while signal.sigtimedwait([sig], 0) is not None:
        n += 1
    return n


def partial(fd):
    """Calls that stop early or cannot start: entries on a page that cannot be written, or
    partly on one that cannot be read; outputs that cannot be written. Each entry signals this
    process, which blocks the signal, so what was sent stays pending and is counted. A call
    that sent something must say how far it got, never fail."""
    sig = 44
    me = os.getpid()
    signal.pthread_sigmask(signal.SIG_BLOCK, {sig})
    for number, name_ in ((QUEUE_MANY, "QUEUE_MANY"), (QUEUE_MANY_V0_2, "0.2.0's QUEUE_MANY")):
        for case, count, first, protect, header_at in (
            # 2 entries at the start of a read-only page.
            ("ro", 2, 0, (PAGE, PAGE, mmap.PROT_READ), None),
            # 40 entries, the last 8 on a page that cannot be read.
            ("split", 40, PAGE - 32 * ENTRY.size, (PAGE, PAGE, PROT_NONE), None),
            # 2 good entries, the header on a read-only page (its outputs cannot be written).
            ("header-ro", 2, 0, (PAGE, PAGE, mmap.PROT_READ), PAGE),
        ):
            if case == "header-ro" and number != QUEUE_MANY:
                continue  # 0.2.0's header has no outputs
            area = mmap.mmap(-1, 2 * PAGE)
            base = ctypes.addressof(ctypes.c_char.from_buffer(area))
            if case == "ro":
                first = PAGE  # the entries on the second page, made read-only below
            # Each entry's result is 99 on input: an attempted entry's becomes 0 (sent), the
            # others' must stay 99, and no other field may change.
            entry = (me, sig, 1234, 0, 99)
            for i in range(count):
                ENTRY.pack_into(area, first + i * ENTRY.size, *entry)
            if header_at is None:
                header = ctypes.create_string_buffer(MANY.size)
                header_address = ctypes.addressof(header)
            else:
                header_address = base + header_at
            packed = (MANY.pack(base + first, count, 0, 77, 77) if number == QUEUE_MANY
                      else MANY_V0_2.pack(base + first, count, 0))
            ctypes.memmove(header_address, packed, len(packed))
            if LIBC.mprotect(base + protect[0], protect[1], protect[2]):
                raise OSError(ctypes.get_errno(), "mprotect")
            ret = call(fd, number, header_address)
            LIBC.mprotect(base, 2 * PAGE, mmap.PROT_READ | mmap.PROT_WRITE)
            attempted = "-"
            if number == QUEUE_MANY:
                attempted = MANY.unpack(ctypes.string_at(header_address, MANY.size))[3]
            # Every entry is valid and signals this process, so each one attempted was sent and
            # is pending: those have the result 0, the others still 99.
            sent = pending(sig)
            after = [ENTRY.unpack_from(area, first + i * ENTRY.size) for i in range(count)]
            wrong = [i for i, e in enumerate(after)
                     if e != entry[:4] + ((0,) if i < sent else (99,))]
            print(f"{case} {name_}: {ret} attempted {attempted} pending {sent}"
                  + (f" (entries {wrong[:4]}... not as expected)" if wrong else ""))
            area.close()
    return 0


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
            if rng.randrange(2):
                ret = call(fd, QUEUE_MANY, MANY.pack(ctypes.addressof(buf), count, 0, 0, 0))
            else:
                ret = call(fd, QUEUE_MANY_V0_2, MANY_V0_2.pack(ctypes.addressof(buf), count, 0))
            commands += count
            if isinstance(ret, int):
                ret = f"sent {'all' if ret == count else 'some' if ret else 'none'}"
        elif op == 2:
            ret = call(fd, QUEUE_MANY, rng.randbytes(MANY.size))
            commands += 1  # refused as a whole (reserved is 0 once in 2^32)
        else:
            cmd = rng.getrandbits(32)
            if cmd in (QUEUE, QUEUE_MANY, QUEUE_MANY_V0_2):
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
    elif argv[1] == "partial":
        return partial(fd)
    elif argv[1] == "random":
        random_calls(fd, int(argv[2]), int(argv[3]))
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
