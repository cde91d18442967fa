"""Execute one notebook cell by cell in a real Jupyter kernel (tslab) with nbclient.

Used by pfnlab's TypeScript runner (src/runner/execute.ts), never directly by users.
Cells run one at a time (tslab cancels queued requests after an error, so a batch
would hide later cells); errors are kept in the outputs, not raised, so the caller can
name the first failing cell. A cell over its timeout or a dead kernel ends the run.

    python3 nbexec.py IN.ipynb OUT.ipynb --timeout S --cwd DIR [--kernel tslab]

Writes the executed notebook to OUT and a status line as JSON on stdout:
{"status": "ok"|"timeout"|"dead", "cell": index-or-null, "message": str, "cellSeconds": [..]}
"""
import argparse
import json
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError


def main():
    p = argparse.ArgumentParser()
    p.add_argument("notebook")
    p.add_argument("out")
    p.add_argument("--timeout", type=int, default=60)
    p.add_argument("--startup-timeout", type=int, default=60)
    p.add_argument("--cwd", default=".")
    p.add_argument("--kernel", default="tslab")
    a = p.parse_args()

    nb = nbformat.read(a.notebook, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=a.kernel,
        timeout=a.timeout,
        startup_timeout=a.startup_timeout,
        allow_errors=True,
        interrupt_on_timeout=False,
        resources={"metadata": {"path": a.cwd}},
    )
    status = {"status": "ok", "cell": None, "message": "", "cellSeconds": []}
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                t = time.monotonic()
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    status.update(status="timeout", cell=index, message=f"cell {index} ran longer than {a.timeout:g} s")
                    break
                except DeadKernelError as e:
                    status.update(status="dead", cell=index, message=f"the kernel died in cell {index}: {e}")
                    break
                finally:
                    status["cellSeconds"].append(round(time.monotonic() - t, 3))
    except Exception as e:  # kernel failed to start, and the like
        status.update(status="dead", message=f"{type(e).__name__}: {e}")
    nbformat.write(nb, a.out)
    json.dump(status, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
