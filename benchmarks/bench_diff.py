"""`learnkit diff` against nbdime on the real chapters, measured side by side in the same run.

    /root/venvs/dev/bin/python benchmarks/bench_diff.py [FASTBOOK_DIR] [--seeds 3] [--repeat 3] [--skip-accuracy]

For every chapter in FASTBOOK_DIR (default ../shared/fastbook, or $LEARNKIT_FASTBOOK) it generates a learner-like
reproduction (benchmarks/gen_repro.py) into a temp dir, then measures:

1. commands: wall time of `learnkit diff CHAPTER REPRO --json` against nbdime's `nbdiff CHAPTER REPRO`, each
   pair run once per command in a new store (target: learnkit at most 1/5 of nbdiff); then learnkit again on the same
   pairs (everything kept in the store), and again after one cell of each changed (the judge issue: at most 1/20);
2. in process: `learnkit.reproduce.diff.diff_notebooks(path, path)` (reading and parsing both files included, chapter cache
   cleared) against `nbdime.diff_notebooks(a, b)` on notebooks already read by nbformat, medians of `--repeat`
   runs each (target: at most 1/5);
3. memory: tracemalloc peak of learnkit's diff per pair, and of a synthetic worst case (a 2 MB cell, 200 images);
4. alignment accuracy: pair precision/recall/F1 of learnkit's aligner and of a naive greedy matcher (difflib ratio,
   best pairs first) on `--seeds` reproductions per chapter, with provenance on half of the cells and with none.
"""
from __future__ import annotations
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time, tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'benchmarks'))
import gen_repro  # noqa: E402

BIN = Path(sys.executable).parent

def _tool(name):
    p = BIN/name
    return str(p) if p.exists() else shutil.which(name)

