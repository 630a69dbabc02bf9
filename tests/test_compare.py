"learnkit.reproduce.compare on real outputs: every output type produced by running real code in a real kernel."
import json, re, subprocess, sys
import pytest

pytestmark = pytest.mark.slow  # one real kernel runs the cells (test_judge.py holds the fast tests on plain data)

CELLS = {
    # name: source (each run once in one kernel; outputs compared in pairs below)
    'imports': "import torch, numpy as np, pandas as pd, warnings, matplotlib\nmatplotlib.use('module://matplotlib_inline.backend_inline')\nimport matplotlib.pyplot as plt\nfrom pathlib import Path\nfrom fastcore.foundation import L",
    't': "t = torch.arange(12.).reshape(3, 4)/7\nt",
    't_tiny': "t*(1+2e-5)",
    't_T': "t.T",
    't_x2': "t*2",
    't_int': "(t*7).int()",
    't_grad': "torch.ones(2, 3, requires_grad=True).sum(0)",
    't_grad2': "(torch.ones(2, 3)*1).sum(0)",
    'img': "from fastai.torch_core import TensorImage\nTensorImage(torch.zeros(3, 2))",
    'a': "np.arange(6).reshape(2, 3)",
    'a_f': "np.arange(6).reshape(2, 3)/1.",
    'df': "df = pd.DataFrame({'a': [1.5, 2.5, 3.25], 'b': ['x', 'y', 'z']})\ndf",
    'df_close': "pd.DataFrame({'a': [1.5, 2.5, 3.250001], 'b': ['x', 'y', 'z']})",
    'df_val': "pd.DataFrame({'a': [1.5, 2.5, 9.0], 'b': ['x', 'y', 'z']})",
    'df_col': "df.assign(c=1)",
    'plot': "plt.figure(figsize=(4, 3)); plt.plot([1, 3, 2, 4]); plt.show()",
    'plot2': "plt.figure(figsize=(4, 3)); plt.plot([1, 3, 2, 4]); plt.show()",
    'plot_other': "plt.figure(figsize=(4, 3)); plt.imshow(np.random.RandomState(0).rand(30, 40)); plt.show()",
    'plot_wide': "plt.figure(figsize=(8, 2)); plt.plot([1, 3, 2, 4]); plt.show()",
    'fit_setup': "from fastai.basics import *\nfrom fastai.callback.all import *\ndef tiny(seed):\n    set_seed(seed)\n    x = torch.randn(64, 2); y = (x[:, 0] > 0).long()\n    dls = DataLoaders.from_dsets(list(zip(x[:48], y[:48])), list(zip(x[48:], y[48:])), bs=16)\n    return Learner(dls, nn.Linear(2, 2), loss_func=CrossEntropyLossFlat(), metrics=accuracy)",
    'fit_a': "tiny(1).fit(2, 0.1)",
    'fit_b': "tiny(2).fit(2, 0.1)",
    'fit_3': "tiny(1).fit(3, 0.1)",
    'stream': "import sys\nfor i in range(5): print(f'\\r{i*25}%', end='')\nprint()\nwarnings.warn('careful')\nprint('done')",
    'stream2': "print('100%')\nprint('done')",
    'paths': "L([Path('/root/.fastai/data/mnist_sample/valid'), Path('/root/.fastai/data/mnist_sample/train')])",
    'paths2': "L([Path('/home/me/.fastai/data/mnist_sample/train'), Path('/home/me/.fastai/data/mnist_sample/valid')])",
    'paths3': "L([Path('/home/me/.fastai/data/mnist_sample/train')])",
    'obj': "object()",
    'obj2': "object()",
    'err': "1/0",
    'widget': "import ipywidgets as W\nW.IntSlider(3)",
    'widget2': "W.Button(description='Classify')",
    'words': "words = 'a few words here'\nwords[:11]",
    'words_space': "words[:12]",
    'words_double': "words[:11].replace(' ', '  ', 1)",
    'pic': "def pic(seed, dy=0):\n    a = np.random.RandomState(seed).randint(0, 60, (28, 28)); a[4+dy:18+dy, 7:21] = 200\n    return a\nplt.figure(figsize=(2, 2)); plt.imshow(pic(1)); plt.axis('off'); plt.show()",
    'pic_big': "plt.figure(figsize=(3, 3)); plt.imshow(pic(1)); plt.axis('off'); plt.show()",
    'pic_other': "plt.figure(figsize=(2, 2)); plt.imshow(pic(2, dy=2)); plt.axis('off'); plt.show()",
    'scalar': "len(df)*37",
    'scalar2': "len(df)*38",
}

