"""Cost of learnkit's study bookkeeping: a `%lesson` panel refresh on a chapter of 100 blanks, the post_run_cell hook per
cell run, and the report/dashboard over a year of sessions.

    python benchmarks/bench_progress.py [--only panel] [--repeat 5]

The panel refresh is what the panel's Refresh button and every step tick do (`learnkit.ui.panel.chapter_panel`'s
`refresh`): read the reproduction from disk, judge it against the chapter, and phrase the outline, the next step and the
steps. It is measured on a generated chapter of 100 code cells (text, tensors, tables, images, training tables) in 10
sections, twice: the scaffold as written (100 untouched blanks) and the same notebook with every blank filled with the
book's code and run (outputs and execution counts). The first refresh of a kernel pays for the first judgement; the
next ones are what a learner waits for each time (`steady`).
"""
from __future__ import annotations
import argparse, base64, io, json, os, statistics, sys, tempfile, time
from pathlib import Path

def _png(seed: int, size=(64, 48)) -> str:
    from PIL import Image
    import random
    rng = random.Random(seed)
    im = Image.new('RGB', size, (255, 255, 255))
    for _ in range(200): im.putpixel((rng.randrange(size[0]), rng.randrange(size[1])), (rng.randrange(256), 0, 0))
    buf = io.BytesIO(); im.save(buf, 'PNG')
    return base64.b64encode(buf.getvalue()).decode()

def _outputs(k: int) -> list:
    "The book's outputs of code cell `k`: one of five kinds, as a saved notebook holds them."
    r = lambda data: [dict(output_type='execute_result', execution_count=k + 1, metadata={}, data=data)]
    kind = k % 5
    if kind == 0: return r({'text/plain': f'tensor([[{k}.0000, 0.5000, 0.2500],\n        [1.0000, 2.0000, 3.0000]])'})
    if kind == 1:
        rows = ''.join(f'<tr><th>{i}</th><td>{i*k}</td><td>{i/3:.4f}</td></tr>' for i in range(5))
        return r({'text/html': f'<table class="dataframe"><thead><tr><th></th><th>a</th><th>b</th></tr></thead><tbody>{rows}</tbody></table>',
                  'text/plain': 'a table'})
    if kind == 2: return [dict(output_type='display_data', metadata={}, data={'image/png': _png(k), 'text/plain': '<Figure size 64x48 with 1 Axes>'})]
    if kind == 3:
        rows = ''.join(f'<tr><td>{e}</td><td>{0.5/(e+1):.6f}</td><td>{0.4/(e+1):.6f}</td><td>{0.9:.6f}</td><td>00:01</td></tr>' for e in range(3))
        return [dict(output_type='display_data', metadata={}, data={'text/html': '<table><thead><tr><th>epoch</th><th>train_loss</th><th>valid_loss</th>'
                     f'<th>accuracy</th><th>time</th></tr></thead><tbody>{rows}</tbody></table>', 'text/plain': '<IPython.core.display.HTML object>'})]
    return [dict(output_type='stream', name='stdout', text=f'{k} items\nlast one: item_{k}\n')]

