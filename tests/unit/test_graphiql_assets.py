"""GraphiQL's page served without a CDN: every asset it loads is local and pinned."""

from __future__ import annotations

from pathlib import Path

from api.graphiql import assets


def test_every_cdn_asset_of_the_page_is_known_with_its_integrity():
    found = assets.page_assets()
    assert {a.package for a in found} >= {"react", "react-dom", "graphiql"}
    assert all(a.integrity.startswith("sha") for a in found)


def test_the_local_page_names_no_cdn_and_keeps_the_integrity_checks(tmp_path: Path):
    assert assets.local_page(tmp_path) is None  # not installed there: the caller says so
    if assets.installed():
        page = assets.local_page()
        assert page is not None
        assert "unpkg.com" not in page
        assert page.count("integrity=") == len(assets.page_assets())


def test_only_the_pages_own_assets_are_served(tmp_path: Path):
    (tmp_path / "secret").write_text("no")
    assert assets.read("../secret", tmp_path) is None
    assert assets.read("secret", tmp_path) is None
    assert assets.read("react@18.2.0/umd/../../../secret", tmp_path) is None
