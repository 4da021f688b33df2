#!/usr/bin/env python3
"""op_results_from_eval.py VECTOR_DIR LPCONFORM IMPL RESULTS_DIR

Plays the vendor in vector mode for the registry ops (spec/vectors.md): for every item directory
VECTOR_DIR/inputs/<item-id>/ and every row of its cases.csv (op,case,PARAM,...), runs
`lpconform eval OP --PARAM VALUE ... --npy NAME=<case>.NAME.npy ... --impl IMPL --npy-out PREFIX`,
which writes RESULTS_DIR/<item-id>/<case>.<output>.npy for `lpconform vectors check --results
RESULTS_DIR`. An item the implementation does not take gets no directory (UNSUPPORTED).
"""
import csv
import os
import subprocess
import sys


def main():
    vectors, lpconform, impl, results = sys.argv[1:5]
    inputs = os.path.join(vectors, "inputs")
    for item_id in sorted(os.listdir(inputs)):
        item = os.path.join(inputs, item_id)
        if not os.path.isdir(item):
            continue
        out = os.path.join(results, item_id)
        os.makedirs(out, exist_ok=True)
        files = os.listdir(item)
        with open(os.path.join(item, "cases.csv"), newline="") as f:
            rows = list(csv.reader(f))
        header = rows[0][2:]
        for row in rows[1:]:
            op, case = row[0], row[1]
            command = [lpconform, "eval", op]
            for name, value in zip(header, row[2:]):
                command += ["--" + name, value]
            prefix = case + "."
            for name in sorted(files):
                if name.startswith(prefix) and name.endswith(".npy"):
                    command += ["--npy", name[len(prefix):-4] + "=" + os.path.join(item, name)]
            command += ["--impl", impl, "--npy-out", os.path.join(out, prefix)]
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                if "does not support" in done.stderr:
                    for name in os.listdir(out):
                        os.remove(os.path.join(out, name))
                    os.rmdir(out)
                    break
                sys.exit(f"{' '.join(command)}: exit {done.returncode}: {done.stderr}")


if __name__ == "__main__":
    main()
