"""A post leaks nothing: a planted-secret corpus through `share_post`, with zero survivors in any file of the post and a
note that counts what was really removed, per kind; and the redactor's rules on their own (fast, pure)."""
import base64, html, io, json, re, time
from pathlib import Path
import pytest

AWS = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz1aB2cD3e'
URL_PW = 'Tr0ub4dor3'
HF_LOGIN = 'hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345'
HF_FILE = 'hf_ZyXwVuTsRqPoNmLkJi98'
SK = 'sk-proj-ABCDEFGHIJKLMNOPQRSTuvwx1234'
GHP = 'ghp_0123456789abcdefghijABCDEFGHIJ'
AKIA = 'AKIAIOSFODNN7EXAMPLE'
MY_KEY = 'abc123XYZ987'
EMAIL, EMAIL2 = 'alice.smith@example.org', 'bob.jones@example.net'
SECRETS = [AWS, URL_PW, HF_LOGIN, HF_FILE, SK, GHP, AKIA, MY_KEY, EMAIL, EMAIL2, 'alice', 'Alice', 'alice-laptop', '/home/', '/Users/',
           'C:\\Users', 'MyDrive', 'wJalrXUtnFEMI', 'example.org', 'example.net', 'bob.jones']

def _png() -> str:
    from matplotlib.figure import Figure
    fig = Figure(figsize=(1, 1)); fig.subplots().plot([1, 2]); buf = io.BytesIO(); fig.savefig(buf, format='png')
    return base64.b64encode(buf.getvalue()).decode()

def _out(text): return [dict(output_type='stream', name='stdout', text=text)]

# the learner's cells of the demo chapter, each its own code (so the post shows it), with the leaks of the issue and more
CORPUS = {
    'd6b7e706': (f"AWS_SECRET_ACCESS_KEY='{AWS}'\nDATA_URL='https://alice:{URL_PW}@data.example.com/x.zip'\ncontact='{EMAIL}'\n"
                 "data_path = demo_data(); print(os.environ['AWS_SECRET_ACCESS_KEY']); print('downloading', DATA_URL)",
                 _out(f'{AWS}\ndownloading https://alice:{URL_PW}@data.example.com/x.zip\n')),
    'bb1bfe9d': (f"notes = open('/home/alice/notes_for_{EMAIL}.txt').read()\nlogin(token='{HF_LOGIN}')\nopenai.api_key = '{SK}'",
                 [dict(output_type='error', ename='HTTPError', evalue=f'401 Client Error for url: https://huggingface.co/api/whoami?token={HF_LOGIN}',
                       traceback=['\x1b[0;31m---------------------------------------------------------------------------\x1b[0m',
                                  f'\x1b[0;32m/Users/alice/miniconda3/lib/python3.11/site-packages/requests/models.py\x1b[0m in raise_for_status: {HF_LOGIN}',
                                  'C:\\Users\\alice\\AppData\\Local\\x.py', f'\x1b[0;31mHTTPError\x1b[0m: 401 Client Error token={HF_LOGIN}'])]),
    '73c012e8': ("frame = pd.DataFrame({'file': files, 'owner': owners, 'key': keys})\nframe",
                 [dict(output_type='execute_result', execution_count=3, metadata={}, data={
                     'text/plain': f'                 file   owner   key\n0  {EMAIL}_001.jpg  alice  {AKIA}\n1  {GHP}.png  {EMAIL2}  x',
                     'text/html': ('<div><style scoped>.dataframe tbody tr th {vertical-align: top;}</style><table border="1" class="dataframe">'
                                   '<thead><tr><th></th><th>file</th><th>owner</th><th>key</th></tr></thead><tbody>'
                                   f'<tr><th>0</th><td>{EMAIL}_001.jpg</td><td>alice</td><td>{AKIA}</td></tr>'
                                   f'<tr><th>1</th><td>{GHP}.png</td><td>{html.escape(EMAIL2)}</td><td>x</td></tr></tbody></table></div>')})]),
    '51c84df0': ("pics = get_image_files('/content/drive/MyDrive/alice_photos')\npics[:2]",
                 [dict(output_type='execute_result', execution_count=4, metadata={}, data={'text/plain':
                     f"[Path('/content/drive/MyDrive/alice_photos/IMG_{HF_FILE}.jpg'), Path('/content/drive/MyDrive/alice_photos/me_at_{EMAIL}.png')]"}),
                  dict(output_type='display_data', metadata={'image/png': {'width': 80}}, data={'image/png': _png(), 'text/plain': '<Figure size 100x100 with 1 Axes>'})]),
    'c3bd6077': (f'!git clone https://{GHP}@github.com/alice/private.git\nMY_API_KEY = "{MY_KEY}"\n'
                 "pets = r'C:\\Users\\alice\\Documents\\pets.csv'\nprint(MY_API_KEY); !env | grep -E 'HOME|USER|HOSTNAME'",
                 _out(f"Cloning into 'private'...\n{MY_KEY}\nHOME=/home/alice\nUSER=alice\nHOSTNAME=alice-laptop\nalice@alice-laptop:~$ exit\n")),
}
EXPECTED = ('6 secrets (API_KEY, AWS_SECRET_ACCESS_KEY, MY_API_KEY, TOKEN, URL credentials, URL password), 2 tokens, '
            '2 e-mail addresses, 1 user name, 1 host name, 7 absolute paths, 1 environment variable (HOME)')

