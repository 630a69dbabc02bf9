"""A chapter and a reproduction full of hostile markup, for the browser, terminal and fuzz tests.

Every payload that would run marks `window.__pwned`; every element it would inject has an id starting `pwned`. A page is
safe when, opened in a browser, neither is there and no `javascript:` link is either."""
import json
from pathlib import Path

SCRIPT = '<script id="pwned-script">window.__pwned = "script"</script>'
IMG = '<img id="pwned-img" src="x" onerror="window.__pwned = \'img\'">'
SVG = '<svg id="pwned-svg" onload="window.__pwned = \'svg\'"></svg>'
LINK = '[click me](javascript:window.__pwned=\'mdlink\')'
ANCHOR = '<a id="pwned-a" href="javascript:window.__pwned=\'anchor\'">open</a>'
IFRAME = '<iframe id="pwned-iframe" srcdoc="<script>parent.__pwned=\'iframe\'</script>"></iframe>'
STYLE = '<style id="pwned-style">body { display: none }</style>'
ALL = [SCRIPT, IMG, SVG, LINK, ANCHOR, IFRAME, STYLE]
# what a terminal obeys: OSC 52 (write the clipboard), clear screen, reset, carriage return, bidi override, bell
TERMINAL = ['\x1b]52;c;cHduZWQ=\x07', '\x1b[2J', '\x1bc', '\roverwritten', '\u202egnp.exe', '\x07', '\x9b31m']
# a %%timeit_log label (no double quote, so it fits the magic's quoted option)
LABEL = "<img id=pwned-label src=x onerror=window.__pwned='label'>"
# a file name can carry markup too (no `/` in it)
FILE_NAME = 'hostile <img id=pwned-fname src=x onerror=window.__pwned=1> javascript:x'

def _md(*lines): return dict(cell_type='markdown', metadata={}, source='\n'.join(lines))
def _code(src, *outputs): return dict(cell_type='code', metadata={}, execution_count=None, source=src, outputs=list(outputs))
def _stream(text): return dict(output_type='stream', name='stdout', text=text)
def _result(plain, html=None):
    data = {'text/plain': plain}
    if html: data['text/html'] = html
    return dict(output_type='execute_result', execution_count=1, metadata={}, data=data)

def hostile_notebook() -> dict:
    "A small chapter whose title, headings, prose, code and outputs carry every payload."
    cells = [
        _md(f'# Counting {SCRIPT} and {IMG}', '', f'An introduction with {LINK} and {ANCHOR}.'),
        _md(f'## Getting {SVG} started {"".join(TERMINAL)}', '', f'Some text {IFRAME} {STYLE}.'),
        _code(f"squares = [i*i for i in range(5)]  # {SCRIPT}\nsquares", _result('[0, 1, 4, 9, 16]', f'<b>{SCRIPT}</b>')),
        _md(f'### The sum {ANCHOR}', '', f'> jargon: {IMG} a word'),
        _code(f"print(sum(squares), {IMG!r})", _stream(f'30 {IMG}\n')),
        _md(f'## Sidebar: {SCRIPT}', '', 'Inside the sidebar.'),
        _code("root = 2 ** 0.5\nroot", _result('1.4142135623730951')),
        _md('## End sidebar'),
        _md(f'## Questionnaire {TERMINAL[0]}', '', f'1. Why {SCRIPT}?', f'1. What does {LINK} do?'),
        _md('### Further Research', '', f'1. Try {IMG}.'),
    ]
    return dict(cells=cells, metadata=dict(kernelspec=dict(name='python3', display_name='Python 3', language='python')),
                nbformat=4, nbformat_minor=4)

def write_hostile_chapter(folder: Path) -> Path:
    "The hostile chapter, saved under a hostile file name in `folder`."
    p = Path(folder)/f'{FILE_NAME}.ipynb'
    p.write_text(json.dumps(hostile_notebook(), indent=1))
    return p

def page_is_safe(page) -> list:
    "What is wrong with the page open in `page` (a playwright page): scripts that ran, elements injected, `javascript:` links."
    problems = []
    pwned = page.evaluate('() => window.__pwned')
    if pwned is not None: problems.append(f'a payload ran: {pwned!r}')
    ids = page.evaluate("() => [...document.querySelectorAll('[id^=pwned]')].map(e => e.tagName + '#' + e.id)")
    if ids: problems.append(f'elements injected: {ids}')
    links = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')).filter(h => /^\\s*(javascript|data|vbscript):/i.test(h))")
    if links: problems.append(f'script links: {links}')
    frames = [f.url for f in page.frames[1:]]
    if frames: problems.append(f'frames: {frames}')
    return problems
