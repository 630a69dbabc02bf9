"""A learner's journey in JupyterLab and headless Chromium, on a small fixture chapter (tests/fixtures/journey_chapter.ipynb):
the panel's next step, the scaffold, the reproduction opened from the file browser, an empty blank (its goal shown), typed
cells (verbatim, timed, random, a wrong value) and their verdicts, then the diff, `check --json` and the panel agreeing on
the numbers, a diff that shows none of the book's code, and the dashboard. Run with `pytest -m browser`."""
import json, re, time
from importlib.util import find_spec
from pathlib import Path
import pytest
from test_browser import e2e_lab, e2e_page, _cells, run_cell, widget_errors, shoot, write_notebook  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser] + ([pytest.mark.timeout(180)] if find_spec('pytest_timeout') else [])

CHAPTER = Path(__file__).parent/'fixtures'/'journey_chapter.ipynb'
REPRO = 'journey_chapter_reproduce.ipynb'

def _idle(page, lab, timeout=60):
    "The active notebook shows Idle and every kernel on the server is idle (two notebooks are open in this journey)."
    from playwright.sync_api import expect
    expect(page.locator('.jp-StatusBar-TextItem', has_text=re.compile(r'\|\s*Idle'))).to_have_count(1, timeout=timeout*1000)
    end = time.monotonic() + timeout
    while set(st := lab.kernel_states()) != {'idle'}:
        assert time.monotonic() < end, f'kernels never became idle: {st}'
        time.sleep(0.1)

def _type_into(page, i, text):
    "Put the cursor at the end of cell `i` and type `text` on a new line (inserted as typed text, without auto-indent)."
    cell = _cells(page).nth(i)
    cell.locator('.jp-InputArea-editor').click()
    page.keyboard.press('Control+End')
    page.keyboard.press('Enter')
    page.keyboard.insert_text(text)

def _verdict(page, i):
    "Run cell `i` and return its output area once the verdict line is drawn."
    out = run_cell(page, i).locator('.jp-Cell-outputArea')
    from playwright.sync_api import expect
    expect(out).to_contain_text(re.compile(r'[✓≈◷⚄✗~○?→]'), timeout=30_000)
    return out

def _counts(text):
    "`(done, cells, written, ran)` from a line like '2 of 7 cells done (4 written, 5 ran)' (`format_progress`, every view's phrasing)."
    m = re.search(r'(\d+) of (\d+) cells done \((\d+) written, (\d+) ran\)', text)
    assert m, f'no "N of M cells done (W written, R ran)" in: {text[:800]!r}'
    return tuple(int(g) for g in m.groups())

