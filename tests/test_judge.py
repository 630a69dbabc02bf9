"""The judge, fast, on plain data: the output kinds, randomness from the data flow, errors told by their cause, the book's own
code on newer libraries, Jupyter's semantics (`;`, pandas' columns, 1-based cells), hints that read the attempt, only what ran
counts, the verdict cache, and bounded work on long outputs. Values are made by the real libraries in this process (torch's and
pandas' reprs, Pillow's PNGs); test_judge_kernel.py runs the same cases through real kernels."""
import base64, copy, io, json, subprocess, sys, time
import pytest
from learnkit.book.chapters import Cell, parse_chapter
from learnkit.reproduce.rules import Tolerance
from learnkit.reproduce.verdict import LEARNKIT_MIME, Verdict
from learnkit.reproduce.judge import judge_cell
from learnkit.reproduce.kinds import KINDS, output_items

def res(text): return {'output_type': 'execute_result', 'execution_count': 1, 'metadata': {}, 'data': {'text/plain': text}}
def html(h, text='<IPython.core.display.HTML object>'): return {'output_type': 'execute_result', 'execution_count': 1, 'metadata': {}, 'data': {'text/html': h, 'text/plain': text}}
def out(text): return {'output_type': 'stream', 'name': 'stdout', 'text': text}
def err(ename, evalue, tb=()): return {'output_type': 'error', 'ename': ename, 'evalue': evalue, 'traceback': list(tb)}
def png(draw, size=(28, 28), mode='L') -> dict:
    from PIL import Image, ImageDraw
    im = Image.new(mode, size, 0); draw(ImageDraw.Draw(im))
    b = io.BytesIO(); im.save(b, 'PNG')
    return {'output_type': 'display_data', 'metadata': {}, 'data': {'image/png': base64.b64encode(b.getvalue()).decode(), 'text/plain': '<Figure>'}}

def chapter(*cells) -> 'Chapter':
    "A chapter of `(code, outputs)` cells under one section."
    nb = dict(nbformat=4, nbformat_minor=5, metadata={}, cells=[dict(cell_type='markdown', metadata={}, source='# A chapter\n## Part one')] +
              [dict(cell_type='code', metadata={}, execution_count=k + 1, source=c, outputs=list(o)) for k, (c, o) in enumerate(cells)])
    return parse_chapter(nb)

def test_one_registry_of_kinds():
    assert {'text', 'number', 'tensor', 'frame', 'image', 'train', 'timing', 'error', 'nothing'} <= set(KINDS)
    for k in KINDS.values(): assert callable(k.describe) and callable(k.compare) and k.noun
    import torch
    items = output_items([out('CPU times: user 1 ms\nWall time: 2 ms\nhi\n'), res(repr(torch.eye(2))), res('3'), res("'x'"), err('ValueError', 'no')])
    assert [(i.kind, i.via) for i in items] == [('timing', 'printed'), ('text', 'printed'), ('tensor', 'returned'), ('number', 'returned'),
                                               ('text', 'returned'), ('error', 'raised')]

def test_tensors_numbers_and_wording_say_which_value():
    import torch
    c = Cell(0, 'eye', 'code', 'torch.eye(3) * 4', [res(repr(torch.eye(3) * 4))], kind='code')
    v = judge_cell(c, [res(repr(torch.eye(3) * 4 + torch.tensor([[0, 0, 0], [0, 0, 0], [0, 0, 248.]])))])
    assert v.line == '✗ mismatch: same shape (3, 3) and dtype; element [2, 2] differs (yours 252.)' and v.kind == 'tensor'
    c = Cell(0, 'n', 'code', 'a, b, c', [res('(0.5, 2.0, 3.25)')], kind='code')
    assert judge_cell(c, [res('(0.5, 252.0, 3.25)')]).detail == 'same structure; the 2nd of 3 numbers differs (yours 252.)'
    assert Verdict.from_dict(v.to_dict()) == v and Verdict.from_dict({'verdict': 'match', 'version': 99}) is None

