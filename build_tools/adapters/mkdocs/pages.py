"""Pages the engine rendered, handed to MkDocs as they are."""

from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from build_tools.site.render import GeneratedPage


class RenderedPage(Page):
    """A page the engine rendered to HTML: MkDocs takes its front matter, headings and HTML as they are,
    instead of reading and converting Markdown (most of the cost of a build, for pages of tables and links)."""

    def __init__(self, generated: GeneratedPage, file: File, config: MkDocsConfig) -> None:
        self.generated = generated
        super().__init__(None, file, config)

    def read_source(self, config: MkDocsConfig) -> None:
        self.markdown = ""  # there is none: other plugins see an empty page, and leave it alone
        # The search plugin would parse the HTML for its index; on_page_context gives it the record's text instead.
        self.meta = {**self.generated.meta, "search": {"exclude": True}}

    def render(self, config: MkDocsConfig, files: Files) -> None:
        self.content = self.generated.body
        self.toc = get_toc(self.generated.toc_tokens())  # type: ignore[arg-type]
        self.present_anchor_ids = self.generated.anchors


