// An order-statistic tree: a B+tree over (key, insertion order) whose inner
// nodes count the entries, and the marked entries, below each child.
//   insert            an entry equal to existing ones goes after them
//   at(rank)          the k-th smallest entry (rank 0 = smallest)
//   rank(entry)       its position
//   count_less(key)   entries strictly below a key
//   first_marked()    the smallest marked entry (a rung's best paused trial)
//   marked_at(k)      the k-th smallest marked entry
//   unmark(entry)
// Each is O(log n) plus at most one leaf (leaf_capacity entries), never a
// scan of the whole tree. Why a B+tree and not a treap: at a million
// entries each treap step is a cache miss (measured here: 5 us an insert
// with its quantile query); a B+tree insert walks a few hot inner nodes and
// appends to a leaf's end. Leaves are sorted lazily, when a query needs
// their order, so the leaves that queries visit (near the cutoff, near the
// top) stay sorted and the others just collect entries; at(rank) starts
// from the leaf it last visited, as a rung's cutoff moves a rank at a time.
// Nothing is tracked per entry but its key (splits would scatter writes):
// an entry is found from the root by its key. Entries are named by their
// insertion index, so the structure depends only on the sequence of keys,
// never on addresses. Not for concurrent use, even const (queries may sort
// a leaf).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace rung::detail {

class order_statistic_tree {
 public:
  using entry = std::uint32_t;
  static constexpr entry none = std::numeric_limits<entry>::max();
  static constexpr std::size_t leaf_capacity = 512;  // a leaf splits above this
  static constexpr std::size_t fanout = 64;          // an inner node splits above this

  struct located {
    entry id = none;
    std::size_t rank = 0;
    double key = 0;
    bool tagged = false;
    std::uint32_t leaf = none;  // where it was found, while nothing else changes
    std::uint32_t slot = 0;
  };

  // Keys must not be NaN (map it first, as rank_value() does). A tag is a
  // bit carried along for the caller (a rung tags reports that were NaN).
  entry insert(double key, bool marked, bool tagged = false) {
    const auto id = static_cast<entry>(keys_.size());
    const item added{key, id, marked, tagged};
    if (leaves_.empty()) add_leaf();
    marked_total_ += marked ? 1 : 0;
    path_.clear();
    std::uint32_t node = root_;
    for (std::size_t level = height_; level > 0; --level) {
      inner& parent = inners_[node];
      const std::size_t i = route_newest(parent, key);
      ++parent.size[i];
      parent.marked[i] += marked ? 1 : 0;
      path_.emplace_back(node, static_cast<std::uint32_t>(i));
      node = parent.child[i];
    }
    if (finger_.leaf != none && finger_.leaf != node && starts_after(finger_.leaf, added)) ++finger_.first_rank;
    leaf& target = leaves_[node];
    item* items = items_of(node);
    items[target.count] = added;
    // The newest goes after equal keys, so after a larger-or-equal last key it is still in order.
    if (target.sorted == target.count && (target.sorted == 0 || !before(added, items[target.sorted - 1]))) {
      ++target.sorted;
    }
    ++target.count;
    keys_.push_back(key);
    if (target.count > leaf_capacity) split_leaf(node);
    return id;
  }

  [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }
  [[nodiscard]] double key(entry e) const { return keys_[e]; }
  [[nodiscard]] bool marked(entry e) const { return find_in_leaf(e).marked; }
  [[nodiscard]] bool tagged(entry e) const { return find_in_leaf(e).tagged; }
  [[nodiscard]] std::size_t marked_count() const noexcept { return marked_total_; }
  [[nodiscard]] std::size_t height() const noexcept { return height_; }  // inner levels above the leaves