def chapter(n: int = 100) -> dict:
    "A fastbook-shaped chapter of `n` code cells in 10 sections."
    cells = [dict(cell_type='markdown', metadata={}, source='# A chapter of 100 cells')]
    for k in range(n):
        if k % 10 == 0: cells.append(dict(cell_type='markdown', metadata={}, source=f'## Section {k // 10 + 1}\n\nSome prose.'))
        cells.append(dict(cell_type='code', metadata={}, execution_count=k + 1, source=f'x{k} = make({k}, "v{k}")\nshow(x{k})',
                          outputs=_outputs(k)))
    return dict(nbformat=4, nbformat_minor=5, metadata={'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}}, cells=cells)

def filled(scaffold: dict, book: dict) -> dict:
    "`scaffold` with every blank holding the book's code, run: the book's outputs and an execution count."
    by_id = {}
    from learnkit.book.chapters import parse_chapter
    ch = parse_chapter(book)
    for c in ch.code_cells: by_id[c.id] = c
    nb = json.loads(json.dumps(scaffold))
    for k, c in enumerate(nb['cells']):
        lk = (c.get('metadata') or {}).get('learnkit') or {}
        if c['cell_type'] == 'code' and lk.get('kind') == 'blank':
            b = by_id[lk['src']]
            c['source'] = f"%%reproduce {b.id}\n{b.code}"
            c['outputs'], c['execution_count'] = json.loads(json.dumps(b.outputs)), k + 1
    return nb

def refresh(model):
    "What the panel's `refresh` computes (no widgets): the standing, read once, and every line phrased from it."
    s = model.standing()
    model.outline_html(s); model.next_html(s); model.next_step(s); model.steps(standing=s)
    model.questionnaire_text(s); model.time_text()

def bench_panel(repeat: int = 5) -> dict:
    from learnkit.reproduce.scaffold import write_scaffold
    from learnkit.ui.panel import PanelModel
    import learnkit.book.chapters as C
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        book = chapter()
        (tmp/'c100.ipynb').write_text(json.dumps(book))
        for label in ('100 blanks', '100 filled and run'):
            d = tmp/label.replace(' ', '_'); d.mkdir()
            r = write_scaffold(str(tmp/'c100.ipynb'), out=d/'c100_reproduce.ipynb')
            if label != '100 blanks':
                nb = filled(json.loads(Path(r.path).read_text()), book)
                Path(r.path).write_text(json.dumps(nb))
            C._load.cache_clear()
            t = time.perf_counter(); model = PanelModel(str(tmp/'c100.ipynb'), cwd=d); refresh(model); first = time.perf_counter() - t
            ts = []
            for _ in range(repeat):
                t = time.perf_counter(); refresh(model); ts.append(time.perf_counter() - t)
            out[label] = (first, statistics.median(ts))
    return out

def bench_hook_and_year():
    from IPython.testing.globalipapp import start_ipython
    from learnkit.study import progress as P, report as R, sessions as S
    def per_run(ip, n=300):
        t = time.perf_counter()
        for _ in range(n): ip.run_cell('x = 1', store_history=False)
        return (time.perf_counter() - t)/n
    ip = start_ipython()
    base = per_run(ip)  # reference: an empty cell without learnkit
    ip.run_line_magic('load_ext', 'learnkit')
    ip.run_line_magic('lesson', 'demo --no-panel')
    with_hook = per_run(ip)
    ip.run_line_magic('lesson', '--end')
    print(f'cell run: {base*1e3:.3f} ms plain, {with_hook*1e3:.3f} ms with an open session (x{with_hook/base:.2f})')
    start = time.time() - 365*86400
    for d in range(365):
        s = S.start_session('demo', 'goal: x, 1h', kernel='k', now=start + d*86400)
        cur = None
        for k in range(60): cur = S.record_activity(cur, 'demo', 'k', now=start + d*86400 + k*60)
        S.end_session(s, now=start + d*86400 + 3600)
    t = time.perf_counter(); S.sessions(); t_sess = time.perf_counter() - t
    t = time.perf_counter(); P.course_progress(); t_course = time.perf_counter() - t
    t = time.perf_counter(); R.report_data(); t_rep = time.perf_counter() - t
    print(f'a year of sessions (365 x 60 marks): sessions() {t_sess*1e3:.0f} ms, dashboard data {t_course*1e3:.0f} ms, report data {t_rep*1e3:.0f} ms')

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--only', choices=['panel', 'sessions'], default=None)
    ap.add_argument('--repeat', type=int, default=5)
    a = ap.parse_args()
    os.environ['LEARNKIT_DATA_DIR'] = tempfile.mkdtemp()
    if a.only in (None, 'panel'):
        print('## panel refresh, a chapter of 100 code cells (s)')
        for label, (first, steady) in bench_panel(a.repeat).items():
            print(f'  {label:<20} first {first:6.3f}  steady {steady:6.3f}')
    if a.only in (None, 'sessions'): bench_hook_and_year()

if __name__ == '__main__':
    main()
