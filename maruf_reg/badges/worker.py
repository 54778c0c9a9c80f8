"""A badge rendering process, started by `render.write_pdf` as `python .../badges/worker.py`.

It reads tasks (pickled chunks of badges) on stdin and answers each on stdout, until stdin closes.
A fresh interpreter, not a fork: it shares no thread, lock or database connection with the web or
job process that started it. It loads only the rendering modules (render, document, engine, backdrop,
pdfparts, fit, typeset, layouts, qr), WeasyPrint and pikepdf: not the app and its packages (Flask,
SQLAlchemy …), which would cost each worker memory it never uses.
"""

from __future__ import annotations

import pickle
import sys
import traceback
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load_render_module() -> types.ModuleType:
    # Run as a script, Python put this folder first on the path: our module names must not
    # shadow anything.
    if sys.path and Path(sys.path[0]).resolve() == HERE:
        sys.path.pop(0)
    sys.path.insert(0, str(HERE.parent.parent))
    # Bare packages, so that importing maruf_reg.badges.render does not run the packages'
    # __init__ (the app factory and its imports).
    for name, folder in (("maruf_reg", HERE.parent), ("maruf_reg.badges", HERE)):
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = [str(folder)]
            sys.modules[name] = package
    import maruf_reg.badges.render as render

    return render


def main() -> None:
    render = _load_render_module()
    tasks, answers = sys.stdin.buffer, sys.stdout.buffer
    # Whatever a library prints must not mix with the answers.
    sys.stdout = sys.stderr
    while True:
        try:
            # From the parent process, through a pipe.
            task = pickle.load(tasks)  # noqa: S301  # nosec B301
        except EOFError:
            return
        try:
            answer: tuple[object, ...] = ("done", *render.render_chunk(task))
        except Exception:  # reported to the parent, which raises it
            answer = ("failed", traceback.format_exc())
        pickle.dump(answer, answers)
        answers.flush()


if __name__ == "__main__":
    main()
