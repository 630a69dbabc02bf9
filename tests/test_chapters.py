"Finding and understanding chapters: names, locations, downloads, the chapter model and bad input."
import copy, http.server, json, os, re, subprocess, sys, threading, time
from pathlib import Path
import pytest
from learnkit.base.core import LearnkitError, config
from learnkit.book.chapters import (ALL_CHAPTERS, CHAPTERS, resolve, locate, load_chapter, read_notebook, parse_chapter,
                               check_notebook, download, cache_dir)
from learnkit.cli.main import main

FIX = Path(__file__).parent/'fixtures'
MINI = FIX/'lk_mini_chapter.ipynb'

def run_cli(*argv, cwd=None, env=None):
    "The real `learnkit` command in a subprocess."
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, '-m', 'learnkit.cli', *argv], capture_output=True, text=True, cwd=cwd, env=e, timeout=120)

def _lk(*argv):
    import contextlib, io
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err): rc = main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()

@pytest.mark.parametrize('name', [4, '4', '04', '04_mnist_basics', 'mnist_basics', '04_mnist_basics.ipynb', ' Mnist_Basics '])
def test_every_way_of_naming_a_chapter(name):
    assert resolve(name).key == '04_mnist_basics'

def test_the_book_has_twenty_chapters_and_appendices():
    assert [c.num for c in CHAPTERS] == list(range(1, 21))
    assert {'app_jupyter', 'app_blog', 'demo'} <= {c.key for c in ALL_CHAPTERS}
    assert resolve(18).key == '18_CAM' and resolve('cam').key == '18_CAM'

def test_typo_suggests_the_chapter():
    with pytest.raises(LearnkitError) as e: resolve('mnist_basic')
    assert str(e.value) == "no chapter 'mnist_basic'; did you mean 04_mnist_basics?"
    with pytest.raises(LearnkitError, match='1 to 20'): resolve(42)

def test_a_path_names_a_chapter(tmp_path):
    p = tmp_path/'04_mnist_basics_reproduce.ipynb'
    p.write_text(MINI.read_text())
    info = resolve(str(p))
    assert info.key == '04_mnist_basics' and info.path == str(p.resolve())
    assert locate(str(p)) == p.resolve()
    other = tmp_path/'my_notes.ipynb'; other.write_text(MINI.read_text())
    assert resolve(str(other)).key == 'my_notes'
    assert load_chapter('my_notes').path == other.resolve()  # %lesson PATH, then %%reproduce finds it by key

def test_locate_prefers_explicit_folder_then_clone(tmp_path, monkeypatch, fastbook):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    assert locate('mnist_basics') == fastbook/'04_mnist_basics.ipynb'
    mine = tmp_path/'mine'; mine.mkdir()
    (mine/'04_mnist_basics.ipynb').write_text(MINI.read_text())
    config.fastbook_dir = str(mine)
    assert locate(4) == mine/'04_mnist_basics.ipynb'

def test_a_clone_in_the_usual_place_is_found(tmp_path, monkeypatch):
    monkeypatch.delenv('LEARNKIT_FASTBOOK', raising=False)
    (tmp_path/'fastbook').mkdir(); (tmp_path/'work').mkdir()
    (tmp_path/'fastbook'/'08_collab.ipynb').write_text(MINI.read_text())
    monkeypatch.chdir(tmp_path/'work')
    assert locate('collab').resolve() == (tmp_path/'fastbook'/'08_collab.ipynb').resolve()

# --- downloads, against a real HTTP server on 127.0.0.1 -------------------------------------------------------

