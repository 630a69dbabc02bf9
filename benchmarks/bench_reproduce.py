"""Quality of `%%reproduce`/`learnkit check` verdicts on a chapter of deterministic tensor code.

Builds a fixture chapter (fastbook-shaped: headings, prose, ~45 code cells of tensors, arrays, lists, dicts and
strings), executes it with nbclient to get the goals, then executes two reproductions and checks them:
  faithful: the original code            -> should be match/close      (target >= 95%)
  mutated:  one number changed per cell  -> should be mismatch/shape-only (target >= 95%)
The reference, measured in the same run, is exact text equality of outputs (what nbval-style tools do).

Run: /root/venvs/dev/bin/python benchmarks/bench_reproduce.py [--keep DIR]

With --book [CHAPTER ...] it measures instead the verdicts on the book's own code: each chapter of ../shared/fastbook
(and the demo) runs offline in a kernel on learnkit's tiny stand-in data (run A: the "book" outputs of this machine),
then again in a fresh kernel with every visible cell under `%%reproduce` (run B: a learner typing the book's code as it
is), then with numbers changed (run M: up to three different ones, one at a time, per deterministic cell; one per cell
whose book value is random). Reported: the share of cells that ran offline in run A that run B
gets a done verdict for (target >= 95%), and the share of output-changing mutations not judged done (target >= 95%).
"""
import argparse, json, math, re, sys, tempfile, time
from pathlib import Path

SECTIONS = {
    'Tensors': [
        "import torch, numpy as np\ntorch.set_printoptions(precision=4)",
        "t = torch.arange(12).reshape(3, 4)\nt",
        "t.shape",
        "t[1]",
        "t[:, 2]",
        "t.float() / 3",
        "t.sum(), t.float().mean()",
        "t * 2 + 1",
        "torch.linspace(0, 1, 5)",
        "torch.eye(3) * 4",
        "(t > 5).sum()",
        "t.T.reshape(2, 6)",
        "torch.cat([t, t + 100]).shape",
        "torch.stack([t, t]).shape",
        "x = torch.tensor([1.5, -2.25, 3.125])\nx.abs().max()",
        "x.exp()",
        "torch.zeros(2, 3, dtype=torch.uint8) + 7",
        "torch.ones(3, 3).triu()",
        "torch.arange(10).float().std()",
        "torch.tensor([[1., 2.], [3., 4.]]) @ torch.tensor([[5.], [6.]])",
    ],
    'Arrays': [
        "a = np.arange(8).reshape(2, 4)\na",
        "a.mean(axis=0)",
        "a.astype(np.float32) / 7",
        "np.sqrt(np.arange(5))",
        "np.where(a > 3, a, -1)",
        "np.cumsum([1, 2, 3, 4])",
        "np.round(np.linspace(0, 2, 4), 3)",
    ],
    'Python data': [
        "nums = [3, 1, 4, 1, 5, 9, 2, 6]\nsorted(nums)",
        "sum(nums) / len(nums)",
        "[n ** 2 for n in nums if n > 2]",
        "{k: v for k, v in zip('abc', range(3))}",
        "counts = {}\nfor n in nums: counts[n % 3] = counts.get(n % 3, 0) + 1\ncounts",
        "list(range(0, 20, 4))",
        "tuple(n * 0.5 for n in nums[:4])",
        "max(nums) - min(nums)",
        "len('fastai' * 3)",
        "'-'.join(str(n) for n in range(6))",
        "'learnkit'[2:5].upper() * 2",
        "f'{3.14159:.3f}'",
        "print(sum(range(11)))",
        "for i in range(3): print(i, i * 10)",
        "round(2 ** 0.5, 6)",
        "divmod(47, 5)",
        "set(range(5)) - {2}",
    ],
}

