"""The house shows its structure: learnkit's folders are layers whose modules import only their own layer or those below
it (counting imports inside functions), with no import cycle, never guard a sibling import with a broad `except`, never
import another module's private names; the layers below `ui` pull in no IPython, widgets or torch; no module is a
sprawl of several concerns (a size bound); and the package's top holds only the adapters and its face."""
import ast, subprocess, sys
from pathlib import Path
import pytest

import learnkit
PKG = Path(learnkit.__file__).resolve().parent  # the package under test: the checkout's, or the installed wheel's
# low to high: a module may import from its own layer and the layers before it
LAYERS = ['base', 'book', 'store', 'reproduce', 'timing', 'bench', 'repeat', 'study', 'share', 'ui', 'top']
TOP = {'magics', 'demo'}  # with `__init__` and the `cli` package: the thin adapters on top of the house
MAX_LINES = 550  # "about 500": a module longer than this mixes concerns that want modules of their own

def _name(p: Path) -> str: return '.'.join(p.relative_to(PKG).with_suffix('').parts)

MODULES = sorted(_name(p) for p in PKG.rglob('*.py') if p.stem not in ('__init__', '_modidx', '__main__') and '__pycache__' not in p.parts)
PACKAGES = sorted({m.rsplit('.', 1)[0] for m in MODULES if '.' in m})

def layer(mod: str) -> str:
    "The layer of module `mod` (`reproduce.state` -> `reproduce`); the adapters on top (`magics`, `demo`, `cli.*`) are `top`."
    head = mod.split('.')[0]
    return head if head in LAYERS else 'top'

def _resolve(node: ast.ImportFrom, here: str) -> str:
    "The absolute learnkit-relative module an `ImportFrom` names (`from ..base.core import x` in `reproduce.state` -> `base.core`)."
    if node.level == 0:
        mod = node.module or ''
        return mod.split('.', 1)[1] if mod.startswith('learnkit.') else ''
    pkg = here.split('.')[:-1]  # the package `here` lives in
    base = pkg[:len(pkg) - (node.level - 1)] if node.level > 1 else pkg
    return '.'.join(base + ([node.module] if node.module else []))

def _target(node: ast.AST, here: str) -> list:
    "The learnkit modules an import node names (`learnkit.x.y`, `.y`, `..x.y`, `from learnkit.x import y`, `from . import y`)."
    out = []
    if isinstance(node, ast.Import):
        out = [a.name.split('.', 1)[1] for a in node.names if a.name.startswith('learnkit.')]
    elif isinstance(node, ast.ImportFrom):
        if node.level == 0 and not (node.module or '').startswith('learnkit'): return []
        base = _resolve(node, here)
        for a in node.names:  # `from learnkit.cli import study` names a module; `from .state import x` names one
            sub = f'{base}.{a.name}' if base else a.name
            out.append(sub if sub in MODULES else base)
    return sorted({m for m in out if m in MODULES and m != here})

def imports(name: str) -> list[tuple[str, ast.AST]]:
    "Every learnkit import in module `name`, at any depth (functions, methods, try blocks), with its node."
    tree = ast.parse((PKG/(name.replace('.', '/') + '.py')).read_text())
    return [(m, n) for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for m in _target(n, name)]

def graph() -> dict:
    return {m: sorted({t for t, _ in imports(m)}) for m in MODULES}

def find_cycle(g: dict) -> list|None:
    "One cycle of the directed graph `g` as a list of nodes, or None."
    state, stack = {}, []
    def visit(u):
        state[u] = 1; stack.append(u)
        for v in g.get(u, ()):
            if state.get(v) == 1: return stack[stack.index(v):] + [v]
            if not state.get(v):
                c = visit(v)
                if c: return c
        state[u] = 2; stack.pop()
        return None
    for u in g:
        if not state.get(u):
            c = visit(u)
            if c: return c
    return None

def test_find_cycle_finds_one():
    assert find_cycle({'a': ['b'], 'b': ['c'], 'c': ['a']}) == ['a', 'b', 'c', 'a']
    assert find_cycle({'a': ['b'], 'b': [], 'c': ['a', 'b']}) is None

