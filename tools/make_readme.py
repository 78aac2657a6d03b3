"""README.md from the processed `index.ipynb`, without Quarto.

`nbdev_readme` renders `_proc/index.ipynb` to GitHub markdown with Quarto, which cannot be installed
here. This does the same with nbconvert: the page's title and description from its front matter,
then every cell and output as markdown (the code of `#| echo: false` cells left out, as Quarto does). Links to notebooks point into `nbs/`. Run
`tools/docs_check.py` first: it writes `_proc/`. The README is written to a temp file and renamed.

With `--check` it is only compared, word for word (`words`): the words and numbers in order, not their formatting,
link targets, HTML tags or the description line. So README.md passes whether it was written here or by
`nbdev_readme` with Quarto (`nbdev_prepare`, `nbdev_docs`), whose GitHub markdown differs only in those ways:
curly quotes, escapes, `<figure>` HTML for images, padded tables, no description under the title."""
import html, os, re, sys, tempfile
from pathlib import Path
import nbformat, yaml
from nbconvert import MarkdownExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from nbdev.config import get_config

def words(text:str, description:str='', title:str='') -> list:
    "The words and numbers of markdown `text` in order: formatting, link targets, HTML tags, comments and the description line left out"
    text = re.sub(r'<!--.*?-->', ' ', text, flags=re.S)
    text = re.sub(r'\]\([^)]*\)', ']', text)                  # link and image targets (Quarto may rewrite them)
    text = re.sub(r'<[^<>]+>', ' ', text)                         # HTML tags, e.g. Quarto's <figure><img alt=...>
    text = re.sub(r'\\([!-/:-@\[-`{-~])', r'\1', html.unescape(text))  # entities and backslash escapes
    ws, desc, at = re.findall(r'[^\W_]+', text), re.findall(r'[^\W_]+', description), len(re.findall(r'[^\W_]+', title))
    return ws[:at] + ws[at+len(desc):] if desc and ws[at:at+len(desc)] == desc else ws

_ours = "# lib\n\n> A short description.\n\n<!-- WARNING -->\n\nThe posts' `mnist_path()` and **5,000** digits:\n\n![The mean 3](images/a.png)\n\n| a | b |\n|---|---|\n| 0.9168 | x_y |\n"
_quartos = "# lib\n\n\n<!-- WARNING -->\n\nThe posts’ `mnist_path()` and\n**5,000** digits:\n\n<figure>\n<img src=\"images/a.png\" alt=\"The mean 3\" />\n<figcaption aria-hidden=\"true\">The mean 3</figcaption>\n</figure>\n\n| a      | b     |\n|:-------|:------|\n| 0.9168 | x\\_y |\n"
assert words(_ours, 'A short description.', 'lib') == words(_quartos, 'A short description.', 'lib'), "Quarto's formatting of the same README must pass the check"
assert words(_ours, 'A short description.', 'lib') != words(_quartos.replace('0.9168', '0.9169'), 'A short description.', 'lib'), "a changed number must fail the check"
assert words(_ours, 'A short description.', 'lib') != words(_quartos.replace('mean 3</figcaption>', 'mean 7</figcaption>'), 'A short description.', 'lib'), "a changed caption must fail the check"

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
        if not dest.exists(): sys.exit(f"{dest.name}: missing; run `make readme` and commit it")
        title, desc = front.get('title', cfg.lib_name), front.get('description', '')
        want, got = words(text, desc, title), words(dest.read_text(), desc, title)
        if want == got: return print(f"{dest.name} has the words of {cfg.readme_nb}" + (" (and its formatting)" if dest.read_text() == text else " (formatted otherwise, e.g. by Quarto)"))
        at = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
        sys.exit(f"{dest.name} differs from what {cfg.readme_nb} generates at word {at}: {' '.join(got[max(0, at-5):at+5])!r} "
                 f"where {' '.join(want[max(0, at-5):at+5])!r} was expected: run `make readme` and commit it")
    fd, tmp = tempfile.mkstemp(prefix='.README.', dir=dest.parent)
    with os.fdopen(fd, 'w') as f: f.write(text)
    os.replace(tmp, dest)
    print(f"wrote {dest.name} from {page}")

if __name__ == '__main__': main(check='--check' in sys.argv)
