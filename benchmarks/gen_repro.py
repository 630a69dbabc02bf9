"""Generate learner-like reproductions of a chapter with a known cell correspondence, and score aligners on them.

    python benchmarks/gen_repro.py [FASTBOOK_DIR] [--seeds 3] [--out benchmarks/out]

Each reproduction starts from the chapter's visible code cells (what a learner retypes) and, with a fixed seed:
drops about 10% of them, restyles and renames variables in about 30% (some also get a small real edit), inserts
learner cells of their own (`x.shape`, `len(files)`, `%timeit ...`), splits and merges a few, moves a few by 3-15
cells, and keeps the scaffold's provenance (`metadata.learnkit.src`, sometimes also a `%%reproduce REF` first line)
on about half of the cells it came from. It copies the chapter's outputs (images included) onto the cells the
learner "ran", and adds headings, questions and answer cells like the scaffold does. The truth is the set of links
(original cell index, reproduction cell index), both 0-based indices into the two files.

Nothing of the chapters is written into the repository: reproductions go to a temp dir or benchmarks/out/
(gitignored). Scores: pair precision, recall and F1 over links to visible code cells, for learnkit's aligner
(`learnkit.reproduce.diff.diff_notebooks`) and for a naive greedy matcher (difflib ratio on the raw text, best pairs first).
"""
from __future__ import annotations
import argparse, ast, difflib, json, random, re, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def _assigned(src: str) -> list:
    "Names a cell binds (found with `ast`, independently of learnkit's tokenizer), in order of appearance."
    try: tree = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!'))))
    except SyntaxError: return re.findall(r'^(\w+)\s*=[^=]', src, re.M)
    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store): out.append(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.ClassDef)): out.append(n.name)
        elif isinstance(n, ast.arg) and n.arg != 'self': out.append(n.arg)
    return list(dict.fromkeys(x for x in out if len(x) > 1 or x in 'xyzt'))