@pytest.fixture(autouse=True)
def _no_charts(monkeypatch):
    "Charts are images: nothing of this corpus reaches them (labels and names are redacted as records), and drawing takes seconds here."
    monkeypatch.setattr('learnkit.share.charts.charts', lambda data: {})

@pytest.fixture
def corpus(tmp_path, data_dir):
    "A reproduction of the demo chapter holding the corpus, a timing label and a repeat (record and notebook) with leaks of their own."
    from learnkit.book.chapters import load_chapter
    from learnkit.repeat.records import RepeatRecord, record_repeat
    from learnkit.reproduce.scaffold import scaffold
    from learnkit.timing.log import log_result
    from learnkit.timing.measure import time_code
    nb = scaffold(load_chapter('demo'))
    for k, c in enumerate(nb['cells']):
        ref = c['metadata'].get('learnkit', {}).get('src')
        if ref in CORPUS: c.update(source=f'%%reproduce {ref}\n{CORPUS[ref][0]}', execution_count=k, outputs=CORPUS[ref][1])
    (tmp_path/'demo_reproduce.ipynb').write_text(json.dumps(nb))
    log_result(time_code('sum(range(100))', {}, number=10, repeat=3, label=f'one batch for {EMAIL}'), chapter='demo')
    log_result(time_code('sum(range(100))', {}, number=10, repeat=3, label='/Users/alice/data load'), chapter='demo')
    rnb = dict(nbformat=4, nbformat_minor=5, metadata={}, cells=[dict(cell_type='code', id='a1', metadata={}, execution_count=1,
               source="DATA = '/home/alice/datasets/birds'  # adapted: your data", outputs=_out(f'HF_TOKEN={HF_LOGIN}\n'))])
    (tmp_path/'birds.ipynb').write_text(json.dumps(rnb))
    record_repeat(RepeatRecord('demo', 'efc9eeca', '/home/alice/datasets/alice_birds', 'image-folders', 'f', 20, 2, 'accuracy', 0.5, 0.6,
                               notebook=str(tmp_path/'birds.ipynb'), tiny=True))
    return tmp_path

def _files(r) -> dict:
    return {p.name: p.read_text() for p in r.folder.iterdir() if p.suffix in ('.md', '.ipynb', '.html')}

def _forms(v: str) -> set:
    from learnkit.base.safe import md_text
    return {v, md_text(v), html.escape(v), html.escape(v, quote=False), json.dumps(v)[1:-1]}

def test_a_planted_secret_corpus_leaves_no_survivor_in_any_file(corpus, tmp_path):
    from learnkit.share.post import share_post
    r = share_post('demo', folder=tmp_path/'post', folders=[corpus], fmt='html')
    files = _files(r)
    assert set(files) == {f'{r.notebook.stem}{x}' for x in ('.md', '.ipynb', '.html')}
    # the corpus is in the post: each cell, as redacted code and outputs
    assert len(r.data.reproduced.mine) == 5 and r.data.repeats[0].cells
    for name, text in files.items():
        for leak in SECRETS:
            for form in _forms(leak):
                assert form.lower() not in text.lower(), (name, leak, form)
    assert not [p.name for p in r.folder.iterdir() if 'alice' in p.name.lower()]
    assert r.redacted == EXPECTED
    note = re.search(r'> \*\*Note:\*\* before this draft was written, learnkit removed from my code and outputs: (.+) \(shown as', files[r.markdown.name])
    assert note and note.group(1) == EXPECTED
    # what is left reads well: the structure of each leak, not its value
    md = files[r.markdown.name]
    for kept in ("AWS_SECRET_ACCESS_KEY='‹redacted›'", "DATA_URL='https://‹user›:‹redacted›@data.example.com/x.zip'", "contact='‹email›'",
                 "open('…/notes_for_‹email›.txt')", "login(token='‹redacted›')", 'HOME=‹redacted›', '‹user›@‹host›:~$ exit',
                 "Path('…/IMG_‹redacted›.jpg')", 'https://‹redacted›@github.com/‹user›/private.git', "r'…/pets.csv'",
                 'HTTPError: 401 Client Error for url: https://huggingface.co/api/whoami?token=‹redacted›'):
        assert kept in md, kept
    assert '| ‹email›\\_001\\.jpg | ‹user› | ‹redacted› |' in md  # the DataFrame, as a table of text
    assert '| one batch for ‹email› |' in md and '| …/data load |' in md
    printed = str(r) + json.dumps(r.to_dict(), ensure_ascii=False)
    assert not [s for s in SECRETS if s in printed]

