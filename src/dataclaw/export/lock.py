"""An exclusive lock on a dataset folder: one writer at a time.

`OUT/.lock` holds the pid of the run that writes the folder, with that process's start time and the
machine's boot id, locked with `fcntl.flock` (the kernel drops the lock when that process dies, kill -9
included). A lock file whose writer is gone but which is still locked (orphaned helpers of a killed
run) is stale: it is unlinked and a fresh one taken. "Gone" means no such pid, or a pid that now
belongs to another process (its start time differs: the pid was reused) or to another boot. The inode
is checked after locking so two runs taking over the same stale file cannot both win.
"""
from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

from ..errors import DataclawError

LOCK_NAME = ".lock"


class FolderLockedError(DataclawError):
    """Another live process is writing the dataset folder."""

    exit_code = 1

    def __init__(self, folder: Path, pid: int | None) -> None:
        self.folder, self.pid = Path(folder), pid
        who = f"process {pid}" if pid else "another process"
        super().__init__(f"{folder}: the dataset folder is in use by {who} (lock {Path(folder) / LOCK_NAME}); "
                         "wait for it to finish or write to another --out")


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (/proc/PID/stat field 22), or "" where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat[stat.rfind(")") + 2:].split()  # the command name may hold spaces and parentheses
    return fields[19] if len(fields) > 19 else ""


def _identity(pid: int) -> str:
    """What the lock file says about its writer: pid, start time, boot id (one a line)."""
    return f"{pid}\n{_start_time(pid)}\n{_boot_id()}\n"


def _pid_alive(pid: int | None, start: str = "", boot: str = "") -> bool:
    """Whether the writer the lock names still runs: the pid exists and, where the lock recorded them,
    it started at the same tick of the same boot (else the pid was reused by another process)."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        pass
    if boot and _boot_id() and boot != _boot_id():
        return False
    now = _start_time(pid)
    return not (start and now and start != now)


def _read_holder(fd: int) -> tuple[int | None, str, str]:
    """(pid, start time, boot id) from the lock file; an old lock holds only the pid."""
    try:
        lines = os.pread(fd, 256, 0).decode().splitlines()
        pid = int((lines[0] if lines else "").strip() or 0) or None
    except (OSError, ValueError, UnicodeDecodeError):
        return None, "", ""
    rest = [x.strip() for x in lines[1:3]] + ["", ""]
    return pid, rest[0], rest[1]


class FolderLock:
    """Holds `folder/.lock` until `release()` (or the process ends)."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK_NAME
        self._fd: int | None = None
        self._acquire()

    def _acquire(self) -> None:
        for _ in range(20):  # each round either wins, fails on a live holder, or removes a stale file
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    os.close(fd)
                    raise
                pid, start, boot = _read_holder(fd)
                if pid is None or _pid_alive(pid, start, boot):
                    os.close(fd)
                    raise FolderLockedError(self.path.parent, pid) from None
                # stale: its writer is gone (helpers of a killed run may still hold the old file)
                try:
                    if os.stat(self.path).st_ino == os.fstat(fd).st_ino:
                        os.unlink(self.path)
                except FileNotFoundError:
                    pass
                os.close(fd)
                continue
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # someone replaced the file between open and flock: lock the new one
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.pwrite(fd, _identity(os.getpid()).encode(), 0)
            self._fd = fd
            return
        raise FolderLockedError(self.path.parent, None)

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            if os.stat(self.path).st_ino == os.fstat(self._fd).st_ino:
                os.unlink(self.path)
        except FileNotFoundError:
            pass
        finally:
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __del__(self) -> None:  # a writer never closed still frees the folder when it is collected
        try:
            self.release()
        except Exception:  # noqa: BLE001
            pass
