"""Scaffold speed against nbformat alone, on the real chapters.

Target: scaffolding every chapter with goals kept takes at most 3x the time of `nbformat.read` + `nbformat.write`
of the same files. Both sides are measured here in the same run, imports excluded, best of `--repeat` runs; the
scaffold side starts cold each run (learnkit's parsed-chapter cache is cleared).

    /root/venvs/dev/bin/python benchmarks/bench_scaffold.py [FASTBOOK_DIR] [--repeat 5]
"""
import argparse, os, sys, tempfile, time
from pathlib import Path

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('fastbook', nargs='?', default=os.environ.get('LEARNKIT_FASTBOOK', '/work/shared/fastbook'))
    p.add_argument('--repeat', type=int, default=5)
    a = p.parse_args()
    files = sorted(Path(a.fastbook).glob('[0-9][0-9]_*.ipynb')) + sorted(Path(a.fastbook).glob('app_*.ipynb'))
    if not files: sys.exit(f'no chapters in {a.fastbook}; pass a fastbook clone or set LEARNKIT_FASTBOOK')
    import nbformat, PIL.Image  # imports are not what is measured
    from learnkit.book import chapters
    from learnkit.reproduce.scaffold import write_scaffold
    out = Path(tempfile.mkdtemp())

    def ref(f):
        nb = nbformat.read(str(f), as_version=4)
        nbformat.write(nb, str(out/f'ref_{f.name}'))

    def ours(f):
        chapters._load.cache_clear()
        write_scaffold(str(f), out=out/f'lk_{f.name}', goals=True, force=True)

    def best(fn, f):
        ts = []
        for _ in range(a.repeat):
            t = time.perf_counter(); fn(f); ts.append(time.perf_counter() - t)
        return min(ts)

    for f in files: ref(f); ours(f)  # warm the file cache and schema caches on both sides
    print(f"{'chapter':<22}{'KB':>7}{'nbformat s':>12}{'scaffold s':>12}{'ratio':>8}")
    tr = ts = 0.
    for f in files:
        r, s = best(ref, f), best(ours, f)
        tr, ts = tr + r, ts + s
        print(f'{f.stem:<22}{f.stat().st_size // 1000:>7}{r:>12.3f}{s:>12.3f}{s / r:>8.2f}')
    print(f"{'all chapters':<22}{'':>7}{tr:>12.3f}{ts:>12.3f}{ts / tr:>8.2f}   (target <= 3.00: {'ok' if ts / tr <= 3 else 'MISSED'})")

if __name__ == '__main__': main()
