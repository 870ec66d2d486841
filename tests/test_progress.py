"""The live progress line on a terminal: drawn in place, ended by exactly one newline however often it is closed."""
import io

from evolve.engine.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_closing_twice_ends_the_line_once():
    screen = Terminal()
    progress = Progress(2, stream=screen, clock=lambda: 0.0)
    progress.close()
    assert screen.getvalue() == ""  # nothing drawn: nothing to end
    progress.draw()
    progress.close()
    progress.close()
    assert screen.getvalue().count("\n") == 1 and "generation 0/2" in screen.getvalue()
