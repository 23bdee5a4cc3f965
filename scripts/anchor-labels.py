#!/usr/bin/env python3
"""Writes TRAIN.csv again with only the labels the scikit-learn anchors keep at --per-class K and seed S, or only
those of the rows a semigen run kept (--rows labels.json: its "rows", indices of TRAIN's rows from 0).

usage: /usr/bin/python3 scripts/anchor-labels.py TRAIN.csv TEST.csv (--per-class K --seed S | --rows labels.json)
         --out FILE.csv

../shared/anchors/tabular_baselines.py keeps, for each class in turn (the class names of both files, sorted),
min(K, rows) rows chosen by numpy's RandomState(S), and treats every other label as missing. This writes the
training file line for line with every other class cell emptied, so that `semigen fit --data FILE.csv` trains on
the same labelled rows the anchors did, and the anchors run on FILE.csv without --per-class give their figures again.
Needs Debian's python3-pandas (numpy comes with it).
"""
import argparse, json, os
import numpy as np, pandas as pd

ap = argparse.ArgumentParser()
ap.add_argument('train'); ap.add_argument('test')
ap.add_argument('--per-class', type=int)
ap.add_argument('--seed', type=int)
ap.add_argument('--rows')
ap.add_argument('--out', required=True)
a = ap.parse_args()

tr = pd.read_csv(a.train, keep_default_na=False, na_values=[''], dtype=str)
te = pd.read_csv(a.test, keep_default_na=False, na_values=[''], dtype=str)
ycol = tr.columns[-1]
classes = sorted(set(tr[ycol].dropna()) | set(te[ycol].dropna()))
index = {c: i for i, c in enumerate(classes)}
y = np.array([index[v] if isinstance(v, str) else -1 for v in tr[ycol]])
keep = np.zeros(len(y), dtype=bool)
if a.rows is not None:
    if a.per_class is not None or a.seed is not None:
        raise SystemExit('give --rows or --per-class and --seed, not both')
    with open(a.rows) as f:
        rows = np.array(json.load(f)['rows'], dtype=int)
    if len(rows) and (rows.min() < 0 or rows.max() >= len(y) or (y[rows] < 0).any()):
        raise SystemExit(f'{a.rows}: its rows must be labelled rows of {a.train} ({len(y)} rows)')
    keep[rows] = True
else:
    if a.per_class is None or a.seed is None:
        raise SystemExit('give --per-class K and --seed S (or --rows labels.json)')
    rng = np.random.RandomState(a.seed)
    for c in range(len(classes)):
        rows = np.where(y == c)[0]
        if len(rows):
            keep[rng.choice(rows, min(a.per_class, len(rows)), replace=False)] = True

with open(a.train, newline='') as f:
    lines = f.read().split('\n')
if lines[-1] == '':
    lines.pop()
if len(lines) != len(tr) + 1:
    raise SystemExit(f'{a.train}: {len(lines) - 1} lines after the header but {len(tr)} rows (a cell holds a line break)')
out = [lines[0]]
for i, line in enumerate(lines[1:]):
    # the class is the last cell: quoted ("name") or not
    cut = line.rfind(',"') if line.endswith('"') else line.rfind(',')
    cell = line[cut + 1:]
    name = cell[1:-1].replace('""', '"') if cell.startswith('"') else cell
    if name != (tr[ycol][i] if isinstance(tr[ycol][i], str) else ''):
        raise SystemExit(f'{a.train}: line {i + 2}: its last cell reads {cell!r}, pandas read {tr[ycol][i]!r}')
    out.append(line if keep[i] else line[:cut + 1])
tmp = a.out + '.part'
with open(tmp, 'w', newline='') as f:
    f.write('\n'.join(out) + '\n')
os.replace(tmp, a.out)
print(f'{a.out}: {int(keep.sum())} of {len(tr)} rows labelled')
