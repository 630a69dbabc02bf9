"""Quality of `%%reproduce`/`learnkit check` verdicts on a chapter of deterministic tensor code.

Builds a fixture chapter (fastbook-shaped: headings, prose, ~45 code cells of tensors, arrays, lists, dicts and
strings), executes it with nbclient to get the goals, then executes two reproductions and checks them:
  faithful: the original code            -> should be match/close      (target >= 95%)
  mutated:  one number changed per cell  -> should be mismatch/shape-only (target >= 95%)
The reference, measured in the same run, is exact text equality of outputs (what nbval-style tools do).

Run: /root/venvs/dev/bin/python benchmarks/bench_reproduce.py [--keep DIR]
"""
import argparse, json, re, sys, tempfile, time
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
    a = ap.parse_args()
    import nbformat
    from learnkit.chapters import load_chapter
    from learnkit.compare import check_notebooks, normalise_text, output_items
    d = Path(a.keep or tempfile.mkdtemp(prefix='lk-bench-repro-')); d.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    orig = execute(chapter_notebook(), d)
    op = d/'compare_tensors_chapter.ipynb'; nbformat.write(orig, str(op))
    ch = load_chapter(op)
    scored = [c for c in ch.code_cells if any(k in ('text', 'stdout') for k, _ in output_items(c.outputs))]
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
    # each mutated cell runs on the book's state: the original cell re-runs silently after it (no provenance, so
    # `check` skips it); a mutation that makes the cell raise is replaced by one of an earlier number
    def mutated_nb(muts):
        cells = []
        for c in ch.code_cells:
            cell = v4.new_code_cell(muts.get(c.id) or c.code); cell.metadata['learnkit'] = {'src': c.id}
            cells.append(cell)
            if muts.get(c.id): cells.append(v4.new_code_cell('%%capture\n' + c.code))
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
    texts = lambda outs: [normalise_text(p) for k, p in output_items(outs) if k in ('text', 'stdout')]
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
            g = [normalise_text(p) for k, p in output_items(c.outputs) if k in ('text', 'stdout')]
            o = [normalise_text(p) for k, p in output_items(by[c.id].get('outputs', [])) if k in ('text', 'stdout')]
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

if __name__ == '__main__': sys.exit(main())