def test_pandas_counts_columns_as_pandas_does():
    import pandas as pd, torch
    from learnkit.reproduce.goals import goal_of
    df = pd.DataFrame(torch.arange(200).reshape(10, 20).numpy())
    c = Cell(0, 'df', 'code', 'pd.DataFrame(im3_t[:10,:20])', [html(df._repr_html_(), repr(df))], kind='code')
    assert goal_of(c) == '→ a table of 10 rows × 20 columns'
    assert judge_cell(c, [html(df._repr_html_(), repr(df))]).verdict == 'match'
    wide = pd.DataFrame(torch.arange(210).reshape(10, 21).numpy())
    assert judge_cell(c, [html(wide._repr_html_())]).detail == 'expected a table of 10 rows × 20 columns, got 10 × 21'
    styled = df.style.format('{:d}')  # the book styles some of its frames: the index is still no column
    assert goal_of(Cell(0, 's', 'code', 'df.style', [html(styled.to_html())], kind='code')) == '→ a table of 10 rows × 20 columns'

# --- randomness from the data flow

def test_values_from_unshuffled_data_are_not_random():
    "A validation batch through fixed kernels is deterministic: another item shown is caught, not called random."
    from learnkit.reproduce.randomness import chapter_randomness
    circle, square = png(lambda d: d.ellipse([4, 4, 22, 22], fill=255)), png(lambda d: d.rectangle([6, 6, 20, 20], fill=255))
    ch = chapter(("dls = DataBlock((ImageBlock(cls=PILImageBW), CategoryBlock), get_items=get_image_files, splitter=GrandparentSplitter(),\n"
                  "                 get_y=parent_label).dataloaders(path)", []),
                 ("xb, yb = first(dls.valid)\nxb.shape", [res('torch.Size([64, 1, 28, 28])')]),
                 ("top_edge = tensor([[-1, -1, -1], [0, 0, 0], [1, 1, 1]]).float()\nedge_kernels = torch.stack([top_edge, top_edge.T])", []),
                 ("batch_features = F.conv2d(xb, edge_kernels.unsqueeze(1))\nbatch_features.shape", [res('torch.Size([64, 2, 26, 26])')]),
                 ("show_image(batch_features[0, 0]);", [circle]),
                 ("dls.show_batch()", [circle]),
                 ("simple_net = nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 1))\nsimple_net",
                  [res('Sequential(\n  (0): Linear(in_features=784, out_features=30, bias=True)\n  (1): ReLU()\n  (2): Linear(in_features=30, out_features=1, bias=True)\n)')]),
                 ("simple_net[0].weight.shape", [res('torch.Size([30, 784])')]))
    r = chapter_randomness(ch)
    cells = ch.code_cells
    assert [r[c.id].random for c in cells] == [False, False, False, False, False, True, False, False]
    shown = cells[4]
    v = judge_cell(shown, [square], chapter=ch)  # `show_image(batch_features[0, 3])` or `xb[5, 0]`: another picture
    assert v.verdict == 'shape-only' and v.detail.startswith('an image of the right shape that looks different')
    v = judge_cell(cells[5], [square], chapter=ch)  # a shuffled, augmented batch: another draw is compared on what a draw keeps
    assert v.line == '⚄ random: a random image: size, colour and value range agree (a draw changes the rest)'
    blank = png(lambda d: None)
    assert judge_cell(cells[5], [blank], chapter=ch).line == '✗ mismatch: random images, but yours is nearly blank'
    from learnkit.reproduce.goals import goal_of
    assert [goal_of(c, ch) for c in (cells[1], cells[6], cells[7])] == [
        '→ a torch.Size (a shape); defines `xb`', '→ a Sequential; defines `simple_net`', '→ a torch.Size (a shape)']

def test_vanishing_activations_are_compared_on_what_is_stable():
    import torch
    code = "x = torch.randn(20, 100)\nfor i in range(50): x = torch.relu(x @ (torch.randn(100, 100) * 0.1))\nx[0:5, 0:5]"
    def draw(seed):
        torch.manual_seed(seed); x = torch.randn(20, 100)
        for i in range(50): x = torch.relu(x @ (torch.randn(100, 100) * 0.1))
        return repr(x[0:5, 0:5])
    ch = chapter((code, [res(draw(0))]))
    v = judge_cell(ch.code_cells[0], [res(draw(1))], chapter=ch, code=code.replace('20,', '20 ,'))
    assert v.line == '⚄ random: computed from random values: shape, signs and size band agree (their scale varies from draw to draw)'
    torch.manual_seed(0)
    v = judge_cell(ch.code_cells[0], [res(repr(torch.rand(5, 5) * (torch.rand(5, 5) > 0.5)))], chapter=ch)  # ordinary values where the book's vanish
    assert v.line == "✗ mismatch: random values, but the values are ordinary where the book's are vanishing"

