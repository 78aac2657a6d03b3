"""README.md from the processed `index.ipynb`, without Quarto.

`nbdev_readme` renders `_proc/index.ipynb` to GitHub markdown with Quarto, which cannot be installed
here. This does the same with nbconvert: the page's title and description from its front matter,
then every cell and output as markdown (the code of `#| echo: false` cells left out, as Quarto does). Links to notebooks point into `nbs/`. Run
`tools/docs_check.py` first: it writes `_proc/`. The README is written to a temp file and renamed; with `--check` it is only compared."""
import os, re, sys, tempfile
from pathlib import Path
import nbformat, yaml
from nbconvert import MarkdownExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from nbdev.config import get_config

def main(check=False):
    cfg = get_config()
    page = Path('_proc')/cfg.readme_nb
    if not page.exists(): sys.exit(f"{page}: missing; run tools/docs_check.py first")
    nb = nbformat.read(page, as_version=4)
    front = yaml.safe_load(nb.cells[0].source.strip().strip('-')) if nb.cells[0].cell_type == 'raw' else {}
    nb.cells = [c for c in nb.cells if c.cell_type != 'raw']
    for c in nb.cells:
        if c.cell_type == 'code' and re.search(r'^#\|\s*echo:\s*false', c.source, re.M):
            c.metadata.setdefault('tags', []).append('remove_input')
    exporter = MarkdownExporter()
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags=('remove_input',), enabled=True), enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    body = re.sub(r'\]\((\d\d_[\w]+|index)\.ipynb\)', r'](nbs/\1.ipynb)', body)
    text = f"# {front.get('title', cfg.lib_name)}\n\n" + (f"> {front['description']}\n\n" if front.get('description') else '') + body.strip() + '\n'
    dest = cfg.config_path/'README.md'
    if check:
        if dest.exists() and dest.read_text() == text: return print(f"{dest.name} is up to date with {cfg.readme_nb}")
        sys.exit(f"{dest.name} differs from what {cfg.readme_nb} generates: run `make readme` and commit it")
    fd, tmp = tempfile.mkstemp(prefix='.README.', dir=dest.parent)
    with os.fdopen(fd, 'w') as f: f.write(text)
    os.replace(tmp, dest)
    print(f"wrote {dest.name} from {page}")

if __name__ == '__main__': main(check='--check' in sys.argv)
