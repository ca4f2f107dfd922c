"""A renamed record's old address, opened in Chromium, lands on its new page, with the #anchor it was given."""

from __future__ import annotations

from playwright.sync_api import expect
from support import Project, build, write_site_base

from .harness import SiteServer


def test_the_old_address_of_a_renamed_claim_lands_on_its_new_page(context, tmp_path):
    """The fixture base renamed quick-change to change-is-quick and lists the old id in its aliases."""
    project = Project(tmp_path)
    write_site_base(project)
    result = build(project)
    assert result.returncode == 0, result.stderr
    server = SiteServer(project.root / "site")
    server.start()
    try:
        page = context.new_page()
        page.goto(server.url + "claims/quick-change/#evidence")
        expect(page).to_have_url(server.url + "claims/change-is-quick/#evidence")
        expect(page.locator(".md-content h1").first).to_contain_text("Doctors on the boards may be able to")
        expect(page.locator("#evidence")).to_be_in_viewport()
    finally:
        server.close()
