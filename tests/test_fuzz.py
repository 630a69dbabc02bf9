"""Fuzzing the border where notebooks are read: whatever shape a chapter or reproduction file has, `scaffold`, `check`, `diff`,
`share` and `repeat` either work or say one line (`learnkit: ...`, exit 1), never a traceback, and write no file when they fail.

The fast profile (the default test run) tries a few examples per command in this process; `-m slow` tries many more, and
runs some of them as real `learnkit` processes."""
import json, os, subprocess, sys, tempfile
from pathlib import Path
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from test_faults import lk_main

FAST = settings(max_examples=8, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))  # the same examples every run
DEEP = settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))

# --- notebook-shaped JSON: a plausible notebook, then a few of its values swapped for anything at all -------------------
words = st.one_of(st.sampled_from(['# A Title', '## A section', '### Deeper', '%%reproduce 1a2b3c4d', '%%reproduce', 'x = 1', 'x',
                                   'print(x)', '1. Why?', '> jargon: a word', '#hide', '#hide\nimport os', '## Questionnaire', '',
                                   '## Sidebar: aside', '## End sidebar', '```', '<b>x</b>', '\x1b[2J', 'x = [1, 2]\nx']),
                  st.text(max_size=12))
leaf = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, allow_infinity=False), words)
anything = st.recursive(leaf, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3), max_leaves=6)

text = st.one_of(words, st.lists(words, max_size=4).map(lambda ls: [l + '\n' for l in ls]))  # a string, or Jupyter's list of lines
mimes = st.sampled_from(['text/plain', 'text/html', 'image/png', 'application/json', 'text/markdown', 'text/latex'])
output = st.one_of(
    st.fixed_dictionaries({'output_type': st.just('stream'), 'name': st.sampled_from(['stdout', 'stderr']), 'text': text}),
    st.fixed_dictionaries({'output_type': st.sampled_from(['display_data', 'execute_result']), 'metadata': st.just({}),
                           'data': st.dictionaries(mimes, text, min_size=1, max_size=3)}, optional={'execution_count': st.integers(1, 9)}),
    st.fixed_dictionaries({'output_type': st.just('error'), 'ename': words, 'evalue': words, 'traceback': st.lists(words, max_size=2)}))
refs = st.one_of(st.text('0123456789abcdef', min_size=8, max_size=8), st.just('1a2b3c4d'))
learnkit_meta = st.fixed_dictionaries({}, optional={'kind': st.sampled_from(['blank', 'answer', 'setup', 'title', 'heading']), 'ref': refs,
                                                   'chapter': st.just('demo')})
cell = st.one_of(
    st.fixed_dictionaries({'cell_type': st.just('code'), 'source': text, 'metadata': st.fixed_dictionaries({}, optional={'learnkit': learnkit_meta}),
                           'outputs': st.lists(output, max_size=3), 'execution_count': st.one_of(st.none(), st.integers(1, 9))}),
    st.fixed_dictionaries({'cell_type': st.sampled_from(['markdown', 'raw']), 'source': text, 'metadata': st.just({})}))
notebook = st.fixed_dictionaries({'cells': st.lists(cell, min_size=1, max_size=6), 'nbformat': st.just(4), 'nbformat_minor': st.integers(0, 5),
                                  'metadata': st.fixed_dictionaries({}, optional={'learnkit': learnkit_meta})})

def _paths(v, path=()):
    "Every place in JSON value `v`, as a key path."
    yield path
    if isinstance(v, dict):
        for k, x in v.items(): yield from _paths(x, path + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v): yield from _paths(x, path + (i,))

@st.composite
def mutated(draw):
    "A plausible notebook with one to three of its values (anywhere: a source, an output's data, the metadata...) replaced or dropped."
    nb = draw(notebook)
    for _ in range(draw(st.integers(1, 3))):
        places = [p for p in _paths(nb) if p]
        if not places: break
        *parent, last = draw(st.sampled_from(places))
        box = nb
        for k in parent: box = box[k]
        if draw(st.booleans()) and isinstance(box, dict): del box[last]
        else: box[last] = draw(anything)
    return nb