def chapter_notebook() -> dict:
    "The fixture chapter as an nbformat 4 notebook (fastbook shape: title, sections, prose, code)."
    import nbformat
    v4 = nbformat.v4
    cells = [v4.new_markdown_cell('# A Deterministic Chapter'), v4.new_markdown_cell('Tensors, arrays and plain Python, one step at a time.')]
    for name, codes in SECTIONS.items():
        cells.append(v4.new_markdown_cell(f'## {name}'))
        for i, c in enumerate(codes):
            if i % 4 == 0: cells.append(v4.new_markdown_cell(f'Some prose about {name.lower()}, step {i}.'))
            cells.append(v4.new_code_cell(c))
    return v4.new_notebook(cells=cells)

_LIT = re.compile(r'(?<![\w.])\d+(?:\.\d+)?(?![\w.])')

def mutate(code: str, k: int = 0) -> str|None:
    "`code` with its `k`-th last number literal changed by one unit in its last digit (imports and dtypes left alone)."
    spots = []
    for li, l in enumerate(code.split('\n')):
        if l.lstrip().startswith(('import', 'from', 'torch.set_printoptions')): continue
        spots += [(li, m) for m in _LIT.finditer(l) if not re.search(r'(int|float|uint)$', l[:m.start()])]
    if k >= len(spots): return None
    li, m = spots[-1-k]
    lines, s = code.split('\n'), m.group()
    new = s[:-1] + (str(int(s[-1]) + 1) if s[-1] != '9' else '8')
    lines[li] = lines[li][:m.start()] + new + lines[li][m.end():]
    return '\n'.join(lines)

