"""The progress bar of long commands (seeding, rebuilding figures), the same everywhere."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def progress_bar(console: Console) -> Progress:
    """A bar per task: its name, the bar, done of total, time spent and time left."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def command_console(command: Any) -> Console:
    """A console on a management command's real output stream (Django's wrapper of it adds a
    line break to every write, which would break the bar)."""
    return Console(file=command.stdout._out, highlight=False)