@pytest.fixture(scope='module')
def outs():
    "Each cell's outputs, from one real kernel run of all the cells."
    from kernel_cells import plain, run_cells
    return {k: plain(c.outputs) for k, c in zip(CELLS, run_cells(CELLS.values()).cells)}

def V(outs, goal, got, **kw):
    from learnkit.reproduce.compare import compare_outputs
    from learnkit.reproduce.rules import Tolerance
    return compare_outputs(outs[goal], outs[got], Tolerance().merged(**kw))

def test_same_output_matches(outs):
    for k in ('t', 'a', 'df', 'fit_a', 'stream', 'paths', 'obj', 'img', 'scalar'):
        assert V(outs, k, k).verdict == 'match', k

def test_tensors(outs):
    v = V(outs, 't', 't_tiny')  # values printed to 4 decimals: they differ in the last digit, within its unit
    assert (v.verdict, v.detail) == ('close', 'max rel. diff 1.2e-04') and v.kind == 'tensor'
    v = V(outs, 't', 't_T')
    assert (v.verdict, v.detail) == ('mismatch', 'expected shape (3, 4), got (4, 3)')
    v = V(outs, 't', 't_x2')
    assert v.line == '✗ mismatch: same shape (3, 4) and dtype; element [0, 1] differs (yours 0.2857), 11 of 12 values differ'
    assert 'dtype' in V(outs, 't', 't_int').detail
    assert V(outs, 't_grad', 't_grad2').verdict == 'match'  # grad_fn suffix ignored
    assert V(outs, 'img', 't').verdict == 'mismatch'  # a TensorImage is not a plain tensor

def test_arrays(outs):
    assert V(outs, 'a', 'a').verdict == 'match'
    assert V(outs, 'a', 'a_f').verdict == 'mismatch'

def test_dataframes(outs):
    v = V(outs, 'df', 'df_close')  # pandas prints 3.250001 where the book has 3.25
    assert v.line == '≈ close: max rel. diff 3.1e-07' and v.kind == 'frame'
    v = V(outs, 'df', 'df_val')
    assert v.verdict == 'mismatch' and 'row 3, column a differs (yours 9.0)' in v.detail, v.detail
    v = V(outs, 'df', 'df_col')
    assert v.line == '✗ mismatch: expected a table of 3 rows × 2 columns, got 3 × 3'  # columns counted as pandas counts them

def test_images_never_match(outs):
    assert outs['plot'][0]['data'].get('image/png')
    v = V(outs, 'plot', 'plot2')
    assert v.verdict == 'close' and v.score > 0.9
    assert V(outs, 'plot', 'plot_other').detail.startswith('an image of the right shape that looks different')
    assert V(outs, 'plot', 'plot_wide').verdict == 'mismatch'

def test_training_tables(outs):
    from learnkit.reproduce.compare import output_items
    assert [i.kind for i in output_items(outs['fit_a'])] == ['train']
    v = V(outs, 'fit_a', 'fit_b')  # another seed: the same epochs, metrics outside the default band
    assert v.verdict == 'shape-only' and v.detail.startswith('same epochs and columns; final ') and v.detail.endswith('(band ±25%)')
    assert V(outs, 'fit_a', 'fit_b', band=9.).verdict == 'close'
    assert V(outs, 'fit_a', 'fit_3').detail == 'expected 2 epochs, got 3'

def test_streams(outs):
    assert any(o.get('name') == 'stderr' for o in outs['stream'])  # the warning is there, and ignored
    assert V(outs, 'stream', 'stream2').verdict == 'match'
    assert V(outs, 'stream2', 'scalar').verdict == 'mismatch'

def test_paths_and_listings(outs):
    assert V(outs, 'paths', 'paths2').verdict == 'match'  # dataset root and listing order ignored
    assert V(outs, 'paths', 'paths3').detail == 'expected 2 items, got 1'