def _truncated(s: str): return st.integers(0, max(len(s) - 1, 0)).map(lambda k: s[:k])
files = st.one_of(notebook.map(json.dumps), mutated().map(json.dumps), mutated().map(json.dumps), anything.map(json.dumps),
                  notebook.map(json.dumps).flatmap(_truncated), st.binary(max_size=30))

# --- running one command on one file --------------------------------------------------------------------------------
def _tiny_images(d: Path) -> Path:
    from PIL import Image
    for cls in ('stripes', 'dots'):
        (d/cls).mkdir(parents=True, exist_ok=True)
        for i in range(3): Image.new('RGB', (8, 8), (40*i, 90, 200 if cls == 'dots' else 10)).save(d/cls/f'{i}.png')
    return d

def _argv(cmd: str, bad: Path, work: Path, data: Path) -> list:
    "The command line trying `bad` where `cmd` reads a notebook: as the chapter (scaffold, share, repeat) or as both sides (check, diff)."
    return {'scaffold': ['scaffold', bad, '-o', work/'out.ipynb'],
            'check': ['check', 'demo', bad],
            'diff': ['diff', bad, bad, '--html', work/'diff.html'],
            'share': ['share', bad, '-o', work/'post', '--notebook', bad, '--format', 'html'],
            'repeat': ['repeat', bad, '--data', data, '-o', work/'repeat.ipynb']}[cmd]

def _listing(d: Path) -> set: return {str(p.relative_to(d)) for p in d.rglob('*')}

def _in_process(argv, cwd): return lk_main(*argv)

def _as_process(argv, cwd):
    r = subprocess.run([sys.executable, '-m', 'learnkit.cli', *map(str, argv)], capture_output=True, text=True, cwd=cwd, timeout=300)
    return r.returncode, r.stdout, r.stderr

def try_one(cmd: str, content, root: Path, subprocess_too: bool = False):
    "Run `cmd` on a notebook file holding `content` (in this process, and as a real process); assert it works, or fails with one line and writes nothing."
    for run in (_in_process, _as_process) if subprocess_too else (_in_process,):
        with tempfile.TemporaryDirectory(dir=root) as t:
            work = Path(t)
            bad = work/'chapter.ipynb'
            (bad.write_bytes if isinstance(content, bytes) else bad.write_text)(content)
            before = _listing(work)
            rc, out, err = run(_argv(cmd, bad, work, root/'images'), work)
            assert 'Traceback' not in err, err
            assert rc in (0, 1), (rc, err)
            if rc == 1:
                assert err.startswith('learnkit: ') and err.count('\n') == 1, err
                assert _listing(work) == before, sorted(_listing(work) - before)  # nothing written, not even half a file

@pytest.fixture(scope='module')
def fuzz_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('fuzz')
    _tiny_images(root/'images')
    return root

COMMANDS = ['scaffold', 'check', 'diff', 'share', 'repeat']

FAST_EXAMPLES = {'share': 3, 'repeat': 2}  # the two that draw charts or plan training: a few examples here, many with -m slow

@pytest.mark.parametrize('cmd', COMMANDS)
def test_any_notebook_shape_is_one_line_or_works(cmd, fuzz_root):
    @settings(FAST, max_examples=FAST_EXAMPLES.get(cmd, FAST.max_examples))
    @given(files)
    def run(content): try_one(cmd, content, fuzz_root)
    run()

@pytest.mark.slow
@pytest.mark.parametrize('cmd', COMMANDS)
def test_any_notebook_shape_deeply(cmd, fuzz_root):
    @DEEP
    @given(files)
    def run(content): try_one(cmd, content, fuzz_root)
    run()

@pytest.mark.slow
@pytest.mark.parametrize('cmd', ['scaffold', 'check'])
def test_any_notebook_shape_in_a_real_process(cmd, fuzz_root):
    @settings(max_examples=6, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(files)
    def run(content): try_one(cmd, content, fuzz_root, subprocess_too=True)
    run()
