"Diffing a reproduction against its chapter: data round trips over a small fastbook-shaped fixture, the CLI, the real chapters."
import copy, json, re, subprocess, sys, time
from pathlib import Path
import pytest
from learnkit.base.core import LearnkitError
from learnkit.book.chapters import load_chapter
from learnkit.reproduce.align import STATUSES, align, code_similarity
from learnkit.reproduce.diff import diff_notebooks, format_diff, render_html
from learnkit.reproduce.goals import goal_of
from learnkit.reproduce.state import PROGRESS_KEYS, reproduction_state

FIX = Path(__file__).parent/'fixtures'
CHAPTER = FIX/'diff_chapter.ipynb'
ROOT = Path(__file__).resolve().parents[1]

@pytest.fixture
def ch(): return load_chapter(CHAPTER)

def code(src, ref=None, outputs=(), n=None, chapter='diff_chapter'):
    md = {'learnkit': {'src': ref, 'chapter': chapter}} if ref else {}
    return dict(cell_type='code', source=src, metadata=md, outputs=list(outputs), execution_count=n)

def notebook(cells, chapter='diff_chapter'):
    return dict(nbformat=4, nbformat_minor=5, metadata={'learnkit': {'chapter': chapter}} if chapter else {}, cells=cells)

def write(tmp_path, nb, name='repro.ipynb'):
    p = tmp_path/name
    p.write_text(json.dumps(nb))
    return p

def by_orig(r):
    out = {}
    for p in r['pairs']: out.setdefault(p['orig'], []).append(p)
    return out

def test_provenance_from_the_scaffold(ch, tmp_path):
    from learnkit.reproduce.scaffold import scaffold
    nb = scaffold(CHAPTER)
    blanks = [c for c in nb['cells'] if c['metadata'].get('learnkit', {}).get('kind') == 'blank']
    vis = ch.code_cells
    # the learner fills the first three blanks (in a different style), edits the fourth, runs two
    for c, o in zip(blanks[:3], vis[:3]): c['source'] += '\n' + o.code.replace("'", '"') + '  # done'
    blanks[3]['source'] += '\nstacked = torch.stack(ims)\nshow_image(stacked[0])'
    blanks[0]['outputs'], blanks[0]['execution_count'] = copy.deepcopy(vis[0].outputs), 1
    blanks[3]['execution_count'] = 2
    r = diff_notebooks(CHAPTER, write(tmp_path, nb))
    got = by_orig(r)
    assert [got[o.index][0]['status'] for o in vis] == ['same'] * 3 + ['edited'] + ['missing'] * 4
    assert {got[o.index][0]['by'] for o in vis[:4]} == {'provenance'}
    assert got[vis[0].index][0]['verdict'] == 'match'  # identical outputs
    assert got[vis[0].index][0]['repro'] == nb['cells'].index(blanks[0])
    p = r['progress']
    assert (p['cells'], p['written'], p['ran'], r['summary']['status']['extra']) == (8, 4, 2, 0)  # learnkit's setup cell is no extra
    assert p['verdicts']['match'] >= 1 and p['done'] == sum(is_done for is_done in (c['done'] for c in r['cells']))

def test_no_provenance_renamed_split_merge_moved(ch, tmp_path):
    vis = ch.code_cells
    cells = [code('pth = Path("shapes")\nfns = sorted(pth.glob("*.png"))  # my files\nlen(fns)'),   # renamed
             code('ims = [load(f) for f in fns]\nims[0].shape'),                                     # before its definition: moved
             code('def load(filename):\n    img = Image.open(filename)\n    return tensor(img).float() / 255'),
             code('stacked = torch.stack(ims)\nmean_im = stacked.mean(0)'),                           # split ...
             code('show_image(mean_im)'),                                                             # ... in two
             code('def distance(a, b): return (a - b).abs().mean((-1, -2))\ndistance(ims[0], mean_im)\n'
                  'threshold = 0.2\npreds = [distance(x, mean_im) < threshold for x in ims]\nsum(preds)'),  # merged
             code('ims[3].max()'),                                                                    # extra
             code('acc = sum(preds) / len(preds)\nacc')]                                              # loop cell missing
    r = diff_notebooks(CHAPTER, notebook(cells, chapter=None))
    got = by_orig(r)
    link = lambda o: [(p['repro'], p['status'], p['link']) for p in got[o.index]]
    assert link(vis[0]) == [(0, 'edited', None)] and got[vis[0].index][0]['similarity'] == 1.0  # renamed only
    assert {link(vis[1])[0][0], link(vis[2])[0][0]} == {1, 2}
    assert [s for _, s, _ in link(vis[1]) + link(vis[2])].count('moved') == 1
    assert link(vis[3]) == [(3, 'edited', 'split'), (4, 'edited', 'split')]
    assert link(vis[4]) == [(5, 'edited', 'merge')] and link(vis[5]) == [(5, 'edited', 'merge')]
    assert link(vis[6]) == [(None, 'missing', None)] and link(vis[7]) == [(7, 'same', None)]
    assert [p['repro'] for p in r['pairs'] if p['status'] == 'extra'] == [6]
    assert r['summary']['status'] == {'same': 1, 'edited': 6, 'moved': 1, 'missing': 1, 'extra': 1}

