"""Execute one notebook cell by cell in a real Jupyter kernel (tslab) with nbclient.

Used by pfnlab's TypeScript runner (src/runner/execute.ts), never directly by users.
Cells run one at a time (tslab cancels queued requests after an error, so a batch
would hide later cells); errors are kept in the outputs, not raised, so the caller can
name the first failing cell. A cell over its timeout or a dead kernel ends the run,
unless --restarts N allows restarting the kernel: then the cells that ran before are
replayed in the new kernel (their first outputs are kept), the failing cell is skipped
and the run goes on.

    python3 nbexec.py IN.ipynb OUT.ipynb --timeout S --cwd DIR [--kernel tslab]
                      [--restarts N] [--append-stdin] [--max-output-chars N] [--immediate-shutdown]
                      [--loopback-up] [--startup-timeout S] [--start-attempts N]

--append-stdin: after the notebook's own cells, print {"event": "cells-done"} on stdout
and read one JSON line {"cells": [...]} from stdin; those cells are appended and run in
the same kernel (the grader keeps its hidden checks out of every file this way).

--loopback-up: bring the loopback interface up first (the executor runs in a network
namespace of its own, where the kernel it starts is reachable only through loopback).

A kernel that does not answer within --startup-timeout is shut down and started again,
with twice the timeout each time, up to --start-attempts in all (a loaded machine can
take over a minute to start tslab; no cell ran yet, so nothing runs twice). The failed
tries are listed in "startFailures". A kernel that still fails to start (or to restart)
is reported as an incident of kind "start": no student code ran in it, so the caller
must not blame the notebook for it.

Writes the executed notebook to OUT and a status line as JSON on stdout:
{"status": "ok"|"timeout"|"dead", "cell": index-or-null, "message": str, "cellSeconds": [..],
 "incidents": [{"cell", "kind", "message"}], "appendedFrom": index-or-null}
"""
import argparse
import fcntl
import json
import socket
import struct
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

# tslab aborts the requests that reach it within 200 ms after a failed cell.
ERROR_SETTLE_SECONDS = 0.3


def loopback_up():
    """ifconfig lo up, without iproute2: SIOCGIFFLAGS, then SIOCSIFFLAGS with IFF_UP."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, struct.pack("16sH", b"lo", 0)))[1]
        fcntl.ioctl(s, 0x8914, struct.pack("16sH", b"lo", flags | 0x1))


def truncate_outputs(cell, limit):
    """Keep a cell's outputs below `limit` characters so a chatty cell cannot flood the caller."""
    used = 0
    kept = []
    for out in cell.get("outputs", []):
        size = len(json.dumps(out))
        if used + size > limit:
            kept.append(nbformat.v4.new_output("stream", name="stderr", text=f"[pfnlab: outputs truncated after {limit} characters]\n"))
            break
        used += size
        kept.append(out)
    cell["outputs"] = kept


class KernelStartError(Exception):
    pass