def test_the_final_pass_alone_leaves_no_secret(corpus, tmp_path, monkeypatch):
    "With the records left unredacted, the last pass over each file's final text still removes every leak its rules can find."
    from learnkit.share import redact
    from learnkit.share.post import share_post
    monkeypatch.setattr(redact.Redactor, 'redact', lambda self, text, where='', output=True: text)
    r = share_post('demo', folder=tmp_path/'post', folders=[corpus], fmt='html')
    for name, text in _files(r).items():
        for leak in SECRETS:
            if leak in ('/home/', '/Users/', 'C:\\Users', 'MyDrive'): continue  # shortening paths needs to know code from output
            for form in _forms(leak): assert form.lower() not in text.lower(), (name, leak, form)

def test_a_leak_the_final_check_can_read_stops_the_post(corpus, tmp_path, monkeypatch):
    from learnkit.base.core import LearnkitError
    from learnkit.share import redact
    from learnkit.share.post import share_post
    monkeypatch.setattr(redact.Redactor, 'redact', lambda self, text, where='', output=True: text)
    monkeypatch.setattr(redact.Redactor, '_replace', lambda self, s, where: s)  # a broken replacement
    with pytest.raises(LearnkitError, match='nothing was written'):
        share_post('demo', folder=tmp_path/'post', folders=[corpus], fmt='html')
    assert not (tmp_path/'post').exists()

def test_secrets_learned_anywhere_go_everywhere():
    from learnkit.share.redact import Redactor
    r = Redactor(users=set(), hosts=set(), secrets=set())
    r.learn(f"KEY_PASSWORD = '{URL_PW}'", output=False)
    assert r.redact(f'printed: {URL_PW}.', 'cell 2 output') == 'printed: ‹redacted›.'
    assert r.scrub(f'<td>{URL_PW}</td>', 'html') == '<td>‹redacted›</td>'
    assert r.summary() == '1 secret (KEY_PASSWORD)'
    [x] = r.found
    assert x.count == 2 and x.where == 'cell 2 output' and URL_PW not in json.dumps(x.to_dict())

def test_what_is_not_a_secret_stays():
    from learnkit.share.redact import Redactor
    r = Redactor(users=set(), hosts=set(), secrets=set())
    code = ("tokens = tokenize(text)\nnum_tokens = 512\nHF_TOKEN = os.environ['HF_TOKEN']\nx = (a+b)/2/3 + t/255\n"
            "url = 'https://s3.amazonaws.com/fast-ai-imageclas/oxford-iiit-pet.tgz'\n@property\ndef f(self): return self.x @ w")
    assert r.redact(code, 'cell', output=False) == code
    assert r.redact('LR=0.01\nepoch 0: loss 0.51, num_tokens: 123456789', 'out') == 'LR=0.01\nepoch 0: loss 0.51, num_tokens: 123456789'
    assert r.found == []

def test_redaction_is_linear_on_long_lines():
    from learnkit.share.redact import Redactor, find_leaks
    r = Redactor(users={'alice'}, hosts=set(), secrets=set())
    r.learn(f"contact='{EMAIL}'", output=False)
    n = 20_000
    def took(s):
        t = time.perf_counter(); r.redact(s, 'x'); r.leaks(s, 'md'); find_leaks(s); return time.perf_counter() - t
    base = took('ab ' * (n // 3))
    for s in ('a' * n, 'a@' * (n // 2), '/a' * (n // 2), 'A=' * (n // 2), "A='" * (n // 3), 'a.' * (n // 2), 'x://' + 'a:' * (n // 2)):
        assert took(s) < max(5 * base, 1.0), s[:10]
