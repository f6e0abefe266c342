"""One safe YAML reader for the package's configuration files (the SAP and scenario files).

``yaml.safe_load`` alone is not enough for a file a user hands to the tool:

- **Anchors and aliases** (``&a`` / ``*a``) let a 1 KB file expand to billions of nodes (the
  "billion laughs"); configuration files never need them, so any anchor or alias is refused
  before it is expanded, naming the key it sits under.
- **Duplicate keys** are silently resolved by PyYAML to the last value; here they are an error
  naming the key and both lines.
- The file must be a regular, readable, non-empty UTF-8 text file of at most
  :data:`MAX_CONFIG_BYTES` (read by :func:`osteo_stats.userfiles.read_user_file`); a directory,
  a pipe, a device, an unreadable or binary file gets one clear sentence instead of a hang or a
  traceback.

Callers turn :class:`ConfigFileError` into their own error type (``SAPConfigError``,
``ScenarioError``) so the message keeps the file name and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from osteo_stats.userfiles import MAX_CONFIG_BYTES, UserFileError, read_user_file

__all__ = [
    "MAX_CONFIG_BYTES",
    "ConfigFileError",
    "load_config_yaml",
    "parse_config_bytes",
    "parse_config_yaml",
    "read_config_file",
]


class ConfigFileError(Exception):
    """A configuration file cannot be read or is not acceptable YAML (message without path)."""


def _key_path(path: list[object]) -> str:
    parts: list[str] = []
    for item in path:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors, aliases and duplicate mapping keys."""

    def _check_duplicates(self, node: MappingNode) -> None:
        seen: dict[tuple[str, str], int] = {}
        for key, _ in node.value:
            if not isinstance(key, ScalarNode):
                continue
            line = key.start_mark.line + 1
            if (key.tag, key.value) in seen:
                where = _key_path([p for p in self._path if p is not None] + [key.value])
                raise ConfigFileError(
                    f"{where}: duplicate key (lines {seen[key.tag, key.value]} and {line}). "
                    "Hint: give each key once; YAML would otherwise keep only the last value "
                    "silently."
                )
            seen[key.tag, key.value] = line

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._path: list[object] = []

    def compose_node(self, parent: Node | None, index: object) -> Node | None:  # type: ignore[override]
        # ``index`` is the key node for a mapping value, the position for a sequence item.
        if isinstance(index, ScalarNode):
            self._path.append(index.value)
        elif isinstance(index, int) and not isinstance(index, bool):
            self._path.append(index)
        else:
            self._path.append(None)  # a mapping key itself, or the document root
        try:
            event = self.peek_event()
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                where = _key_path([p for p in self._path if p is not None])
                kind = "alias" if isinstance(event, yaml.AliasEvent) else "anchor"
                sign = "*" if kind == "alias" else "&"
                raise ConfigFileError(
                    f"{where}: YAML {kind} {sign}{anchor} at line {event.start_mark.line + 1} is "
                    "not allowed. Hint: configuration files must spell every value out; anchors "
                    "and aliases (& and *) are refused because they can expand without bound."
                )
            node = super().compose_node(parent, index)
            if isinstance(node, MappingNode):
                self._check_duplicates(node)
            return node
        finally:
            self._path.pop()


def parse_config_yaml(text: str) -> Any:
    """Parse YAML text with :class:`_StrictLoader`.

    Raises
    ------
    ConfigFileError
        Anchors, aliases, duplicate keys, or a YAML syntax error.
    """
    loader = _StrictLoader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"not valid YAML: {exc}") from None
    except RecursionError:
        raise ConfigFileError(
            "not valid YAML: nested too deeply. Hint: a configuration file needs a few levels."
        ) from None
    finally:
        loader.dispose()


def read_config_file(path: Path) -> bytes:
    """The bytes of one configuration file: a regular file of at most :data:`MAX_CONFIG_BYTES`,
    read with that bound (:func:`osteo_stats.userfiles.read_user_file`).

    Raises
    ------
    ConfigFileError
        The file is missing, not a regular file (a directory, a pipe, a device or a link to
        one), too large, or unreadable; the message says which, and the limit.
    """
    if not path.exists():
        raise ConfigFileError("file not found. Hint: check the path.")
    if path.is_dir():
        raise ConfigFileError("is a directory, not a YAML file. Hint: give the path of the file.")
    try:
        return read_user_file(path, "a configuration file", MAX_CONFIG_BYTES)
    except UserFileError as exc:
        raise ConfigFileError(f"file {exc.rule}. Hint: {exc.hint}.") from None


def parse_config_bytes(data: bytes) -> Any:
    """Decode (UTF-8) and parse the bytes of a configuration file (:func:`parse_config_yaml`).

    Raises
    ------
    ConfigFileError
        Not UTF-8, empty, or not acceptable YAML.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigFileError(
            f"not UTF-8 text ({exc.reason} at byte {exc.start}). Hint: save the file as UTF-8."
        ) from None
    if not text.strip():
        raise ConfigFileError("file is empty.")
    return parse_config_yaml(text)


def load_config_yaml(path: Path) -> Any:
    """Read and parse one configuration file.

    Raises
    ------
    ConfigFileError
        The file is missing, not a regular file, unreadable, too large, not UTF-8, empty, or
        not acceptable YAML; the message says which and what to do.
    """
    return parse_config_bytes(read_config_file(path))
