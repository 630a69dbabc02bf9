"%%reproduce end to end: a real InteractiveShell on the demo chapter, and a real kernel through nbclient."
import json
import pytest

@pytest.fixture
def demo_shell(shell):
    "The shell with the demo chapter active and its setup run (the book's hidden cells)."
    shell._learnkit_magics.state.chapter = 'demo'
    r = shell.run_cell("from fastai.vision.all import *\nfrom learnkit.book.datasets import demo_data")
    assert r.success
    return shell

def attempts():
    from learnkit.store.db import get_store
    return get_store().rows('attempts')

class _Refs(dict):
    "The demo chapter's refs, looked up by the start of the cell's code."
    def __getitem__(self, start): return next(v for k, v in self.items() if k.startswith(start))

def refs():
    from learnkit.book.chapters import load_chapter
    return _Refs({c.code: c.id for c in load_chapter('demo').code_cells})

def test_match_mismatch_error_and_records(demo_shell, capsys):
    ip, R = demo_shell, refs()
    ip.run_cell(f"%%reproduce {R['path = demo_']}\npath = demo_data()\nPath.BASE_PATH = path")
    ip.run_cell(f"%%reproduce {R['path.ls().so']}\npath.ls().sorted()")
    assert ip.user_ns['_'] == ip.user_ns['path'].ls().sorted()  # the cell's value is `_` as usual
    ip.run_cell(f"%%reproduce {R['files = get_']}\nfiles = get_image_files(path)\nprint('counting')\nlen(files)")
    ip.run_cell(f"%%reproduce {R['im = PILIma']}\nim = PILImage.create(sorted(files)[0])\nt = tensor(im)\nt[0].shape")
    ip.run_cell(f"%%reproduce {R['t[:6, :6, 0']} --show\nt[:6, :6, 0]")
    ip.run_cell(f"%%reproduce {R['t[:6, :6, 0']}\nt[:6, :6, 0] + undefined_name")
    out = capsys.readouterr().out
    assert 'counting' in out and 'NameError' in out and 'Traceback' in out  # the learner sees their output and the traceback
    assert out.count('<IPython.core.display.HTML object>') == 1  # --show displayed the side-by-side view (a terminal shows its repr)
    rows = attempts()
    assert [r['verdict'] for r in rows] == ['defined', 'match', 'close', 'mismatch', 'match', 'error']
    assert rows[3]['detail'] == 'expected shape (32, 32, 3), got (32, 3)'
    assert rows[5]['detail'].startswith('NameError')
    assert {r['chapter'] for r in rows} == {'demo'} and rows[1]['ref'] == R['path.ls().so']
    assert ip.user_ns['t'].shape == (32, 32, 3) and len(ip.user_ns['files']) == 112  # variables persist

def test_chapter_option_no_chapter_and_bad_ref(shell, capsys):
    R = refs()
    shell.user_ns.pop('n', None); shell.user_ns.pop('m', None)  # the shell is shared with earlier tests
    shell.run_cell(f"%%reproduce {R['files = get_']}\nn = 112\nn")
    err = capsys.readouterr().err
    assert 'no chapter is active in this kernel' in err and 'or pass --chapter CHAPTER' in err and 'n' not in shell.user_ns
    shell.run_cell(f"%%reproduce {R['files = get_']} --chapter demo\nn = 113\nn")
    assert attempts()[-1]['verdict'] == 'mismatch' and shell.user_ns['n'] == 113
    shell.run_cell("%%reproduce nothere --chapter demo\nm = 1")
    assert "no cell 'nothere' in chapter demo" in capsys.readouterr().err and 'm' not in shell.user_ns

def test_tol_record_and_peek(shell):
    R = refs()
    m = shell._learnkit_magics
    m.state.chapter = 'demo'
    roughness = R['def roughnes']
    shell.run_cell(f"%%reproduce {roughness}\n{{'dots': 0.0702, 'stripes': 0.1455}}")
    assert attempts()[-1]['verdict'] == 'mismatch'
    shell.run_cell(f"%%reproduce {roughness} --tol 0.01\n{{'dots': 0.0702, 'stripes': 0.1455}}")
    # the value is close enough now, but the cell defines `scores`, which a later cell uses: the right value alone is not done
    assert (attempts()[-1]['verdict'], attempts()[-1]['detail']) == ('mismatch', 'the output agrees, but `scores` is not defined after this cell (later cells use it)')
    shell.run_cell(f"%%reproduce {roughness} --tol 0.01\nscores = {{'dots': 0, 'stripes': 1}}\n{{'dots': 0.0702, 'stripes': 0.1455}}")
    assert attempts()[-1]['verdict'] == 'close'
    model = m.state.last_attempt
    assert model.next_hint().startswith('# uses:')
    from learnkit.store.attempts import hints_taken
    assert 'roughness' in model.solution() and hints_taken('demo')[roughness].peeked
    n = len(attempts())
    m.record = False
    shell.run_cell(f"%%reproduce {roughness}\n1")
    assert len(attempts()) == n
    m.record = True

