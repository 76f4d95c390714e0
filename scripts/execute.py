"""Execute one notebook on the tslab kernel through nbclient; write the executed copy to OUT.

usage: .venv/bin/python scripts/execute.py NOTEBOOK OUT [--timeout SECONDS]

Jupyter starts the kernel in the notebook's folder; scripts/kernel.js then moves it to the
project root, so cells import `./src/<layer>/index`. Exit 0: every cell ran clean; OUT written.
Exit 1: a cell failed; stdout holds one message naming the notebook, the cell and the error;
OUT removed. Exit 2: the executor itself failed (traceback on stderr).

A cell fails on an `error` output, on any stderr text, or on an error status: tslab reports
type errors and thrown errors alike with console.error (a stderr stream) and an execute_reply
status "error", never with an `error` output. Cells tagged `raises-exception` (nbclient's tag)
may fail.
"""
import argparse
import asyncio
import json
import os
import re
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

ALLOWED_TAG = "raises-exception"
# Stack frames of tslab and Node internals: dropped from failure messages, and from the stderr
# of cells allowed to fail, whose output would otherwise carry this machine's absolute paths.
KERNEL_FRAME = re.compile(r"^\s+at .*(node:vm|node:internal|tslab[/\\]dist|sigintHandlersWrap)")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def tidy(text):
    lines = text.splitlines(keepends=True)
    return "".join(line for line in lines if not KERNEL_FRAME.search(line)).replace(ROOT, "")


class CellFailed(Exception):
    pass


def load(path):
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    # nbformat gives id-less cells random ids, and the HTML carries cell ids: number them.
    raw["nbformat_minor"] = max(raw.get("nbformat_minor", 0), 5)
    for i, cell in enumerate(raw.get("cells", [])):
        cell.setdefault("id", f"cell-{i}")
    return nbformat.reads(json.dumps(raw), as_version=4)


def describe(nb, index):
    cell = nb.cells[index]
    code_no = sum(1 for c in nb.cells[: index + 1] if c.cell_type == "code")
    first = next((line for line in cell.source.splitlines() if line.strip()), "").strip()
    return f"code cell {code_no} (cell {index + 1} of {len(nb.cells)}): {first[:80]}"


def problems(cell, reply):
    """The errors a finished cell shows, as text ('' when clean)."""
    if ALLOWED_TAG in cell.metadata.get("tags", []):
        return ""
    found = []
    for out in cell.outputs:
        if out.output_type == "error":
            found.append(f"{out.ename}: {out.evalue}")
        elif out.output_type == "stream" and out.name == "stderr":
            found.append(out.text.rstrip())
    status = (reply or {}).get("content", {}).get("status", "ok")
    if status != "ok" and not found:
        found.append(f"kernel replied status {status!r} without output")
    return tidy("\n".join(found))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook")
    ap.add_argument("out")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = ap.parse_args()

    if os.path.exists(args.out):
        os.remove(args.out)  # build/executed holds only notebooks that passed this time
    nb = load(args.notebook)
    current = {"index": None}

    def on_start(cell, cell_index):
        current["index"] = cell_index

    def on_executed(cell, cell_index, execute_reply):
        # Runs before nbclient's own error check, so every failure is reported the same way.
        text = problems(cell, execute_reply)
        if text:
            raise CellFailed(text)
        for out in cell.outputs:
            if out.output_type == "stream" and out.name == "stderr":
                out.text = tidy(out.text)
        if execute_reply["content"]["status"] != "ok":
            # An allowed failure: tslab aborts every request of the next 200 ms after an error
            # (yunabe/tslab#19), so let that pass before the next cell.
            return asyncio.sleep(0.3)

    client = NotebookClient(
        nb,
        kernel_name="tslab",
        timeout=args.timeout,
        record_timing=False,  # no wall-clock timestamps in the output
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.notebook))}},
        on_cell_start=on_start,
        on_cell_executed=on_executed,
    )
    try:
        client.execute()
    except (CellFailed, CellTimeoutError, DeadKernelError) as e:
        where = describe(nb, current["index"]) if current["index"] is not None else "kernel start"
        kind = {CellTimeoutError: f"timed out after {args.timeout} s", DeadKernelError: "kernel died"}
        text = str(e) if isinstance(e, CellFailed) else f"{kind[type(e)]}: {e}"
        print(f"{args.notebook}: {where}\n{text}")
        return 1

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    nbformat.write(nb, args.out)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:  # the executor itself broke: exit 2, not 1 (which means a cell failed)
        import traceback

        traceback.print_exc()
        sys.exit(2)
