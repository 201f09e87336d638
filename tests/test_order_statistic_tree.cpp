#include "rung/schedulers/detail/order_statistic_tree.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "rung/random.hpp"

namespace test_order_statistic_tree {

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
    // A rung's cutoff: ranks that move with the size, as the last visit is reused.
    for (const std::size_t rank : {t.size() / 3, (t.size() - 1) / 2, t.size() - 1, std::size_t{0}}) {
      REQUIRE(t.at(rank).id == expected.ordered[rank].second);
    }
    if (i % 97 == 0 || i < 40) {
      REQUIRE(t.size() == expected.ordered.size());
      for (std::size_t rank = 0; rank < t.size(); ++rank) {
        const auto [key_at, entry_at] = expected.ordered[rank];
        CHECK(t.at(rank).id == entry_at);
        CHECK(t.at(rank).key == key_at);
        CHECK(t.key(entry_at) == key_at);
        CHECK(t.rank(entry_at) == rank);
      }
    }
  }
  for (int i = 0; i < 2000; ++i) {  // random ranks: far jumps and short walks
    const std::size_t rank = random.index(t.size());
    REQUIRE(t.at(rank).id == expected.ordered[rank].second);
    CHECK(t.at(rank).rank == rank);
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
    const auto first = t.first_marked();
    REQUIRE(first.id == expected.first_marked());
    CHECK(first.rank == t.rank(first.id));
    // Mostly take the first (a promotion), sometimes any (a trial that ended).
    const tree::entry chosen = i % 3 == 0 ? static_cast<tree::entry>(random.index(500)) : first.id;
    t.unmark(chosen);
    t.unmark(chosen);  // a second time changes nothing
    expected.marked[chosen] = false;
    CHECK(!t.marked(chosen));
    CHECK(t.marked_count() == static_cast<std::size_t>(std::count(expected.marked.begin(), expected.marked.end(), true)));
  }
  CHECK(t.first_marked().id == expected.first_marked());
}

TEST_CASE("inserts, promotions and withdrawals interleaved, as a promotion rung sees them") {
  rung::random_stream random(31);
  tree t;
  reference expected;
  for (int i = 0; i < 6000; ++i) {
    const double u = random.uniform01();
    if (u < 0.6 || t.size() == 0) {
      const double key = std::round(random.uniform(0, 100));
      const bool marked = random.uniform01() < 0.8;
      expected.insert(key, t.insert(key, marked), marked);
    } else if (u < 0.9) {
      const auto first = t.first_marked();
      REQUIRE(first.id == expected.first_marked());
      if (first.id == tree::none) continue;
      CHECK(first.rank == t.rank(first.id));
      CHECK(t.at(first.rank).id == first.id);  // a cutoff query between finding and promoting
      t.unmark(first);
      expected.marked[first.id] = false;
    } else {
      const auto chosen = static_cast<tree::entry>(random.index(t.size()));
      t.unmark(chosen);
      expected.marked[chosen] = false;
    }
  }
  CHECK(t.first_marked().id == expected.first_marked());
  CHECK(t.marked_count() == static_cast<std::size_t>(std::count(expected.marked.begin(), expected.marked.end(), true)));
}

TEST_CASE("infinite keys order last and first like any other") {
  tree t;
  const auto worst = t.insert(INFINITY, true);
  const auto best = t.insert(-INFINITY, true);
  const auto middle = t.insert(0.5, false);
  CHECK(t.at(0).id == best);
  CHECK(t.at(1).id == middle);
  CHECK(t.at(2).id == worst);
  CHECK(t.count_less(INFINITY) == 2);
}

TEST_CASE("sorted and equal arrivals, a plain search tree's worst cases, keep the tree shallow") {
  tree ascending;
  tree descending;
  tree equal;
  constexpr int count = 200'000;
  for (int i = 0; i < count; ++i) {
    ascending.insert(static_cast<double>(i), i % 2 == 0);
    descending.insert(static_cast<double>(-i), false);
    equal.insert(1.0, false);
  }
  // At least half-full leaves of 256 and inner nodes of 64: 3 levels hold 2^20 entries.
  CHECK(ascending.height() <= 3);
  CHECK(descending.height() <= 3);
  CHECK(equal.height() <= 3);
  for (int rank = 0; rank < count; rank += 997) {
    CHECK(ascending.at(static_cast<std::size_t>(rank)).id == static_cast<tree::entry>(rank));
    CHECK(descending.at(static_cast<std::size_t>(rank)).id == static_cast<tree::entry>(count - 1 - rank));
    CHECK(equal.at(static_cast<std::size_t>(rank)).id == static_cast<tree::entry>(rank));
    CHECK(equal.rank(static_cast<tree::entry>(rank)) == static_cast<std::size_t>(rank));
  }
  CHECK(ascending.marked_count() == count / 2);
  CHECK(ascending.count_less(1000.5) == 1001);
}

}  // namespace test_order_statistic_tree