class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        name = self.path.rsplit('/', 1)[-1]
        body = MINI.read_bytes()
        if name == '05_pet_breeds.ipynb':  # truncated: the server promises more than it sends
            self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers()
            self.wfile.write(body[:len(body)//2]); self.wfile.flush(); self.close_connection = True
        elif name == '06_multicat.ipynb':  # too slow
            time.sleep(3); self.send_response(200); self.end_headers()
        elif name == '08_collab.ipynb':
            self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
        elif name == '09_tabular.ipynb':  # a captive portal's page, not a notebook
            b = b'<html>login</html>'
            self.send_response(200); self.send_header('Content-Length', str(len(b))); self.end_headers(); self.wfile.write(b)
        else:
            self.send_response(404); self.end_headers()

@pytest.fixture
def server(monkeypatch, tmp_path):
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True); t.start()
    monkeypatch.delenv('LEARNKIT_FASTBOOK', raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr('pathlib.Path.home', lambda: tmp_path)
    url = f'http://127.0.0.1:{httpd.server_address[1]}/fastbook/'
    monkeypatch.setenv('LEARNKIT_FASTBOOK_URL', url)
    yield url
    httpd.shutdown()

def test_download_once_then_from_cache(server):
    p = locate('collab')
    assert p == cache_dir()/'08_collab.ipynb' and p.read_bytes() == MINI.read_bytes()
    assert load_chapter('collab').title == 'Counting Things'
    os.environ['LEARNKIT_FASTBOOK_URL'] = 'http://127.0.0.1:9/'  # nothing listens: a second locate must not download
    assert locate('collab') == p

def test_download_404_says_how_to_use_a_clone(server):
    with pytest.raises(LearnkitError) as e: locate('intro')
    msg = str(e.value)
    assert 'HTTP 404' in msg and 'LEARNKIT_FASTBOOK' in msg and '\n' not in msg
    assert not (cache_dir()/'01_intro.ipynb').exists()

def test_truncated_download_leaves_nothing(server):
    with pytest.raises(LearnkitError, match='cut off|not a complete notebook'): locate('pet_breeds')
    assert not (cache_dir()/'05_pet_breeds.ipynb').exists()
    assert not list(cache_dir().glob('*.tmp'))

def test_not_a_notebook_is_refused(server):
    with pytest.raises(LearnkitError, match='not a complete notebook|not a Jupyter notebook'): locate('tabular')
    assert not (cache_dir()/'09_tabular.ipynb').exists()

def test_timeout_is_a_clear_error(server):
    from learnkit.book.chapters import resolve as r
    t = time.time()
    with pytest.raises(LearnkitError, match='could not download 06_multicat.ipynb'): download(r('multicat'), timeout=0.5)
    assert time.time() - t < 3

def test_offline_error_names_the_fix(monkeypatch, tmp_path):
    monkeypatch.delenv('LEARNKIT_FASTBOOK', raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr('pathlib.Path.home', lambda: tmp_path)
    monkeypatch.setenv('LEARNKIT_FASTBOOK_URL', 'http://127.0.0.1:9/')
    rc, _, err = _lk('lesson', '13')
    assert rc == 1
    assert err.startswith('learnkit: could not download 13_convolutions.ipynb from http://127.0.0.1:9/13_convolutions.ipynb (')
    assert err.count('\n') == 1 and 'git clone' in err

# --- the chapter model -----------------------------------------------------------------------------------------

def test_mini_chapter_model():
    ch = load_chapter(str(MINI))
    assert ch.title == 'Counting Things'
    kinds = [c.kind for c in ch.cells]
    assert kinds[:4] == ['setup', 'raw', 'title', 'markdown']
    assert [c.source.splitlines()[0] for c in ch.code_cells] == ['squares = [i*i for i in range(5)]', 'print(sum(squares))', '#caption The root']
    assert ch.cells[6].kind == 'hidden' and ch.cells[13].markers == {'caption': 'The root'}
    assert ch.cells[7].callout == 'jargon'
    side = [s for s in ch.sections if s.sidebar]
    assert [s.title for s in side] == ['Sidebar: Why Squares?'] and ch.cells[10].sidebar == 'Why Squares?'
    # after the sidebar, we are back in "Getting Started"
    assert ch.cells[12].section == ('Getting Started', 'Adding Up')
    assert [(q.part, q.number) for q in ch.questions] == [('questionnaire', 1), ('questionnaire', 2), ('questionnaire', 3), ('further', 1)]
    assert ch.questions[1].text == 'Why do squares grow faster than their roots?'

def test_ids_are_stable_across_reads_and_edits(tmp_path):
    nb = json.loads(MINI.read_text())
    a = parse_chapter(copy.deepcopy(nb))
    b = parse_chapter(copy.deepcopy(nb))
    assert [c.id for c in a.cells] == [c.id for c in b.cells]
    nb['cells'].insert(4, {'cell_type': 'markdown', 'metadata': {}, 'source': 'A new paragraph.'})
    nb['cells'][3]['source'] = ['An edited intro.']
    c = parse_chapter(nb)
    old = {x.source: x.id for x in a.cells if x.cell_type == 'code'}
    new = {x.source: x.id for x in c.cells if x.cell_type == 'code'}
    assert old == new
    assert a.cell(a.code_cells[0].id) is a.code_cells[0]
    with pytest.raises(LearnkitError, match='no cell'): a.cell('nope')

@pytest.mark.parametrize('minor', [0, 1, 2, 3, 4, 5])
def test_every_nbformat_4_minor(minor):
    nb = json.loads(MINI.read_text()); nb['nbformat_minor'] = minor
    if minor == 5:
        for i, c in enumerate(nb['cells']): c['id'] = f'cell-{i}'
    ch = parse_chapter(nb)
    assert len(ch.code_cells) == 3 and ch.nbformat == (4, minor)

BAD = [
    ('notjson.ipynb', '{"cells": [', 'not valid JSON'),
    ('list.ipynb', '[1, 2]', 'not a Jupyter notebook'),
    ('v3.ipynb', json.dumps({'nbformat': 3, 'worksheets': [{'cells': []}], 'metadata': {}}), 'nbformat 3'),
    ('empty.ipynb', json.dumps({'nbformat': 4, 'nbformat_minor': 4, 'cells': [], 'metadata': {}}), 'empty notebook'),
    ('nosource.ipynb', json.dumps({'nbformat': 4, 'nbformat_minor': 4, 'cells': [{'cell_type': 'code', 'metadata': {}}], 'metadata': {}}), "has no 'source'"),
]

@pytest.mark.parametrize('name,text,msg', BAD)
def test_bad_input_is_one_clear_error(tmp_path, name, text, msg):
    p = tmp_path/name; p.write_text(text)
    with pytest.raises(LearnkitError, match=msg): read_notebook(p)
    rc, _, err = _lk('lesson', p)
    assert rc == 1 and msg in err
    assert err.startswith(f'learnkit: {p}') and err.count('\n') == 1

def test_a_folder_is_not_a_notebook(tmp_path):
    (tmp_path/'nb.ipynb').mkdir()
    with pytest.raises(LearnkitError, match='is a folder'): read_notebook(tmp_path/'nb.ipynb')
    rc, _, err = _lk('lesson', tmp_path/'nb.ipynb')
    assert rc == 1 and err == f"learnkit: {tmp_path/'nb.ipynb'} is a folder, not a notebook; give the path of a file inside it\n"

def test_real_chapters_parse(fastbook):
    for p in sorted(fastbook.glob('*.ipynb')):
        ch = load_chapter(str(p))
        nb = json.loads(p.read_text())
        assert ch.key == p.stem and ch.title and ch.sections
        visible = [c for c in nb['cells'] if c['cell_type'] == 'code' and ''.join(c['source']).strip()
                   and not ''.join(c['source']).startswith('#hide\n') and ''.join(c['source']).strip() != '#hide'
                   and not all(l.lstrip().startswith('#') for l in ''.join(c['source']).splitlines() if l.strip())]  # comments only: nothing to run
        assert len(ch.code_cells) == len(visible), p.name
        assert len({c.id for c in ch.cells}) == len(ch.cells)
        assert any(s.part == 'questionnaire' for s in ch.sections) and any(q.part == 'further' for q in ch.questions)
        assert all(q.text for q in ch.questions)
        assert any(c.kind == 'setup' for c in ch.cells)
        assert not any(s.title.lower().startswith('end sidebar') for s in ch.sections)
        assert not any('=' in s.title for s in ch.sections)  # commented-out code in markdown is not a heading

def test_real_chapter_questionnaire_counts(fastbook):
    ch = load_chapter(str(fastbook/'04_mnist_basics.ipynb'))
    qs = [q for q in ch.questions if q.part == 'questionnaire']
    assert len(qs) > 20 and [q.number for q in qs] == list(range(1, len(qs)+1))
    assert ch.cells[7].kind == 'heading' and ch.cells[8].sidebar

def test_cli_lesson_lists_every_chapter():
    rc, out, _ = _lk('lesson', '--json')
    assert rc == 0
    keys = [c['key'] for c in json.loads(out)]
    assert len(keys) == len(ALL_CHAPTERS) and '20_conclusion' in keys

@pytest.mark.slow
def test_bad_input_in_a_real_process(tmp_path):
    p = tmp_path/'notjson.ipynb'; p.write_text('{"cells": [')
    r = run_cli('lesson', str(p))
    assert r.returncode == 1 and r.stderr.startswith(f'learnkit: {p} is not valid JSON') and r.stderr.count('\n') == 1

# --- the border: every bad shape of a cell, an output, metadata or a ref is one line naming the file and the cell -----

def _nb(*cells, **top):
    return dict(dict(nbformat=4, nbformat_minor=4, metadata={}, cells=[dict(cell_type='markdown', metadata={}, source='# T')] + list(cells)), **top)
def _code(**kw): return dict(dict(cell_type='code', metadata={}, source='x = 1', outputs=[], execution_count=None), **kw)
def _out(**kw): return _code(outputs=[kw])

MALFORMED = [
    ('source-null', _nb(_code(source=None)), 'cell 2: its source is null, not text'),
    ('source-number', _nb(_code(source=3)), 'cell 2: its source is a number (3), not text'),
    ('source-numbers', _nb(_code(source=[1, 2])), 'cell 2: its source is a list holding a number, not text'),
    ('source-mapping', _nb(_code(source={'a': 1})), 'cell 2: its source is a mapping, not text'),
    ('no-source', _nb(dict(cell_type='code', metadata={})), "cell 2: it has no 'source'"),
    ('cell-a-list', _nb(['x = 1']), 'cell 2: it is a list, not a cell'),
    ('cell-type-heading', _nb(dict(cell_type='heading', source='x', level=1)), "cell 2: its cell_type is 'heading'"),
    ('cell-type-number', _nb(dict(cell_type=7, source='x')), 'cell 2: its cell_type is 7'),
    ('cell-metadata-list', _nb(_code(metadata=['hide'])), 'cell 2: its metadata is a list, not a mapping'),
    ('learnkit-meta-text', _nb(_code(metadata={'learnkit': 'blank'})), 'cell 2: its learnkit metadata is text, not a mapping'),
    ('ref-number', _nb(_code(metadata={'learnkit': {'kind': 'blank', 'ref': 42}})), 'cell 2: its learnkit ref is a number (42), not text'),
    ('execution-count-text', _nb(_code(execution_count='1')), 'cell 2: its execution count is text, not a whole number'),
    ('outputs-mapping', _nb(_code(outputs={'text': 'x'})), 'cell 2: its outputs are a mapping, not a list'),
    ('output-text', _nb(_code(outputs=['1'])), 'cell 2, output 1: it is text, not an output'),
    ('output-type-unknown', _nb(_out(output_type='pyout', text='1')), "cell 2, output 1: its output_type is 'pyout'"),
    ('data-text', _nb(_out(output_type='display_data', data='<b>x</b>', metadata={})), 'cell 2, output 1: its data is text, not a mapping'),
    ('data-value-number', _nb(_out(output_type='execute_result', data={'text/plain': 5}, metadata={}, execution_count=1)),
     'cell 2, output 1: its text/plain data is a number (5), not text'),
    ('stream-text-null', _nb(_out(output_type='stream', name='stdout', text=None)), 'cell 2, output 1: its text is null, not text'),
    ('traceback-text', _nb(_out(output_type='error', ename='E', evalue='v', traceback='boom')), 'cell 2, output 1: its traceback is text'),
    ('nb-metadata-list', _nb(metadata=[]), "the notebook's metadata is a list, not a mapping"),
    ('nbformat-text', _nb(nbformat='4'), 'its nbformat is text, not a whole number'),
    ('nbformat-5', _nb(nbformat=5), 'is an nbformat 5 notebook, newer than'),
    ('cells-mapping', dict(nbformat=4, metadata={}, cells={'0': {}}), "'cells' is a mapping, not a list"),
]

@pytest.mark.parametrize('name,nb,msg', MALFORMED, ids=[m[0] for m in MALFORMED])
def test_every_bad_shape_is_one_line_naming_file_and_cell(tmp_path, name, nb, msg):
    p = tmp_path/f'{name}.ipynb'; p.write_text(json.dumps(nb))
    with pytest.raises(LearnkitError) as e: read_notebook(p)
    s = str(e.value)
    assert s.startswith(str(p)) and msg in s and '\n' not in s, s
    rc, out, err = _lk('lesson', p)
    assert (rc, err) == (1, f'learnkit: {s}\n')

def test_the_border_normalises_once(tmp_path):
    nb = _nb(_code(source=['a = 1\n', 'a'], outputs=[dict(output_type='stream', name='stdout', text=['1\n', '2\n']),
                                                     dict(output_type='execute_result', data={'text/plain': ['1'], 'application/json': {'a': [1]}})]),
             dict(cell_type='raw', source=['x']), dict(source='b = 2'))
    p = tmp_path/'ok.ipynb'; p.write_text(json.dumps(nb))
    got = read_notebook(p)
    c, raw, bare = got['cells'][1:]
    assert (c['source'], c['outputs'][0]['text'], c['outputs'][1]['data']) == ('a = 1\na', '1\n2\n', {'text/plain': '1', 'application/json': {'a': [1]}})
    assert c['outputs'][1]['metadata'] == {} and c['outputs'][1]['execution_count'] is None
    assert (raw['source'], raw['metadata']) == ('x', {})
    assert (bare['cell_type'], bare['metadata'], bare['outputs'], bare['execution_count']) == ('code', {}, [], None)
    assert check_notebook(copy.deepcopy(got), 'again') == got  # normalising twice changes nothing

def test_truncated_json_and_empty_files_are_one_line(tmp_path):
    good = MINI.read_text()
    for name, text, msg in [('cut.ipynb', good[:len(good)//3], 'is not valid JSON'), ('empty.ipynb', '', 'is empty (0 bytes)'),
                            ('blank.ipynb', '  \n', 'is empty (3 bytes)'), ('deep.ipynb', '[' * 100_000, 'nested too deeply'),
                            ('binary.ipynb', b'\x89PNG\r\n\x1a\n\xff', 'is not a text file')]:
        p = tmp_path/name
        (p.write_bytes if isinstance(text, bytes) else p.write_text)(text)
        with pytest.raises(LearnkitError, match=re.escape(msg)) as e: read_notebook(p)
        assert '\n' not in str(e.value) and str(p) in str(e.value)

def test_a_device_or_pipe_is_not_read(tmp_path):
    os.mkfifo(tmp_path/'pipe.ipynb')  # no writer will come: a read would wait forever
    t = time.monotonic()
    for p, kind in (('/dev/zero', 'a character device'), (tmp_path/'pipe.ipynb', 'a named pipe')):
        with pytest.raises(LearnkitError, match=f'is {kind}, not a notebook'): read_notebook(p)
    assert time.monotonic() - t < 1

def test_hostile_lines_are_read_in_linear_time(tmp_path):
    nb = _nb(dict(cell_type='markdown', metadata={}, source='# x' + ' ' * 200_000 + 'y'),
             _code(source='#hide\n' + '\n' * 200_000 + 'x'), dict(cell_type='markdown', metadata={}, source='## ' + '#' * 100_000 + ' x'))
    t = time.monotonic()
    ch = parse_chapter(nb)
    assert time.monotonic() - t < 2  # the old heading pattern took minutes on a 2,000-character line
    assert [s.title for s in ch.sections][-1] == '#' * 100_000 + ' x'

def test_heading_titles_follow_commonmark():
    from learnkit.book.chapters import heading
    assert [heading(l) for l in ('## Title ##', '# C#', '### Why? #', '#hashtag', '####### seven', '# ', '## #')] == \
           [(2, 'Title'), (1, 'C#'), (3, 'Why?'), None, None, None, None]