  // The entry at `rank` (0 = smallest); rank < size().
  [[nodiscard]] located at(std::size_t rank) const {
    if (finger_.leaf != none) {  // a few leaves from the last visit, before a descent
      std::uint32_t node = finger_.leaf;
      std::size_t first = finger_.first_rank;
      for (int step = 0; step < 3 && node != none; ++step) {
        if (rank < first) {
          node = leaves_[node].previous;
          if (node != none) first -= leaves_[node].count;
        } else if (rank >= first + leaves_[node].count) {
          first += leaves_[node].count;
          node = leaves_[node].next;
        } else {
          finger_ = {node, first};
          return located_at(node, first, rank);
        }
      }
    }
    std::size_t first = 0;
    std::uint32_t node = root_;
    for (std::size_t level = height_; level > 0; --level) {
      const inner& parent = inners_[node];
      std::size_t i = 0;
      while (rank >= first + parent.size[i]) first += parent.size[i++];
      node = parent.child[i];
    }
    finger_ = {node, first};
    return located_at(node, first, rank);
  }

  [[nodiscard]] std::size_t rank(entry e) const {
    const item target = find_in_leaf(e);
    std::size_t count = 0;
    std::uint32_t node = root_;
    for (std::size_t level = height_; level > 0; --level) {
      const inner& parent = inners_[node];
      const std::size_t i = route(parent, target);
      for (std::size_t j = 0; j < i; ++j) count += parent.size[j];
      node = parent.child[i];
    }
    const item* items = items_of(node);
    return count + static_cast<std::size_t>(std::count_if(items, items + leaves_[node].count,
                                                          [&](const item& x) { return before(x, target); }));
  }

  [[nodiscard]] std::size_t count_less(double key) const {
    if (leaves_.empty()) return 0;
    std::size_t count = 0;
    std::uint32_t node = root_;
    for (std::size_t level = height_; level > 0; --level) {
      const inner& parent = inners_[node];
      std::size_t i = 0;  // the last child whose first key is below `key`
      while (i + 1 < parent.count && parent.low_key[i + 1] < key) count += parent.size[i++];
      node = parent.child[i];
    }
    const item* items = items_of(node);
    return count + static_cast<std::size_t>(
                       std::count_if(items, items + leaves_[node].count, [key](const item& x) { return x.key < key; }));
  }

  [[nodiscard]] located first_marked() const {
    if (marked_total_ == 0) return {};
    std::size_t rank = 0;
    std::uint32_t node = root_;
    for (std::size_t level = height_; level > 0; --level) {
      const inner& parent = inners_[node];
      std::size_t i = 0;
      while (parent.marked[i] == 0) rank += parent.size[i++];
      node = parent.child[i];
    }
    const item* items = sorted_items(node);
    std::uint32_t k = leaves_[node].marked_from;
    while (!items[k].marked) ++k;
    leaves_[node].marked_from = k;
    return {items[k].id, rank + k, items[k].key, items[k].tagged, node, k};
  }

  // The k-th smallest marked entry (k = 0: the one first_marked() finds); id
  // none when fewer are marked. A walk down the marked counts, then one leaf.
  [[nodiscard]] located marked_at(std::size_t k) const {
    if (k >= marked_total_) return {};
    std::size_t rank = 0;
    std::uint32_t node = root_;
    for (std::size_t level = height_; level > 0; --level) {
      const inner& parent = inners_[node];
      std::size_t i = 0;
      while (k >= parent.marked[i]) {
        k -= parent.marked[i];
        rank += parent.size[i++];
      }
      node = parent.child[i];
    }
    const item* items = sorted_items(node);
    std::uint32_t slot = 0;
    while (!items[slot].marked || k-- > 0) ++slot;
    return {items[slot].id, rank + slot, items[slot].key, items[slot].tagged, node, slot};
  }

  void unmark(entry e) { unmark(located{.id = e}); }
  // Unmarks where.id, found at `where` if nothing moved it since.
  void unmark(const located& where) {
    item* items = where.leaf == none ? nullptr : items_of(where.leaf);
    const bool still_there = items != nullptr && where.slot < leaves_[where.leaf].count && items[where.slot].id == where.id;
    item& found = still_there ? items[where.slot] : find_in_leaf(where.id);
    if (!found.marked) return;
    found.marked = false;
    --marked_total_;
    std::uint32_t node = root_;
    for (std::size_t level = height_; level > 0; --level) {
      inner& parent = inners_[node];
      const std::size_t i = route(parent, found);
      --parent.marked[i];
      node = parent.child[i];
    }
  }

