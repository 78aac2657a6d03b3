"""The shape of each post notebook's summary and story (everything before `## Appendix: reruns and checks`): how much
code a reader sees and how many words they read, against the targets of issue 31. Exit status 1 if any is over.

    .venv/bin/python tools/nb_shape.py [NB ...]      (default: the post notebooks, nbs/01_* to nbs/05_*)

Code lines: the non-blank lines of the code cells a reader sees (not `#| hide` cells), `#|` directive lines left out;
the median and largest cell in those lines; show_doc cells; words of the markdown cells."""
import re, statistics, sys
from pathlib import Path
import nbformat

APPENDIX = '## Appendix: reruns and checks'
TARGETS = dict(lines=150, median=3, largest=12, show_doc=None, words=2000)  # 01, the first post, may have 200 lines

def words(text:str) -> int:
    "Words of markdown prose: links count by their text, code spans as one word, HTML tags and images not at all"
    text = re.sub(r'!\[[^\]]*\]\([^)]*\)', ' ', text)
    text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', text)
    text = re.sub(r'<[^>]+>', ' ', text)
    return len(re.findall(r"[\w`'’.,%+-]*\w[\w`'’.,%+-]*", text))

def shape(path:Path) -> dict:
    cells = nbformat.read(path, as_version=4).cells
    end = next((i for i, c in enumerate(cells) if c.cell_type == 'markdown' and c.source.lstrip().startswith(APPENDIX)), None)
    if end is None: sys.exit(f"{path}: no '{APPENDIX}' heading")
    story = cells[:end]
    shown = [[l for l in c.source.splitlines() if l.strip() and not l.lstrip().startswith('#|')]
             for c in story if c.cell_type == 'code' and not re.search(r'^#\|\s*hide\s*$', c.source, re.M)]
    sizes = [len(c) for c in shown if c] or [0]
    return dict(lines=sum(sizes), median=statistics.median(sizes), largest=max(sizes),
                show_doc=sum('show_doc(' in c.source for c in story if c.cell_type == 'code'),
                words=sum(words(c.source) for c in story if c.cell_type == 'markdown'))

if __name__ == '__main__':
    paths = [Path(p) for p in sys.argv[1:]] or sorted((Path(__file__).parent.parent/'nbs').glob('0[1-5]_*.ipynb'))
    print(f"{'summary + story':28}" + ''.join(f'{k:>10}' for k in TARGETS) + '   targets: ' +
          ', '.join(f'{k} <= {v}' for k, v in TARGETS.items() if v) + ' (01: 200 lines)')
    over = []
    for p in paths:
        s, limits = shape(p), {**TARGETS, **({'lines': 200} if p.name.startswith('01_') else {})}
        bad = [k for k, v in limits.items() if v is not None and s[k] > v]
        over += bad
        print(f'{p.stem:28}' + ''.join(f'{s[k]:>10g}' for k in TARGETS) + ('   over: ' + ', '.join(bad) if bad else '   ok'))
    sys.exit(1 if over else 0)