class Runner:
    def __init__(self, nb, a):
        self.nb = nb
        self.a = a
        self.client = NotebookClient(
            nb,
            kernel_name=a.kernel,
            timeout=a.timeout,
            startup_timeout=a.startup_timeout,
            allow_errors=True,
            interrupt_on_timeout=False,
            resources={"metadata": {"path": a.cwd}},
        )
        self.client.on_cell_executed = self.on_executed
        if a.immediate_shutdown:
            self.client.shutdown_kernel = "immediate"
        self.last_reply = None
        self.done = []  # indices of cells that ran to completion, replayed after a restart
        self.restarts_left = a.restarts
        self.status = {"status": "ok", "cell": None, "message": "", "cellSeconds": [], "incidents": [], "appendedFrom": None}

    def on_executed(self, cell=None, cell_index=None, execute_reply=None, **_):
        self.last_reply = (execute_reply or {}).get("content", {}).get("status")

    def run_cell(self, index):
        """Run one cell; retry once when tslab aborted it because a failure just happened."""
        cell = self.nb.cells[index]
        for _ in range(3):
            self.last_reply = None
            self.client.execute_cell(cell, index)
            if self.last_reply != "abort":
                break
            time.sleep(ERROR_SETTLE_SECONDS)
        if self.last_reply == "error":
            time.sleep(ERROR_SETTLE_SECONDS)
        truncate_outputs(self.nb.cells[index], self.a.max_output_chars)

    def restart(self):
        """A fresh kernel (new process, new ports); replay the cells that completed before."""
        t = time.monotonic()
        self.client.shutdown_kernel = "immediate"
        self.client._cleanup_kernel()
        self.start_kernel("restart")
        self.status.setdefault("restartSeconds", []).append(round(time.monotonic() - t, 3))
        for i in self.done:
            saved = self.nb.cells[i]
            replay = nbformat.from_dict(json.loads(json.dumps(saved)))
            self.nb.cells[i] = replay
            try:
                self.client.execute_cell(replay, i)
            finally:
                self.nb.cells[i] = saved
            if self.last_reply == "error":
                time.sleep(ERROR_SETTLE_SECONDS)
                # Keep a failure that only the replay showed: later cells may depend on it.
                if not any(o.get("output_type") == "error" or o.get("name") == "stderr" for o in saved.get("outputs", [])):
                    text = "".join(o.get("text", "") if isinstance(o.get("text", ""), str) else "".join(o.get("text")) for o in replay.get("outputs", []) if o.get("name") == "stderr")
                    saved.outputs.append(nbformat.v4.new_output("stream", name="stderr", text=f"[pfnlab: this cell failed when replayed after a kernel restart]\n{text}"))

    def incident(self, index, kind, message):
        self.status["incidents"].append({"cell": index, "kind": kind, "message": message})
        if self.status["status"] == "ok":
            self.status.update(status=kind, cell=index, message=message)

    def run_range(self, start):
        """Run cells from `start` on; False when the run had to stop."""
        index = start
        while index < len(self.nb.cells):
            t = time.monotonic()
            failed = None
            try:
                self.run_cell(index)
                if self.nb.cells[index].cell_type == "code":
                    self.done.append(index)
            except CellTimeoutError:
                failed = ("timeout", f"cell {index} ran longer than {self.a.timeout:g} s")
            except DeadKernelError as e:
                failed = ("dead", f"the kernel died in cell {index}: {e}")
            finally:
                self.status["cellSeconds"].append(round(time.monotonic() - t, 3))
            if failed:
                self.incident(index, *failed)
                if self.restarts_left <= 0:
                    return False
                self.restarts_left -= 1
                self.restart()
            index += 1
        return True

    def start_kernel(self, verb):
        """Start a kernel in a fresh manager. One that does not answer is dropped and started
        again with twice the time, up to --start-attempts (no cell ran in it: nothing runs twice)."""
        for attempt in range(self.a.start_attempts):
            self.client.startup_timeout = self.a.startup_timeout * (2**attempt)
            self.client.km = self.client.create_kernel_manager()
            try:
                self.client.start_new_kernel()
                self.client.start_new_kernel_client()
                return
            except Exception as e:
                message = f"the kernel did not {verb}: {type(e).__name__}: {e}"
                self.status.setdefault("startFailures", []).append(message)
                self.drop_kernel()
        raise KernelStartError(f"{message} ({self.a.start_attempts} attempts)")

    def drop_kernel(self):
        """Kill a kernel that did not answer and forget its manager and client."""
        mode = self.client.shutdown_kernel
        self.client.shutdown_kernel = "immediate"
        try:
            if self.client.km is not None:
                self.client._cleanup_kernel()
        except Exception:
            pass  # it never answered; whatever is left of it goes with its process group
        self.client.km = None
        self.client.kc = None
        self.client.shutdown_kernel = mode

    def main(self):
        started = False
        try:
            self.start_kernel("start")
            # setup_kernel finds the kernel running; it shuts it down at the end.
            with self.client.setup_kernel():
                started = True
                self.run_all()
        except KernelStartError as e:
            self.incident(None, "start", str(e))
        except Exception as e:
            if started:
                self.incident(self.status["cell"], "dead", f"{type(e).__name__}: {e}")
            else:
                self.incident(None, "start", f"the kernel did not start: {type(e).__name__}: {e}")

    def run_all(self):
        if not self.run_range(0):
            return
        if self.a.append_stdin:
            sys.stdout.write(json.dumps({"event": "cells-done"}) + "\n")
            sys.stdout.flush()
            line = sys.stdin.readline()
            extra = json.loads(line).get("cells", []) if line.strip() else []
            start = len(self.nb.cells)
            self.status["appendedFrom"] = start
            for c in extra:
                if isinstance(c.get("source"), list):
                    c["source"] = "".join(c["source"])
                self.nb.cells.append(nbformat.from_dict(c))
            self.run_range(start)

def main():
    p = argparse.ArgumentParser()
    p.add_argument("notebook")
    p.add_argument("out")
    p.add_argument("--timeout", type=int, default=60)
    p.add_argument("--startup-timeout", type=int, default=60)
    p.add_argument("--start-attempts", type=int, default=2)
    p.add_argument("--cwd", default=".")
    p.add_argument("--kernel", default="tslab")
    p.add_argument("--restarts", type=int, default=0)
    p.add_argument("--append-stdin", action="store_true")
    p.add_argument("--max-output-chars", type=int, default=5_000_000)
    p.add_argument("--immediate-shutdown", action="store_true")
    p.add_argument("--loopback-up", action="store_true")
    a = p.parse_args()
    if a.loopback_up:
        loopback_up()

    nb = nbformat.read(a.notebook, as_version=4)
    r = Runner(nb, a)
    r.main()
    nbformat.write(nb, a.out)
    json.dump(r.status, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