def execute(nb, cwd):
    from nbclient import NotebookClient
    NotebookClient(nb, timeout=600, kernel_name='python3', allow_errors=True, resources={'metadata': {'path': str(cwd)}}).execute()
    return nb

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--keep', default=None, help='folder to keep the notebooks in')
    ap.add_argument('--book', nargs='*', default=None, metavar='CHAPTER', help="verdicts on the book's own code (default: the fastbook chapters found, and the demo)")
    ap.add_argument('--fastbook', default=str(Path(__file__).resolve().parents[2]/'shared'/'fastbook'), help='folder of fastbook chapters')
    ap.add_argument('--timeout', type=int, default=900, help='seconds per cell')
    ap.add_argument('--rescore', action='store_true', help='judge the runs saved in --keep again, without running them')
    a = ap.parse_args()
    if a.book is not None: return book_main(a)
    import nbformat
    from learnkit.book.chapters import load_chapter
    from learnkit.reproduce.values import normalise_text
    from learnkit.reproduce.kinds import output_items
    from learnkit.reproduce.state import check_reproduction
    def check_notebooks(orig, repro):
        st = check_reproduction(orig, repro, record=False)
        return dict(cells=[dict(ref=c.ref, verdict=c.verdict, detail=c.detail) for c in st.cells if c.verdict],
                    summary=st.progress.verdicts)
    d = Path(a.keep or tempfile.mkdtemp(prefix='lk-bench-repro-')); d.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    orig = execute(chapter_notebook(), d)
    op = d/'compare_tensors_chapter.ipynb'; nbformat.write(orig, str(op))
    ch = load_chapter(op)
    scored = [c for c in ch.code_cells if any(i.kind in TEXTUAL for i in output_items(c.outputs))]
    v4 = nbformat.v4
    def repro(code_of):
        cells = []
        for c in ch.code_cells:
            code = code_of(c)
            if code is None: continue
            cell = v4.new_code_cell(code); cell.metadata['learnkit'] = {'src': c.id}
            cells.append(cell)
        return execute(v4.new_notebook(cells=cells), d)
    faithful = repro(lambda c: c.code)
    # each mutated cell runs on the book's state: the original cell re-runs silently after it (no provenance, and its
    # code hidden in a string: with the code itself, the aligner rightly read that cell as the second piece of a split
    # and judged its empty output); a mutation that makes the cell raise is replaced by one of an earlier number
    def mutated_nb(muts):
        cells = []
        for c in ch.code_cells:
            cell = v4.new_code_cell(muts.get(c.id) or c.code); cell.metadata['learnkit'] = {'src': c.id}
            cells.append(cell)
            # the original's code as one string, so the aligner can't take this cell for a piece of the mutated one
            if muts.get(c.id): cells.append(v4.new_code_cell(f'%%capture\nexec({c.code!r})'))
        return execute(v4.new_notebook(cells=cells), d)
    tries = {c.id: 0 for c in scored}
    mutations = {c.id: mutate(c.code) for c in scored}
    for _ in range(3):
        mutated = mutated_nb(mutations)
        errs = [j for j in tries if mutations.get(j) and any(o.get('output_type') == 'error' for o in
                next(x for x in mutated.cells if x.metadata.get('learnkit', {}).get('src') == j).outputs)]
        if not errs: break
        for j in errs:
            tries[j] += 1; mutations[j] = mutate(ch.cell(j).code, tries[j])
    for name, nb in (('faithful', faithful), ('mutated', mutated)): nbformat.write(nb, str(d/f'compare_tensors_{name}.ipynb'))
    rf, rm = check_notebooks(op, d/'compare_tensors_faithful.ipynb'), check_notebooks(op, d/'compare_tensors_mutated.ipynb')
    ids = {c.id for c in scored}
    def frac(r, ok, only=None):
        cs = [c for c in r['cells'] if c['ref'] in ids and (only is None or c['ref'] in only)]
        return sum(c['verdict'] in ok for c in cs) / max(len(cs), 1), len(cs), cs
    f_ok, n_f, _ = frac(rf, ('match', 'close'))
    # a mutation that leaves the printed output unchanged (e.g. `zip` truncating) cannot be flagged: leave it out
    mnb = {c.metadata['learnkit']['src']: c for c in mutated.cells if c.metadata.get('learnkit', {}).get('src')}
    texts = lambda outs: [normalise_text(i.payload) for i in output_items(outs) if i.kind in TEXTUAL]
    noop = {k for k, v in mutations.items() if v and texts(ch.cell(k).outputs) == texts(mnb[k].outputs)}
    mutated_ids = {k for k, v in mutations.items() if v} - noop
    m_ok, n_m, mcs = frac(rm, ('mismatch', 'shape-only'), mutated_ids)
    # reference: exact text equality of the text outputs (nbval-like)
    def exact(nb_path, only):
        rnb = json.loads(Path(nb_path).read_text())
        by = {c['metadata'].get('learnkit', {}).get('src'): c for c in rnb['cells']}
        same = 0
        for c in scored:
            if c.id not in only: continue
            g = [normalise_text(i.payload) for i in output_items(c.outputs) if i.kind in TEXTUAL]
            o = [normalise_text(i.payload) for i in output_items(by[c.id].get('outputs', [])) if i.kind in TEXTUAL]
            same += g == o
        return same / max(len(only), 1)
    ex_f = exact(d/'compare_tensors_faithful.ipynb', ids)
    ex_m = 1 - exact(d/'compare_tensors_mutated.ipynb', mutated_ids)
    print(f'fixture chapter: {len(ch.code_cells)} code cells, {len(scored)} with deterministic text output ({time.time()-t0:.0f}s)')
    print(f'faithful reproduction -> match/close:      {f_ok:.1%} of {n_f}   (target >= 95%; exact-text reference {ex_f:.1%}; ratio {f_ok/max(ex_f, 1e-9):.2f})')
    print(f'one number changed    -> mismatch/shape-only: {m_ok:.1%} of {n_m}   (target >= 95%; exact-text reference flags {ex_m:.1%}; ratio {m_ok/max(ex_m, 1e-9):.2f})')
    rest = [c for c in mcs if c['verdict'] not in ('mismatch', 'shape-only')]
    for c in rest: print(f"  not flagged: {c['ref']} {c['verdict']} {c['detail']!r}: {mutations[c['ref']]!r}")
    print(f'  ({len(noop)} mutations left the printed output unchanged and are not counted; '
          f"{sum(1 for k in mutations if not mutations[k])} cells had no number to change)")
    print('mutated verdicts:', {k: v for k, v in rm['summary'].items() if v})
    return 0 if f_ok >= 0.95 and m_ok >= 0.95 else 1

