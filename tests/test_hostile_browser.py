"""Every page and post learnkit writes, for a chapter full of hostile markup, opened in headless Chromium: no script runs, no
element is injected, no `javascript:` link is made.

The chapter's title, headings, prose, code and outputs, its file name, the reproduction's name and a `%%timeit_log` label all
carry payloads (tests/hostile.py). The pages: the scaffold's Markdown cells, `diff --html`, `report`, the panel and the dashboard
as HTML, and the shared post (`share --format html`, and its .md and .ipynb rendered as a blog engine would: raw HTML allowed,
any link scheme kept). `LEARNKIT_HOSTILE_SHOTS=FOLDER` keeps a screenshot of each page. Run with `pytest -m browser`; skips when Chromium or playwright is missing (unless
`LEARNKIT_REQUIRE_BROWSER=1`)."""
import json, os
from importlib.util import find_spec
from pathlib import Path
import pytest
from hostile import FILE_NAME, LABEL, page_is_safe, write_hostile_chapter
from test_browser import _chromium, _need, chromium_page
from test_faults import lk_main

pytestmark = [pytest.mark.browser] + ([pytest.mark.timeout(600)] if find_spec('pytest_timeout') else [])

def _markdown_page(md_text: str, title: str) -> str:
    "Markdown rendered as a permissive blog engine does: CommonMark with raw HTML, tables, and every link kept."
    from markdown_it import MarkdownIt
    md = MarkdownIt('commonmark', {'html': True}).enable('table')
    md.validateLink = lambda url: True  # markdown-it drops javascript: links by itself; kramdown and many others don't
    return f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head><body>{md.render(md_text)}</body></html>'

def _notebook_markdown(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text())
    return '\n\n'.join(''.join(c['source']) if isinstance(c['source'], list) else c['source'] for c in nb['cells'] if c['cell_type'] == 'markdown')

