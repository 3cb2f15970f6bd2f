"""A conversation as a tree of post views: who replied to whom, long branches folded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from parley.web.views import AccountView, PostView

# Replies shown under a post before the rest fold away, and the depth at which a branch
# folds (unless the focused post is inside it).
SHOWN_REPLIES = 5
FOLD_DEPTH = 5


@dataclass
class Node:
    post: PostView
    depth: int
    children: list[Node] = field(default_factory=list)
    on_focus_path: bool = False

    @property
    def shown(self) -> list[Node]:
        if self.on_focus_path or len(self.children) <= SHOWN_REPLIES + 1:
            return self.children
        return self.children[:SHOWN_REPLIES]

    @property
    def folded(self) -> list[Node]:
        return self.children[len(self.shown):]

    @property
    def fold_branch(self) -> bool:
        """Deep branches fold behind "continue this thread" unless they hold the focus."""
        return self.depth >= FOLD_DEPTH and not self.on_focus_path and bool(self.children)

    @property
    def size(self) -> int:
        return 1 + sum(child.size for child in self.children)


def build_tree(views: Sequence[PostView], focus_id: int) -> list[Node]:
    """Roots first (normally one: the thread's root). A reply whose parent the viewer cannot
    see is attached to the first root, so it is still shown, never dropped."""
    nodes = {view.id: Node(view, 0) for view in views}
    roots: list[Node] = []
    for view in views:
        parent = nodes.get(view.in_reply_to_id or 0)
        if parent is not None and parent is not nodes[view.id]:
            parent.children.append(nodes[view.id])
        elif view.in_reply_to_id is None or not roots:
            roots.append(nodes[view.id])
        else:
            roots[0].children.append(nodes[view.id])
    _mark(roots, focus_id)
    return roots


def _mark(roots: list[Node], focus_id: int) -> bool:
    found = False
    stack: list[tuple[Node, int, bool]] = [(root, 0, False) for root in reversed(roots)]
    path: list[Node] = []
    while stack:
        node, depth, leaving = stack.pop()
        if leaving:
            path.pop()
            continue
        node.depth = depth
        path.append(node)
        if node.post.id == focus_id:
            node.post.focused = True
            for ancestor in path:
                ancestor.on_focus_path = True
            found = True
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in reversed(node.children))
    return found


def participants(views: Sequence[PostView]) -> list[tuple[AccountView, int]]:
    """Everyone who wrote in the thread with how often, in order of first appearance."""
    counts: dict[int, tuple[AccountView, int]] = {}
    for view in views:
        author, count = counts.get(view.author.id, (view.author, 0))
        counts[view.author.id] = (author, count + 1)
    return list(counts.values())