# --- verdicts on the book's own code -------------------------------------------------------------------------------

PATCH = """import os, warnings; warnings.filterwarnings('ignore')
import fastai.vision.all, fastai.text.all, fastai.tabular.all, fastai.collab
from learnkit.bench.chapter import install_patches as _lk_install
_lk_patches = _lk_install(globals(), mode='tiny', note=lambda *a, **k: None)
%load_ext learnkit"""
SEED = "import random as _lk_r, numpy as _lk_np, torch as _lk_t\n_lk_r.seed({k}); _lk_np.random.seed({k}); _lk_t.manual_seed({k});"

def _setup(c):
    from learnkit.reproduce.scaffold import setup_source
    return setup_source(c.source)

TEXTUAL = ('text', 'number', 'tensor')  # the output kinds read as text (printed or returned)

def is_random(cell, chapter) -> bool:
    "Whether what the book's `cell` shows depends on an unseeded draw (the judge's own rule)."
    from learnkit.reproduce.randomness import randomness_of
    return randomness_of(cell, chapter).random

def _kind(outputs) -> str:
    "The kind of the first thing a cell shows (timing reports aside), as the judge reads it: what a mutation is counted under."
    from learnkit.reproduce.kinds import output_items
    return next((i.kind for i in output_items(outputs) if i.kind != 'timing'), 'nothing')

def _which_item(code: str, mutated: str) -> bool:
    "Whether the number the mutation changed stands inside `[...]`: an index or a slice bound, i.e. which item is shown."
    for a, b in zip(code.split('\n'), mutated.split('\n')):
        if a != b:
            at = next(i for i, (x, y) in enumerate(zip(a, b)) if x != y)
            return a[:at].count('[') > a[:at].count(']')
    return False

def _comparable(outputs):
    "What a cell shows, machine-independently, timing reports left out: to tell an output-changing mutation."
    from learnkit.reproduce.values import normalise_text
    from learnkit.reproduce.kinds import output_items
    out = []
    for i in output_items(outputs):
        k, p = i.kind, i.payload
        if k == 'timing': continue
        if k == 'train': p = [dict(t, rows=[[x for x, c in zip(r, t['columns']) if c != 'time'] for r in t['rows']]) for t in p]
        out.append((k, normalise_text(p) if isinstance(p, str) and k != 'image' else p if k == 'image' else json.dumps(p, sort_keys=True, default=str)))
    return out

def _book_mutate(code: str, k: int = 0):
    "Like `mutate`, but never in a `%` line (a `%timeit -n` count changes nothing but the time)."
    lines = code.split('\n')
    keep = [i for i, l in enumerate(lines) if not l.lstrip().startswith(('%', '!'))]
    sub = '\n'.join(lines[i] for i in keep)
    m = mutate(sub, k)
    if m is None: return None
    for i, l in zip(keep, m.split('\n')): lines[i] = l
    return '\n'.join(lines)

def _outputs(path) -> list:
    "The outputs of each cell of executed notebook `path`; None for a cell that never ran (the kernel stopped at a timeout)."
    nb = json.loads(Path(path).read_text())
    return [c.get('outputs', []) if c.get('execution_count') is not None else None for c in nb['cells']]

def _code_cells(ch) -> list: return [c for c in ch.cells if c.cell_type == 'code' and c.code.strip()]

