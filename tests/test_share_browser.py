"""The shared post as a reader sees it: its HTML page opened in headless Chromium, a learner's real post and one made of
hostile markup (a chapter whose title and headings carry `<script>` and `<img onerror>`, outputs and labels with markup).

Run with `pytest -m browser`. Skips (with the reason) when Chromium or playwright is missing, unless
`LEARNKIT_REQUIRE_BROWSER=1`. Never runs `playwright install`: it drives the system Chromium (`/usr/bin/chromium`,
or `LEARNKIT_CHROMIUM`). `LEARNKIT_SHARE_SCREENSHOT=PATH.png` keeps copies of the screenshots to look at (the hostile
post's as `PATH-hostile.png`)."""
import json, os, shutil
from importlib.util import find_spec
import pytest
from share_world import learner, world  # noqa: F401  (the learner's world, made once per session)
from test_browser import _chromium, _need, chromium_page

pytestmark = [pytest.mark.browser] + ([pytest.mark.timeout(600)] if find_spec('pytest_timeout') else [])

# what the page may hold besides text: no script, no handler, no frame, no SVG, images only inlined from the post itself
INJECTED = """() => ({
  scripts: document.querySelectorAll('script, iframe, object, embed, svg, math, form, input, button, base, link').length,
  handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.toLowerCase().startsWith('on'))).map(e => e.outerHTML.slice(0, 80)),
  images: [...document.images].map(i => i.getAttribute('src').slice(0, 22)).filter(s => !s.startsWith('data:image/png;base64,')),
  links: [...document.links].map(a => a.getAttribute('href')).filter(h => !/^https:\\/\\/github\\.com\\/learnkit\\/learnkit$/.test(h)),
})"""