def test_learner_journey_in_jupyterlab(e2e_lab, e2e_page, tmp_path):
    from playwright.sync_api import expect
    from learnkit.book.chapters import load_chapter
    page, lab = e2e_page, e2e_lab
    page.on('dialog', lambda d: d.accept())
    # No autosave: what is on disk is what the learner saved.
    f = lab.env['JUPYTER_CONFIG_DIR'] + '/lab/user-settings/@jupyterlab/docmanager-extension/plugin.jupyterlab-settings'
    Path(f).parent.mkdir(parents=True, exist_ok=True)
    Path(f).write_text(json.dumps({'autosave': False}))
    chapter = load_chapter(str(CHAPTER))
    ref = {c.source.split('\n')[0].split(' =')[0]: c for c in chapter.code_cells}
    grid, doubled, timed, rnd = ref['grid'], ref['doubled'], ref['%timeit -n 5 -r 2 grid.sum()'], ref['weights']
    imp, halves, scale = ref['import torch'], ref['halves'], ref['def scale_up(t, k):']
    write_notebook(lab.root/'study.ipynb', ['%load_ext learnkit', f'%lesson {CHAPTER}',
                                            f'!learnkit diff {CHAPTER} {REPRO}', f'!learnkit check {CHAPTER} {REPRO} --json',
                                            '%lesson'])
    try:
        page.goto(f'{lab.url}/lab/tree/study.ipynb?token={lab.token}')
        _cells(page).first.wait_for(timeout=60_000)
        _idle(page, lab)
        run_cell(page, 0)
        # 1. The panel: the next step comes first, with its button, above the outline.
        panel = run_cell(page, 1).locator('.jp-Cell-outputArea')
        expect(panel.locator('.jupyter-widgets').first).to_be_visible(timeout=30_000)
        nxt = panel.get_by_text(re.compile(r'Next: scaffold your reproduction'))
        expect(nxt).to_be_visible()
        outline = panel.get_by_text(re.compile(r'^Outline'))
        assert nxt.bounding_box()['y'] < outline.bounding_box()['y'], 'the next step is not at the top of the panel'
        shoot(page, tmp_path/'1_panel.png')
        # 2. Scaffold from the next-step button; the panel then links to the reproduction.
        panel.get_by_role('button', name='Scaffold reproduction').first.click()
        expect(panel.locator('.lk-output')).to_contain_text(REPRO, timeout=30_000)
        link = panel.locator(f'a:has-text("Open {REPRO}")')
        expect(link).to_have_count(1, timeout=30_000)
        assert link.get_attribute('href').endswith(REPRO), link.get_attribute('href')
        shoot(page, tmp_path/'2_scaffolded.png')
        cells = json.loads((lab.root/REPRO).read_text())['cells']
        at = {c.id: next(i for i, x in enumerate(cells) if ''.join(x['source']).startswith(f'%%reproduce {c.id}'))
              for c in chapter.code_cells}
        goal = ''.join(cells[at[halves.id]]['source']).split('\n')[1]
        assert goal.startswith('# →') and 'halves' not in goal, f'the blank does not state a goal without code: {goal!r}'
        # 3. Open the reproduction from the file browser (in the app: the study kernel and its widgets stay live).
        item = page.locator('.jp-DirListing-item', has_text=REPRO)
        if not item.count(): page.locator('.jp-FileBrowser-toolbar button[title*="Refresh"], .jp-FileBrowser-toolbar [data-command="filebrowser:refresh"]').first.click()
        item.dblclick(timeout=30_000)
        expect(page.locator('.lm-TabBar-tab.lm-mod-current', has_text=REPRO)).to_have_count(1, timeout=30_000)
        expect(_cells(page)).to_have_count(len(cells), timeout=30_000)
        _idle(page, lab)
        first = next(i for i, x in enumerate(cells) if x['cell_type'] == 'code')
        run_cell(page, first)  # the scaffold's setup cell: load learnkit, draw the panel
        # 4. An empty blank shows its goal, not IPython's UsageError.
        out = run_cell(page, at[halves.id]).locator('.jp-Cell-outputArea')
        expect(out).to_contain_text(goal.lstrip('# ').strip(), timeout=30_000)
        assert 'UsageError' not in out.inner_text(), out.inner_text()
        # 5. Typed cells and their verdicts.
        _type_into(page, at[imp.id], imp.source)
        expect(_verdict(page, at[imp.id])).to_contain_text('✓')
        _type_into(page, at[grid.id], grid.source)
        v = _verdict(page, at[grid.id])
        expect(v).to_contain_text(re.compile(r'✓ match'))
        _type_into(page, at[doubled.id], doubled.source.replace('* 2', '* 3'))
        expect(_verdict(page, at[doubled.id])).to_contain_text(re.compile(r'(✗ mismatch|~ shape-only)'))
        _type_into(page, at[timed.id], timed.source)
        expect(_verdict(page, at[timed.id])).to_contain_text(re.compile(r'◷ timed'))
        _type_into(page, at[rnd.id], rnd.source)
        expect(_verdict(page, at[rnd.id])).to_contain_text(re.compile(r'⚄ random'))
        _idle(page, lab)
        shoot(page, tmp_path/'3_verdicts.png')
        verdicts = {k: _cells(page).nth(at[c.id]).locator('.jp-Cell-outputArea').inner_text()
                    for k, c in dict(imp=imp, grid=grid, doubled=doubled, timed=timed, rnd=rnd).items()}
        assert '30' not in re.split(r'shape-only|mismatch', verdicts['doubled'], maxsplit=1)[1], f"the mismatch shows the book's value: {verdicts['doubled']!r}"
        # 6. Save (Ctrl+S), wait until the server has the outputs.
        _cells(page).nth(at[rnd.id]).locator('.jp-InputArea-editor').click()
        # Wait for the tab to show it saved; never read the file through the server meanwhile (a read during the
        # server's atomic write makes it restore the old copy and move the new one aside as .invalid).
        dirty = page.locator('.lm-TabBar-tab.lm-mod-current.jp-mod-dirty', has_text=REPRO)
        expect(dirty).to_have_count(1)  # unsaved edits show on the tab
        for attempt in range(3):
            page.keyboard.press('Control+s')
            try:
                expect(dirty).to_have_count(0, timeout=10_000)
                break
            except AssertionError:
                if attempt == 2: raise
        saved = json.loads((lab.root/REPRO).read_text())['cells']
        assert saved[at[rnd.id]]['outputs'], 'the saved reproduction has no outputs'
        # 7. Back to the study notebook: diff, check --json, and the panel agree; the diff shows no book code.
        page.locator('.lm-TabBar-tab', has_text='study.ipynb').click()
        expect(page.locator('.lm-TabBar-tab.lm-mod-current', has_text='study.ipynb')).to_have_count(1, timeout=30_000)
        diff = run_cell(page, 2).locator('.jp-Cell-outputArea')
        expect(diff).to_contain_text(re.compile(r'\d+ of \d+'), timeout=30_000)
        dtext = diff.inner_text()
        check = run_cell(page, 3).locator('.jp-Cell-outputArea').inner_text()
        res = json.loads(check[check.index('{'):])['progress']
        m = re.search(r'(\d+) of (\d+) cells done \((\d+) written, (\d+) ran\)', dtext)
        assert m, f'the diff gives no progress line: {dtext[:800]!r}'
        d, n, w, r = m.groups()
        panel.get_by_role('button', name='Refresh').click()
        expect(panel).to_contain_text(f'Outline: {d} of {n} cells done ({w} written, {r} ran)', timeout=30_000)
        _idle(page, lab)
        ptext = panel.inner_text()
        shoot(page, tmp_path/'4_diff.png')
        print('DIFF:\n' + dtext, '\nCHECK:\n' + check[:3000], '\nPANEL:\n' + ptext)
        missing = [c for c in chapter.code_cells if c.id in (halves.id, scale.id)]
        for c in missing:
            for line in c.source.splitlines():
                if line.strip(): assert line.strip() not in dtext, f'the diff shows the book code {line!r}'
        shown = dict(diff=tuple(map(int, m.groups())), check=(res['done'], res['cells'], res['written'], res['ran']),
                     panel=_counts(ptext))
        # What this learner did: 4 cells judged done (import, verbatim, timed, random), the wrong value written and run but
        # not done, the empty blank run but not written, the last cell untouched.
        assert set(shown.values()) == {(4, len(chapter.code_cells), 5, 5)}, shown
        kinds = {c['ref']: (c['verdict'], c['done']) for c in json.loads(check[check.index('{'):])['cells']}
        assert kinds[grid.id] == ('match', True) and kinds[timed.id] == ('timed', True) and kinds[rnd.id] == ('random', True), kinds
        assert kinds[doubled.id][1] is False, f'a wrong deterministic value counts as done: {kinds[doubled.id]}'
        # 8. The dashboard draws, without widget errors.
        dash = run_cell(page, 4).locator('.jp-Cell-outputArea')
        expect(dash.locator('.jupyter-widgets').first).to_be_visible(timeout=30_000)
        expect(dash).to_contain_text(CHAPTER.stem, timeout=30_000)
        expect(dash).to_contain_text(f'{d}/{n} done')  # the dashboard's row agrees too
        _idle(page, lab)
        expect(page.get_by_text('Error displaying widget')).to_have_count(0)
    finally: shoot(page, tmp_path/'final.png')
    assert widget_errors(page) == [], widget_errors(page)
