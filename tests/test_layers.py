"""The package's layers (vadkit.LAYERS): a module imports only its own subpackage or layers below."""
import ast
from pathlib import Path

import vadkit

PKG = Path(vadkit.__file__).parent


def _part(module: str) -> str | None:
    """'vadkit.io.audio' -> 'io'; 'vadkit' itself and other packages -> None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "vadkit" and len(parts) > 1 else None


def layer_violations(pkg: Path, layers) -> list[str]:
    """'<file>:<line>: <part> imports <other>' for every import of a same-level or higher part."""
    level = {name: i for i, names in enumerate(layers) for name in names}
    out = []
    for path in sorted(pkg.rglob("*.py")):
        rel = path.relative_to(pkg)
        if rel == Path("__init__.py"):
            continue  # the package root re-exports the top (Vad, StreamingVad)
        own = rel.parts[0].removesuffix(".py")
        if own not in level:
            out.append(f"{rel}: '{own}' is in no layer of vadkit.LAYERS; add it")
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "vadkit":
                    targets = [a.name for a in node.names]
                else:
                    targets = [_part(node.module)]
            elif isinstance(node, ast.Import):
                targets = [_part(a.name) for a in node.names]
            for other in targets:
                if other is None or other == own or other not in level and other[0].isupper():
                    continue
                if other not in level or level[other] >= level[own]:
                    out.append(f"{rel}:{node.lineno}: {own} imports {other}")
    return out


def test_imports_only_go_down_the_layers():
    assert layer_violations(PKG, vadkit.LAYERS) == []


def test_every_subpackage_is_a_layer():
    parts = {p.name.removesuffix(".py") for p in PKG.iterdir()
             if p.suffix == ".py" and p.name != "__init__.py" or (p / "__init__.py").is_file()}
    assert parts == {name for names in vadkit.LAYERS for name in names}


def test_an_upward_or_sideways_import_is_found(tmp_path):
    pkg = tmp_path / "vadkit"
    for sub in ("io", "eval", "models", "corpora"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "io" / "audio.py").write_text("import numpy\nfrom vadkit.io import files\n")
    (pkg / "io" / "bad.py").write_text("def f():\n    from vadkit.eval import plots\n")
    (pkg / "models" / "net.py").write_text("from vadkit import corpora, io\n")
    layers = (("io",), ("corpora", "models"), ("eval",))
    assert layer_violations(pkg, layers) == ["io/bad.py:2: io imports eval", "models/net.py:1: models imports corpora"]
