"""Writing a result file so that it is complete or not there at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


class OutputError(Exception):
    """The file cannot be written (a folder that does not exist, a directory, no permission)."""


@contextmanager
def replacing(out: Path, mode: str = "wb", **open_args: Any) -> Iterator[IO[Any]]:
    """Open a temporary file next to `out`; on success it replaces `out`, on any error it is
    removed and `out` stays as it was. The file is readable by its owner only (mkstemp's mode):
    exports and certificates hold personal data."""
    out = Path(out)
    if out.is_dir():
        raise OutputError(f"{out} is a directory")
    try:
        descriptor, name = tempfile.mkstemp(
            dir=out.parent if str(out.parent) else ".", prefix=f".{out.name}.", suffix=".part"
        )
    except OSError as error:
        raise OutputError(f"cannot write {out}: {error.strerror or error}") from error
    temp = Path(name)
    try:
        with os.fdopen(descriptor, mode, **open_args) as handle:
            yield handle
        os.replace(temp, out)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {out}: {error.strerror or error}") from error
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_with(
    out: Path, write: Callable[[IO[Any]], int], mode: str = "wb", **open_args: Any
) -> int:
    """Call `write(handle)` on a temporary file that replaces `out` when it returns."""
    with replacing(out, mode, **open_args) as handle:
        return write(handle)