def test_align_contract_for_check(ch):
    "`align` takes Cells or dicts and gives positions in the two lists; nothing is dropped or duplicated."
    vis = ch.code_cells
    repro = [{'source': '%%reproduce ' + vis[2].id + '\n' + vis[2].code}, {'source': 'x = 1'}, {'source': vis[0].code}]
    pairs = align(vis, repro)
    assert (2, 0) in pairs and (0, 2) in pairs and (None, 1) in pairs
    assert sorted(i for i, _ in pairs if i is not None) == list(range(len(vis)))
    assert align([{'source': 'a = 1'}], []) == [(0, None)] and align([], [{'source': 'b = 2'}]) == [(None, 0)]

def test_similarity_normalises_code():
    assert code_similarity("x = f('a')  # note\n\n", 'x=f("a")') == 1.0
    assert code_similarity('learn = cnn(dls)\nlearn.fit(1)', 'model = cnn(dls)\nmodel.fit(1)') == 1.0
    assert code_similarity('learn.fit(1)', 'dls.show_batch()') < 0.3

def test_sections_and_questions(ch, tmp_path):
    from learnkit.reproduce.scaffold import scaffold
    nb = scaffold(CHAPTER)
    vis = ch.code_cells
    blanks = [c for c in nb['cells'] if c['metadata'].get('learnkit', {}).get('kind') == 'blank']
    for k in (3, 4, 6):
        blanks[k]['source'] += '\n' + vis[k].code
        blanks[k]['outputs'], blanks[k]['execution_count'] = copy.deepcopy(vis[k].outputs), k
    answers = [c for c in nb['cells'] if c['metadata'].get('learnkit', {}).get('kind') == 'answer']
    answers[1]['source'] = 'The average shape.'
    answers[3]['source'] = 'Medians resist outliers.'
    r = diff_notebooks(CHAPTER, write(tmp_path, nb))
    secs = {tuple(s['path']): s for s in r['sections']}
    pick = lambda p: tuple(secs[p][k] for k in ('cells', 'written', 'ran', 'done', 'questions', 'answered'))
    assert pick(('Getting the Data',)) == (3, 0, 0, 0, 0, 0)
    assert pick(('A First Model',)) == (3, 2, 2, 2, 0, 0)
    assert pick(('A First Model', 'Checking the Threshold')) == (2, 1, 1, 1, 0, 0)
    assert pick(('Questionnaire',)) == (0, 0, 0, 0, 3, 1)
    assert pick(('Questionnaire', 'Further Research')) == (0, 0, 0, 0, 1, 1)
    p = r['progress']
    assert (p['questions'], p['answered'], p['written'], p['done']) == (4, 2, 3, 3)
    txt = format_diff(r)
    assert '3 of 8 cells done (3 written, 3 ran)' in txt and '2 of 4 questions answered' in txt
    assert 'not started: Getting the Data (3 cells)' in txt

def test_json_shape(tmp_path):
    vis = load_chapter(CHAPTER).code_cells
    r = diff_notebooks(CHAPTER, notebook([code(vis[0].code, vis[0].id), code('print(1)')]))
    back = json.loads(json.dumps(r))
    assert set(back) == {'progress', 'pairs', 'cells', 'sections', 'summary', 'notes'}
    assert tuple(back['progress']) == PROGRESS_KEYS and back['progress'] == reproduction_state(CHAPTER, notebook([code(vis[0].code, vis[0].id), code('print(1)')])).progress.to_dict()
    for p in back['pairs']:
        assert {'orig', 'repro', 'status', 'similarity', 'verdict'} <= set(p) and p['status'] in STATUSES
        assert (p['orig'] is None) == (p['status'] == 'extra') and (p['repro'] is None) == (p['status'] == 'missing')
    for s in back['sections']: assert {'path', 'cells', 'written', 'ran', 'done'} <= set(s) and isinstance(s['path'], list)
    assert back['summary']['chapter'] == 'diff_chapter'
    assert sum(back['summary']['status'].values()) == len(back['pairs'])
    assert (back['progress']['written'], back['progress']['cells']) == (1, 8)

