"""Verdicts on the book's own code, over REAL kernel outputs: timing reports, random draws (several kernels, so several
seeds), definitions, and mutations that must still be caught. The book is a small fastbook-shaped chapter executed once
in a real kernel; the learner's runs are further real kernels (nbclient) or the real IPython shell."""
import json, sys
from pathlib import Path
import pytest

pytestmark = pytest.mark.slow  # real kernels

nbformat = pytest.importorskip('nbformat')
from kernel_cells import plain, run_cells

BOOK = {
    'imports': "import torch, numpy as np\ntorch.set_printoptions(precision=4)",
    'mats': "m1 = torch.randn(5, 28*28)\nm2 = torch.randn(784, 10)",
    'matmul': "def matmul(a, b):\n    ar, ac = a.shape\n    br, bc = b.shape\n    c = torch.zeros(ar, bc)\n    for i in range(ar):\n        c[i] = (a[i].unsqueeze(-1) * b).sum(dim=0)\n    return c",
    'time': "%time t1 = matmul(m1, m2)",
    'timeit': "%timeit -n 20 t2 = m1 @ m2",
    'cell_time': "%%time\nt3 = m1 @ m2",
    'time_value': "%time torch.arange(6).reshape(2, 3).sum(0)",
    'shape': "t1.shape",
    'stats': "l1 = torch.randn(100, 100) * 10\nl1.mean(), l1.std()",
    'draw': "torch.randn(3, 3)",
    'upstream': "x = m1 @ m2\nx.std()",
    'ints': "torch.randint(0, 10, (4, 5))",
    'seeded': "torch.manual_seed(42)\ntorch.rand(2, 3)",
    'eye': "torch.eye(3) * 4",
    'err': "torch.ones(2, 3) @ torch.ones(2, 3)",
    'shuffle': "import random\nxs = list(range(10))\nrandom.shuffle(xs)\nxs",
    'loss': "((m1 @ m2) ** 2).mean()",  # computed from random values: its size depends on the draw
    'touch': "m1[0] = 0.",
    'pil': "from PIL import Image\nImage.new('RGB', (20, 20), (200, 10, 10))",
}

# learner code that differs from the book's in a way that changes what the cell produces: never done
MUTANTS = {
    'draw': ["torch.randn(3, 4)", "torch.randn(3, 3) * 100", "torch.randn(3, 3) + 5", "torch.randint(0, 3, (3, 3))"],
    'stats': ["l1 = torch.randn(100, 100) * 100\nl1.mean(), l1.std()", "l1 = torch.randn(100, 100) * 10 + 50\nl1.mean(), l1.std()"],
    'ints': ["torch.randint(0, 100, (4, 5))", "torch.randint(0, 10, (5, 4))"],
    'eye': ["torch.eye(3) * 5", "torch.eye(4) * 4", "torch.eye(3) * 4 + torch.tensor([[0, 0, 0], [0, 0, 0], [0, 0, 96.]])"],
    'seeded': ["torch.manual_seed(43)\ntorch.rand(2, 3)"],
    'time_value': ["%time torch.arange(6).reshape(2, 3).sum(1)"],
    'timeit': ["t2 = m1 @ m2"],
    'shape': ["t1.T.shape"],
    'err': ["torch.ones(2, 3) @ torch.ones(3, 2)"],
    'shuffle': ["import random\nxs = list(range(11))\nrandom.shuffle(xs)\nxs"],
    'loss': ["((m1 @ m2) ** 2).mean(0)"],
}

execute = run_cells

@pytest.fixture(scope='module')
def book():
    "The book chapter: a title, a section, the cells above, executed once in a real kernel."
    from learnkit.book.chapters import parse_chapter
    nb = execute(list(BOOK.values()))
    nb.cells = [nbformat.v4.new_markdown_cell('# Foundations, from scratch'), nbformat.v4.new_markdown_cell('## Matrices')] + nb.cells
    ch = parse_chapter(json.loads(nbformat.writes(nb)))
    cells = dict(zip(BOOK, ch.code_cells))
    return ch, cells

@pytest.fixture(scope='module')
def learner_runs():
    "Three more kernels running the book's code as it is: three other random draws."
    return [[plain(c.outputs) for c in execute(list(BOOK.values())).cells] for _ in range(3)]