def test_widget_wiring(shell):
    from learnkit.book.chapters import load_chapter
    from learnkit.reproduce.compare import Verdict
    from learnkit.ui.reproduce import ReproduceModel, reproduce_widget
    c = load_chapter('demo').cell(refs()['t[:6, :6, 0'])
    m = ReproduceModel('demo', c, [{'output_type': 'stream', 'name': 'stdout', 'text': '<script>alert(1)</script>'}], Verdict('mismatch', 'x'))
    w = reproduce_widget(m)
    compare, help_ = w.children[0].children  # one compact row: Compare and Help
    assert all(b.layout.width == 'auto' for b in (compare, help_))
    compare.click()
    assert '<script>' not in m.compare_html() and '&lt;script&gt;' in m.compare_html()
    labels, shown = [], []
    while not help_.disabled:
        labels.append(help_.description); help_.click(); shown.append(w.out_.value if hasattr(w.out_, 'value') else '')
    n = len(m.ladder)
    assert labels == [f'Hint {i} of {n-1}' for i in range(1, n)] + ['Show the solution']
    assert m.peeked and help_.description == 'Solution shown'
    from learnkit.store.attempts import hints_taken
    h = hints_taken('demo')[c.id]
    assert h.peeked and h.level == n  # every rung taken is recorded, the solution last

@pytest.mark.slow
def test_in_a_real_kernel_then_check(tmp_path):
    "A reproduction notebook run by a real kernel: verdict outputs are marked, and `check` ignores them."
    import nbformat
    from nbclient import NotebookClient
    from learnkit.book.chapters import load_chapter
    from learnkit.reproduce.compare import LEARNKIT_MIME, is_learnkit_output
    from learnkit.reproduce.state import check_reproduction
    ch = load_chapter('demo')
    cells = [nbformat.v4.new_code_cell("%load_ext learnkit\n%config LearnkitMagics.record = True\nfrom fastai.vision.all import *\n"
                                       "from learnkit.book.datasets import demo_data\nPath.BASE_PATH = demo_data()")]
    for c in ch.code_cells[:7]:
        code = c.code
        if c.code.startswith('t[:6'): code = 't[:6, :5, 0]'
        cells.append(nbformat.v4.new_code_cell(f'%%reproduce {c.id} --chapter demo\n{code}'))
    nb = nbformat.v4.new_notebook(cells=cells)
    NotebookClient(nb, timeout=300, kernel_name='python3').execute()
    verdicts = [next(o for o in c.outputs if is_learnkit_output(o))['data'][LEARNKIT_MIME]['verdict'] for c in nb.cells[1:]]
    assert verdicts == ['defined', 'match', 'match', 'match', 'mismatch', 'match', 'match']
    p = tmp_path/'repro.ipynb'
    nbformat.write(nb, str(p))
    r = check_reproduction('demo', p, record=False)  # offline, from the saved notebook: the same verdicts
    assert [c.verdict for c in r.cells[:7]] == verdicts
    assert [a['verdict'] for a in attempts()] == verdicts  # the kernel recorded into this test's store

def test_blank_cell_reaches_the_magic(shell, capsys):
    "IPython raises 'cell body is empty' before calling a cell magic; learnkit's input transformer gives a bare blank a body."
    code = shell.transform_cell(f"%%reproduce {refs()['files = get_']}")
    assert "run_cell_magic('reproduce'" in code and "'\\n')" in code
    r = shell.run_cell(f"%%reproduce {refs()['files = get_']} --chapter demo")
    out = capsys.readouterr()
    assert r.success and 'cell body is empty' not in out.err
    assert out.out.startswith('→ an integer; defines `files`\nhint: # uses: ')  # the goal (with what later cells need), then the first hint
    assert attempts() == []
    shell.run_line_magic('unload_ext', 'learnkit')
    assert not any(getattr(f, '__name__', '') == '_blank_reproduce' for f in shell.input_transformers_cleanup)
    shell.run_line_magic('load_ext', 'learnkit')

def test_compare_view_marks_what_differs(demo_shell):
    "The side-by-side view of a real run marks the differing numbers, and only those."
    ip, R = demo_shell, refs()
    ip.run_cell(f"%%reproduce {R['path = demo_']}\npath = demo_data()\nPath.BASE_PATH = path")
    ip.run_cell(f"%%reproduce {R['files = get_']}\nfiles = get_image_files(path)\nlen(files) + 1")
    html = ip._learnkit_magics.state.last_attempt.compare_html()
    yours = html.split('<b>Yours</b>')[1]
    assert yours.count("<mark class='lk-diff'>") == 1 and "<mark class='lk-diff'>113</mark>" in yours