def test_html_is_escaped_and_offline(tmp_path):
    vis = load_chapter(CHAPTER).code_cells
    evil = {'output_type': 'display_data', 'metadata': {}, 'data': {'text/html': '<script>alert("x")</script>', 'text/plain': 'x'}}
    cells = [code(vis[2].code, vis[2].id, vis[2].outputs, 1), code('display(HTML("<script>alert(1)</script>"))', outputs=[evil], n=2),
             code(vis[3].code, outputs=[{'output_type': 'display_data', 'metadata': {}, 'data': {'image/png': 'AAAA"><script>x</script>'}}], n=3)]
    r = diff_notebooks(CHAPTER, notebook(cells))
    for page in (render_html(r), render_html(r, show_code=True)):
        assert not re.search(r'<script', page, re.I) and '&lt;script&gt;' in page
        assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', page)  # nothing fetched from the network
    assert 'data:image/png;base64,' in page  # the chapter's image, shown with the book's code (its bad twin is shown as text)
    assert '<summary>outputs (1)</summary>' in page and page.count('class="bar"') == 1 + len([s for s in r['sections'] if s['cells']])  # the chapter's and one per section with cells

def test_bad_inputs(tmp_path):
    vis = load_chapter(CHAPTER).code_cells
    other = notebook([code('path = demo_data()', 'd6b7e706', chapter='04_mnist_basics')], chapter='04_mnist_basics')
    with pytest.raises(LearnkitError, match=r'reproduces chapter 04_mnist_basics \(its metadata says so\) but the original is demo'):
        diff_notebooks('demo', other)
    # a notebook named by path has no chapter key to compare: the scaffold's refs tell
    stray = notebook([code(f'x{k} = {k}', f'{k:08x}', chapter='demo') for k in range(3)], chapter='demo')
    with pytest.raises(LearnkitError, match='none of the 3 cell refs in the reproduction are cells of diff_chapter'):
        diff_notebooks(CHAPTER, stray)
    (tmp_path/'zero.ipynb').write_text('')
    (tmp_path/'text.ipynb').write_text('hello, not json')
    (tmp_path/'list.ipynb').write_text('[1, 2]')
    cases = {tmp_path/'zero.ipynb': 'is empty (0 bytes)', write(tmp_path, notebook([]), 'nocells.ipynb'): 'has no cells',
             tmp_path/'text.ipynb': 'is not a notebook (invalid JSON', tmp_path/'list.ipynb': 'is not a Jupyter notebook',
             tmp_path/'missing.ipynb': 'no reproduction at', tmp_path: 'is a folder'}
    for path, msg in cases.items():
        with pytest.raises(LearnkitError) as e: diff_notebooks(CHAPTER, path)
        assert msg in str(e.value) and '\n' not in str(e.value), (path, str(e.value))
    with pytest.raises(LearnkitError, match="no chapter 'mnist_basic'; did you mean 04_mnist_basics"):
        diff_notebooks('mnist_basic', write(tmp_path, notebook([code('x = 1')])))

def _cli(*args):
    from learnkit.cli.main import main
    import contextlib, io
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: rc = main([str(a) for a in args])
        except SystemExit as e: rc = e.code
    return rc, out.getvalue(), err.getvalue()