def test_direct_draws_still_need_their_scale():
    import torch
    ch = chapter(("l1 = torch.randn(100, 100) * 10\nl1.mean(), l1.std()", [res('(tensor(0.0213), tensor(9.9803))')]))
    c = ch.code_cells[0]
    assert judge_cell(c, [res('(tensor(-0.1142), tensor(10.0522))')], chapter=ch).line == '⚄ random: shape and scale agree'
    assert judge_cell(c, [res('(tensor(0.3149), tensor(100.2213))')], chapter=ch).verdict == 'mismatch'

# --- errors by their cause

ERR_CH = lambda: chapter(("import torch\nfrom fastbook import *", []), ("def apply_kernel(row, col, kernel): return row", []),
                         ("apply_kernel(5, 7, top_edge)", [res('tensor(0.)')]), ("im = PILImage.create(image_bear())\nim.shape", [res('(700, 500)')]),
                         ("import numpy as np\nnp.float(3)", [res('3.0')]))

def test_a_missing_name_says_which_cell_to_run():
    ch = ERR_CH()
    a, b, bear, old = ch.code_cells[1:]
    v = judge_cell(b, [err('NameError', "name 'apply_kernel' is not defined")], chapter=ch, code='apply_kernel(5,7,top_edge)', numbers={a.id: 5})
    assert v.line == ('✗ error: NameError: `apply_kernel` is defined by a cell above that has not run in this kernel (§Part one, cell 5): '
                      'run the cells above first (Run › Run All Above Selected Cell)')
    v = judge_cell(bear, [err('NameError', "name 'image_bear' is not defined")], chapter=ch, code=bear.code)
    assert v.detail == 'NameError: `image_bear` comes from fastbook, which is not installed here: `pip install fastbook`, then run the first cells again'
    assert "book's code" not in v.detail and 'older' not in v.detail

def test_only_a_library_change_is_blamed_on_the_library():
    ch = ERR_CH()
    old = ch.code_cells[-1]
    typed = '%%reproduce ' + old.id + '\nimport numpy as np\n\nnp.float( 3 )  # as in the book'
    v = judge_cell(old, [err('AttributeError', "module 'numpy' has no attribute 'float'")], chapter=ch, code=typed)
    assert v.detail.startswith("the book's code as it is fails with the libraries installed here (the book ran older ones): AttributeError")
    mine = judge_cell(old, [err('AttributeError', "module 'numpy' has no attribute 'floot'")], chapter=ch, code='np.floot(3)')
    assert mine.detail == "AttributeError: module 'numpy' has no attribute 'floot'"
    zero = judge_cell(old, [err('ZeroDivisionError', 'division by zero', ['Cell In[3], line 2'])], chapter=ch, code=old.code)
    assert zero.detail == 'ZeroDivisionError: division by zero'  # raised in the cell, not by a library: no blame on the book

# --- the book's own code on newer libraries

def test_the_books_code_printed_differently_is_done_with_a_note():
    import torch
    old_storage = ' 0.0\n 1.0\n 2.0\n 3.0\n[torch.FloatStorage of size 4]'  # how torch 1.x printed `t.storage()`
    ch = chapter(("t = torch.arange(4.)\nt.storage()", [res(old_storage)]))
    c = ch.code_cells[0]
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        now = repr(torch.arange(4.).storage())
    v = judge_cell(c, [res(now)], chapter=ch, code=c.code + '  # as the book has it')
    assert v.verdict == 'close' and v.detail.startswith("your cell is the book's code, and its output differs only in how the libraries installed here print it")
    assert judge_cell(c, [res(now)], chapter=ch, code='t = torch.arange(4.)\nt.untyped_storage()').verdict == 'mismatch'  # the learner's own code
    assert judge_cell(c, [res(now.replace('3.0', '7.0'))], chapter=ch, code=c.code).verdict == 'mismatch'  # another value is no layout

# --- what later cells need, and definitions

