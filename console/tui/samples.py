"""Pinned test samples, one JSON file per flow beside the store (never in flows.toml)."""

from __future__ import annotations

from pathlib import Path

from console.flows import FlowsConfig


def sample_path(config: FlowsConfig, flow_id: str) -> Path:
    return config.store_path().parent / "samples" / f"{flow_id}.json"


def pinned(config: FlowsConfig, flow_id: str) -> str | None:
    path = sample_path(config, flow_id)
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def pin(config: FlowsConfig, flow_id: str, text: str) -> Path:
    path = sample_path(config, flow_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
