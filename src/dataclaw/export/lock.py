"""An exclusive lock on a dataset folder: one writer at a time.

`OUT/.lock` holds the pid of the run that writes the folder, locked with `fcntl.flock` (the kernel
drops the lock when that process dies, kill -9 included). A lock file whose pid is gone but which is
still locked (orphaned helpers of a killed run) is stale: it is unlinked and a fresh one taken. The
inode is checked after locking so two runs taking over the same stale file cannot both win.
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


def _pid_alive(pid: int | None) -> bool:
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _read_pid(fd: int) -> int | None:
    try:
        data = os.pread(fd, 64, 0)
        return int(data.decode().strip() or 0) or None
    except (OSError, ValueError):
        return None


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
                pid = _read_pid(fd)
                if _pid_alive(pid) or pid is None:
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
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
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
