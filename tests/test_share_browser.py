"""The shared post as a reader sees it: its Markdown rendered to one HTML page and opened in headless Chromium.

Run with `pytest -m browser`. Skips (with the reason) when Chromium or playwright is missing, unless
`LEARNKIT_REQUIRE_BROWSER=1`. Never runs `playwright install`: it drives the system Chromium (`/usr/bin/chromium`,
or `LEARNKIT_CHROMIUM`). `LEARNKIT_SHARE_SCREENSHOT=PATH` keeps a copy of the screenshot to look at."""
import os, shutil
from importlib.util import find_spec
import pytest
from test_share import learner, world  # noqa: F401  (the learner's world, made once by test_share's fixtures)
from test_browser import _chromium, _need, chromium_page

pytestmark = [pytest.mark.browser] + ([pytest.mark.timeout(600)] if find_spec('pytest_timeout') else [])

def test_the_post_reads_well_in_a_browser(learner, tmp_path):
    _need(_chromium(), 'Chromium not found (/usr/bin/chromium or LEARNKIT_CHROMIUM)')
    _need(find_spec('playwright'), 'the playwright package is not installed')
    from learnkit.share.post import share_post
    r = share_post('demo', folder=tmp_path/'post', folders=[learner], fmt='html')
    shot = tmp_path/'post.png'
    outside = []
    with chromium_page(1000, 900) as page:
        # the page is self-contained: anything it asks the network for is a bug
        def route(rt):
            if not rt.request.url.startswith(('file:', 'data:')): outside.append(rt.request.url); rt.abort()
            else: rt.continue_()
        page.route('**/*', route)
        page.goto(r.html.resolve().as_uri())
        page.wait_for_load_state('load')
        assert page.title() == r.data.front_matter['title']
        assert page.locator('h1').first.inner_text() == r.data.front_matter['title']
        heads = page.locator('h2').all_inner_texts()
        for h in ('The chapter', 'Reproducing it from scratch', 'Repeating it on my own data', 'Timing my data code', 'Study time',
                  'What surprised me', 'What I would try next'):
            assert h in heads, heads
        imgs = page.evaluate('() => [...document.images].map(i => [i.alt, i.complete && i.naturalWidth > 0, i.getBoundingClientRect().width])')
        assert len(imgs) == len(r.images) and all(ok and w > 100 for _, ok, w in imgs if _ != 'output') and all(ok for _, ok, _w in imgs), imgs
        boxes = page.locator('blockquote', has_text='Your words')
        assert boxes.count() == r.writes and boxes.first.is_visible()
        assert page.locator('table').count() >= 4  # sections, repeat results, timings, tuning
        page.screenshot(path=str(shot), full_page=True)
        errors = list(page.errors)
    assert not outside and not errors, (outside, errors)
    assert shot.stat().st_size > 50_000
    if os.environ.get('LEARNKIT_SHARE_SCREENSHOT'): shutil.copy(shot, os.environ['LEARNKIT_SHARE_SCREENSHOT'])
