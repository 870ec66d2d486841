"""How a command fails: it raises `CommandError(message, code)`; `evolve.cli.main` prints it and exits with `code`.

Contract (the README's "Exit codes"), the same for every command:
- `OK` (0): the command did what was asked, whatever the result says (a low score is still a result).
- `RESULT` (1): it finished, and the result needs a look: problems found (`validate`, `goals verify`), a trial
  or a run stopped by the model provider or by an internal error.
- `USAGE` (2): the input cannot be used (arguments, configuration, files, goals, the archive or its run);
  nothing was done. An archive that cannot be used (`ArchiveError`) is reported the same way.
- `INTERRUPTED` (130): stopped by Ctrl-C (`evolve run`).

`details` are lines printed before the message (e.g. one per problem found in a file), as given.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Final

OK: Final = 0
RESULT: Final = 1
USAGE: Final = 2
INTERRUPTED: Final = 130


class CommandError(Exception):
    def __init__(self, message: str, code: int = USAGE, details: Sequence[object] = ()):
        super().__init__(message)
        self.message, self.code, self.details = message, code, tuple(str(d) for d in details)
