"""YAML as recipes read it: PyYAML's safe loader, minus its silent surprises.

A key written twice keeps only its second value (a second `train:` section drops the first),
so it is refused, naming both lines. Aliases share one node, so a few lines can stand for a
billion values (the "billion laughs"), and everything downstream (validation, error
messages, the saved recipe) would walk them all; a recipe may use them, within a budget of
expanded values. Nesting deeper than Python's recursion is refused rather than crashing."""

from __future__ import annotations

from typing import Any

import yaml

# A recipe holds about fifty values; expanded aliases may bring it to this many at most.
MAX_VALUES = 10_000
MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlRefused(Exception):
    """Valid YAML that a recipe may not be: the problem and the 1-based line it is on."""

    def __init__(self, problem: str, line: int | None = None):
        super().__init__(problem)
        self.problem, self.line = problem, line


class RecipeLoader(yaml.SafeLoader):
    """The safe loader, refusing duplicate keys and alias bombs."""

    aliases = 0

    def compose_node(self, parent, index) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
        return super().compose_node(parent, index)

    def compose_document(self) -> yaml.Node:
        node = super().compose_document()
        if node is not None and self.aliases:
            _count_values(node, {}, set())
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        _refuse_duplicate_keys(self, node)
        return super().construct_mapping(node, deep=deep)


def _count_values(node: yaml.Node, counted: dict[int, int], open_nodes: set[int]) -> int:
    """Values the node stands for with every alias expanded; refused past MAX_VALUES or when
    an alias refers to a node it sits inside (which would expand forever)."""
    key = id(node)
    if key in counted:
        return counted[key]
    if key in open_nodes:
        raise YamlRefused("an alias refers to a node it sits inside", _line(node))
    open_nodes.add(key)
    children = _children(node)
    total = 1 + sum(_count_values(child, counted, open_nodes) for child in children)
    open_nodes.discard(key)
    if total > MAX_VALUES:
        raise YamlRefused(
            f"its aliases expand to more than {MAX_VALUES:,} values; write the values out "
            "instead of nesting aliases",
            _line(node),
        )
    counted[key] = total
    return total


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _refuse_duplicate_keys(loader: yaml.SafeLoader, node: yaml.MappingNode) -> None:
    """A key written twice in one mapping is an error naming both lines. Keys merged in with
    `<<:` may be overridden; that is what merging is for."""
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
            continue
        key = loader.construct_object(key_node)
        if key in first_line:
            raise YamlRefused(
                f"key {key!r} appears twice, at lines {first_line[key]} and {_line(key_node)}; "
                "the second would silently replace the first",
                _line(key_node),
            )
        first_line[key] = _line(key_node)


def _line(node: yaml.Node) -> int | None:
    return node.start_mark.line + 1 if node.start_mark is not None else None


def parse_yaml(text: str) -> Any:
    """The text as Python data; YamlRefused for what a recipe may not hold, yaml.YAMLError for
    a syntax error, RecursionError for nesting too deep to follow."""
    loader = RecipeLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