def test_addresses_errors_widgets_scalars(outs):
    assert V(outs, 'obj', 'obj2').verdict == 'match'
    v = V(outs, 'scalar', 'err')
    assert v.verdict == 'error' and v.detail.startswith('ZeroDivisionError')
    assert V(outs, 'err', 'err').verdict == 'expected-error'  # the book raising on purpose
    assert V(outs, 'widget', 'widget').verdict == 'match'  # same class and settings, from its text repr
    assert V(outs, 'widget', 'widget2').verdict == 'mismatch'
    v = V(outs, 'scalar', 'scalar2')
    assert v.verdict == 'mismatch' and '111' not in v.detail  # never reveals the book's value
    assert V(outs, 'imports', 'scalar').verdict == 'no-goal'

def test_learnkit_outputs_ignored(outs):
    from learnkit.reproduce.compare import LEARNKIT_MIME, is_learnkit_output
    mine = {'output_type': 'display_data', 'data': {LEARNKIT_MIME: {'verdict': 'match'}, 'text/plain': '✓ match'}, 'metadata': {}}
    assert is_learnkit_output(mine)
    assert V({'a': outs['scalar'], 'b': outs['scalar'] + [mine]}, 'a', 'b').verdict == 'match'

def test_core_imports_nothing_heavy():
    code = "import sys, learnkit.reproduce.compare; bad = [m for m in ('IPython', 'ipywidgets', 'torch', 'fastai', 'nbformat', 'pandas', 'matplotlib') if m in sys.modules]; print(bad)"
    assert subprocess.run([sys.executable, '-c', code], capture_output=True, text=True).stdout.strip() == '[]'

def _nb(cells):
    return {'nbformat': 4, 'nbformat_minor': 5, 'metadata': {}, 'cells': cells}

def test_check_notebooks_cli(tmp_path, capsys):
    from learnkit.book.chapters import load_chapter
    from learnkit.cli.main import main
    from learnkit.store.db import get_store
    ch = load_chapter('demo')
    cells = []
    for i, c in enumerate(ch.code_cells):
        outputs = c.outputs
        if i == 3: outputs = [{'output_type': 'execute_result', 'data': {'text/plain': 'torch.Size([32, 32])'}, 'metadata': {}, 'execution_count': 1}]
        if i == 4: outputs = [{'output_type': 'error', 'ename': 'NameError', 'evalue': "name 't' is not defined", 'traceback': []}]
        md = {'learnkit': {'src': c.id}} if i % 2 else {}
        src = c.code if i % 3 == 0 else f'%%reproduce {c.id}\n{c.code}'
        cells.append({'cell_type': 'code', 'source': src, 'metadata': md, 'outputs': outputs, 'execution_count': i + 1})
    p = tmp_path/'demo_reproduce.ipynb'
    p.write_text(json.dumps(_nb(cells)))
    assert main(['check', 'demo', str(p), '--json']) == 0
    r = json.loads(capsys.readouterr().out)
    assert len(r['cells']) == len(ch.code_cells)
    by = {c['ref']: c for c in r['cells']}
    assert by[ch.code_cells[3].id]['verdict'] == 'mismatch'
    assert by[ch.code_cells[4].id]['verdict'] == 'error'
    assert by[ch.code_cells[1].id]['verdict'] == 'match'
    counts = r['progress']['verdicts']
    assert sum(counts.values()) == len(ch.code_cells) and set(counts) >= {'match', 'close', 'timed', 'random', 'defined', 'mismatch', 'no-goal', 'error'}
    rows = get_store().rows('checks')
    assert rows and rows[-1]['kind'] == 'check' and json.loads(rows[-1]['summary'])['verdicts']['error'] == 1
    assert main(['check', 'demo', str(p)]) == 0
    assert 'mismatch: expected shape (32, 32, 3), got (32, 32)' in capsys.readouterr().out

def test_whitespace_inside_a_string_is_text(outs):
    # a repr's padding is layout, but a space inside a quoted string is part of the value
    assert V(outs, 'words', 'words').verdict == 'match'
    for other in ('words_space', 'words_double'):
        v = V(outs, 'words', other)
        assert v.verdict == 'mismatch' and 'the text differs' in v.detail, (other, v.line)

def test_images_with_one_layout_and_other_content_differ(outs):
    # the same picture drawn larger looks alike; another picture of the same layout (two handwritten 3s) does not
    v = V(outs, 'pic', 'pic_big')
    assert v.verdict == 'close', v.line
    v = V(outs, 'pic', 'pic_other')
    assert not v.ok and 'looks different' in v.detail, v.line

