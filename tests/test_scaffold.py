"Scaffold: blank reproduction notebooks from fastbook-shaped fixtures, the real chapters and the demo, run in a real kernel."
import base64, importlib.util, io, json, re, subprocess, sys
from pathlib import Path
import pytest
from learnkit.book.chapters import load_chapter, parse_chapter, resolve
from learnkit.base.core import LearnkitError
from learnkit.reproduce.scaffold import GOAL_BYTES, cross_refs, hint, hint_ladder, scaffold, setup_source, write_scaffold

ID = re.compile(r'^[a-zA-Z0-9-_]{1,64}$')

# A small chapter written for these tests, shaped like fastbook's (markers, sidebar, callouts, questionnaire).
def _png(w, h):
    from PIL import Image
    b = io.BytesIO(); Image.effect_noise((w, h), 90).convert('RGB').save(b, 'PNG')
    return base64.b64encode(b.getvalue()).decode()

def make_chapter(minor=4, big_image=True):
    "A fastbook-shaped notebook dict in nbformat 4.`minor` (4.5: cell ids and string sources)."
    def lines(s): return s if minor == 5 else s.splitlines(True)
    def md(s): return {'cell_type': 'markdown', 'metadata': {}, 'source': lines(s)}
    def code(s, outs=()): return {'cell_type': 'code', 'execution_count': None, 'metadata': {}, 'outputs': list(outs), 'source': lines(s)}
    res = lambda t: {'output_type': 'execute_result', 'execution_count': 1, 'metadata': {}, 'data': {'text/plain': lines(t)}}
    stream = lambda t: {'output_type': 'stream', 'name': 'stdout', 'text': lines(t)}
    img = {'output_type': 'display_data', 'metadata': {}, 'data': {'text/plain': ['<Figure size 640x480>'],
           'image/png': _png(700, 600) if big_image else _png(20, 20)}}
    cells = [
        code('#hide\n! [ -e /content ] && pip install -Uqq fastbook\nimport fastbook\nfastbook.setup_book()'),
        code('#hide\nfrom fastbook import *'),
        {'cell_type': 'raw', 'metadata': {}, 'source': lines('[[chapter_goats]]')},
        md('# Counting Goats'),
        md('Goats are everywhere, as <<chapter_intro>> showed. We will count them.'),
        md('## Getting Goats'),
        md("First we fetch the herd. It's small.\n\n> stop: Think first: how would you count goats?"),
        code('path = untar_data(URLs.GOATS)\npath.ls()', [res("(#2) [Path('a'),Path('b')]")]),
        code('#hide\nPath.BASE_PATH = path'),
        code('#hide_input\nherd = [goat(p) for p in path.ls()]\nlen(herd)', [res('12')]),
        md('> jargon: Herd: a group of goats. Also a verb.'),
        md('<img alt="A goat" caption="One goat" src="images/goat.png">'),
        md('## Sidebar: Goats in History\n\nGoats were domesticated early. Very early.'),
        code('years = 10_000\nyears', [res('10000')]),
        md('## End sidebar'),
        md('### Plotting the Herd\n\nA plot helps:\n\n```python\n# not a heading\nplot(x)\n```'),
        code('fig = plot_herd(herd)\nshow_image(fig)', [img]),
        code(''),
        code('!ls {path}\n%timeit len(herd)\nherd_size??', [stream('a b\n')]),
        code('class Counter:\n    def __init__(self, herd): self.herd = herd\n    def count(self): return len(self.herd)\n'
             'def total(c, extra=0):\n    return c.count() + extra\nc = Counter(herd)\nn, m = total(c), 1'),
        md('## Questionnaire'),
        md('Answer these from memory.\n\n1. What is a herd?\n1. Why count goats\n   before sheep?\n1. Is `len` enough?'),
        md('### Further Research'),
        md('1. Count sheep instead.\n1. Time `plot_herd` with `%%timeit`.')]
    if minor == 5:
        for i, c in enumerate(cells): c['id'] = f'cell-{i}'
    return {'nbformat': 4, 'nbformat_minor': minor, 'cells': cells,
            'metadata': {'kernelspec': {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'}}}

@pytest.fixture(params=[0, 2, 4, 5], ids=lambda m: f'nbformat4.{m}')
def fixture_nb(request, tmp_path):
    p = tmp_path/'15_goats.ipynb'
    p.write_text(json.dumps(make_chapter(request.param)))
    return p

def kinds(nb): return [c['metadata']['learnkit']['kind'] for c in nb['cells']]
def cells_of(nb, kind): return [c for c in nb['cells'] if c['metadata']['learnkit']['kind'] == kind]

def validate(nb):
    import nbformat
    nbformat.validate(nbformat.from_dict(json.loads(json.dumps(nb))))

def check_structure(ch, nb):
    "The contract every scaffold keeps, checked against the parsed chapter `ch`."
    validate(nb)
    assert (nb['nbformat'], nb['nbformat_minor']) == (4, 5)
    ids = [c['id'] for c in nb['cells']]
    assert len(set(ids)) == len(ids) and all(ID.match(i) for i in ids)
    # the first code cell loads learnkit and makes the chapter active
    first = next(c for c in nb['cells'] if c['cell_type'] == 'code')
    note, l1, l2 = first['source'].splitlines()
    assert 'Kernel > Restart' in note and note.startswith('#')  # what to do after a restart, before learnkit is loaded
    assert l1 == '%load_ext learnkit' and l2.startswith('%lesson ')
    # one blank per visible code cell, in order, each starting `%%reproduce REF`
    blanks = cells_of(nb, 'blank')
    assert [b['metadata']['learnkit']['src'] for b in blanks] == [c.id for c in ch.code_cells]
    assert all(b['source'].splitlines()[0] == f"%%reproduce {b['metadata']['learnkit']['src']}" for b in blanks)
    # every heading line, in the same order and at the same level
    from learnkit.book.chapters import _headings
    want = [h for c in ch.cells if c.cell_type == 'markdown' for h in _headings(c.source)]
    got = [h for c in nb['cells'] if c['metadata']['learnkit']['kind'] in ('title', 'heading') for h in _headings(c['source'])]
    assert got == want
    # setup (and other #hide) cells kept as they are, but runnable without the fastbook package
    from learnkit.reproduce.scaffold import setup_source
    by_id = {c.id: c for c in ch.cells}
    for c in cells_of(nb, 'setup')[1:]:
        assert c['source'] == setup_source(by_id[c['metadata']['learnkit']['src']].source)
    # by default each blank says what it should produce on its second line, never with the book's code
    orig_lines = {l.strip() for c in ch.code_cells for l in c.code.splitlines() if len(l.strip()) > 3}
    for bl in blanks:
        goal = bl['source'].splitlines()[1]
        assert goal.startswith('# → ') and goal[2:].strip() not in orig_lines
    # one question cell per question, each followed by an empty answer cell
    qs = [(c['metadata']['learnkit']['part'], c['metadata']['learnkit']['question']) for c in cells_of(nb, 'question')]
    assert qs == [(q.part, q.number) for q in ch.questions]
    for i, c in enumerate(nb['cells']):
        if c['metadata']['learnkit']['kind'] == 'question':
            nxt = nb['cells'][i + 1]
            assert nxt['metadata']['learnkit']['kind'] == 'answer' and nxt['source'] == '' and nxt['cell_type'] == 'markdown'
            q = ch.questions[qs.index((c['metadata']['learnkit']['part'], c['metadata']['learnkit']['question']))]
            assert ' '.join(cross_refs(q.text, ch).split()) in ' '.join(c['source'].split())
    for c in nb['cells']:
        lk = c['metadata']['learnkit']
        assert lk['chapter'] == ch.key and lk['kind'] in ('title', 'heading', 'prompt', 'setup', 'blank', 'question', 'answer')
        if c['cell_type'] == 'code': assert c['outputs'] == [] and c['execution_count'] is None
    return blanks

def original_code_lines(ch):
    return {l.strip() for c in ch.code_cells for l in c.code.splitlines() if l.strip()}

def test_core_imports_nothing_heavy():
    code = ("import sys, learnkit.reproduce.scaffold; print([m for m in ('IPython', 'nbformat', 'torch', 'fastai', 'ipywidgets', "
            "'pandas', 'matplotlib') if m in sys.modules])")
    assert subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.strip() == '[]'

def test_fixture_chapter(fixture_nb):
    ch = load_chapter(str(fixture_nb))
    nb = scaffold(str(fixture_nb))
    blanks = check_structure(ch, nb)
    assert len(blanks) == 6  # the empty code cell and the #hide cells are no blanks
    # hint level 0: nothing of the original code is left in any cell a learner fills
    assert all(b['source'].startswith(f"%%reproduce {b['metadata']['learnkit']['src']}\n# → ") for b in blanks)
    assert all(b['source'] == f"%%reproduce {b['metadata']['learnkit']['src']}\n" for b in cells_of(scaffold(str(fixture_nb), goals=False), 'blank'))
    orig = original_code_lines(ch)
    assert not [l for c in nb['cells'] if c['cell_type'] == 'code' and c['metadata']['learnkit']['kind'] != 'setup'
                for l in c['source'].splitlines() if l.strip() in orig]
    k = kinds(nb)
    assert k[:4] == ['title', 'setup', 'setup', 'setup'] and nb['cells'][0]['source'] == '# Counting Goats'
    assert 'raw' not in [c['cell_type'] for c in nb['cells']]
    # the title, the sidebar boundaries and the heading inside a prose cell survive
    heads = [c['source'] for c in nb['cells'] if c['metadata']['learnkit']['kind'] == 'heading']
    assert heads[:4] == ['## Getting Goats', '## Sidebar: Goats in History', '## End sidebar', '### Plotting the Herd']
    assert '# not a heading' not in heads
    # questions renumbered as the book renders them; the questionnaire's own prose kept
    assert [c['source'] for c in cells_of(nb, 'question')][:2] == ['1. What is a herd?', '2. Why count goats\n   before sheep?']
    assert 'Answer these from memory.' in [c['source'] for c in nb['cells']]
    # goals in metadata, with the section path
    b = blanks[0]['metadata']['learnkit']
    assert b['goal'][0]['data']['text/plain'] == "(#2) [Path('a'),Path('b')]" and b['section'] == ['Getting Goats']
    assert blanks[2]['metadata']['learnkit']['section'] == ['Sidebar: Goats in History']
    assert nb['metadata']['learnkit']['chapter'] == ch.key

def test_prose_modes(fixture_nb):
    prompts = {c['source'] for c in cells_of(scaffold(str(fixture_nb)), 'prompt')}
    assert 'Goats are everywhere, as chapter 1 showed. …' in prompts  # the book's cross-reference, in words
    assert 'First we fetch the herd. …\n\n> stop: Think first: how would you count goats?' in prompts
    assert '> jargon: Herd: a group of goats.' in prompts and '*Figure: One goat*' in prompts
    assert 'Goats were domesticated early. …' in prompts
    assert all('\n' not in p.replace('\n\n', ' ') for p in prompts if p != 'Answer these from memory.')
    none = scaffold(str(fixture_nb), prose='none')
    assert [c['source'] for c in cells_of(none, 'prompt')] == ['Answer these from memory.']  # the questionnaire stays whole
    full = {c['source'] for c in cells_of(scaffold(str(fixture_nb), prose='full'), 'prompt')}
    assert "First we fetch the herd. It's small.\n\n> stop: Think first: how would you count goats?" in full
    assert 'A plot helps:\n\n```python\n# not a heading\nplot(x)\n```' in full
    with pytest.raises(LearnkitError, match="prose 'some'; use none, prompts or full"): scaffold(str(fixture_nb), prose='some')

def test_hints(fixture_nb):
    ch = load_chapter(str(fixture_nb))
    c = ch.code_cells
    assert hint(c[0], 1) == '# uses: untar_data, URLs.GOATS, ls'
    assert hint(c[3], 1) == '# uses: plot_herd, herd, show_image'
    assert hint(c[4], 1) == '# uses: !ls, %timeit, len, herd, herd_size'  # IPython syntax, read gracefully
    assert hint(c[5], 2).splitlines()[1:] == ['class Counter:', '    def __init__(self, herd): ...', '    def count(self): ...',
                                              'def total(c, extra=0): ...', 'c = ...', 'n, m = ...']
    assert hint(c[1], 3) == 'herd = [goat(p) for p in path.ls()]\nlen(herd)'  # the code, markers dropped
    nb3 = scaffold(str(fixture_nb), hints=3, goals=False)
    assert cells_of(nb3, 'blank')[5]['source'] == f'%%reproduce {c[5].id}\n' + c[5].code
    # level 2 is Python that binds the names later cells refer to
    from learnkit.book.code import bound_names
    assert {'Counter', 'total', 'c', 'n', 'm'} <= bound_names(hint(c[5], 2))
    for lvl in (1, 2): assert cells_of(scaffold(str(fixture_nb), hints=lvl), 'blank')[0]['source'] == f'%%reproduce {c[0].id}\n# → a list of 2 items; defines `path`\n' + hint(c[0], lvl)
    with pytest.raises(LearnkitError, match='hint level 7'): hint(c[0], 7)

def test_goals_downscaled_and_optional(fixture_nb):
    from PIL import Image
    ch = load_chapter(str(fixture_nb))
    src = next(c for c in ch.code_cells if c.outputs and 'image/png' in c.outputs[0].get('data', {}))
    assert len(json.dumps(src.outputs)) > 2 * GOAL_BYTES
    nb = scaffold(str(fixture_nb))
    goal = next(b for b in cells_of(nb, 'blank') if b['metadata']['learnkit']['src'] == src.id)['metadata']['learnkit']['goal']
    assert len(json.dumps(goal)) <= GOAL_BYTES * 1.05
    im = Image.open(io.BytesIO(base64.b64decode(goal[0]['data']['image/png'])))
    assert im.format == 'PNG' and im.size[0] < 700 and goal[0]['metadata']['learnkit']['downscaled'] == {'image/png': [700, 600]}
    assert goal[0]['data']['text/plain'] == '<Figure size 640x480>'
    for c in scaffold(str(fixture_nb), goals=False)['cells']: assert 'goal' not in c['metadata']['learnkit']

def test_small_images_kept_exactly(tmp_path):
    nb = make_chapter(4, big_image=False)
    ch = parse_chapter(nb)
    src = next(c for c in ch.code_cells if c.outputs and 'image/png' in c.outputs[0]['data'])
    got = next(b for b in cells_of(scaffold(ch), 'blank') if b['metadata']['learnkit']['src'] == src.id)
    assert got['metadata']['learnkit']['goal'][0]['data']['image/png'] == src.outputs[0]['data']['image/png']

def test_write_default_name_and_path_chapter(fixture_nb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = write_scaffold(str(fixture_nb))
    assert r.path == Path('15_goats_reproduce.ipynb') and r.blanks == 6 and r.backup is None
    assert 'wrote 15_goats_reproduce.ipynb: 6 cells to reproduce and 5 questions' in str(r)
    import nbformat
    nb = nbformat.read(r.path, as_version=4)
    nbformat.validate(nb)
    arg = nb.cells[1].source.splitlines()[-1].split(' ', 1)[1]
    assert resolve(arg).path == str(fixture_nb.resolve())  # `%lesson <path>` names the same notebook
    # a folder as -o gets the default name inside it; the chapter itself is never overwritten
    (tmp_path/'out').mkdir()
    assert write_scaffold(str(fixture_nb), out=tmp_path/'out').path == tmp_path/'out'/'15_goats_reproduce.ipynb'
    with pytest.raises(LearnkitError, match='is the chapter itself'): write_scaffold(str(fixture_nb), out=fixture_nb, force=True)

def test_cli_refuses_then_forces_with_backup(tmp_path, capsys):
    from learnkit.cli.main import main
    out = tmp_path/'mine.ipynb'
    assert main(['scaffold', 'demo', '-o', str(out)]) == 0
    assert 'wrote' in capsys.readouterr().out
    nb = json.loads(out.read_text())
    nb['cells'][3]['source'] = ['%%reproduce x\n', 'my = work']  # the learner's work, to protect byte for byte
    out.write_text(json.dumps(nb))
    before = out.read_bytes()
    assert main(['scaffold', 'demo', '-o', str(out), '--hints', '2']) == 1
    err = capsys.readouterr().err
    assert '--force' in err and len(err.strip().splitlines()) == 1
    assert out.read_bytes() == before
    assert main(['scaffold', 'demo', '-o', str(out), '--hints', '2', '--prose', 'full', '--no-goals', '--force']) == 0
    baks = list(tmp_path.glob('mine.bak-*.ipynb'))
    assert len(baks) == 1 and baks[0].read_bytes() == before
    nb = json.loads(out.read_text())
    assert nb['metadata']['learnkit']['hints'] == 2 and nb['metadata']['learnkit']['prose'] == 'full'
    assert not any('goal' in c['metadata']['learnkit'] for c in nb['cells'])
    assert not list(tmp_path.glob('.*.tmp'))  # atomic writes leave no temporary files

def test_bad_input_messages(tmp_path, capsys):
    from learnkit.cli.main import main
    (tmp_path/'notes.ipynb').write_text('not json')
    assert main(['scaffold', str(tmp_path/'notes.ipynb'), '-o', str(tmp_path/'x.ipynb')]) == 1
    assert 'is not valid JSON' in capsys.readouterr().err
    (tmp_path/'old.ipynb').write_text(json.dumps({'nbformat': 3, 'worksheets': []}))
    assert main(['scaffold', str(tmp_path/'old.ipynb'), '-o', str(tmp_path/'x.ipynb')]) == 1
    assert 'nbconvert' in capsys.readouterr().err
    assert main(['scaffold', 'mnist_basic']) == 1
    assert 'did you mean 04_mnist_basics?' in capsys.readouterr().err
    assert not (tmp_path/'x.ipynb').exists()

def test_demo_chapter():
    ch = load_chapter('demo')
    nb = scaffold('demo', hints=1)
    check_structure(ch, nb)
    assert nb['cells'][1]['source'].split('\n')[1:] == ['%load_ext learnkit', '%lesson demo']
    for b, c in zip(cells_of(nb, 'blank'), ch.code_cells):
        goal = b['metadata']['learnkit']['goal']
        assert [o['output_type'] for o in goal] == [o['output_type'] for o in c.outputs]
        for o, g in zip(c.outputs, goal):
            for k, v in o.get('data', {}).items(): assert g['data'][k] == (''.join(v) if isinstance(v, list) else v)

def test_real_chapters(fastbook):
    chapters = sorted(fastbook.glob('[0-9][0-9]_*.ipynb')) + sorted(fastbook.glob('app_*.ipynb'))
    assert chapters
    for p in chapters:
        ch = load_chapter(str(p))
        nb = scaffold(str(p))
        blanks = check_structure(ch, nb)
        assert len(blanks) == len(ch.code_cells) and ch.questions
        orig = original_code_lines(ch)
        assert all(b['source'].startswith(f"%%reproduce {b['metadata']['learnkit']['src']}\n# → ") for b in blanks)
        assert all(b['source'] == f"%%reproduce {b['metadata']['learnkit']['src']}\n" for b in cells_of(scaffold(ch, goals=False), 'blank'))
        assert '<<chapter_' not in ''.join(c['source'] for c in nb['cells'] if c['cell_type'] == 'markdown')
        for c in ch.code_cells:  # the hint ladder never repeats itself and ends with the code
            lad = hint_ladder(c)
            assert len(set(lad)) == len(lad) and lad[-1] == c.code.strip('\n').rstrip()
        assert not [l for c in nb['cells'] if c['metadata']['learnkit']['kind'] in ('blank', 'prompt', 'question')
                    for l in c['source'].splitlines() if len(l.strip()) > 12 and l.strip() in orig]
        for c in nb['cells']:  # images fit the goal budget
            g = c['metadata']['learnkit'].get('goal') or []
            assert sum(len(o.get('data', {}).get(k, '')) for o in g for k in ('image/png', 'image/jpeg')) <= GOAL_BYTES
        for c in ch.code_cells:  # level 2 is valid Python whenever the original is
            h2 = hint(c, 2)
            try: compile(c.code, 'orig', 'exec')
            except SyntaxError: continue
            compile(h2, f'{p.stem}:{c.id}', 'exec')
        parts = {list(s.path)[-1]: s.part for s in ch.sections}
        prompts = [c for c in cells_of(nb, 'prompt') if not parts.get((c['metadata']['learnkit']['section'] or [''])[-1])]
        assert prompts and all(len(l) < 200 for c in prompts for l in c['source'].split('\n\n'))  # one-liners

@pytest.mark.timeout(300)
@pytest.mark.slow
def test_demo_scaffold_runs_in_a_kernel(tmp_path, monkeypatch):
    "The demo's scaffold, with the code filled in (hints 3), runs top to bottom in a fresh kernel."
    import nbformat
    from nbclient import NotebookClient
    monkeypatch.chdir(tmp_path)
    r = write_scaffold('demo', hints=3)
    nb = nbformat.read(r.path, as_version=4)
    NotebookClient(nb, timeout=240, kernel_name='python3', allow_errors=True, resources={'metadata': {'path': str(tmp_path)}}).execute()
    nbformat.validate(nb)
    errors = [(c.source.splitlines()[0], o.ename, o.evalue) for c in nb.cells if c.cell_type == 'code'
              for o in c.outputs if o.output_type == 'error']
    has = lambda m: importlib.util.find_spec(m) is not None
    first = nb.cells[1]
    assert first.source.split('\n')[1] == '%load_ext learnkit'
    if has('learnkit.ui.lesson') and has('learnkit.ui.reproduce'):
        assert errors == []
        verdicts = [c for c in nb.cells if c.source.startswith('%%reproduce')
                    if any('application/vnd.learnkit.verdict+json' in o.get('data', {}) for o in c.outputs)]
        assert len(verdicts) == r.blanks
        for c in nb.cells:  # goals survive running the cells
            if c.source.startswith('%%reproduce'): assert 'goal' in c.metadata['learnkit']
    else:  # the magics' adapters are not built yet: only their cells may fail, and only for that reason
        assert all(e[1] in ('ModuleNotFoundError', 'ImportError') for e in errors), errors

def test_setup_cell_runs_without_fastbook(fastbook, tmp_path):
    "The scaffold's first cells run in a real Python where `fastbook` is not installed: one line says how to get it, fastai is there."
    if importlib.util.find_spec('fastbook') is not None: pytest.skip('fastbook is installed here')
    ch = load_chapter(str(fastbook/'04_mnist_basics.ipynb'))
    nb = scaffold(ch)
    first_blank = next(i for i, c in enumerate(nb['cells']) if c['metadata']['learnkit']['kind'] == 'blank')
    setup = [c['source'] for c in nb['cells'][:first_blank] if c['metadata']['learnkit']['kind'] == 'setup'][1:]  # before any blank
    assert any('fastbook' in s for s in setup)
    code = '\n'.join('\n'.join(l for l in s.splitlines() if not l.lstrip().startswith(('!', '%', '#'))) for s in setup)
    code += "\nprint('fastai', 'untar_data' in dir() and 'tensor' in dir())"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = [l for l in r.stdout.splitlines() if l.strip()]
    assert lines == ["fastbook is not installed, so the book's plotting helpers are missing: `pip install fastbook` adds them", 'fastai True']

def test_cross_references_read_as_words(fastbook):
    assert cross_refs('As we discussed in <<chapter_mnist_basics>> and <<chapter_intro>>.') == 'As we discussed in chapter 4 and chapter 1.'
    nb = scaffold(str(fastbook/'01_intro.ipynb'), prose='full')
    md = ''.join(c['source'] for c in nb['cells'] if c['cell_type'] == 'markdown')
    assert '<<' not in md and 'chapter 4' in md and 'like the code example' in md  # `<<basic_program>>` is a code cell's `#id`

def test_scaffold_message_has_no_jargon(tmp_path):
    r = write_scaffold('demo', out=tmp_path)
    s = str(r)
    assert 'each blank says what it should produce' in s and 'open it in Jupyter and run the first cell' in s
    assert not re.search(r'\bhints \d|prose prompts|goals kept', s)