def _open(page, path, outside: list, dialogs: list):
    def route(rt):
        if not rt.request.url.startswith(('file:', 'data:')): outside.append(rt.request.url); rt.abort()
        else: rt.continue_()
    page.route('**/*', route)  # the page is self-contained: anything it asks the network for is a bug
    page.on('dialog', lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state('load')
    page.wait_for_timeout(300)  # time for anything injected to fire

def _need_chromium():
    _need(_chromium(), 'Chromium not found (/usr/bin/chromium or LEARNKIT_CHROMIUM)')
    _need(find_spec('playwright'), 'the playwright package is not installed')

def test_the_post_reads_well_in_a_browser(learner, tmp_path):
    _need_chromium()
    from learnkit.share.post import share_post
    r = share_post('demo', folder=tmp_path/'post', folders=[learner], fmt='html')
    shot, outside, dialogs = tmp_path/'post.png', [], []
    with chromium_page(1000, 900) as page:
        _open(page, r.html, outside, dialogs)
        assert page.title() == r.data.front_matter['title']
        assert page.locator('h1').first.inner_text() == r.data.front_matter['title']
        heads = page.locator('h2').all_inner_texts()
        assert heads == ['The chapter', 'Reproducing it from scratch', 'Repeating it on new data', 'Timing my code', 'Study time',
                         'What surprised me', 'What I would try next'], heads
        # the learner's own cells as code, each under the line that says why it is there
        codes = page.locator('pre code.language-python').all_inner_texts()
        assert [c.rstrip('\n') for c in codes[:len(r.data.reproduced.mine)]] == [c.source for c in r.data.reproduced.mine]
        imgs = page.evaluate('() => [...document.images].map(i => [i.alt, i.complete && i.naturalWidth > 0, i.getBoundingClientRect().width])')
        assert len(imgs) == len(r.images) and all(ok and w > 100 for _, ok, w in imgs), imgs
        boxes = page.locator('blockquote', has_text='Your words')
        assert boxes.count() == r.writes and boxes.first.is_visible()
        assert page.locator('table').count() >= 6  # sections, two repeats' results and training tables, timings, tuning
        assert page.evaluate(INJECTED) == dict(scripts=0, handlers=[], images=[], links=[])
        page.screenshot(path=str(shot), full_page=True)
        errors = list(page.errors)
    assert not outside and not errors and not dialogs, (outside, errors, dialogs)
    assert shot.stat().st_size > 50_000
    if os.environ.get('LEARNKIT_SHARE_SCREENSHOT'): shutil.copy(shot, os.environ['LEARNKIT_SHARE_SCREENSHOT'])

HOSTILE = ['<script>alert(1)</script>', '<img src=x onerror=alert(2)>', '<svg onload=alert(3)>', '"><iframe src=javascript:alert(4)>',
           '[click](javascript:alert(5))', '<a href="javascript:alert(6)">x</a>', '<b onmouseover=alert(7)>batch</b>']

def _chapter(path):
    "A chapter of three cells whose title and headings are hostile markup."
    md = lambda s: dict(cell_type='markdown', metadata={}, source=s)
    code = lambda s, out: dict(cell_type='code', metadata={}, execution_count=1, source=s,
                               outputs=[dict(output_type='execute_result', execution_count=1, metadata={}, data={'text/plain': out})])
    nb = dict(nbformat=4, nbformat_minor=5, metadata={}, cells=[
        md(f'# Sums {HOSTILE[0]}'), md(f'## Adding {HOSTILE[1]}'), md('Add two numbers.'), code('total = 1 + 1\ntotal', '2'),
        md(f'## Functions {HOSTILE[2]} {HOSTILE[4]}'), code('def add(a, b): return a + b\nadd(2, 3)', '5'), code('add(1, 1) * 3', '6')])
    for k, c in enumerate(nb['cells']): c['id'] = f'c{k}'
    path.write_text(json.dumps(nb))
    return path

def test_hostile_markup_in_a_post_is_text_and_nothing_runs(tmp_path, data_dir):
    _need_chromium()
    from learnkit.book.chapters import load_chapter
    from learnkit.repeat.records import RepeatRecord, record_repeat
    from learnkit.reproduce.scaffold import scaffold
    from learnkit.share.post import share_post
    from learnkit.timing.log import log_result
    from learnkit.timing.measure import time_code
    ch = load_chapter(str(_chapter(tmp_path/'sums.ipynb')))
    nb = scaffold(ch)
    outs = [[dict(output_type='stream', name='stdout', text=f'{HOSTILE[0]}\n{HOSTILE[3]}\n')],
            [dict(output_type='execute_result', execution_count=2, metadata={}, data={'text/plain': HOSTILE[5], 'text/html': HOSTILE[1] + HOSTILE[5]}),
             dict(output_type='display_data', metadata={}, data={'text/markdown': HOSTILE[4], 'image/svg+xml': HOSTILE[2]})],
            [dict(output_type='execute_result', execution_count=3, metadata={}, data={
                'text/plain': 'table', 'text/html': f'<table><tr><th>{HOSTILE[6]}</th></tr><tr><td>{HOSTILE[1]}</td></tr></table>'})]]
    blanks = [c for c in nb['cells'] if c['metadata'].get('learnkit', {}).get('kind') == 'blank']
    for k, (c, out) in enumerate(zip(blanks, outs)):
        c.update(source=f"{c['source'].splitlines()[0]}\nprint({HOSTILE[k]!r})  # my own way", execution_count=k + 1, outputs=out)
    (tmp_path/'sums_reproduce.ipynb').write_text(json.dumps(nb))
    log_result(time_code('sum(range(10))', {}, number=5, repeat=3, label=HOSTILE[6]), chapter=ch.key)
    record_repeat(RepeatRecord(ch.key, 'c3', str(tmp_path/'data'/'birds'), 'image-folders', 'f', 10, 2, HOSTILE[3], 0.5, 0.6,
                               dataset=HOSTILE[2], baseline_method=HOSTILE[1], tiny=True))
    r = share_post(ch, folder=tmp_path/'post', notebook=tmp_path/'sums_reproduce.ipynb', fmt='html')
    assert len(r.data.reproduced.mine) == 3
    outside, dialogs = [], []
    with chromium_page(1000, 900) as page:
        _open(page, r.html, outside, dialogs)
        found = page.evaluate(INJECTED)
        text = page.locator('body').inner_text()
        page.screenshot(path=str(tmp_path/'hostile.png'), full_page=True)
        errors = list(page.errors)
    if os.environ.get('LEARNKIT_SHARE_SCREENSHOT'):
        keep = os.environ['LEARNKIT_SHARE_SCREENSHOT']
        shutil.copy(tmp_path/'hostile.png', keep[:-4] + '-hostile.png' if keep.endswith('.png') else keep + '-hostile.png')
    assert found == dict(scripts=0, handlers=[], images=[], links=[]), found
    assert not dialogs and not outside and not errors, (dialogs, outside, errors)
    for h in (HOSTILE[0], HOSTILE[1], HOSTILE[3], HOSTILE[6]): assert h in text, h  # shown as the text it is
    # the Markdown and the notebook meant for publishing carry no markup either: every `<` of theirs is escaped or in code
    md = r.markdown.read_text()
    outside_code = '\n'.join(md.split('```')[0::2])
    assert '<script' not in outside_code and '<img' not in outside_code and '<svg' not in outside_code and 'javascript:alert' not in outside_code.replace('javascript:alert\\(', '')
    post = json.loads(r.notebook.read_text())
    for c in post['cells']:
        if c['cell_type'] == 'markdown': assert '<script' not in ''.join(c['source']) and '<img' not in ''.join(c['source'])
        for o in c.get('outputs', []):
            assert not {'text/markdown', 'image/svg+xml', 'application/javascript'} & set(o.get('data', {}))
            assert '<script' not in ''.join(o.get('data', {}).get('text/html', '')) and '<img' not in ''.join(o.get('data', {}).get('text/html', ''))
