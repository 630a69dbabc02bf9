"%%reproduce end to end: a real InteractiveShell on the demo chapter, and a real kernel through nbclient."
import json
import pytest

@pytest.fixture
def demo_shell(shell):
    "The shell with the demo chapter active and its setup run (the book's hidden cells)."
    shell._learnkit_magics.chapter = 'demo'
    r = shell.run_cell("from fastai.vision.all import *\nfrom learnkit.datasets import demo_data")
    assert r.success
    return shell

def attempts():
    from learnkit.store import get_store
    return get_store().rows('attempts')

class _Refs(dict):
    "The demo chapter's refs, looked up by the start of the cell's code."
    def __getitem__(self, start): return next(v for k, v in self.items() if k.startswith(start))

def refs():
    from learnkit.chapters import load_chapter
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
    assert 'The book' in out or 'HTML object' in out  # --show displayed something
    rows = attempts()
    assert [r['verdict'] for r in rows] == ['no-goal', 'match', 'close', 'mismatch', 'match', 'error']
    assert rows[3]['detail'] == 'expected shape (32, 32, 3), got (32, 3)'
    assert rows[5]['detail'].startswith('NameError')
    assert {r['chapter'] for r in rows} == {'demo'} and rows[1]['ref'] == R['path.ls().so']
    assert ip.user_ns['t'].shape == (32, 32, 3) and len(ip.user_ns['files']) == 112  # variables persist

def test_chapter_option_no_chapter_and_bad_ref(shell, capsys):
    R = refs()
    shell.run_cell(f"%%reproduce {R['files = get_']}\nn = 112\nn")
    err = capsys.readouterr().err
    assert 'run `%lesson CHAPTER` first or pass --chapter' in err and 'n' not in shell.user_ns
    shell.run_cell(f"%%reproduce {R['files = get_']} --chapter demo\nn = 113\nn")
    assert attempts()[-1]['verdict'] == 'mismatch' and shell.user_ns['n'] == 113
    shell.run_cell("%%reproduce nothere --chapter demo\nm = 1")
    assert "no cell 'nothere' in chapter demo" in capsys.readouterr().err and 'm' not in shell.user_ns

def test_tol_record_and_peek(shell):
    R = refs()
    m = shell._learnkit_magics
    m.chapter = 'demo'
    roughness = R['def roughnes']
    shell.run_cell(f"%%reproduce {roughness}\n{{'dots': 0.0702, 'stripes': 0.1455}}")
    assert attempts()[-1]['verdict'] == 'shape-only'
    shell.run_cell(f"%%reproduce {roughness} --tol 0.01\n{{'dots': 0.0702, 'stripes': 0.1455}}")
    assert attempts()[-1]['verdict'] == 'close'
    model = m.last_attempt
    assert model.next_hint().startswith('# uses:')
    assert 'roughness' in model.solution() and attempts()[-1]['peeked'] == 1
    n = len(attempts())
    m.record = False
    shell.run_cell(f"%%reproduce {roughness}\n1")
    assert len(attempts()) == n
    m.record = True

def test_widget_wiring(shell):
    from learnkit.chapters import load_chapter
    from learnkit.compare import Verdict
    from learnkit.reproduce import ReproduceModel, reproduce_widget
    c = load_chapter('demo').cell(refs()['t[:6, :6, 0'])
    m = ReproduceModel('demo', c, [{'output_type': 'stream', 'name': 'stdout', 'text': '<script>alert(1)</script>'}], Verdict('mismatch', 'x'))
    w = reproduce_widget(m)
    compare, hint, solution = w.children[0].children
    compare.click(); hint.click(); hint.click()
    assert m.hint_level == 2 and not m.peeked
    assert '<script>' not in m.compare_html() and '&lt;script&gt;' in m.compare_html()
    solution.click()
    assert m.peeked and attempts()[-1]['peeked'] == 1

def test_in_a_real_kernel_then_check(tmp_path):
    "A reproduction notebook run by a real kernel: verdict outputs are marked, and `check` ignores them."
    import nbformat
    from nbclient import NotebookClient
    from learnkit.chapters import load_chapter
    from learnkit.compare import LEARNKIT_MIME, check_notebooks, is_learnkit_output
    ch = load_chapter('demo')
    cells = [nbformat.v4.new_code_cell("%load_ext learnkit\n%config LearnkitMagics.record = True\nfrom fastai.vision.all import *\nfrom learnkit.datasets import demo_data")]
    for c in ch.code_cells[:7]:
        code = c.code + ('\nPath.BASE_PATH = path' if c.code.startswith('path = demo_data') else '')
        if c.code.startswith('t[:6'): code = 't[:6, :5, 0]'
        cells.append(nbformat.v4.new_code_cell(f'%%reproduce {c.id} --chapter demo\n{code}'))
    nb = nbformat.v4.new_notebook(cells=cells)
    NotebookClient(nb, timeout=300, kernel_name='python3').execute()
    verdicts = [next(o for o in c.outputs if is_learnkit_output(o))['data'][LEARNKIT_MIME]['verdict'] for c in nb.cells[1:]]
    assert verdicts == ['no-goal', 'match', 'match', 'match', 'mismatch', 'match', 'match']
    p = tmp_path/'repro.ipynb'
    nbformat.write(nb, str(p))
    r = check_notebooks('demo', p)
    assert [c['verdict'] for c in r['cells']] == verdicts
    assert [a['verdict'] for a in attempts()] == verdicts  # the kernel recorded into this test's store
