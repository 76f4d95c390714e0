"""Execute one notebook on the tslab kernel through nbclient; write the executed copy to OUT.

usage: .venv/bin/python scripts/execute.py NOTEBOOK OUT [--timeout SECONDS]

Cells run with cwd = the notebook's folder (so `import ... from "../src/sim"` works).
Exit 0: every cell ran clean. Exit 1: a cell failed; stdout holds one message naming the
notebook, the cell and the error. A cell fails on an `error` output, on any stderr stream
(tslab reports both type errors and thrown errors by console.error, with execute_reply status
"error" and no `error` output), or on an error status. A cell tagged `raises-exception`
(nbclient's own tag) may fail. OUT is not written when a cell fails.
"""
import argparse
import json
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

ALLOWED_TAG = "raises-exception"


class CellFailed(Exception):
    pass


def load(path):
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    # nbformat gives id-less cells random ids, and the HTML carries cell ids: number them.
    raw["nbformat_minor"] = max(raw.get("nbformat_minor", 0), 5)
    for i, cell in enumerate(raw.get("cells", [])):
        cell.setdefault("id", f"cell-{i}")
    return nbformat.from_dict(raw)


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
    return "\n".join(found)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook")
    ap.add_argument("out")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = ap.parse_args()

    nb = load(args.notebook)
    current = {"index": None}

    def on_start(cell, cell_index):
        current["index"] = cell_index

    def on_executed(cell, cell_index, execute_reply):
        # Runs before nbclient's own error check, so every failure is reported the same way.
        text = problems(cell, execute_reply)
        if text:
            raise CellFailed(text)

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
    sys.exit(main())
