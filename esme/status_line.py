"""One line of progress on a stream (stderr): on a terminal redrawn in place, into a file or a
CI log written as a line of its own each time, so that the log reads as a time series. The
live lines of `esme blast` and `esme load`, and of scenario runs, are drawn with it."""

import sys
from typing import TextIO

CLEAR_TO_END = "\x1b[K"


class StatusLine:
    def __init__(self, stream: TextIO | None = None, is_tty: bool | None = None):
        self.stream = sys.stderr if stream is None else stream
        self.is_tty = bool(getattr(self.stream, "isatty", lambda: False)()) if is_tty is None else is_tty

    def show(self, text: str) -> None:
        self.stream.write("\r" + text + CLEAR_TO_END if self.is_tty else text + "\n")
        self.stream.flush()

    def end(self) -> None:
        """After the last line: a terminal's line is ended, so what follows starts clean."""
        if self.is_tty:
            self.stream.write("\n")
        self.stream.flush()

    def clear(self) -> None:
        """Wipe a terminal's line instead of ending it."""
        if self.is_tty:
            self.stream.write("\r" + CLEAR_TO_END)
            self.stream.flush()
