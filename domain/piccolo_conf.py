"""Piccolo's configuration module (found through PICCOLO_CONF, set in ``domain/__init__``)."""

from piccolo.conf.apps import AppRegistry

from domain.db import DB

__all__ = ["APP_REGISTRY", "DB"]

APP_REGISTRY = AppRegistry(apps=["domain.piccolo_app"])
