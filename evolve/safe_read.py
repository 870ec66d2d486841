"""Reading files that a hostile process controlled (a notebook's folder, its evidence dir).

Contract:
- `read_bounded(path, cap_bytes)` returns the bytes of a regular file of at most `cap_bytes`. It never follows
  a link (the file nor its folder), never blocks (a FIFO with no writer), never reads more than `cap_bytes + 1`
  bytes (a 1 GB file or a link to /dev/zero costs nothing), and refuses anything that is not a regular file
  with a single name (symlink, FIFO, socket, device, directory, hard link to another file).
- `load_json(data, max_depth)` parses JSON bytes into Python values: strict JSON (no NaN/Infinity, no number
  that overflows to infinity), nesting checked on the text before parsing, so `RecursionError` never escapes.
- Both raise `UnsafeFile` (`MissingFile` when there is simply no file), whose message names the file and says
  what is wrong in words a small model can act on. Nothing else escapes for anything the file's author did.
- `open_regular(name, dir_fd=None)` and `read_capped(fd, cap)` are the two steps under `read_bounded`, for
  readers with another policy (a domain plugin's trace reader keeps what fits under its cap; the trusted replay
  opens files relative to a folder descriptor). `open_regular` never follows a final link and never blocks, and
  returns a descriptor only on a regular file; `read_capped` reads at most `cap + 1` bytes.
"""
from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

DEFAULT_MAX_DEPTH = 64
_CHUNK = 1 << 20


class UnsafeFile(Exception):
    """A file evolve will not read or parse as asked; the message says why, naming the file."""


class MissingFile(UnsafeFile):
    """There is no file at that path (nothing hostile: the notebook did not write it)."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "not a regular file"


def _describe(name: str, dir_fd: int | None) -> str:
    try:
        return _kind(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return "not a regular file"


def open_regular(name: Path | str, dir_fd: int | None = None) -> int:
    """A read-only descriptor on the regular file `name` (relative to `dir_fd` when given), opened without
    following a final link and without blocking; `MissingFile` when there is none, `UnsafeFile` otherwise."""
    label = Path(name).name or str(name)
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except FileNotFoundError:
        raise MissingFile(f"{label} does not exist") from None
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EMLINK):  # O_NOFOLLOW on a symlink
            raise UnsafeFile(f"{label} is a symbolic link; evolve reads only a regular file written in place "
                             f"(links are never followed)") from None
        if error.errno == errno.ENXIO:
            raise UnsafeFile(f"{label} is {_describe(str(name), dir_fd)}; it must be a regular file") from None
        raise UnsafeFile(f"{label} cannot be read ({os.strerror(error.errno) if error.errno else error})") \
            from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as error:
        os.close(fd)
        raise UnsafeFile(f"{label} cannot be read ({os.strerror(error.errno) if error.errno else error})") \
            from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise UnsafeFile(f"{label} is {_kind(mode)}; it must be a regular file")
    return fd


def read_capped(fd: int, cap: int) -> tuple[bytes, bool]:
    """Up to `cap` bytes from `fd`, and whether there was more. Reads at most `cap + 1` bytes: the size a file
    reports can change after fstat, so only what arrives is counted."""
    chunks, total = [], 0
    while total <= cap:
        try:
            chunk = os.read(fd, min(_CHUNK, cap + 1 - total))
        except BlockingIOError:
            raise UnsafeFile("the file would block on reading; it must be a regular file") from None
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    data = b"".join(chunks)
    return data[:cap], total > cap


def read_bounded(path: Path | str, cap_bytes: int) -> bytes:
    """The whole content of the regular file `path`, at most `cap_bytes` long (see the module contract)."""
    path = Path(path)
    label = path.name or str(path)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        # The folder too is opened without following a link: a notebook may not swap its folder for one.
        dir_fd = os.open(path.parent, flags | os.O_DIRECTORY)
    except FileNotFoundError:
        raise MissingFile(f"{label} does not exist (its folder {path.parent} is missing)") from None
    except OSError as error:
        raise UnsafeFile(f"{label}: its folder {path.parent} cannot be opened safely "
                         f"({os.strerror(error.errno) if error.errno else error}); it must be a real folder, "
                         f"not a link") from None
    try:
        fd = open_regular(path.name, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)
    try:
        info = os.fstat(fd)
        if info.st_nlink != 1:
            raise UnsafeFile(f"{label} is a hard link shared with another file; write the file itself")
        if info.st_size > cap_bytes:
            raise UnsafeFile(f"{label} is {_size(info.st_size)}, over the {_size(cap_bytes)} size limit")
        try:
            data, more = read_capped(fd, cap_bytes)
        except UnsafeFile:
            raise UnsafeFile(f"{label} would block on reading; it must be a regular file") from None
        if more:
            raise UnsafeFile(f"{label} is over the {_size(cap_bytes)} size limit")
        return data
    except OSError as error:
        raise UnsafeFile(f"{label} cannot be read ({os.strerror(error.errno) if error.errno else error})") from None
    finally:
        os.close(fd)


def _size(n: int) -> str:
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MB"
    if n >= 1 << 10:
        return f"{n / (1 << 10):.1f} KB"
    return f"{n} bytes"


# A JSON string (escapes included); atomic so a long string costs one pass.
_STRING = re.compile(rb'"(?>[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]++")


def json_depth(data: bytes) -> int:
    """How deeply the arrays/objects of the JSON text `data` nest (0 for a scalar), counted on the text so that
    it works on input the parser would recurse too deeply on. Unbalanced text gives its deepest open level."""
    skeleton = _NOT_BRACKET.sub(b"", _STRING.sub(b"", data))
    depth = deepest = 0
    for byte in skeleton:
        if byte in b"[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


def _reject_constant(name: str) -> float:
    # Python's json writes NaN/Infinity, which are not JSON; a check must never compare against them.
    raise ValueError(f"{name} is not a valid JSON number (write a finite float or null)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large for a float (it would be infinity)")
    return value


def load_json(data: bytes, max_depth: int = DEFAULT_MAX_DEPTH, *, label: str = "the file") -> Any:
    """`data` parsed as strict JSON; `UnsafeFile` if it is not valid JSON or nests deeper than `max_depth`."""
    depth = json_depth(data)
    if depth > max_depth:
        raise UnsafeFile(f"{label} nests arrays/objects {depth} levels deep, over the limit of {max_depth}; "
                         f"write a flat object of named values")
    try:
        return json.loads(data, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:  # the text check above makes this unreachable; kept so it can never escape
        raise UnsafeFile(f"{label} nests too deeply to parse; write a flat object of named values") from None
    except UnicodeDecodeError as error:
        raise UnsafeFile(f"{label} is not valid JSON (not UTF-8 text: {error.reason} at byte {error.start})") \
            from None
    except ValueError as error:  # JSONDecodeError, our NaN/infinity rejections, over-long integers
        raise UnsafeFile(f"{label} is not valid JSON ({str(error)[:200]})") from None


def read_json(path: Path | str, cap_bytes: int, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """`load_json(read_bounded(path, cap_bytes))`, naming the file in any error."""
    return load_json(read_bounded(path, cap_bytes), max_depth, label=Path(path).name)
