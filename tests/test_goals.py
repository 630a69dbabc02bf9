"learnkit.reproduce.goals: the one-line goal of a blank, from REAL kernel outputs and the real chapters, never giving the answer away."
import re, subprocess, sys
import pytest

pytestmark = pytest.mark.slow  # one real kernel runs the cells; the real chapters are read whole

CELLS = {
    'imports': "import torch, matplotlib\nmatplotlib.use('module://matplotlib_inline.backend_inline')\nimport matplotlib.pyplot as plt",
    'tensor': "torch.arange(9.).reshape(3, 3) / 7",
    'def': "def matmul(a, b):\n    return a @ b",
    'raise': "torch.ones(2, 3) @ torch.ones(2, 3)",
    'timed': "%timeit -n 5 -r 2 torch.ones(30) * 2",
    'image': "plt.figure(figsize=(2, 2)); plt.plot([1, 3, 2]); plt.show()",
    'fit': ("from fastai.basics import *\nfrom fastai.callback.all import *\nset_seed(0)\nx = torch.randn(64, 2); y = (x[:, 0] > 0).long()\n"
            "dls = DataLoaders.from_dsets(list(zip(x[:48], y[:48])), list(zip(x[48:], y[48:])), bs=16)\n"
            "learn = Learner(dls, nn.Linear(2, 2), loss_func=CrossEntropyLossFlat(), metrics=error_rate)\nlearn.fit(1, 0.1)"),
    'printed': "for i in range(3): print(i * 10)",
    'count': "len('fastai') * 7",
}

@pytest.fixture(scope='module')
def cells():
    "The cells above run once in a real kernel, as book cells (`Cell`s with their outputs)."
    from kernel_cells import plain, run_cells
    from learnkit.book.chapters import Cell
    nb = run_cells(CELLS.values())
    return {k: Cell(i, k, 'code', src, plain(c.outputs), kind='code') for i, ((k, src), c) in enumerate(zip(CELLS.items(), nb.cells))}

def test_goals_from_real_outputs(cells):
    from learnkit.reproduce.goals import goal_of
    g = {k: goal_of(c) for k, c in cells.items()}
    assert g['tensor'] == '→ a (3, 3) float tensor'
    assert g['def'] == '→ defines `matmul(a, b)`'
    assert g['imports'] == '→ imports `torch`, `matplotlib`, `plt`'
    assert g['raise'] == '→ raises RuntimeError'
    assert g['timed'] == '→ timed'
    assert g['image'] == '→ an image'
    assert g['fit'].startswith('→ a training table: 1 epoch, error_rate')
    assert g['printed'] == '→ prints 3 lines'
    assert g['count'] == '→ an integer'
    assert '42' not in g['count']  # never the value

def test_goals_of_the_real_chapters_never_give_the_answer(fastbook):
    from learnkit.book.chapters import load_chapter
    from learnkit.reproduce.values import normalise_text
    from learnkit.reproduce.kinds import output_items
    from learnkit.reproduce.goals import goal_of
    for p in sorted(fastbook.glob('[0-9][0-9]_*.ipynb')):
        ch = load_chapter(str(p))
        for c in ch.code_cells:
            g = goal_of(c, ch)
            assert g.startswith('→ ') and '\n' not in g and len(g) < 160, (p.stem, g)
            for line in c.code.splitlines():  # no line of the book's code (a bare name is a name, which a goal may say)
                if len(line.strip()) > 6 and not line.strip().isidentifier(): assert line.strip() not in g, (p.stem, line, g)
            # no value the book printed, beyond shapes, counts and names
            shown = ' '.join(normalise_text(i.payload) for i in output_items(c.outputs) if i.kind in ('text', 'number', 'tensor'))
            for num in re.findall(r'\d+\.\d+', shown):
                assert num not in g, (p.stem, num, g)

def test_core_imports_nothing_heavy():
    code = "import sys, learnkit.reproduce.goals; print([m for m in ('IPython', 'ipywidgets', 'torch', 'fastai', 'nbformat') if m in sys.modules])"
    assert subprocess.run([sys.executable, '-c', code], capture_output=True, text=True).stdout.strip() == '[]'