@pytest.fixture(scope='module')
def pages(tmp_path_factory, _ipshell):
    "Write every page for the hostile chapter (in a data dir of its own) and return {name: path}; a page learnkit failed to write maps to its error."
    from learnkit.base.core import config
    from learnkit.store.db import reset_store
    work = tmp_path_factory.mktemp('hostile')
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv('LEARNKIT_DATA_DIR', str(work/'lkdata')); mp.setattr(config, 'data_dir', ''); mp.chdir(work)
        reset_store()
        try:
            ch = write_hostile_chapter(work)
            repro = work/f'{FILE_NAME}_reproduce.ipynb'
            rc, _, err = lk_main('scaffold', ch, '-o', repro)
            assert rc == 0, err
            out['scaffold.md'] = repro
            # the learner writes the chapter's code into the blanks, with the chapter's outputs, and times a cell
            from learnkit.book.chapters import load_chapter
            chapter = load_chapter(str(ch))
            nb = json.loads(repro.read_text())
            blanks = [c for c in nb['cells'] if c['metadata'].get('learnkit', {}).get('kind') == 'blank']
            for c, o in zip(blanks, chapter.code_cells):
                c['source'] = ''.join(c['source']) + '\n' + o.source
                c['outputs'], c['execution_count'] = o.outputs, 1
            repro.write_text(json.dumps(nb))
            ip = _ipshell
            ip.run_line_magic('load_ext', 'learnkit')
            try:
                ip.run_line_magic('lesson', f'"{ch}" --no-panel')  # the timing belongs to the chapter, so the post shows it
                r = ip.run_cell(f'%%timeit_log -l "{LABEL}" -n 1 -r 2\nsum(range(10))')
                assert r.success, r.error_in_exec
            finally:
                ip.run_line_magic('lesson', '--end')
                ip.run_line_magic('unload_ext', 'learnkit')
            from learnkit.store.db import get_store
            assert [t['label'] for t in get_store().rows('timings')] == [LABEL]
            for name, argv in {'diff.html': ['diff', ch, repro, '--html', work/'diff.html'],
                               'progress.html': ['report', '--out', work/'progress.html'],
                               'post': ['share', ch, '-o', work/'post', '--notebook', repro, '--format', 'html']}.items():
                rc, _, err = lk_main(*argv)
                out[name] = work/name if rc == 0 else err
            from learnkit.ui.lesson import fallback_html
            from learnkit.ui.panel import PanelModel
            from learnkit.ui.dashboard import DashboardModel
            for name, model in (('panel.html', lambda: PanelModel(str(ch), cwd=work)), ('dashboard.html', lambda: DashboardModel(cwd=work))):
                (work/name).write_text(f'<!doctype html><html><head><meta charset="utf-8"></head><body>{fallback_html(model())}</body></html>')
                out[name] = work/name
            # a chapter file named like a script link, with its reproduction beside it, as the panel links to both
            js = work/"javascript:window.__pwned='fname';a={ipynb:1}.ipynb"
            js.write_text(ch.read_text())
            rc, _, err = lk_main('scaffold', js, '-o', work/f'{js.stem}_reproduce.ipynb')
            assert rc == 0, err
            m = PanelModel(str(js), cwd=work)
            orig = m.original()
            (work/'panel-js.html').write_text(f'<!doctype html><html><head><meta charset="utf-8"></head><body>{fallback_html(m)}'
                                              f'{getattr(orig, "data", orig)}</body></html>')
            out['panel-js.html'] = work/'panel-js.html'
            post = out['post']
            if isinstance(post, Path):
                out['post.html'] = next(post.glob('*.html'))
                out['post.md'] = next(post.glob('*.md'))
                out['post.ipynb.md'] = next(post.glob('*.ipynb'))
            del out['post']
            for name in ('scaffold.md', 'post.md', 'post.ipynb.md'):
                src = out.get(name)
                if isinstance(src, Path):
                    text = src.read_text() if src.suffix == '.md' else _notebook_markdown(src)
                    (work/f'{name}.html').write_text(_markdown_page(text, name))
                    out[name] = work/f'{name}.html'
        finally: reset_store()
    return out

PAGES = ['scaffold.md', 'diff.html', 'progress.html', 'panel.html', 'dashboard.html', 'post.html', 'post.md', 'post.ipynb.md',
         'panel-js.html']

@pytest.mark.parametrize('name', PAGES)
def test_no_script_runs_and_no_element_is_injected(pages, name):
    _need(_chromium(), 'Chromium not found (/usr/bin/chromium or LEARNKIT_CHROMIUM)')
    _need(find_spec('playwright'), 'the playwright package is not installed')
    p = pages[name]
    assert isinstance(p, Path), f'learnkit did not write the page: {p}'
    dialogs, outside = [], []
    with chromium_page(1000, 800) as page:
        page.on('dialog', lambda d: (dialogs.append(d.message), d.dismiss()))
        def route(rt):
            if rt.request.url.startswith(('file:', 'data:', 'about:')): rt.continue_()
            else: outside.append(rt.request.url); rt.abort()
        page.route('**/*', route)
        page.goto(p.resolve().as_uri())
        page.wait_for_load_state('load'); page.wait_for_timeout(300)  # an onerror or onload handler has run by now
        problems = page_is_safe(page)
        text = page.inner_text('body')
        if os.environ.get('LEARNKIT_HOSTILE_SHOTS'): page.screenshot(path=str(Path(os.environ['LEARNKIT_HOSTILE_SHOTS'])/f'{name}.png'), full_page=True)
    assert not dialogs and not problems and not outside, (dialogs, problems, outside)
    if name in SHOWS_TITLE: assert 'Counting' in text, text[:500]  # the title is shown, as text
    if name.startswith('post'): assert 'pwned-label' in text, text  # and so is the %%timeit_log label

SHOWS_TITLE = {'scaffold.md', 'diff.html', 'panel.html', 'post.html', 'post.md', 'post.ipynb.md'}