def judge(book, name, outputs):
    from learnkit.reproduce.judge import judge_cell
    ch, cells = book
    return judge_cell(cells[name], outputs, chapter=ch)

def test_book_code_as_is_is_done_on_every_draw(book, learner_runs):
    from learnkit.reproduce.rules import is_done
    for run in learner_runs:
        for name, outs in zip(BOOK, run):
            if name in ('imports', 'mats', 'matmul', 'touch'): continue  # cells that show nothing: judged by %%reproduce below
            v = judge(book, name, outs)
            assert is_done(v.verdict), (name, v.line)

def test_kinds_and_wording(book, learner_runs):
    run = dict(zip(BOOK, learner_runs[0]))
    ch, cells = book
    for name in ('time', 'timeit', 'cell_time'):
        assert cells[name].outputs and judge(book, name, run[name]).verdict == 'timed', name
    assert judge(book, 'time_value', run['time_value']).line.startswith('◷ timed: ran, and its result agrees')
    v = judge(book, 'stats', run['stats'])
    assert v.line == '⚄ random: shape and scale agree'
    assert judge(book, 'upstream', run['upstream']).verdict == 'random'  # random through m1 and m2, drawn two cells up
    assert judge(book, 'seeded', run['seeded']).verdict == 'match'  # a seed in the cell makes it repeatable
    assert judge(book, 'eye', run['eye']).verdict == 'match'
    assert judge(book, 'err', run['err']).verdict == 'expected-error'
    assert judge(book, 'shuffle', run['shuffle']).verdict == 'random'  # the same items in another order
    assert judge(book, 'loss', run['loss']).line == '⚄ random: computed from random values: shape, signs and size band agree (their scale varies from draw to draw)'

def test_mutations_are_caught(book):
    from learnkit.reproduce.rules import is_done
    names = [n for n, ms in MUTANTS.items() for _ in ms]
    # the mutant runs after the book's cells, in the state they leave
    nb = execute(list(BOOK.values()) + [m for ms in MUTANTS.values() for m in ms])
    outs = [plain(c.outputs) for c in nb.cells[len(BOOK):]]
    for name, code, o in zip(names, [m for ms in MUTANTS.values() for m in ms], outs):
        v = judge(book, name, o)
        assert not is_done(v.verdict), (name, code, v.line)

def test_mismatch_points_where_without_the_book_value(book):
    nb = execute(["import torch", "torch.eye(3) * 4 + torch.tensor([[0, 0, 0], [0, 0, 0], [0, 0, 96.]])"])
    v = judge(book, 'eye', plain(nb.cells[1].outputs))
    assert v.detail == 'same shape (3, 3) and dtype; element [2, 2] differs (yours 100.)'
    assert '4.' not in v.detail

def test_random_wrong_shape_and_scale_wording(book):
    nb = execute(["import torch", "torch.randn(3, 4)", "torch.randn(3, 3) * 100"])
    outs = [plain(c.outputs) for c in nb.cells]
    v = judge(book, 'draw', outs[1])
    assert v.verdict == 'mismatch' and v.detail.endswith('expected shape (3, 3), got (3, 4)')
    v = judge(book, 'draw', outs[2])
    assert v.verdict == 'mismatch' and v.detail.startswith('random values, but')

def test_goals_of_the_book_cells(book):
    from learnkit.reproduce.goals import goal_of
    ch, cells = book
    g = {n: goal_of(c, ch) for n, c in cells.items()}
    assert g['matmul'] == '→ defines `matmul(a, b)`'
    assert g['imports'] == '→ imports `torch`, `np`'
    assert g['time'] == g['timeit'] == g['cell_time'] == '→ timed'
    assert g['draw'] == '→ a (3, 3) float tensor (random values)'
    assert g['eye'] == '→ a (3, 3) float tensor'
    assert g['err'] == '→ raises RuntimeError'
    for n, c in cells.items():  # never the book's code or values
        assert c.code not in g[n] and '4.' not in g[n]

# --- definitions, through %%reproduce in the real IPython shell

@pytest.fixture
def chapter_file(tmp_path, book):
    "The executed book chapter saved as a notebook, to name with `--chapter PATH`."
    ch, _ = book
    p = tmp_path/'foundations.ipynb'
    cells = [dict(cell_type='markdown', source=c.source, metadata={}) if c.cell_type == 'markdown' else
             dict(cell_type='code', source=c.source, metadata={}, outputs=c.outputs, execution_count=None) for c in ch.cells]
    p.write_text(json.dumps(dict(nbformat=4, nbformat_minor=5, metadata={}, cells=cells)))
    return p

