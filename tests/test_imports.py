"""The house shows its structure: learnkit's modules import one way (no cycle, counting imports inside functions), never guard a
sibling import with a broad `except`, never import another module's private names, and the core pulls in no IPython, widgets or torch."""
import ast, subprocess, sys
from pathlib import Path
import pytest

import learnkit
PKG = Path(learnkit.__file__).resolve().parent  # the package under test: the checkout's, or the installed wheel's
MODULES = sorted(p.stem for p in PKG.glob('*.py') if p.stem not in ('__init__', '_modidx'))
CORE = ['core', 'rules', 'chapters', 'store', 'attempts', 'datasets', 'scaffold', 'compare', 'goals', 'align', 'state', 'text', 'diff',
        'timing', 'bench', 'sessions', 'progress', 'report', 'report_render']

def _target(node: ast.AST, here: str) -> list:
    "The learnkit modules an import node names (`learnkit.x`, `.x`, `from learnkit import x`, `from . import x`)."
    out = []
    if isinstance(node, ast.Import):
        out = [a.name.split('.')[1] for a in node.names if a.name.startswith('learnkit.')]
    elif isinstance(node, ast.ImportFrom):
        mod = node.module or ''
        if node.level == 1 or mod == 'learnkit' or mod.startswith('learnkit.'):
            base = mod.split('.', 1)[1] if mod.startswith('learnkit.') else mod if node.level else ''
            if base: out = [base.split('.')[0]]
            else: out = [a.name for a in node.names]  # `from learnkit import x` / `from . import x`
    return [m for m in out if m in MODULES and m != here]

def imports(name: str) -> list[tuple[str, ast.AST]]:
    "Every learnkit import in module `name`, at any depth (functions, methods, try blocks), with its node."
    tree = ast.parse((PKG/f'{name}.py').read_text())
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

def test_the_importer_sees_function_level_and_relative_imports():
    tree = ast.parse('def f():\n    from learnkit.diff import x\n    from . import compare\nfrom .state import y')
    got = [m for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for m in _target(n, 'zz')]
    assert sorted(got) == ['compare', 'diff', 'state']

def test_no_import_cycle():
    c = find_cycle(graph())
    assert c is None, 'import cycle: ' + ' -> '.join(c)

def test_alignment_and_verdicts_know_nothing_of_each_other():
    g = graph()
    assert 'align' not in g['compare'] and 'diff' not in g['compare'] and 'state' not in g['compare']
    assert 'compare' not in g['align'] and 'diff' not in g['align']
    assert {'align', 'compare'} <= set(g['state']) and 'state' in g['diff']

def _broad(h: ast.ExceptHandler) -> bool:
    names = [h.type] if not isinstance(h.type, ast.Tuple) else list(h.type.elts)
    return h.type is None or any(isinstance(n, ast.Name) and n.id in ('Exception', 'BaseException', 'ImportError', 'ModuleNotFoundError') for n in names)

@pytest.mark.parametrize('name', MODULES)
def test_no_broad_except_around_a_sibling_import(name):
    tree = ast.parse((PKG/f'{name}.py').read_text())
    bad = []
    for t in ast.walk(tree):
        if isinstance(t, ast.Try) and any(_broad(h) for h in t.handlers):
            for n in (x for stmt in t.body for x in ast.walk(stmt)):
                if isinstance(n, (ast.Import, ast.ImportFrom)) and _target(n, name): bad.append(f'line {n.lineno}: {ast.unparse(n)}')
    assert not bad, f'{name}.py guards sibling imports with a broad except: ' + '; '.join(bad)

@pytest.mark.parametrize('name', MODULES)
def test_no_private_names_imported_across_modules(name):
    bad = sorted({f'line {n.lineno}: ' + ', '.join(a.name for a in n.names if a.name.startswith('_')) + f' from {m}'
                  for m, n in imports(name) if isinstance(n, ast.ImportFrom) and any(a.name.startswith('_') for a in n.names)})
    assert not bad, f'{name}.py imports private names of other modules: ' + '; '.join(bad)

def test_core_imports_no_ipython_widgets_or_torch():
    code = (f"import sys\nfor m in {CORE!r}: __import__('learnkit.' + m)\n"
            "print([m for m in ('IPython', 'ipywidgets', 'torch', 'fastai') if m in sys.modules])")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == '[]'