def test_the_importer_resolves_relative_and_function_level_imports():
    tree = ast.parse('def f():\n    from learnkit.reproduce.diff import x\n    from . import align\nfrom ..base.core import y\n'
                     'from .state import z\nimport learnkit.book.chapters')
    got = sorted({m for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for m in _target(n, 'reproduce.goals')})
    assert got == ['base.core', 'book.chapters', 'reproduce.align', 'reproduce.diff', 'reproduce.state']
    assert layer('reproduce.state') == 'reproduce' and layer('cli.main') == 'top' and layer('magics') == 'top'

def test_every_folder_is_a_known_layer_with_a_docstring():
    for pkg in PACKAGES:
        assert pkg.split('.')[0] in LAYERS or pkg.split('.')[0] == 'cli', f'learnkit/{pkg}/ is not a layer of {LAYERS}'
        init = PKG/pkg.replace('.', '/')/'__init__.py'
        doc = ast.get_docstring(ast.parse(init.read_text())) if init.exists() else None
        assert doc and 'import' in doc.lower(), f'learnkit/{pkg}/__init__.py must say in its docstring what the layer owns and what it may import'

def test_the_top_holds_only_the_adapters():
    assert {m for m in MODULES if '.' not in m} == TOP

def test_no_import_cycle():
    c = find_cycle(graph())
    assert c is None, 'import cycle: ' + ' -> '.join(c)

def test_imports_run_down_the_layers():
    rank = {l: i for i, l in enumerate(LAYERS)}
    bad = [f'{m} ({layer(m)}) imports {t} ({layer(t)})' for m, ts in graph().items() for t in ts if rank[layer(t)] > rank[layer(m)]]
    assert not bad, 'imports that run up the house: ' + '; '.join(bad)

def test_alignment_and_verdicts_know_nothing_of_each_other():
    g = graph()
    judge = [m for m in MODULES if m.startswith('reproduce.') and m.split('.')[1] in ('compare', 'judge', 'verdict', 'kinds')]
    assert judge, 'no verdict module found in reproduce/'
    for m in judge: assert not {t for t in g[m] if t.split('.')[-1] in ('align', 'diff', 'state')}, f'{m} imports the alignment or the state'
    assert not {t for t in g['reproduce.align'] if t in judge}, 'the alignment imports the judge'

def _broad(h: ast.ExceptHandler) -> bool:
    names = [h.type] if not isinstance(h.type, ast.Tuple) else list(h.type.elts)
    return h.type is None or any(isinstance(n, ast.Name) and n.id in ('Exception', 'BaseException', 'ImportError', 'ModuleNotFoundError') for n in names)

@pytest.mark.parametrize('name', MODULES)
def test_no_broad_except_around_a_sibling_import(name):
    tree = ast.parse((PKG/(name.replace('.', '/') + '.py')).read_text())
    bad = []
    for t in ast.walk(tree):
        if isinstance(t, ast.Try) and any(_broad(h) for h in t.handlers):
            for n in (x for stmt in t.body for x in ast.walk(stmt)):
                if isinstance(n, (ast.Import, ast.ImportFrom)) and _target(n, name): bad.append(f'line {n.lineno}: {ast.unparse(n)}')
    assert not bad, f'{name} guards sibling imports with a broad except: ' + '; '.join(bad)

@pytest.mark.parametrize('name', MODULES)
def test_no_private_names_imported_across_modules(name):
    bad = sorted({f'line {n.lineno}: ' + ', '.join(a.name for a in n.names if a.name.startswith('_')) + f' from {m}'
                  for m, n in imports(name) if isinstance(n, ast.ImportFrom) and any(a.name.startswith('_') for a in n.names)})
    assert not bad, f'{name} imports private names of other modules: ' + '; '.join(bad)

@pytest.mark.parametrize('name', MODULES)
def test_no_module_sprawls(name):
    n = len((PKG/(name.replace('.', '/') + '.py')).read_text().splitlines())
    assert n <= MAX_LINES, f'learnkit/{name.replace(".", "/")}.py has {n} lines: split its concerns into modules of their own (<= {MAX_LINES})'

def test_core_imports_no_ipython_widgets_or_torch():
    core = [m for m in MODULES if layer(m) not in ('ui', 'top')]
    code = (f"import sys\nfor m in {core!r}: __import__('learnkit.' + m)\n"
            "print([m for m in ('IPython', 'ipywidgets', 'torch', 'fastai') if m in sys.modules])")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == '[]'