def _verdict(shell):
    return shell._learnkit_magics.state.last_attempt.verdict

def test_definitions_judged_by_what_they_bind(shell, chapter_file, book):
    ch, cells = book
    head = lambda n: f"%%reproduce {cells[n].id} --chapter {chapter_file}\n"
    shell.run_cell(head('imports') + "import torch, numpy as np")
    assert _verdict(shell).verdict == 'defined'
    shell.run_cell(head('mats') + "m1 = torch.randn(5, 28*28)\nm2 = torch.randn(784, 10)")
    assert _verdict(shell).line == '✓ defined: defines `m1`, `m2` as the book does'
    shell.run_cell(head('matmul') + "def matmul(a, b): return a @ b")
    assert _verdict(shell).line == '✓ defined: defines `matmul(a, b)` as the book does'
    shell.run_cell(head('matmul') + "def matmul(a): return a @ a.T")
    v = _verdict(shell)
    assert v.verdict == 'mismatch' and v.detail == '`matmul` should take 2 parameters; yours takes 1 (a)'
    shell.user_ns.pop('matmul', None)
    shell.run_cell(head('matmul') + "def mat_mul(a, b): return a @ b")
    v = _verdict(shell)
    assert v.verdict == 'mismatch' and v.detail == '`matmul` is not defined after this cell (later cells use it)'
    shell.run_cell(head('touch') + "m1[0] = 0.")
    assert _verdict(shell).line == '✓ defined: updates `m1` as the book does'
    shell.run_cell(head('matmul') + "matmul = 3")
    assert _verdict(shell).detail == '`matmul` should be a function; yours is a number'

def test_saved_verdict_output_judges_the_same_offline(chapter_file, book):
    "What %%reproduce stores in its verdict output lets `judge_cell` reach the same verdict from the saved notebook."
    from learnkit.reproduce.verdict import LEARNKIT_MIME
    from learnkit.reproduce.judge import judge_cell
    ch, cells = book
    head = f"%%reproduce {cells['matmul'].id} --chapter {chapter_file}\n"
    cases = [("def matmul(a, b): return a @ b", 'defined'), ("def matmul(a): return a", 'mismatch')]
    nb = execute(["%load_ext learnkit", "import torch"] + [head + code for code, _ in cases])
    saved = nbformat.reads(nbformat.writes(nb), as_version=4)  # as a notebook file keeps it
    for cell, (code, want) in zip(saved.cells[2:], cases):
        outs = plain(cell.outputs)
        mine = [o for o in outs if LEARNKIT_MIME in (o.get('data') or {})]
        assert mine and mine[0]['data'][LEARNKIT_MIME]['verdict'] == want, code
        assert judge_cell(cells['matmul'], outs, chapter=ch).verdict == want, code

def test_empty_blank_shows_goal_and_first_hint(shell, chapter_file, book, capsys):
    from learnkit.store.attempts import hints_taken
    from learnkit.store.db import get_store
    ch, cells = book
    r = shell.run_cell(f"%%reproduce {cells['matmul'].id} --chapter {chapter_file}")
    out = capsys.readouterr()
    assert r.error_before_exec is None and r.error_in_exec is None
    assert 'cell body is empty' not in out.out + out.err
    assert '→ defines `matmul(a, b)`' in out.out and 'hint: # uses:' in out.out
    assert 'c[i] = ' not in out.out  # not the code
    assert get_store().rows('attempts') == []  # nothing was attempted
    assert hints_taken(Path(chapter_file).stem)[cells['matmul'].id].level == 1
    # with only a goal line and comments under it, the same
    shell.run_cell(f"%%reproduce {cells['matmul'].id} --chapter {chapter_file}\n# → defines `matmul(a, b)`\n")
    assert '→ defines `matmul(a, b)`' in capsys.readouterr().out