def test_the_right_value_alone_is_not_done_when_later_cells_need_a_name():
    from learnkit.reproduce.goals import goal_of
    ch = chapter(("im3_t = tensor(im3)\nim3_t[4:7, 4:7]", [res('tensor([[0, 0, 0],\n        [0, 0, 29],\n        [0, 0, 0]], dtype=torch.uint8)')]),
                 ("im3_t[4:10, 4:10]", [res('tensor([1])')]))
    c = ch.code_cells[0]
    assert goal_of(c, ch) == '→ a (3, 3) uint8 (byte) tensor; defines `im3_t`'
    shown = c.outputs + [{'output_type': 'display_data', 'metadata': {}, 'data': {LEARNKIT_MIME: {'bound': {'im3_t': None}}}}]
    assert judge_cell(c, shown, chapter=ch).line == '✗ mismatch: the output agrees, but `im3_t` is not defined after this cell (later cells use it)'
    shown[-1]['data'][LEARNKIT_MIME]['bound']['im3_t'] = {'kind': 'tensor', 'shape': [28, 28], 'dtype': 'uint8'}
    assert judge_cell(c, shown, chapter=ch).verdict == 'match'

def test_a_submodule_import_is_the_module_the_book_imports():
    from learnkit.reproduce.bindings import bindings, compare_bindings, describe_value
    import torch.nn as nn
    code = 'import torch.nn as nn\nclass LinearLayer(nn.Module): pass'
    ns = {}; exec(code, ns)
    assert compare_bindings(bindings(code), {n: describe_value(ns[n]) for n in bindings(code)}).line == \
        '✓ defined: defines `LinearLayer`; imports `nn` as the book does'

# --- hints that read the attempt

def test_hints_point_at_where_the_attempt_departs():
    from learnkit.reproduce.hints import hint_ladder
    book = '(im3_t[4:7, 6:9] * top_edge).sum()'
    ladder = hint_ladder(book, '%%reproduce 1a\n(im3_t[4:8, 6:9] * top_edge).sum()')
    assert ladder == ['# line 2: look at the slice bounds', book]  # the names and the masked code are already in the cell
    assert hint_ladder('show_image(xb[0, 0]);', 'show_image(xb[5, 0]);')[0] == '# line 1: look at the index'
    fresh = hint_ladder(book)
    assert fresh[0] == '# uses: im3_t, top_edge, sum' and fresh[-1] == book and len(fresh) == 3

def test_buttons_follow_the_verdict():
    from learnkit.ui.reproduce import ReproduceModel, reproduce_widget
    c = Cell(0, 'ab', 'code', '(im3_t[4:7, 6:9] * top_edge).sum()', [res('tensor(762.)')], kind='code')
    bad = ReproduceModel('x', c, [], Verdict('mismatch', 'the number differs'), record=False, attempt='(im3_t[4:8, 6:9] * top_edge).sum()')
    assert bad.help_label == 'Hint 1 of 1' and bad.next_help() == '# line 1: look at the slice bounds'
    w = reproduce_widget(ReproduceModel('x', c, [], Verdict('match'), record=False, attempt=c.code))
    assert w.children[0].children[1].layout.display == 'none' and w.model_.help_label == ''  # done: no "Show the solution"

# --- only what ran counts, cell numbers, refs, the cache

def _scaffolded(tmp_path):
    from learnkit.reproduce.scaffold import scaffold
    from learnkit.book.chapters import load_chapter
    ch = load_chapter('demo')
    return ch, scaffold(ch)

def test_pasted_outputs_are_not_a_run(tmp_path):
    from learnkit.reproduce.state import reproduction_state
    ch, nb = _scaffolded(tmp_path)
    book = {c.id: c for c in ch.code_cells}
    for c in nb['cells']:
        lk = c['metadata'].get('learnkit', {})
        if lk.get('kind') == 'blank':
            c['source'] = c['source'].split('\n')[0] + '\npass'
            c['outputs'], c['execution_count'] = copy.deepcopy(book[lk['src']].outputs), None  # the book's outputs, pasted
    p = reproduction_state(ch, nb).progress
    assert (p.written, p.ran, p.done) == (len(ch.code_cells), 0, 0)