def run_chapter(key: str, d: Path, timeout: int):
    "Runs A (the book, offline), B (its code under %%reproduce) and M (numbers changed) of chapter `key`, saved in `d`."
    import nbformat
    from learnkit.book.chapters import load_chapter
    v4 = nbformat.v4
    ch = load_chapter(key)
    code = _code_cells(ch)
    def run(sources, name):
        nb = v4.new_notebook(cells=[v4.new_code_cell(s) for s in sources])
        nb.metadata['kernelspec'] = dict(name='python3', display_name='Python 3', language='python')
        from nbclient import NotebookClient
        t = time.time()
        try: NotebookClient(nb, timeout=timeout, kernel_name='python3', allow_errors=True, resources={'metadata': {'path': str(d)}}).execute()
        except Exception as e: print(f'  {key} run {name}: stopped ({type(e).__name__}: {str(e)[:100]})')
        nbformat.write(nb, str(d/f'{ch.key}_{name}.ipynb'))
        print(f'  {key} run {name}: {time.time()-t:.0f}s', flush=True)
        return _outputs(d/f'{ch.key}_{name}.ipynb')
    outs_a = run([PATCH] + [_setup(c) if c.kind in ('setup', 'hidden') else c.code for c in code], 'A')[1:]
    a_by = {c.id: o for c, o in zip(code, outs_a)}
    raw = json.loads(Path(ch.path).read_text())
    for cell, c in zip(raw['cells'], ch.cells):
        if c.cell_type == 'code': cell['outputs'] = a_by.get(c.id) or []
    pa = d/f'{ch.key}_book.ipynb'; pa.write_text(json.dumps(raw))
    (d/f'{ch.key}_never.json').write_text(json.dumps([k for k, o in a_by.items() if o is None]))
    book, offline = _book(ch, d)
    run([PATCH] + [(_setup(c) if c.kind in ('setup', 'hidden') else f'%%reproduce {c.id} --chapter {pa}\n{c.code}') for c in code], 'B')
    srcs = [PATCH]
    for k, c in enumerate(code):
        if c.kind in ('setup', 'hidden'): srcs.append(_setup(c)); continue
        ms = _mutations(c, ch, offline)
        for m in ms:
            srcs += [SEED.format(k=k), m, SEED.format(k=k), c.code]  # the original re-runs after each one
            if is_random(c, ch): srcs += [SEED.format(k=k + NOISE_SEED), c.code]  # and, for a random cell, on another draw
        if not ms: srcs.append(c.code)
    run(srcs, 'M')

NOISE_SEED = 7919  # the other draw of a random cell: how much the book's own code moves from one run to the next

MUTATIONS = 3  # per deterministic cell (each a different number); one per cell whose book value is random (training is slow)

def _mutations(c, ch, offline) -> list[str]:
    "The mutated versions of cell `c` that run M executes, each followed by the original with the same seed."
    if not (c.visible and c.kind not in ('setup', 'hidden') and c.id in offline): return []
    ms = [_book_mutate(c.code, k) for k in range(1 if is_random(c, ch) else MUTATIONS)]
    return [m for m in ms if m]

def _book(ch, d: Path):
    "The chapter as run A left it (outputs of this machine), and the ids of its visible cells that ran offline."
    from learnkit.book.chapters import parse_chapter
    pa = d/f'{ch.key}_book.ipynb'
    book = parse_chapter(json.loads(pa.read_text()), path=pa)
    never = set(json.loads((d/f'{ch.key}_never.json').read_text())) if (d/f'{ch.key}_never.json').exists() else set()
    real = {c.id: c for c in ch.code_cells}
    err = lambda o: [x.get('ename') for x in o if x.get('output_type') == 'error']
    offline = {c.id for c in book.code_cells if c.id not in never and (not err(c.outputs) or err(c.outputs)[:1] == err(real[c.id].outputs)[:1])}
    return book, offline

