"""`learnkit repeat` speed: from the command to a notebook, and the executed notebook in tiny mode, per chapter.

Two ratios, both sides measured in the same run:
- write: `write_repeat` (inspect the data, slice the chapter, write the notebook) against `write_scaffold` of the same
  chapter (reading and rewriting the same chapter notebook), best of `--repeat` runs, chapters' parse cache cleared;
  target <= 3x.
- run: executing the written notebook top to bottom in a fresh kernel (nbclient, tiny mode, CPU) against a kernel that
  only starts and imports fastai's application module the pipeline uses (what any fastai notebook pays first); this
  says how much of a first run is the learner's own pipeline. No target: it is reported.

Data: each chapter's first suggested dataset, as learnkit's offline stand-in (`--dataset NAME --tiny`).

    python benchmarks/bench_repeat.py [FASTBOOK_DIR] [--repeat 3] [--chapters 01,05,08,09]
"""
import argparse, os, sys, tempfile, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MULTICAT = HERE.parent/'tests'/'fixtures'/'06_multicat.ipynb'

def _execute(path: Path) -> float:
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(str(path), as_version=4)
    t = time.perf_counter()
    NotebookClient(nb, kernel_name='python3', timeout=600, allow_errors=True, resources={'metadata': {'path': str(path.parent)}}).execute()
    took = time.perf_counter() - t
    errs = [f'{o.ename}: {o.evalue[:120]}' for c in nb.cells if c.cell_type == 'code' for o in c.outputs if o.output_type == 'error']
    if errs: sys.exit(f'{path.name} failed: {errs[0]}')
    return took

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('fastbook', nargs='?', default=os.environ.get('LEARNKIT_FASTBOOK', '/work/shared/fastbook'))
    p.add_argument('--repeat', type=int, default=3)
    p.add_argument('--chapters', default='01,05,08,09,multicat')
    a = p.parse_args()
    os.environ['LEARNKIT_FASTBOOK'] = a.fastbook
    os.environ.setdefault('LEARNKIT_DATA_DIR', tempfile.mkdtemp(prefix='lk-bench-repeat-'))
    import nbformat
    from learnkit.book import chapters
    from learnkit.repeat.plan import suggestions, write_repeat, standin
    from learnkit.reproduce.scaffold import write_scaffold
    out = Path(tempfile.mkdtemp())
    names = [str(MULTICAT) if c == 'multicat' else c for c in a.chapters.split(',')]
    print(f"{'chapter':<16}{'dataset':<14}{'scaffold s':>11}{'repeat s':>10}{'ratio':>7}{'import s':>10}{'run s':>8}{'ratio':>7}")
    tw = ts = 0.
    for ch in names:
        key = chapters.load_chapter(ch).key
        s = suggestions(ch)[0]
        standin(s.name)  # drawn once, not measured
        def best(fn):
            ts_ = []
            for i in range(a.repeat):
                chapters._load.cache_clear()  # the chapter is read and parsed in each run, as a first command would
                t = time.perf_counter(); fn(i); ts_.append(time.perf_counter() - t)
            return min(ts_)
        sc = best(lambda i: write_scaffold(ch, out=out/f'{key}_scaffold_{i}.ipynb'))
        rp = best(lambda i: write_repeat(ch, dataset=s.name, tiny=True, out=out/f'{key}_repeat_{i}.ipynb'))
        tw, ts = tw + rp, ts + sc
        app = {'ratings': 'fastai.collab', 'tabular': 'fastai.tabular.all', 'text-csv': 'fastai.text.all', 'text-folders': 'fastai.text.all'}.get(s.kind, 'fastai.vision.all')
        ref = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f'from {app} import *')])
        ref.metadata.kernelspec = dict(name='python3', display_name='Python 3', language='python')
        nbformat.write(ref, str(out/f'{key}_ref.ipynb'))
        imp = _execute(out/f'{key}_ref.ipynb')
        run = _execute(out/f'{key}_repeat_0.ipynb')
        print(f'{key[:16]:<16}{s.name[:14]:<14}{sc:>11.3f}{rp:>10.3f}{rp / sc:>7.2f}{imp:>10.1f}{run:>8.1f}{run / imp:>7.1f}')
    print(f"{'all':<30}{ts:>11.3f}{tw:>10.3f}{tw / ts:>7.2f}   (write target <= 3.00: {'ok' if tw / ts <= 3 else 'MISSED'})")

if __name__ == '__main__': main()