def test_empty_blank_in_a_real_kernel(tmp_path, chapter_file, book):
    "The same through ipykernel: a bare `%%reproduce REF` cell reaches the magic on this IPython."
    ch, cells = book
    nb = execute(["%load_ext learnkit", f"%%reproduce {cells['eye'].id} --chapter {chapter_file}",
                  f"%%reproduce {cells['eye'].id} --chapter {chapter_file}\nimport torch\ntorch.eye(3) * 4"])
    blank, done = nb.cells[1], nb.cells[2]
    assert not [o for o in blank.outputs if o.output_type == 'error']
    text = ''.join(o.get('data', {}).get('text/plain', '') for o in blank.outputs)
    assert '→ a (3, 3) float tensor' in text
    assert any('✓ match' in o.get('data', {}).get('text/plain', '') for o in done.outputs)

def test_live_image_is_judged_like_the_saved_one(shell, chapter_file, book):
    "A live run holds the image's raw bytes, a saved notebook base64: both judged the same."
    ch, cells = book
    types = shell.display_formatter.active_types
    shell.display_formatter.active_types = list(types) + ['image/png']  # as a kernel's shell has it; a terminal's shows text only
    try: shell.run_cell(f"%%reproduce {cells['pil'].id} --chapter {chapter_file}\n" + BOOK['pil'])
    finally: shell.display_formatter.active_types = types
    assert _verdict(shell).line == '≈ close: the images look alike (similarity 1.00)'

def test_tol_and_band_are_separate(shell, chapter_file, book):
    ch, cells = book
    head = f"%%reproduce {cells['eye'].id} --chapter {chapter_file}"
    shell.run_cell(head + " --band 0.9\nimport torch\ntorch.eye(3) * 4.001")
    assert _verdict(shell).verdict == 'mismatch'  # --band does not loosen numbers
    shell.run_cell(f"%%reproduce --tol 1e-3 {cells['eye'].id} --chapter {chapter_file}\nimport torch\ntorch.eye(3) * 4.001")
    assert _verdict(shell).verdict == 'close'  # options in any order

def test_the_books_own_code_failing_on_newer_libraries_is_not_blamed_on_the_learner():
    # the book ran numpy < 1.24, where `np.float` still existed; here it raises
    from learnkit.book.chapters import parse_chapter
    from learnkit.reproduce.judge import judge_cell
    book_code = "import numpy as np\nnp.float(3)"
    ch = parse_chapter(dict(nbformat=4, nbformat_minor=5, metadata={}, cells=[
        dict(cell_type='markdown', metadata={}, source='# Old APIs'),
        dict(cell_type='code', metadata={}, execution_count=1, source=book_code,
             outputs=[dict(output_type='execute_result', execution_count=1, metadata={}, data={'text/plain': '3.0'})])]))
    [cell] = ch.code_cells
    typed = "%%reproduce " + cell.id + "\nimport numpy as np\n\nnp.float( 3 )  # as in the book"
    mine = "import numpy as np\nnp.floot(3)"
    run = execute([typed.split('\n', 1)[1], mine])
    as_is = judge_cell(cell, run.cells[0].outputs, chapter=ch, code=typed)
    assert as_is.verdict == 'error' and as_is.detail.startswith("the book's code as it is fails with the libraries installed here")
    assert 'AttributeError' in as_is.detail and 'float' in as_is.detail
    other = judge_cell(cell, run.cells[1].outputs, chapter=ch, code=mine)
    assert other.verdict == 'error' and other.detail.startswith('AttributeError') and "book's code" not in other.detail

def test_a_cell_that_shows_and_defines_nothing_is_done_once_it_ran():
    # a look-up such as `math.sqrt??` shows nothing in a saved notebook and binds nothing: running it is all there is
    from learnkit.book.chapters import parse_chapter
    from learnkit.reproduce.judge import judge_cell
    sources = ["import math\nmath.pi", "math.sqrt??", "# the next cell is slow on a CPU: only a comment here"]
    book = execute(sources)
    ch = parse_chapter(json.loads(nbformat.writes(book)))
    assert [c.code for c in ch.code_cells] == sources[:2]  # a cell of comments only is nothing to reproduce
    look = ch.code_cells[1]
    mine = execute(sources[:2]).cells[1].outputs
    assert judge_cell(look, mine, chapter=ch).line == '✓ match: nothing to show or define, as in the book; yours ran'
    # a chapter stripped of its outputs cannot tell a cell that shows nothing from one whose output was removed
    for c in book.cells: c.outputs = []
    bare = parse_chapter(json.loads(nbformat.writes(book)))
    assert judge_cell(bare.code_cells[1], mine, chapter=bare).verdict == 'no-goal'
