"""Everything nbdev's docs build does before Quarto, then checks of its output.

`nbdev_proc_nbs` starts by installing Quarto when it is missing, which cannot work offline, so this
runs the same steps itself: `refresh_quarto_yml`, the module index, the sidebar and `proc_nbs`
(writing `_proc/`, where nbdev's `add_show_docs` adds a rendered `show_doc` for every exported name), then checks
that every notebook became a page with a title and that every exported function is rendered on a page.
Exit code 1 on any problem."""
import sys
from pathlib import Path
import nbformat
from nbdev.config import get_config
from nbdev.doclinks import _build_modidx
from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
from nbdev.serve import proc_nbs

def main():
    cfg = get_config()
    refresh_quarto_yml()
    _build_modidx()
    nbdev_sidebar.__wrapped__(path=cfg.nbs_path)
    proc = Path(proc_nbs(cfg.nbs_path))

    problems = []
    notebooks = sorted(p.relative_to(cfg.nbs_path) for p in cfg.nbs_path.glob('*.ipynb'))
    sidebar = (cfg.nbs_path/'sidebar.yml').read_text()
    for rel in notebooks:
        page = proc/rel
        if not page.exists(): problems.append(f"{rel}: no processed page in {proc.name}/"); continue
        nb = nbformat.read(page, as_version=4)
        front = next((c.source for c in nb.cells if c.cell_type == 'raw' and c.source.startswith('---')), '')
        if 'title:' not in front: problems.append(f"{rel}: the page has no title (start the notebook with a '# Title' markdown cell)")
        if rel.name not in sidebar: problems.append(f"{rel}: not listed in nbs/sidebar.yml")

    rendered = ''.join(str(o.get('data', {}).get('text/markdown', '')) for rel in notebooks if (proc/rel).exists()
                       for c in nbformat.read(proc/rel, as_version=4).cells if c.cell_type == 'code' for o in c.get('outputs', []))
    from importlib import import_module
    modidx = import_module(f'{cfg.lib_name}._modidx').d['syms']
    for module, syms in modidx.items():
        for name in syms:
            short = name[len(module) + 1:]
            if '.' in short or short.startswith('_'): continue
            if f'### {short}\n' not in rendered: problems.append(f"{module}.{short}: exported but no page shows it with show_doc")

    print(f"docs: {len(notebooks)} notebooks processed into {proc.name}/, every exported function rendered by show_doc")
    for p in problems: print(f"docs problem: {p}")
    return problems

if __name__ == '__main__':
    sys.exit(1 if main() else 0)