def _rename(src: str, rng: random.Random) -> str:
    names = _assigned(src)
    if not names: return src
    styles = [lambda n: 'my_' + n, lambda n: n + '2', lambda n: (n[:3] + 'x') if len(n) > 3 else n + '_', lambda n: n + '_v']
    f = rng.choice(styles)
    for n in rng.sample(names, k=max(1, len(names) * 2 // 3)):
        src = re.sub(rf'(?<![\w.]){re.escape(n)}\b', f(n), src)
    return src

def _restyle(src: str, rng: random.Random) -> str:
    lines = src.splitlines()
    if rng.random() < 0.5: lines.insert(0, rng.choice(['# my try', '# from the book', '# TODO: understand this', '# step']))
    if rng.random() < 0.5: lines = [re.sub(r'(?<=[\w)\]])=(?=[\w(\[])', ' = ', l) if not re.search(r'\(.*=', l) else l for l in lines]
    if rng.random() < 0.5: lines = [re.sub(r',(?=\S)', ', ', l) for l in lines]
    src = '\n'.join(lines)
    if '"' not in src and rng.random() < 0.6: src = src.replace("'", '"')
    if rng.random() < 0.3: src = src + '\n'
    return src

def _edit(src: str, rng: random.Random) -> str:
    "A small real change: a different number, or an extra line at the end."
    nums = list(re.finditer(r'(?<![\w.])\d+(?![\w.])', src))
    if nums and rng.random() < 0.6:
        m = rng.choice(nums)
        return src[:m.start()] + str(int(m.group()) + rng.choice([1, 2, 10])) + src[m.end():]
    names = _assigned(src)
    return src + (f'\nprint({names[-1]})' if names else '\nprint("done")')

_EXTRAS = ['{v}.shape', 'type({v})', 'len({v})', 'print({v})', '{v}[:5]', 'doc({v})', '{v}?', '%timeit {v}',
           '# note to self: check this later\n{v}', 'import numpy as np\nnp.random.seed(0)', 'dir({v})[:10]',
           'for o in list({v})[:3]: print(o)', 'x = 3\nx * 2']

def _top_level_split(src: str) -> list|None:
    "Split `src` into two pieces at a top-level line, or None."
    lines = src.splitlines()
    cuts = [k for k in range(1, len(lines)) if lines[k] and not lines[k][0].isspace() and not lines[k].startswith(('#', ')', ']', '}'))
            and not lines[k-1].rstrip().endswith(('\\', ',', '(', '['))]
    if not cuts: return None
    k = cuts[len(cuts) // 2]
    return ['\n'.join(lines[:k]), '\n'.join(lines[k:])]

def generate(chapter_path, seed: int = 0, drop=.1, restyle=.3, insert=.1, split=.05, merge=.05, move=.03, provenance=.5):
    "A reproduction notebook dict for the chapter at `chapter_path`, and the true links `{(orig, repro)}`."
    from learnkit.book.chapters import parse_chapter, read_notebook, resolve
    rng = random.Random(seed)
    info = resolve(str(chapter_path))
    ch = parse_chapter(read_notebook(chapter_path), info, chapter_path)
    items, seen_names = [], []  # item: dict(src, origs, prov, outputs, extra)
    setup = [c for c in ch.cells if c.kind == 'setup']
    for c in setup: items.append(dict(src=c.source, origs=[c.index], prov=True, outputs=[], section=c.section))
    vis = ch.code_cells
    k = 0
    while k < len(vis):
        c = vis[k]; k += 1
        seen_names += _assigned(c.code)
        if rng.random() < drop: continue
        src, origs, outs = c.code, [c.index], c.outputs
        if rng.random() < restyle:
            src = _restyle(_rename(src, rng), rng)
            if rng.random() < 0.3: src = _edit(src, rng)
        r = rng.random()
        if r < merge and k < len(vis):
            nxt = vis[k]; k += 1
            src, origs, outs = src + '\n' + nxt.code, origs + [nxt.index], nxt.outputs
            items.append(dict(src=src, origs=origs, prov=rng.random() < provenance, outputs=outs, section=c.section))
        elif r < merge + split and _top_level_split(src):
            a, b = _top_level_split(src)
            items.append(dict(src=a, origs=origs, prov=rng.random() < provenance, outputs=[], section=c.section))
            items.append(dict(src=b, origs=origs, prov=False, outputs=outs, section=c.section))
        else: items.append(dict(src=src, origs=origs, prov=rng.random() < provenance, outputs=outs, section=c.section))
        if rng.random() < insert and seen_names:
            v = rng.choice(seen_names[-8:])
            items.append(dict(src=rng.choice(_EXTRAS).format(v=v), origs=[], prov=False, outputs=[], section=c.section))
    n_move = max(1, round(move * len(items)))
    for _ in range(n_move):
        a = rng.randrange(len(setup), len(items))
        it = items.pop(a)
        b = min(max(len(setup), a + rng.choice([-1, 1]) * rng.randint(3, 15)), len(items))
        items.insert(b, it)
    ids = {c.index: c.id for c in ch.cells}
    cells, truth, cur, n_exec = [], set(), None, 0
    def md(src, **lk): cells.append(dict(cell_type='markdown', id=f'm{len(cells)}', source=src, metadata={'learnkit': lk} if lk else {}))
    md(f'# {ch.title}: my reproduction')
    for it in items:
        if it['section'] != cur and it['section']:
            cur = it['section']; md('#' * (len(cur) + 1) + ' ' + cur[-1], kind='heading', section=list(cur))
        src, meta = it['src'], {}
        if it['origs'] and it['prov']:
            ref = ids[it['origs'][0]]
            meta = {'learnkit': {'src': ref, 'chapter': ch.key, 'section': list(it['section'])}}
            if rng.random() < 0.5: src = f'%%reproduce {ref}\n' + src
        ran = rng.random() < 0.7
        if ran: n_exec += 1
        cells.append(dict(cell_type='code', id=f'c{len(cells)}', source=src, metadata=meta,
                          outputs=json.loads(json.dumps(it['outputs'])) if ran else [], execution_count=n_exec if ran else None))
        for o in it['origs']: truth.add((o, len(cells) - 1))
    for q in ch.questions:
        md(f'{q.number}. {q.text}', kind='question', part=q.part, question=q.number)
        md('I think so.' if rng.random() < 0.3 else '', kind='answer', part=q.part, question=q.number)
    nb = dict(nbformat=4, nbformat_minor=5, metadata={'learnkit': {'chapter': ch.key}, 'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}}, cells=cells)
    visible = {c.index for c in vis}
    return nb, {p for p in truth if p[0] in visible}

def greedy_baseline(chapter_path, nb: dict) -> set:
    "The naive matcher: difflib ratio of raw code text for every pair, best first, one-to-one, ratio >= 0.5."
    from learnkit.book.chapters import load_chapter
    ch = load_chapter(chapter_path)
    O = [(c.index, c.code) for c in ch.code_cells]
    R = [(j, re.sub(r'^%%reproduce[^\n]*\n?', '', c['source'] if isinstance(c['source'], str) else ''.join(c['source'])))
         for j, c in enumerate(nb['cells']) if c['cell_type'] == 'code']
    R = [(j, s) for j, s in R if s.strip()]
    cands = []
    for i, a in O:
        sm = difflib.SequenceMatcher(None, autojunk=False)
        sm.set_seq2(a)  # difflib indexes seq2: index each original once
        for j, b in R:
            sm.set_seq1(b)
            if sm.real_quick_ratio() < 0.5 or sm.quick_ratio() < 0.5: continue
            r = sm.ratio()
            if r >= 0.5: cands.append((r, i, j))
    used_i, used_j, out = set(), set(), set()
    for r, i, j in sorted(cands, reverse=True):
        if i in used_i or j in used_j: continue
        used_i.add(i); used_j.add(j); out.add((i, j))
    return out

def learnkit_links(chapter_path, repro_path) -> set:
    from learnkit.reproduce.diff import diff_notebooks
    r = diff_notebooks(chapter_path, repro_path)
    return {(p['orig'], p['repro']) for p in r['pairs'] if p['orig'] is not None and p['repro'] is not None}

def prf(pred: set, truth: set) -> tuple:
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 1.
    r = tp / len(truth) if truth else 1.
    return p, r, (2 * p * r / (p + r) if p + r else 0.)

def chapters(fastbook) -> list:
    return sorted(Path(fastbook).glob('[0-9][0-9]_*.ipynb'))

def write_repros(fastbook, out, seeds=(0,), **kw) -> list:
    "Generate reproductions for every chapter in `fastbook` into `out`: a list of (chapter, repro path, truth)."
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    res = []
    for p in chapters(fastbook):
        for s in seeds:
            nb, truth = generate(p, s, **kw)
            q = out/f'{p.stem}_repro_s{s}.ipynb'
            q.write_text(json.dumps(nb), encoding='utf-8')
            res.append((p, q, truth))
    return res

def evaluate(fastbook, out, seeds=(0, 1, 2), no_provenance=False, verbose=True) -> dict:
    "Pair precision/recall/F1 of learnkit's aligner and the greedy baseline over generated reproductions."
    tot = {'learnkit': [0, 0, 0], 'greedy': [0, 0, 0]}
    rows = []
    for p, q, truth in write_repros(fastbook, out, seeds, provenance=0. if no_provenance else .5):
        nb = json.loads(q.read_text())
        for name, pred in (('learnkit', learnkit_links(p, q)), ('greedy', greedy_baseline(p, nb))):
            t = tot[name]; t[0] += len(pred & truth); t[1] += len(pred); t[2] += len(truth)
            pr, rc, f1 = prf(pred, truth)
            rows.append((p.stem, q.stem[-2:], name, pr, rc, f1))
            if verbose: print(f'  {p.stem:<18} {q.stem[-2:]} {name:<9} P {pr:.3f} R {rc:.3f} F1 {f1:.3f}', file=sys.stderr)
    res = {}
    for name, (tp, npred, ntrue) in tot.items():
        pr, rc = tp / npred, tp / ntrue
        res[name] = dict(precision=round(pr, 4), recall=round(rc, 4), f1=round(2 * pr * rc / (pr + rc), 4), links=ntrue)
    return res

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('fastbook', nargs='?', default=str(ROOT.parent/'shared'/'fastbook'))
    ap.add_argument('--seeds', type=int, default=3)
    ap.add_argument('--out', default=None, help='where to write the reproductions (default: a temp dir)')
    ap.add_argument('--no-provenance', action='store_true', help='strip provenance from every cell (the hardest case)')
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        t = time.time()
        res = evaluate(a.fastbook, a.out or tmp, tuple(range(a.seeds)), a.no_provenance)
        print(json.dumps(res, indent=2))
        print(f'{time.time() - t:.1f}s', file=sys.stderr)
