"Finding and understanding chapters: names, locations, downloads, the chapter model and bad input."
import copy, http.server, json, os, subprocess, sys, threading, time
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
    r = run_cli('lesson', '13', cwd=tmp_path, env={'HOME': str(tmp_path)})
    assert r.returncode == 1
    assert r.stderr.count('\n') == 1 and 'git clone' in r.stderr and 'Traceback' not in r.stderr

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
    r = run_cli('lesson', str(p))
    assert r.returncode == 1 and msg.split()[0] in r.stderr
    assert r.stderr.startswith('learnkit: ') and r.stderr.count('\n') == 1 and 'Traceback' not in r.stderr

def test_a_folder_is_not_a_notebook(tmp_path):
    (tmp_path/'nb.ipynb').mkdir()
    with pytest.raises(LearnkitError, match='is a folder'): read_notebook(tmp_path/'nb.ipynb')
    r = run_cli('lesson', str(tmp_path/'nb.ipynb'))
    assert r.returncode == 1 and 'is a folder' in r.stderr

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
    r = run_cli('lesson', '--json')
    assert r.returncode == 0
    keys = [c['key'] for c in json.loads(r.stdout)]
    assert len(keys) == len(ALL_CHAPTERS) and '20_conclusion' in keys