def time_commands(pairs, env, nbdiff=True) -> list:
    "Wall seconds of `learnkit diff --json` and (unless not `nbdiff`: None) `nbdiff` on each (chapter, repro) pair."
    lk, nbd = _tool('learnkit'), _tool('nbdiff')
    rows = []
    for orig, repro in pairs:
        t = time.perf_counter()
        r = subprocess.run([lk, 'diff', str(orig), str(repro), '--json'], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        t_lk = time.perf_counter() - t
        if r.returncode: raise SystemExit(f'learnkit diff failed on {repro}: {r.stderr.decode()[-500:]}')
        t_nb = None
        if nbdiff:
            t = time.perf_counter()
            subprocess.run([nbd, str(orig), str(repro)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t_nb = time.perf_counter() - t
        rows.append((Path(orig).stem, t_lk, t_nb))
    return rows

def _one_cell_changed(repro: Path) -> Path:
    "A copy of `repro` with one more line in its last code cell: the learner's next diff after an edit."
    nb = json.loads(Path(repro).read_text())
    c = [c for c in nb['cells'] if c['cell_type'] == 'code'][-1]
    src = c['source'] if isinstance(c['source'], str) else ''.join(c['source'])
    c['source'] = src + '\n_ = 0'
    out = Path(repro).with_name(Path(repro).stem + '_edited.ipynb')
    out.write_text(json.dumps(nb))
    return out

def time_inprocess(pairs, repeat=3) -> list:
    "Seconds of learnkit's `diff_notebooks` (reading included) and nbdime's `diff_notebooks` (reading excluded)."
    import nbformat, nbdime
    import learnkit.book.chapters as C
    from learnkit.reproduce.diff import diff_notebooks
    rows = []
    for orig, repro in pairs:
        ts = []
        for _ in range(repeat):
            C._load.cache_clear()
            t = time.perf_counter(); diff_notebooks(orig, repro); ts.append(time.perf_counter() - t)
        a, b = nbformat.read(str(orig), as_version=4), nbformat.read(str(repro), as_version=4)
        tn = []
        for _ in range(repeat):
            t = time.perf_counter(); nbdime.diff_notebooks(a, b); tn.append(time.perf_counter() - t)
        t_nb = statistics.median(tn)
        C._load.cache_clear()
        tracemalloc.start(); diff_notebooks(orig, repro); peak = tracemalloc.get_traced_memory()[1]; tracemalloc.stop()
        rows.append((Path(orig).stem, statistics.median(ts), t_nb, peak))
    return rows

def worst_case(tmp: Path) -> tuple:
    "Seconds and peak bytes of learnkit's diff on a chapter-shaped pair with a 2 MB cell and 200 large images."
    import base64, random
    rng = random.Random(0)
    img = lambda: base64.b64encode(rng.randbytes(60_000)).decode()
    big = '\n'.join(f'x{k} = f({k}, "{"a" * 40}")' for k in range(40_000))
    def nb(cells): return dict(nbformat=4, nbformat_minor=5, metadata={}, cells=cells)
    def code(src, outs=()): return dict(cell_type='code', source=src, metadata={}, execution_count=1, outputs=list(outs))
    disp = lambda: {'output_type': 'display_data', 'metadata': {}, 'data': {'image/png': img(), 'text/plain': '<Figure>'}}
    orig = nb([dict(cell_type='markdown', source='# Big\n\n## One', metadata={})] + [code(big)] +
              [code(f'show_image(im{k})', [disp()]) for k in range(100)])
    repro = nb([code(big.replace('f(', 'g('))] + [code(f'show_image(im{k})', [disp()]) for k in range(100)])
    (tmp/'big.ipynb').write_text(json.dumps(orig)); (tmp/'big_repro.ipynb').write_text(json.dumps(repro))
    from learnkit.reproduce.diff import diff_notebooks
    diff_notebooks(tmp/'big.ipynb', tmp/'big_repro.ipynb')  # warm up: imports (the compare engine's too)
    t = time.perf_counter(); diff_notebooks(tmp/'big.ipynb', tmp/'big_repro.ipynb'); dt = time.perf_counter() - t
    tracemalloc.start(); diff_notebooks(tmp/'big.ipynb', tmp/'big_repro.ipynb')
    peak = tracemalloc.get_traced_memory()[1]; tracemalloc.stop()
    return dt, peak, (tmp/'big.ipynb').stat().st_size + (tmp/'big_repro.ipynb').stat().st_size

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('fastbook', nargs='?', default=os.environ.get('LEARNKIT_FASTBOOK') or str(ROOT.parent/'shared'/'fastbook'))
    ap.add_argument('--seeds', type=int, default=3, help='reproductions per chapter for the accuracy figures')
    ap.add_argument('--repeat', type=int, default=3)
    ap.add_argument('--skip-accuracy', action='store_true')
    a = ap.parse_args()
    if not gen_repro.chapters(a.fastbook): raise SystemExit(f'no chapters in {a.fastbook}; pass a fastbook clone')
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, LEARNKIT_DATA_DIR=str(tmp/'lkdata'))
        env.pop('PYTHONDONTWRITEBYTECODE', None)  # as on a learner's install: modules load from their compiled bytecode
        pairs = [(p, q) for p, q, _ in gen_repro.write_repros(a.fastbook, tmp/'repros', (0,))]
        # warm-up in a throwaway store: writes the bytecode and fills the OS's file cache, for both tools
        time_commands(pairs[:1], dict(env, LEARNKIT_DATA_DIR=str(tmp/'warmup')))
        print('## commands: learnkit diff --json vs nbdiff (wall s)')
        rows = time_commands(pairs, env)
        for k, x, y in rows: print(f'  {k:<18} learnkit {x:6.2f}  nbdiff {y:7.2f}  ratio {x/y:.3f}')
        lk, nd = sum(r[1] for r in rows), sum(r[2] for r in rows)
        print(f'  TOTAL              learnkit {lk:6.2f}  nbdiff {nd:7.2f}  ratio {lk/nd:.3f}  (target <= 0.2)')
        # the same diff again, nothing changed: the verdicts, the alignment and the cells' tokens and names come from the store
        same = {k: x for k, x, _ in time_commands(pairs, env, nbdiff=False)}
        print("## commands: learnkit diff --json again, nothing changed (everything kept) vs nbdiff above")
        for k, x, y in rows: print(f'  {k:<18} learnkit {same[k]:6.2f}  nbdiff {y:7.2f}  ratio {same[k]/y:.3f}')
        ls = sum(same.values())
        print(f'  TOTAL              learnkit {ls:6.2f}  nbdiff {nd:7.2f}  ratio {ls/nd:.3f}  (target <= 0.05)')
        # the learner's next diff after an edit: the other cells' verdicts are kept in the store from the run above
        again = {k: x for k, x, _ in time_commands([(o, _one_cell_changed(r)) for o, r in pairs], env, nbdiff=False)}
        print("## commands: learnkit diff --json again after one cell changed (the other cells' verdicts kept) vs nbdiff above")
        for k, x, y in rows: print(f'  {k:<18} learnkit {again[k]:6.2f}  nbdiff {y:7.2f}  ratio {again[k]/y:.3f}')
        la = sum(again.values())
        print(f'  TOTAL              learnkit {la:6.2f}  nbdiff {nd:7.2f}  ratio {la/nd:.3f}  (target <= 0.05)')
        print('## in process: learnkit.reproduce.diff.diff_notebooks vs nbdime.diff_notebooks (s), learnkit peak memory')
        rows = time_inprocess(pairs, a.repeat)
        for k, x, y, m in rows: print(f'  {k:<18} learnkit {x:6.3f}  nbdime {y:7.3f}  ratio {x/y:.3f}  peak {m/1e6:5.1f} MB')
        lk, nd = sum(r[1] for r in rows), sum(r[2] for r in rows)
        print(f'  TOTAL              learnkit {lk:6.3f}  nbdime {nd:7.3f}  ratio {lk/nd:.3f}  (target <= 0.2)')
        dt, peak, size = worst_case(tmp)
        print(f'## worst case: {size/1e6:.1f} MB of notebooks (a 2 MB cell, 200 images): {dt:.2f}s, peak {peak/1e6:.1f} MB')
        if not a.skip_accuracy:
            for label, nop in (('provenance on half the cells', False), ('no provenance at all', True)):
                res = gen_repro.evaluate(a.fastbook, tmp/'acc', tuple(range(a.seeds)), no_provenance=nop, verbose=False)
                print(f'## alignment accuracy, {a.seeds} reproductions per chapter, {label}')
                for name, v in res.items():
                    print(f"  {name:<9} precision {v['precision']:.4f}  recall {v['recall']:.4f}  F1 {v['f1']:.4f}  ({v['links']} true links)")

if __name__ == '__main__':
    main()