def score_chapter(key: str, d: Path) -> dict:
    "Judge the saved runs of chapter `key` in `d` with the current `judge_cell`."
    from learnkit.book.chapters import load_chapter
    from learnkit.reproduce.judge import judge_cell
    from learnkit.reproduce.verdict import LEARNKIT_MIME
    from learnkit.reproduce.rules import is_done
    ch = load_chapter(key)
    code = _code_cells(ch)
    book, offline_ids = _book(ch, d)
    offline = [c for c in book.code_cells if c.id in offline_ids]
    err = lambda o: [x.get('ename') for x in o if x.get('output_type') == 'error']
    raw_b = dict(zip([c.id for c in code], _outputs(d/f'{ch.key}_B.ipynb')[1:]))
    offline = [c for c in offline if raw_b.get(c.id) is not None]  # a cell run B never reached (a timeout) is not judged
    outs_b = {k: o or [] for k, o in raw_b.items()}
    verdicts = {c.id: judge_cell(c, outs_b[c.id], chapter=book) for c in offline}
    live = {}
    for c in offline:
        for o in outs_b[c.id]:
            x = (o.get('data') or {}).get(LEARNKIT_MIME)
            if isinstance(x, dict) and 'verdict' in x: live[c.id] = x['verdict']
    outs_m, j, muts, mut_out, orig_out, noise_out = [o or [] for o in _outputs(d/f'{ch.key}_M.ipynb')[1:]], 0, {}, {}, {}, {}
    for c in code:
        ms = _mutations(c, ch, offline_ids)
        for i, m in enumerate(ms):
            muts[c.id, i], mut_out[c.id, i], orig_out[c.id, i] = m, outs_m[j+1], outs_m[j+3]; j += 4
            if is_random(c, ch): noise_out[c.id, i] = outs_m[j+1]; j += 2
        if not ms: j += 1
    by_id = {c.id: c for c in offline}
    changed = [key for key in muts if key[0] in by_id and not err(mut_out[key]) and _comparable(mut_out[key]) != _comparable(orig_out[key])]
    caught = {key: judge_cell(by_id[key[0]], mut_out[key], chapter=book) for key in changed}
    # a random cell's mutation moves its output beyond noise when it moves it further than another draw of the original does
    beyond = [key for key in changed if key in noise_out and not err(noise_out[key])
              and _distance(mut_out[key], orig_out[key]) > _distance(noise_out[key], orig_out[key])]
    per_kind = {}  # (kind, 'deterministic' | 'random', which item?) -> [caught, mutations]
    for key in changed:
        c = by_id[key[0]]
        row = per_kind.setdefault(f"{_kind(c.outputs)}|{'random' if is_random(c, book) else 'deterministic'}|{int(_which_item(c.code, muts[key]))}", [0, 0])
        row[0] += not is_done(caught[key].verdict); row[1] += 1
    return dict(key=ch.key, cells=len(book.code_cells), offline=len(offline), per_kind=per_kind,
                done=sum(is_done(v.verdict) for v in verdicts.values()),
                kinds={k: sum(v.verdict == k for v in verdicts.values()) for k in sorted({v.verdict for v in verdicts.values()})},
                not_done=[(c.id, c.code.splitlines()[0][:60], verdicts[c.id].line[:140]) for c in offline if not is_done(verdicts[c.id].verdict)],
                live_agree=sum(live.get(r) == v.verdict for r, v in verdicts.items()), live=len(live),
                mutations=len(changed), caught=sum(not is_done(v.verdict) for v in caught.values()),
                random_mutations=sum(is_random(by_id[r], book) for r, _ in changed),
                random_caught=sum(not is_done(caught[key].verdict) for key in changed if is_random(by_id[key[0]], book)),
                beyond_noise=len(beyond), beyond_caught=sum(not is_done(caught[key].verdict) for key in beyond),
                missed=[(key[0], _changed_line(by_id[key[0]].code, muts[key])[:60], caught[key].line[:120]) for key in changed if is_done(caught[key].verdict)])

def _distance(a: list, b: list) -> float:
    "How far the outputs `a` are from `b`, with no verdict rule: inf when their kinds or wording differ, else the largest relative change of a number (1 - similarity for an image)."
    from learnkit.reproduce.images import image_similarity
    from learnkit.reproduce.values import split_numbers
    ca, cb = _comparable(a), _comparable(b)
    if [k for k, _ in ca] != [k for k, _ in cb]: return math.inf
    worst = 0.
    for (k, x), (_, y) in zip(ca, cb):
        if k == 'image':
            try: worst = max(worst, 1 - image_similarity(x, y)[0])
            except Exception: return math.inf
            continue
        (sx, nx), (sy, ny) = split_numbers(x), split_numbers(y)
        if sx != sy or len(nx) != len(ny): return math.inf
        for p, q in zip(nx, ny):
            p, q = p.value, q.value
            if p == q or (math.isnan(p) and math.isnan(q)): continue
            if not (math.isfinite(p) and math.isfinite(q)): return math.inf
            worst = max(worst, abs(p - q)/max(abs(p), abs(q), 1e-12))
    return worst

