"""A process's memory as Linux reports it in /proc/PID/status, in MB: resident now (VmRSS) and
its peak (VmHWM). Not ru_maxrss: a child started by vfork inherits its parent's peak at exec, so
a small child of a big bench would show the bench's size."""

from __future__ import annotations


def _status_mb(pid: int | str, field: str) -> float:
    with open(f"/proc/{pid}/status") as status:
        kb = next(int(line.split()[1]) for line in status if line.startswith(f"{field}:"))
    return kb / 1024


def rss_mb(pid: int | str = "self") -> float:
    return _status_mb(pid, "VmRSS")


def peak_rss_mb(pid: int | str = "self") -> float:
    return _status_mb(pid, "VmHWM")