def test_cli(tmp_path):
    from learnkit.store.db import get_store
    vis = load_chapter(CHAPTER).code_cells
    repro = write(tmp_path, notebook([code(vis[0].code, vis[0].id, vis[0].outputs, 1), code(vis[1].code)]))
    rc, out, err = _cli('diff', CHAPTER, repro)
    assert rc == 0 and '1 of 8 cells done (2 written, 1 ran): 1 match' in out and 'A First Model' in out
    rc, out, _ = _cli('diff', CHAPTER, repro, '--json')
    jout = json.loads(out)
    assert rc == 0 and jout['progress']['written'] == 2
    html_out = tmp_path/'diff.html'
    rc, out, err = _cli('diff', CHAPTER, repro, '--html', html_out)
    assert rc == 0 and html_out.read_text().startswith('<!DOCTYPE html>') and out == ''
    rows = get_store().rows('checks', where="kind='diff'")
    assert len(rows) == 3 and rows[0]['chapter'] == 'diff_chapter'
    summary = json.loads(rows[0]['summary'])
    assert summary == jout['progress']  # what the store keeps is what the command printed
    rc, out, err = _cli('diff', CHAPTER, tmp_path/'nope.ipynb')
    assert rc == 1 and err.startswith('learnkit: no reproduction at') and err.count('\n') == 1
    assert _cli('diff', CHAPTER)[0] == 2

def test_diff_path_stays_light(tmp_path):
    "The diff command imports neither torch, fastai, IPython nor nbformat."
    repro = write(tmp_path, notebook([code('x = 1')], chapter='demo'))
    prog = ("import sys; from learnkit.cli.main import main; rc = main(['diff', 'demo', %r, '--json']);"
            "bad = [m for m in ('torch', 'fastai', 'IPython', 'nbformat', 'ipywidgets', 'pandas', 'matplotlib') if m in sys.modules];"
            "print('BAD', bad, file=sys.stderr); sys.exit(rc or bool(bad))") % str(repro)
    r = subprocess.run([sys.executable, '-c', prog], capture_output=True, text=True, env={**__import__('os').environ, 'LEARNKIT_DATA_DIR': str(tmp_path/'d')})
    assert r.returncode == 0, r.stderr[-800:]

_AGAIN = r'''
import json, sys
import learnkit.book.code as C, learnkit.reproduce.align as A
def boom(*a, **k): raise AssertionError('worked out again in the second process')
if sys.argv[2] == 'kept':  # everything the first process worked out must come from the store
    A._pair_cells = boom
    for m in (C._tokens_of, C._own_of, C._bound_of, C._free_of): m.fn = boom
from learnkit.cli.main import main
rc = main(['diff', 'demo', sys.argv[1]] + sys.argv[3:])
print(json.dumps(sorted(m for m in sys.modules if m.startswith('learnkit.reproduce.'))), file=sys.stderr)
sys.exit(rc)
'''

