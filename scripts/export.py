"""Export executed notebooks to HTML with nbconvert and the kubelab template.

usage: .venv/bin/python scripts/export.py < JOBS.json
JOBS on stdin: [{"notebook": executed .ipynb, "html": output path, "title": page title,
        "source_dir": folder that relative Markdown images are read from,
        "kubelab": {"prev": {"href", "title"} | null, "next": ... | null, "index": href}}]

The template (scripts/templates/kubelab) extends nbconvert's lab template; see it for what
changes. Pages are offline: Markdown images are embedded as data URIs, charts as inline SVG.
"""
import json
import os
import re
import sys

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


class SvgIds:
    """Filter kubelab_svg: inline SVG markup whose ids are unique on the page.

    Vega names clip paths and gradients clip1, clip2, ... per process; two charts on one page
    that share an id would clip each other. Prefix every id and its references with k<n>-,
    n counting the SVGs of the page (reset per page, so the output stays deterministic)."""

    def __init__(self):
        self.n = 0

    def __call__(self, svg):
        self.n += 1
        p = f"k{self.n}-"
        svg = re.sub(r"^\s*(?:(?:<\?xml[^>]*\?>|<!DOCTYPE[^>]*>)\s*)*", "", svg)  # not valid in HTML
        svg = re.sub(r'\bid="([^"]+)"', rf'id="{p}\1"', svg)
        svg = re.sub(r"url\((['\"]?)#", rf"url(\1#{p}", svg)
        return re.sub(r'href="#', f'href="#{p}', svg)  # href and xlink:href


def main():
    jobs = json.load(sys.stdin)
    config = Config()
    config.HTMLExporter.template_name = "kubelab"
    config.HTMLExporter.extra_template_basedirs = [TEMPLATES]
    config.HTMLExporter.embed_images = True  # Markdown images as data URIs
    config.HTMLExporter.theme = "light"
    exporter = HTMLExporter(config=config)
    svg_ids = SvgIds()
    exporter.register_filter("kubelab_svg", svg_ids)

    for job in jobs:
        nb = nbformat.read(job["notebook"], as_version=4)
        nb.metadata["title"] = job["title"]  # the page's <title>
        svg_ids.n = 0
        resources = {
            "metadata": {"name": job["title"], "path": job["source_dir"]},
            "kubelab": job["kubelab"],
        }
        html, _ = exporter.from_notebook_node(nb, resources=resources)
        # Links between chapters point at notebooks in Lab; on the site they point at pages.
        html = re.sub(r'href="([^":/#"]+)\.ipynb(#[^"]*)?"', lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', html)
        os.makedirs(os.path.dirname(os.path.abspath(job["html"])), exist_ok=True)
        with open(job["html"], "w", encoding="utf-8", newline="\n") as f:
            f.write(html)


if __name__ == "__main__":
    main()
