// An order-statistic tree: a treap over (key, insertion order) whose nodes
// count their subtree, and count the marked entries in it. Everything a rung
// asks is O(log n) expected, never a scan:
//   insert            an entry equal to existing ones goes after them
//   at(rank)          the k-th smallest entry (rank 0 = smallest)
//   rank(entry)       its position
//   count_less(key)   entries strictly below a key
//   first_marked()    the smallest marked entry (a rung's best paused trial)
//   unmark(entry)
// Nodes live in one vector and are named by their index, which is also the
// insertion order; priorities are a hash of that index. So the shape depends
// only on the sequence of keys: no addresses, no random state.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "rung/random.hpp"

namespace rung::detail {

class order_statistic_tree {
 public:
  using entry = std::uint32_t;
  static constexpr entry none = std::numeric_limits<entry>::max();

  // Keys must not be NaN (map it first, as rank_value() does).
  entry insert(double key, bool marked) {
    const auto added = static_cast<entry>(nodes_.size());
    std::uint64_t hash_state = added;
    nodes_.push_back(node{.key = key,
                          .priority = static_cast<std::uint32_t>(splitmix64(hash_state) >> 32U),
                          .marked_below = marked ? 1U : 0U,
                          .marked = marked});
    root_ = insert_below(root_, added);
    return added;
  }

  [[nodiscard]] std::size_t size() const noexcept { return nodes_.size(); }
  [[nodiscard]] double key(entry e) const { return nodes_[e].key; }
  [[nodiscard]] bool marked(entry e) const { return nodes_[e].marked; }
  [[nodiscard]] std::size_t marked_count() const { return marked_below(root_); }

  // The entry at `rank` (0 = smallest); rank < size().
  [[nodiscard]] entry at(std::size_t rank) const {
    entry current = root_;
    for (;;) {
      const std::size_t left = size_of(nodes_[current].left);
      if (rank < left) {
        current = nodes_[current].left;
      } else if (rank == left) {
        return current;
      } else {
        rank -= left + 1;
        current = nodes_[current].right;
      }
    }
  }

  [[nodiscard]] std::size_t rank(entry e) const {
    std::size_t before = 0;
    entry current = root_;
    while (current != e) {
      if (comes_before(e, current)) {
        current = nodes_[current].left;
      } else {
        before += size_of(nodes_[current].left) + 1;
        current = nodes_[current].right;
      }
    }
    return before + size_of(nodes_[e].left);
  }

  [[nodiscard]] std::size_t count_less(double key) const {
    std::size_t count = 0;
    for (entry current = root_; current != none;) {
      if (nodes_[current].key < key) {
        count += size_of(nodes_[current].left) + 1;
        current = nodes_[current].right;
      } else {
        current = nodes_[current].left;
      }
    }
    return count;
  }

  [[nodiscard]] entry first_marked() const {
    entry current = root_;
    if (marked_below(current) == 0) return none;
    for (;;) {
      const node& here = nodes_[current];
      if (marked_below(here.left) > 0) {
        current = here.left;
      } else if (here.marked) {
        return current;
      } else {
        current = here.right;
      }
    }
  }

  // Nodes from the root down to e (1 for the root): the cost of reaching it.
  [[nodiscard]] std::size_t depth(entry e) const {
    std::size_t nodes = 1;
    for (entry current = root_; current != e; ++nodes) {
      current = comes_before(e, current) ? nodes_[current].left : nodes_[current].right;
    }
    return nodes;
  }

  void unmark(entry e) {
    if (!nodes_[e].marked) return;
    nodes_[e].marked = false;
    for (entry current = root_;; current = comes_before(e, current) ? nodes_[current].left : nodes_[current].right) {
      --nodes_[current].marked_below;
      if (current == e) return;
    }
  }

 private:
  struct node {
    double key = 0;
    entry left = none;
    entry right = none;
    std::uint32_t priority = 0;
    std::uint32_t size = 1;
    std::uint32_t marked_below = 0;  // marked entries in this subtree, itself included
    bool marked = false;
  };

  [[nodiscard]] std::size_t size_of(entry e) const { return e == none ? 0 : nodes_[e].size; }
  [[nodiscard]] std::uint32_t marked_below(entry e) const { return e == none ? 0 : nodes_[e].marked_below; }

  // Order: by key, then by insertion (a later entry goes after equal keys).
  [[nodiscard]] bool comes_before(entry a, entry b) const {
    return nodes_[a].key < nodes_[b].key || (nodes_[a].key == nodes_[b].key && a < b);
  }

  void update(entry e) {
    node& n = nodes_[e];
    n.size = static_cast<std::uint32_t>(1 + size_of(n.left) + size_of(n.right));
    n.marked_below = (n.marked ? 1U : 0U) + marked_below(n.left) + marked_below(n.right);
  }

  // Inserts the newest entry `added` into the subtree at `top`; returns its new top.
  entry insert_below(entry top, entry added) {
    if (top == none) return added;
    if (nodes_[added].priority > nodes_[top].priority) {
      split(top, nodes_[added].key, nodes_[added].left, nodes_[added].right);
      update(added);
      return added;
    }
    // `added` is the newest, so it goes after every equal key.
    if (nodes_[added].key < nodes_[top].key) {
      nodes_[top].left = insert_below(nodes_[top].left, added);
    } else {
      nodes_[top].right = insert_below(nodes_[top].right, added);
    }
    update(top);
    return top;
  }

  // Splits the subtree at `top` into keys <= key (all older than the new
  // entry, so before it) and keys above.
  void split(entry top, double key, entry& before, entry& after) {
    if (top == none) {
      before = after = none;
      return;
    }
    if (nodes_[top].key <= key) {
      split(nodes_[top].right, key, nodes_[top].right, after);
      before = top;
    } else {
      split(nodes_[top].left, key, before, nodes_[top].left);
      after = top;
    }
    update(top);
  }

  std::vector<node> nodes_;
  entry root_ = none;
};

}  // namespace rung::detail
