"""Start Python programs as processes forked from one interpreter that has imported TensorFlow already.

Importing TensorFlow and Keras takes 3-7 s of CPU in every fresh interpreter, which was half of a
small `forecaster` command's time in the tests that start many of them (test_faults.py,
test_readme.py). Nothing of TensorFlow's runtime starts before the fork (no device, no op), so each
child starts it afresh, and it is a process of its own for all a test looks at: its working
directory, its signals and exit status, its resource limits, its stdout and stderr, its atexit
handlers run as at a normal exit.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

# One line of stdin is a batch of jobs, started together; the answer is their exit statuses, in order.
# A job runs `code` as the __main__ module with sys.argv = argv, in cwd (as `python -c code *argv[1:]`).
SERVER = r"""
import atexit, json, os, signal, sys, traceback
devnull = os.open(os.devnull, os.O_RDWR)
saved = os.dup(2)
os.dup2(devnull, 2)  # TensorFlow's C++ start-up lines, as forecaster's quiet import does
for name in sys.argv[1:]:
    __import__(name)
os.dup2(saved, 2)
os.close(saved)
print("ready", flush=True)
for line in sys.stdin:
    pids = []
    for job in json.loads(line):
        pid = os.fork()
        if pid:
            pids.append(pid)
            continue
        os.chdir(job["cwd"])
        os.dup2(devnull, 0)
        os.dup2(os.open(job["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
        os.dup2(os.open(job["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
        sys.argv = job["argv"]
        status = 0
        try:
            exec(compile(job["code"], "<string>", "exec"), {"__name__": "__main__"})
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else (exc.code is not None)
            if not isinstance(exc.code, (int, type(None))):
                print(exc.code, file=sys.stderr)
        except KeyboardInterrupt:  # as the interpreter does: the traceback, then die of SIGINT
            traceback.print_exc()
            sys.stderr.flush()
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        except BaseException:
            traceback.print_exc()
            status = 1
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(status))
    print(json.dumps([os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]), flush=True)
"""


class ForkServer:
    """The SERVER process, with ``modules`` imported; ``run`` starts a batch of jobs together and waits for them."""

    def __init__(self, folder: Path, modules: tuple[str, ...] = ("tensorflow", "keras"), timeout: float = 300) -> None:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg"}
        self.folder, self.count, self.timeout = folder, 0, timeout
        # its own session: a timeout kills it and every child with one killpg
        self.proc = subprocess.Popen([sys.executable, "-c", SERVER, *modules], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env, start_new_session=True)
        assert self.answer() == "ready"

    def answer(self) -> str:
        if not select.select([self.proc.stdout], [], [], self.timeout)[0]:
            os.killpg(self.proc.pid, signal.SIGKILL)
            pytest.fail(f"the fork server or a job did not answer within {self.timeout} s")
        return self.proc.stdout.readline().strip()

    def run(self, jobs: list[tuple[str, list[str], Path]]) -> list[subprocess.CompletedProcess]:
        """Run each ``(code, argv, cwd)`` as its own process, all at once; their results in order."""
        sent = []
        for code, argv, cwd in jobs:
            self.count += 1
            out, err = self.folder / f"{self.count}.out", self.folder / f"{self.count}.err"
            sent.append({"code": code, "argv": argv, "cwd": str(cwd), "stdout": str(out), "stderr": str(err)})
        self.proc.stdin.write(json.dumps(sent) + "\n")
        self.proc.stdin.flush()
        statuses = json.loads(self.answer())
        return [
            subprocess.CompletedProcess(job["argv"], status, Path(job["stdout"]).read_text(), Path(job["stderr"]).read_text())
            for job, status in zip(sent, statuses, strict=True)
        ]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