def _changed_line(code: str, mutated: str) -> str:
    "The line of `mutated` that differs from `code`."
    return next((b for a, b in zip(code.split('\n'), mutated.split('\n')) if a != b), mutated.splitlines()[-1])

def book_main(a) -> int:
    import os
    d = Path(a.keep or tempfile.mkdtemp(prefix='lk-bench-book-')); d.mkdir(parents=True, exist_ok=True)
    os.environ['LEARNKIT_FASTBOOK'] = a.fastbook
    os.environ['LEARNKIT_DATA_DIR'] = str(d/'lkdata')  # the kernels' store and tiny datasets, not the learner's
    keys = a.book or sorted(p.stem for p in Path(a.fastbook).glob('[0-9][0-9]_*.ipynb')) + ['demo']
    rows = []
    for k in keys:
        t = time.time()
        if not a.rescore: run_chapter(k, d, a.timeout)
        r = score_chapter(k, d)
        rows.append(r)
        print(f"{r['key']}: {r['done']}/{r['offline']} done of {r['cells']} cells ({r['offline']} ran offline), kinds {r['kinds']}; "
              f"mutations caught {r['caught']}/{r['mutations']} (random cells {r['random_caught']}/{r['random_mutations']}, beyond noise {r['beyond_caught']}/{r['beyond_noise']}); "
              f"live %%reproduce verdict = offline verdict {r['live_agree']}/{r['live']} ({time.time()-t:.0f}s)", flush=True)
        for x in r['not_done']: print('   not done:', x)
        for x in r['missed']: print('   mutation missed:', x)
        (d/f"book_results_{'-'.join(keys)}.json").write_text(json.dumps(rows, indent=1))
    off, done = sum(r['offline'] for r in rows), sum(r['done'] for r in rows)
    mu, ca = sum(r['mutations'] for r in rows), sum(r['caught'] for r in rows)
    rm, rc = sum(r['random_mutations'] for r in rows), sum(r['random_caught'] for r in rows)
    bn, bc = sum(r['beyond_noise'] for r in rows), sum(r['beyond_caught'] for r in rows)
    print(f"TOTAL: book code as is -> done {done}/{off} = {done/max(off,1):.1%} of the cells that ran offline "
          f"({sum(r['cells'] for r in rows)} visible code cells)")
    print(f"       output-changing mutations caught: {ca}/{mu} = {ca/max(mu,1):.1%} in all; deterministic cells {ca-rc}/{mu-rm} = "
          f"{(ca-rc)/max(mu-rm,1):.1%}; cells whose book value is random {rc}/{rm} = {rc/max(rm,1):.1%}, "
          f"of which moved further than another draw of the book's code moves: {bc}/{bn} = {bc/max(bn,1):.1%}")
    kinds = {}
    for r in rows:
        for k, (c, n) in r.get('per_kind', {}).items():
            kinds.setdefault(k, [0, 0]); kinds[k][0] += c; kinds[k][1] += n
    print("       per output kind (book cell's first output), caught/mutations: all numbers | numbers inside [...] (which item is shown)")
    for kind in sorted({k.split('|')[0] for k in kinds}):
        for how in ('deterministic', 'random'):
            a_, i_ = kinds.get(f'{kind}|{how}|0', [0, 0]), kinds.get(f'{kind}|{how}|1', [0, 0])
            if a_[1] + i_[1]: print(f"         {kind:<8} {how:<13} {a_[0]+i_[0]:>3}/{a_[1]+i_[1]:<3} | {i_[0]:>3}/{i_[1]}")
    return 0 if done >= 0.95*off and ca - rc >= 0.95*(mu - rm) else 1

if __name__ == '__main__': sys.exit(main())