def test_a_cell_without_a_count_ran_when_reproduce_ran_its_code(tmp_path):
    from learnkit.reproduce.state import reproduction_state
    from learnkit.store.attempts import record_attempt
    ch, nb = _scaffolded(tmp_path)
    blank = next(c for c in nb['cells'] if c['metadata'].get('learnkit', {}).get('kind') == 'blank')
    first = ch.code_cells[0]
    blank['source'] = f'%%reproduce {first.id}\n{first.code}'
    assert reproduction_state(ch, nb).cells[0].stage == 'written'
    record_attempt(ch.key, first.id, Verdict('defined'), code=f'%%reproduce {first.id}\n{first.code}  # saved with a comment since')
    assert reproduction_state(ch, nb).cells[0].stage == 'ran'

def test_cells_are_numbered_as_jupyter_shows_them_and_foreign_refs_are_reported(tmp_path):
    from learnkit.reproduce.diff import diff_notebooks, format_diff
    ch, nb = _scaffolded(tmp_path)
    blanks = [k for k, c in enumerate(nb['cells']) if c['metadata'].get('learnkit', {}).get('kind') == 'blank']
    c = ch.code_cells[2]
    k = blanks[2]
    nb['cells'][k]['source'] = f'%%reproduce {c.id}\nlen(files) + 1'
    nb['cells'][k]['outputs'], nb['cells'][k]['execution_count'] = [res('113')], 3
    for j in blanks[5:7]: nb['cells'][j]['source'] = '%%reproduce zz99zz99\nx = 1'
    r = diff_notebooks(ch, nb, record=False)
    cell = next(x for x in r['cells'] if x['ref'] == c.id)
    assert cell['number'] == k + 1
    text = format_diff(r)
    assert f'your cell {k + 1}: the number differs (yours 113)' in text
    assert "2 cells have a ref this chapter doesn't have; aligned by their code" in text

def test_verdicts_are_kept_until_the_cell_changes(tmp_path, monkeypatch):
    import learnkit.reproduce.state as S, learnkit.reproduce.judge as J
    ch, nb = _scaffolded(tmp_path)
    book = {c.id: c for c in ch.code_cells}
    for n, c in enumerate(x for x in nb['cells'] if x['metadata'].get('learnkit', {}).get('kind') == 'blank'):
        b = book[c['metadata']['learnkit']['src']]
        c['source'], c['outputs'], c['execution_count'] = f'%%reproduce {b.id}\n{b.code}', copy.deepcopy(b.outputs), n + 1
    calls = []
    real = J.judge_cell  # state imports it when a cell needs judging
    monkeypatch.setattr(J, 'judge_cell', lambda *a, **k: calls.append(1) or real(*a, **k))
    first = S.reproduction_state(ch, nb).progress
    n = len(calls)
    assert n == len(ch.code_cells)
    assert S.reproduction_state(ch, nb).progress == first and len(calls) == n  # nothing changed: nothing judged again
    edited = next(c for c in nb['cells'] if c['metadata'].get('learnkit', {}).get('kind') == 'blank' and c['outputs'])
    edited['outputs'] = [res('0')]
    S.reproduction_state(ch, nb)
    assert len(calls) == n + 1  # one cell changed: one judged
    nb['cells'].insert(0, dict(cell_type='code', source='x_mine = 1', metadata={}, outputs=[], execution_count=None))
    S.reproduction_state(ch, nb)
    assert len(calls) == n + 1  # a cell of the learner's own at the top renumbers every cell: none judged again

def test_long_outputs_are_judged_in_linear_time():
    "A 100 KB line without spaces costs no more than twice the same length with spaces (no backtracking on untrusted text)."
    c = Cell(0, 'p', 'code', "print('A'*50000)", [out('A' * 100_000 + '\n')], kind='code')
    def cost(text):
        t = time.perf_counter(); v = judge_cell(c, [out(text)]); return time.perf_counter() - t, v
    spaced, _ = cost(('A' * 99 + ' ') * 1000)
    dense, v = cost('/' + 'a/' * 49_999 + '.fastai/x\n')
    assert dense < 2 * spaced + 0.05, (dense, spaced)
    assert v.detail.endswith('compared on the first and last 2,000 characters of a 100,000-character output') or 'characters' in v.detail

# --- the live magic

