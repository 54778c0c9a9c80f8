"""Rendering processes (`python .../badges/worker.py`) that render the chunks of a batch in parallel.

Plain subprocesses rather than a multiprocessing pool: no fork server and no resource tracker
process beside them (less memory), and nothing inherited from the process that starts them.
"""

from __future__ import annotations

import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

#: the script of a rendering process
WORKER = Path(__file__).resolve().with_name("worker.py")


class Workers:
    """A few rendering processes; `imap` hands them tasks and yields the answers in order."""

    def __init__(self, count: int) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        try:
            for _ in range(count):
                self.processes.append(
                    subprocess.Popen(  # noqa: S603 (this Python, our script)
                        [sys.executable, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
                    )
                )
        except BaseException:
            self.kill()
            raise

    def _serve(
        self,
        process: subprocess.Popen[bytes],
        tasks: queue.SimpleQueue[tuple[int, Any]],
        answers: queue.SimpleQueue[tuple[int, Any]],
    ) -> None:
        assert process.stdin is not None and process.stdout is not None
        while True:
            try:
                number, task = tasks.get_nowait()
            except queue.Empty:
                return
            try:
                pickle.dump(task, process.stdin)
                process.stdin.flush()
                # Our own worker, through a pipe.
                answer = pickle.load(process.stdout)  # noqa: S301  # nosec B301
            except (OSError, EOFError, pickle.UnpicklingError) as error:
                answers.put((number, ("failed", f"a badge worker process died: {error!r}")))
                return
            answers.put((number, answer))
            if answer[0] != "done":
                return

    def imap(self, work: Sequence[Any]) -> Iterator[tuple[str, int]]:
        """Each task's result, in the order of the tasks."""
        tasks: queue.SimpleQueue[tuple[int, Any]] = queue.SimpleQueue()
        answers: queue.SimpleQueue[tuple[int, Any]] = queue.SimpleQueue()
        for numbered in enumerate(work):
            tasks.put(numbered)
        threads = [
            threading.Thread(target=self._serve, args=(p, tasks, answers), daemon=True)
            for p in self.processes
        ]
        for thread in threads:
            thread.start()
        waiting: dict[int, Any] = {}
        for number in range(len(work)):
            while number not in waiting:
                got, answer = answers.get()
                if answer[0] != "done":
                    raise RuntimeError(f"rendering badges failed:\n{answer[1]}")
                waiting[got] = answer
            _status, path, count = waiting.pop(number)
            yield path, count

    def close(self) -> None:
        for process in self.processes:
            if process.stdin:
                process.stdin.close()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def kill(self) -> None:
        for process in self.processes:
            process.kill()
        for process in self.processes:
            process.wait()
