"""A badge rendering process: `python -m maruf_reg.badges.worker`, started by `render.write_pdf`.

It reads tasks (pickled chunks of badges) on stdin and answers each on stdout, until stdin closes.
A fresh interpreter, not a fork: it shares no thread, lock or database connection with the web or
job process that started it.
"""

from __future__ import annotations

import pickle
import sys
import traceback

from maruf_reg.badges.render import render_chunk


def main() -> None:
    tasks, answers = sys.stdin.buffer, sys.stdout.buffer
    # Whatever a library prints must not mix with the answers.
    sys.stdout = sys.stderr
    while True:
        try:
            task = pickle.load(tasks)  # noqa: S301 (from the parent process, through a pipe)
        except EOFError:
            return
        try:
            answer: tuple[object, ...] = ("done", *render_chunk(task))
        except Exception:  # reported to the parent, which raises it
            answer = ("failed", traceback.format_exc())
        pickle.dump(answer, answers)
        answers.flush()


if __name__ == "__main__":
    main()