 private:
  struct item {
    double key = 0;
    entry id = 0;
    bool marked = false;
    bool tagged = false;
  };
  // A leaf holds entries from its low on (the leftmost from the start), up
  // to the next leaf's low; its items live in a block (items_of).
  struct leaf {
    std::uint32_t count = 0;
    std::uint32_t sorted = 0;  // items [0, sorted) are in order; later ones arrived since
    std::uint32_t marked_from = 0;  // while in order, no marked item before this one
    std::uint32_t previous = none;
    std::uint32_t next = none;
    item low{};
    bool leftmost = true;
  };
  struct inner {
    std::uint32_t count = 0;  // children
    std::array<std::uint32_t, fanout + 1> child{};
    std::array<std::uint32_t, fanout + 1> size{};    // entries below each child
    std::array<std::uint32_t, fanout + 1> marked{};  // marked entries below each child
    std::array<double, fanout + 1> low_key{};        // each child's low; [0] routes nothing
    std::array<entry, fanout + 1> low_id{};
  };
  struct finger {
    std::uint32_t leaf = none;
    std::size_t first_rank = 0;  // entries before that leaf
  };
  static constexpr std::size_t slots = leaf_capacity + 1;
  static constexpr std::size_t leaves_per_block = 16;

  // The order: by key, then by insertion (the newest goes after equal keys).
  static bool before(const item& a, const item& b) { return a.key < b.key || (a.key == b.key && a.id < b.id); }