def test_a_trailing_semicolon_hides_the_result(shell):
    from learnkit.ui.reproduce import run_captured
    outputs, _ = run_captured(shell, "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nplt.plot([1, 2]);")
    assert [o['output_type'] for o in outputs if o['output_type'] == 'execute_result'] == []
    outputs, _ = run_captured(shell, "x_semicolon = 3\nx_semicolon  # no semicolon: the value shows")
    assert outputs[-1]['data']['text/plain'] == '3'

def test_an_interrupt_stops_run_all_and_records_nothing(shell, capsys):
    from learnkit.store.db import get_store
    from learnkit.book.chapters import load_chapter
    ref = load_chapter('demo').code_cells[2].id
    r = shell.run_cell(f"%%reproduce {ref} --chapter demo\nraise KeyboardInterrupt")
    assert isinstance(r.error_in_exec, KeyboardInterrupt)  # the cell fails, so Run All stops here
    assert 'learnkit: interrupted; nothing judged or recorded' in capsys.readouterr().err
    assert get_store().rows('attempts') == []

def test_a_bug_in_the_judge_is_could_not_check_with_the_reason(shell, monkeypatch, capsys):
    import learnkit.ui.reproduce as U
    from learnkit.book.chapters import load_chapter
    ref = load_chapter('demo').code_cells[2].id
    monkeypatch.setattr(U, 'judge_cell', lambda *a, **k: {}['boom'])
    shell.run_cell(f"%%reproduce {ref} --chapter demo\n1 + 1")
    v = shell._learnkit_magics.state.last_attempt.verdict
    assert v.verdict == 'could-not-check' and v.detail.startswith("learnkit could not judge this cell (KeyError: 'boom')")
    monkeypatch.setenv('LEARNKIT_DEBUG', '1')
    shell.run_cell(f"%%reproduce {ref} --chapter demo\n1 + 1")
    assert 'Traceback' in capsys.readouterr().err

def test_no_chapter_active_says_which_cell_to_run(shell, tmp_path, monkeypatch, capsys):
    from learnkit.reproduce.scaffold import write_scaffold
    p = write_scaffold('demo', out=tmp_path/'demo_reproduce.ipynb').path
    monkeypatch.setenv('JPY_SESSION_NAME', str(p))
    shell._learnkit_magics.state.chapter = None
    shell.run_cell('%%reproduce 3f2a9c1e')
    assert ("no chapter is active in this kernel for %%reproduce 3f2a9c1e (a new or restarted kernel has none): run the notebook's "
            "first cell (cell 2: `%lesson demo`), then the cells above this one") in capsys.readouterr().err

def test_autoload_writes_and_removes_an_ipython_startup_file(tmp_path):
    from learnkit.ui.reproduce import autoload_path, set_autoload
    assert set_autoload(True, tmp_path).startswith('wrote ') and autoload_path(tmp_path).exists()
    assert 'already' in set_autoload(True, tmp_path)
    assert set_autoload(False, tmp_path).startswith('removed ') and not autoload_path(tmp_path).exists()

# --- the command line

def test_diff_html_never_replaces_a_notebook(tmp_path, capsys):
    from learnkit.cli.main import main
    from learnkit.reproduce.scaffold import write_scaffold
    p = write_scaffold('demo', out=tmp_path/'demo_reproduce.ipynb').path
    before = p.read_text()
    assert main(['diff', 'demo', str(p), '--html', str(p)]) == 1
    assert 'would replace a notebook with a web page' in capsys.readouterr().err and p.read_text() == before
    page = tmp_path/'diff.html'
    assert main(['diff', 'demo', str(p), '--html', str(page)]) == 0 and page.exists()
    assert main(['diff', 'demo', str(p), '--html', str(page)]) == 1 and 'pass --force' in capsys.readouterr().err
    assert main(['diff', 'demo', str(p), '--html', str(page), '--force']) == 0 and 'previous file is kept as' in capsys.readouterr().err

def test_the_judge_imports_nothing_heavy():
    code = ("import sys, learnkit.reproduce.judge, learnkit.reproduce.goals; "
            "print([m for m in ('IPython', 'ipywidgets', 'torch', 'fastai', 'nbformat', 'pandas', 'matplotlib', 'numpy', 'PIL') if m in sys.modules])")
    assert subprocess.run([sys.executable, '-c', code], capture_output=True, text=True).stdout.strip() == '[]'
