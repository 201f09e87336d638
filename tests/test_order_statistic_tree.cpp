#include "rung/detail/order_statistic_tree.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "rung/random.hpp"

namespace {

using tree = rung::detail::order_statistic_tree;

// The reference: entries in order, each (key, entry), equal keys in arrival order.
struct reference {
  std::vector<std::pair<double, tree::entry>> ordered;
  std::vector<bool> marked;

  void insert(double key, tree::entry e, bool is_marked) {
    const auto position = std::upper_bound(ordered.begin(), ordered.end(), key,
                                           [](double k, const auto& item) { return k < item.first; });
    ordered.insert(position, {key, e});
    marked.push_back(is_marked);
  }
  [[nodiscard]] tree::entry first_marked() const {
    for (const auto& [key, e] : ordered) {
      if (marked[e]) return e;
    }
    return tree::none;
  }
};

}  // namespace

TEST_CASE("the tree keeps entries in key order, equal keys in arrival order, and answers by rank") {
  rung::random_stream random(17);
  tree t;
  reference expected;
  for (int i = 0; i < 3000; ++i) {
    const double key = std::round(random.uniform(0, 50));  // many ties
    const bool marked = random.uniform01() < 0.7;
    expected.insert(key, t.insert(key, marked), marked);
    if (i % 97 == 0 || i < 40) {
      REQUIRE(t.size() == expected.ordered.size());
      for (std::size_t rank = 0; rank < t.size(); ++rank) {
        const auto [key_at, entry_at] = expected.ordered[rank];
        CHECK(t.at(rank) == entry_at);
        CHECK(t.key(entry_at) == key_at);
        CHECK(t.rank(entry_at) == rank);
      }
    }
  }
  for (double probe = -1; probe <= 51; probe += 0.5) {
    const auto below = std::count_if(expected.ordered.begin(), expected.ordered.end(),
                                     [probe](const auto& item) { return item.first < probe; });
    CHECK(t.count_less(probe) == static_cast<std::size_t>(below));
  }
}

TEST_CASE("the first marked entry follows unmarking, in rank order") {
  rung::random_stream random(23);
  tree t;
  reference expected;
  for (int i = 0; i < 500; ++i) {
    const double key = std::round(random.uniform(0, 20));
    expected.insert(key, t.insert(key, true), true);
  }
  CHECK(t.marked_count() == 500);
  for (int i = 0; i < 500; ++i) {
    REQUIRE(t.first_marked() == expected.first_marked());
    // Mostly take the first (a promotion), sometimes any (a trial that ended).
    const tree::entry chosen = i % 3 == 0 ? static_cast<tree::entry>(random.index(500)) : t.first_marked();
    t.unmark(chosen);
    t.unmark(chosen);  // a second time changes nothing
    expected.marked[chosen] = false;
    CHECK(!t.marked(chosen));
    CHECK(t.marked_count() == static_cast<std::size_t>(std::count(expected.marked.begin(), expected.marked.end(), true)));
  }
  CHECK(t.first_marked() == expected.first_marked());
}

TEST_CASE("infinite keys order last and first like any other") {
  tree t;
  const auto worst = t.insert(INFINITY, true);
  const auto best = t.insert(-INFINITY, true);
  const auto middle = t.insert(0.5, false);
  CHECK(t.at(0) == best);
  CHECK(t.at(1) == middle);
  CHECK(t.at(2) == worst);
  CHECK(t.count_less(INFINITY) == 2);
}

TEST_CASE("sorted arrivals, a plain search tree's worst case, keep the treap shallow") {
  tree ascending;
  tree equal;
  constexpr int count = 100'000;
  for (int i = 0; i < count; ++i) {
    ascending.insert(static_cast<double>(i), false);
    equal.insert(1.0, false);  // equal keys go right, like ascending ones
  }
  std::size_t deepest = 0;
  for (tree::entry e = 0; e < count; e += 7) deepest = std::max({deepest, ascending.depth(e), equal.depth(e)});
  // Expected depth about 2 ln n = 23; a list would be 100,000 deep.
  CHECK(deepest < 60);
  CHECK(ascending.rank(count - 1) == count - 1);
}