def test_a_second_diff_in_a_new_process_works_out_nothing_again(tmp_path):
    "A command is a new process: the verdicts, the alignment and each cell's tokens and names come back from the store, and it prints the same."
    import os
    from learnkit.reproduce.scaffold import scaffold
    demo = load_chapter('demo')
    book = {c.id: c for c in demo.code_cells}
    nb = scaffold(demo)
    blanks = [c for c in nb['cells'] if c['metadata'].get('learnkit', {}).get('kind') == 'blank']
    for n, c in enumerate(blanks):
        b = book[c['metadata']['learnkit']['src']]
        if n != 3: c['source'], c['outputs'], c['execution_count'] = f'%%reproduce {b.id}\n{b.code}', copy.deepcopy(b.outputs), n + 1
    blanks[1]['outputs'] = [dict(output_type='execute_result', data={'text/plain': '12345'}, metadata={}, execution_count=2)]
    repro = write(tmp_path, nb, 'demo_reproduce.ipynb')
    env = {**os.environ, 'LEARNKIT_DATA_DIR': str(tmp_path/'d')}
    def run(how, *args):
        r = subprocess.run([sys.executable, '-c', _AGAIN, str(repro), how, *(args or ['--json'])], capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == 0, r.stderr[-1500:]
        return json.loads(r.stdout) if not args else r.stdout, json.loads(r.stderr.strip().splitlines()[-1])
    first, loaded = run('fresh')
    assert 'learnkit.reproduce.judge' in loaded and first['progress']['done'] < first['progress']['ran']  # the wrong number is judged
    again, loaded = run('kept')
    assert again == first
    assert 'learnkit.reproduce.judge' not in loaded  # every verdict was kept: the judge isn't even imported
    text, loaded = run('fresh', '--show-code')  # the text form: goal lines for the cells to do, worked out once and kept
    assert 'learnkit.reproduce.goals' in loaded and 'differs at “12345”' in text and 'missing ' in text
    again_text, loaded = run('kept', '--show-code')
    assert again_text == text and 'learnkit.reproduce.goals' not in loaded and 'learnkit.reproduce.judge' not in loaded
    blanks[-1]['source'] += '\n_ = 0'  # one cell edited: it is worked out and judged, the rest still kept
    repro.write_text(json.dumps(nb))
    edited, loaded = run('fresh')
    assert 'learnkit.reproduce.judge' in loaded and edited['progress']['ran'] == first['progress']['ran']

def test_huge_cell_is_bounded(tmp_path):
    big = '\n'.join(f'x{k} = f({k}, "{"a" * 30}")' for k in range(30_000))  # about 1.3 MB of code
    orig = notebook([dict(cell_type='markdown', source='# Big\n\n## One', metadata={}), code(big, n=1), code('y = 2', n=2)], chapter=None)
    o = write(tmp_path, orig, 'big.ipynb')
    t = time.perf_counter()
    r = diff_notebooks(o, notebook([code(big.replace('f(', 'g('), n=1), code('y = 2', n=2)], chapter=None))
    assert time.perf_counter() - t < 10
    assert [p['status'] for p in r['pairs']] == ['edited', 'same']

def test_real_chapters(fastbook, tmp_path):
    "A generated reproduction of a real chapter (images and all) aligns well; text and HTML render."
    sys.path.insert(0, str(ROOT/'benchmarks'))
    try: import gen_repro
    finally: sys.path.remove(str(ROOT/'benchmarks'))
    for name in ('04_mnist_basics', '02_production'):
        path = fastbook/f'{name}.ipynb'
        nb, truth = gen_repro.generate(path, seed=7)
        r = diff_notebooks(path, write(tmp_path, nb))
        pred = {(p['orig'], p['repro']) for p in r['pairs'] if p['orig'] is not None and p['repro'] is not None}
        assert gen_repro.prf(pred, truth)[2] >= 0.95, (name, gen_repro.prf(pred, truth))
        assert r['summary']['chapter'] == name and r['progress']['answered'] > 0
        assert 'To do:' in format_diff(r)
        page = render_html(r)
        assert 'data:image/png;base64,' in page and not re.search(r'<script', page, re.I)
        assert 'questions answered' in page and '0 of 0 done' not in page  # the questionnaire counts questions, not cells

def test_the_diff_never_shows_the_books_code_unless_asked(ch, tmp_path):
    "Missing cells are described by their goal and section; the book's code shows only with show_code (--show-code)."
    from learnkit.reproduce.scaffold import scaffold
    nb = scaffold(CHAPTER)
    blanks = [c for c in nb['cells'] if c['metadata'].get('learnkit', {}).get('kind') == 'blank']
    vis = ch.code_cells
    blanks[0]['source'] += '\n' + vis[0].code
    blanks[0]['outputs'], blanks[0]['execution_count'] = copy.deepcopy(vis[0].outputs), 1
    path = write(tmp_path, nb)
    r = diff_notebooks(CHAPTER, path)
    secret = [l for l in vis[1].code.splitlines() if l.strip() and not l.startswith('#')][0]
    txt, page = format_diff(r), render_html(r)
    assert secret not in txt and secret not in page
    assert goal_of(vis[1], ch) in txt and f'%%reproduce {vis[1].id}' in txt and f'cell 2 of {len(vis)}' in txt
    assert html_escape(goal_of(vis[5], ch)) in page  # every cell's goal is on the page, in its section
    assert secret in format_diff(r, show_code=True) and secret in render_html(r, show_code=True)
    rc, out, _ = _cli('diff', CHAPTER, path)
    assert rc == 0 and secret not in out
    rc, out, _ = _cli('diff', CHAPTER, path, '--show-code')
    assert rc == 0 and secret in out

def html_escape(s):
    import html
    return html.escape(s)

def test_section_paths_are_shortened_from_the_middle():
    from learnkit.reproduce.text import short_path
    p = ('Training a Digit Classifier', 'Stochastic Gradient Descent (SGD)', 'An End-to-End SGD Example', 'Step 7: Stop')
    s = short_path(p, 48)
    assert s == 'Training a Digit Classifier > … > Step 7: Stop'  # whole headings, the top one and the cell's own
    assert short_path(p, 30) == 'Training… > … > Step 7: Stop' and len(short_path(p[:1] * 3, 20)) <= 20
    assert short_path(('A', 'B'), 48) == 'A > B' and short_path((), 48) == '(before the first heading)'