  // The child holding x: the last one whose low is not after it.
  static std::size_t route(const inner& parent, const item& x) {
    std::size_t low = 1;
    std::size_t high = parent.count;
    while (low < high) {
      const std::size_t middle = (low + high) / 2;
      if (parent.low_key[middle] < x.key || (parent.low_key[middle] == x.key && parent.low_id[middle] <= x.id)) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low - 1;
  }
  // The same for a new entry, which goes after every equal key.
  static std::size_t route_newest(const inner& parent, double key) {
    const double* first = parent.low_key.data() + 1;
    return static_cast<std::size_t>(std::upper_bound(first, parent.low_key.data() + parent.count, key) - first);
  }

  [[nodiscard]] bool starts_after(std::uint32_t node, const item& x) const {
    return !leaves_[node].leftmost && before(x, leaves_[node].low);
  }

  // Leaves' items come in blocks that never move: growing copies nothing.
  item* items_of(std::uint32_t node) const {
    return blocks_[node / leaves_per_block].data() + static_cast<std::size_t>(node % leaves_per_block) * slots;
  }

  void add_leaf() {
    if (leaves_.size() % leaves_per_block == 0) blocks_.emplace_back(leaves_per_block * slots);
    leaves_.emplace_back();
  }

  // The leaf's items, in order.
  const item* sorted_items(std::uint32_t node) const {
    leaf& target = leaves_[node];
    item* items = items_of(node);
    if (target.sorted == target.count) return items;
    if (target.count - target.sorted > 8) {
      std::sort(items, items + target.count, before);
      target.marked_from = 0;
    } else {
      for (std::uint32_t k = target.sorted; k < target.count; ++k) {  // a few arrivals: insert each
        const item arrived = items[k];
        item* position = std::upper_bound(items, items + k, arrived, before);
        std::move_backward(position, items + k, items + k + 1);
        *position = arrived;
        const auto at = static_cast<std::uint32_t>(position - items);
        if (at <= target.marked_from) target.marked_from = arrived.marked ? at : target.marked_from + 1;
      }
    }
    target.sorted = target.count;
    return items;
  }

  located located_at(std::uint32_t node, std::size_t first, std::size_t rank) const {
    const item& found = sorted_items(node)[rank - first];
    return {found.id, rank, found.key, found.tagged, node, static_cast<std::uint32_t>(rank - first)};
  }

  // The leaf holding e, found by its key from the root (a leaf's entries
  // are never tracked one by one: splits would scatter writes).
  item& find_in_leaf(entry e) const {
    const item target{keys_[e], e, false, false};
    std::uint32_t node = root_;
    for (std::size_t level = height_; level > 0; --level) node = inners_[node].child[route(inners_[node], target)];
    item* items = items_of(node);
    return *std::find_if(items, items + leaves_[node].count, [e](const item& x) { return x.id == e; });
  }

  // The leaf overflowed: its upper half (by order) moves to a new leaf.
  void split_leaf(std::uint32_t node) {
    const auto right_id = static_cast<std::uint32_t>(leaves_.size());
    add_leaf();  // first: it may move leaves_
    leaf& left = leaves_[node];
    leaf& right = leaves_[right_id];
    item* items = items_of(node);
    const std::uint32_t half = left.count / 2;
    const bool was_sorted = left.sorted == left.count;
    if (!was_sorted) std::nth_element(items, items + half, items + left.count, before);
    right.count = left.count - half;
    std::copy(items + half, items + left.count, items_of(right_id));
    left.count = half;
    left.sorted = was_sorted ? half : 0;
    right.sorted = was_sorted ? right.count : 0;
    left.marked_from = 0;
    const item* moved = items_of(right_id);
    right.low = moved[0];  // nth_element put the upper half's least first
    right.leftmost = false;
    right.previous = node;
    right.next = left.next;
    if (left.next != none) leaves_[left.next].previous = right_id;
    left.next = right_id;
    std::uint32_t right_marked = 0;
    for (std::uint32_t k = 0; k < right.count; ++k) right_marked += moved[k].marked ? 1 : 0;
    add_sibling(path_.size(), node, right_id, right.count, right_marked, right.low);
  }

  // `sibling` (size, marked, low) goes right of `node`, whose parent is
  // path_[depth - 1] (none: node is the root).
  void add_sibling(std::size_t depth, std::uint32_t node, std::uint32_t sibling, std::uint32_t size,
                   std::uint32_t marked, item low) {
    if (depth == 0) {  // a new root above the old one
      inner root;
      root.count = 2;
      root.child = {node, sibling};
      root.size = {static_cast<std::uint32_t>(keys_.size()) - size, size};
      root.marked = {static_cast<std::uint32_t>(marked_total_) - marked, marked};
      root.low_key[1] = low.key;
      root.low_id[1] = low.id;
      root_ = static_cast<std::uint32_t>(inners_.size());
      inners_.push_back(root);
      ++height_;
      return;
    }
    const auto [parent_id, i] = path_[depth - 1];
    inner& parent = inners_[parent_id];
    const auto shift = [&](auto& values, auto value) {
      std::copy_backward(values.begin() + i + 1, values.begin() + parent.count, values.begin() + parent.count + 1);
      values[i + 1] = value;
    };
    parent.size[i] -= size;
    parent.marked[i] -= marked;
    shift(parent.child, sibling);
    shift(parent.size, size);
    shift(parent.marked, marked);
    shift(parent.low_key, low.key);
    shift(parent.low_id, low.id);
    if (++parent.count <= fanout) return;
    // The parent overflowed: its upper half of children moves to a new inner node.
    inner right;
    const std::uint32_t half = parent.count / 2;
    right.count = parent.count - half;
    std::uint32_t right_size = 0;
    std::uint32_t right_marked = 0;
    for (std::uint32_t k = 0; k < right.count; ++k) {
      right.child[k] = parent.child[half + k];
      right.size[k] = parent.size[half + k];
      right.marked[k] = parent.marked[half + k];
      right.low_key[k] = parent.low_key[half + k];
      right.low_id[k] = parent.low_id[half + k];
      right_size += right.size[k];
      right_marked += right.marked[k];
    }
    parent.count = half;
    const item right_low{right.low_key[0], right.low_id[0], false, false};
    const auto right_id = static_cast<std::uint32_t>(inners_.size());
    inners_.push_back(right);
    add_sibling(depth - 1, parent_id, right_id, right_size, right_marked, right_low);
  }

  std::vector<double> keys_;  // by entry
  mutable std::vector<leaf> leaves_;    // queries sort leaves in place
  mutable std::vector<std::vector<item>> blocks_;  // never resized once made
  std::vector<inner> inners_;
  std::uint32_t root_ = 0;  // a leaf while height_ is 0
  std::size_t height_ = 0;
  std::size_t marked_total_ = 0;
  mutable finger finger_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> path_;  // (inner node, child) of the last insert
};

}  // namespace rung::detail
