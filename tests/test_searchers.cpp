#include "rung/searchers/grid_search.hpp"
#include "rung/searchers/random_search.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "rung/concepts/searcher.hpp"
#include "rung/spaces/config_space.hpp"

namespace test_searchers {

namespace {

constexpr auto lenet_space = rung::config_space(rung::loguniform<"learning_rate">(1e-2, 1.0),
                                                rung::randint<"batch_size">(32, 256),
                                                rung::constant<"max_epochs">(10));
using lenet_space_type = std::remove_const_t<decltype(lenet_space)>;

constexpr auto tiny_space = rung::config_space(rung::choice<"optimizer">("sgd", "adam"), rung::randint<"layers">(1, 3));
using tiny_space_type = std::remove_const_t<decltype(tiny_space)>;

static_assert(rung::Searcher<rung::random_search<lenet_space_type>>);
static_assert(rung::Searcher<rung::grid_search<lenet_space_type>>);
static_assert(!rung::is_exhaustible_v<rung::random_search<lenet_space_type>>);
static_assert(rung::is_exhaustible_v<rung::grid_search<lenet_space_type>>);
static_assert(!rung::Searcher<lenet_space_type>);

template <class S>
std::vector<std::string> suggestions(S& searcher, int count) {
  std::vector<std::string> texts;
  for (int i = 0; i < count; ++i) {
    auto config = searcher.suggest(i);
    if (!config) break;
    std::string text;
    searcher.space().append_json(text, *config);
    texts.push_back(text);
  }
  return texts;
}

}  // namespace

TEST_CASE("random search starts with the default configuration, as Syne Tune does") {
  auto searcher = rung::random_searcher(lenet_space, {.seed = 1});
  const auto first = searcher.suggest(0);
  REQUIRE(first);
  CHECK(*first == lenet_space.midpoint());
  CHECK(*searcher.suggest(1) != lenet_space.midpoint());
}

TEST_CASE("points_to_evaluate come first, completed with midpoints, duplicates dropped") {
  auto searcher = rung::random_searcher(
      lenet_space,
      {.seed = 1,
       .points_to_evaluate = std::vector{lenet_space.partial().set<"learning_rate">(0.1).set<"batch_size">(128),
                                         lenet_space.partial().set<"learning_rate">(0.5),
                                         lenet_space.partial().set<"learning_rate">(0.5)}});
  const auto first = *searcher.suggest(0);
  CHECK(first.get<"learning_rate">() == 0.1);
  CHECK(first.get<"batch_size">() == 128);
  const auto second = *searcher.suggest(1);
  CHECK(second.get<"learning_rate">() == 0.5);
  CHECK(second.get<"batch_size">() == 144);
  const auto third = *searcher.suggest(2);
  CHECK(third.get<"learning_rate">() != 0.5);  // the duplicate point was dropped: a random draw follows
}

TEST_CASE("an empty points_to_evaluate list starts with random draws") {
  auto searcher = rung::random_searcher(
      lenet_space, {.seed = 1, .points_to_evaluate = std::vector<lenet_space_type::partial_type>{}});
  CHECK(*searcher.suggest(0) != lenet_space.midpoint());
}

TEST_CASE("a point outside the space is rejected when the searcher is made") {
  CHECK_THROWS_WITH_AS(
      rung::random_searcher(lenet_space, {.points_to_evaluate = std::vector{lenet_space.partial().set<"batch_size">(1000)}}),
      "hyperparameter 'batch_size': value 1000 is not in the domain randint(32, 256)", std::invalid_argument);
}

TEST_CASE("random search is reproducible from its seed") {
  auto a = rung::random_searcher(lenet_space, {.seed = 42});
  auto b = rung::random_searcher(lenet_space, {.seed = 42});
  auto c = rung::random_searcher(lenet_space, {.seed = 43});
  const auto from_a = suggestions(a, 100);
  CHECK(from_a == suggestions(b, 100));
  CHECK(from_a != suggestions(c, 100));
}

TEST_CASE("on a finite space random search proposes each configuration once, then runs out") {
  auto searcher = rung::random_searcher(tiny_space, {.seed = 3});
  const auto all = suggestions(searcher, 100);
  CHECK(all.size() == 6);
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == 6);
  CHECK(!searcher.suggest(7).has_value());
}

TEST_CASE("allow_duplicates lets random search repeat on a finite space") {
  auto searcher = rung::random_searcher(tiny_space, {.seed = 3, .allow_duplicates = true});
  CHECK(suggestions(searcher, 100).size() == 100);
}

TEST_CASE("grid search visits every grid point once, then runs out") {
  auto searcher = rung::grid_searcher(lenet_space, {.num_samples = 4});
  CHECK(searcher.grid_size() == 16);
  const auto all = suggestions(searcher, 100);
  CHECK(all.size() == 16);
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == 16);
}

TEST_CASE("grid search order: product order unshuffled, a seeded permutation shuffled") {
  auto ordered = rung::grid_searcher(tiny_space, {.shuffle = false});
  const auto in_order = suggestions(ordered, 10);
  REQUIRE(in_order.size() == 6);
  CHECK(in_order.front() == R"({"optimizer":"sgd","layers":1})");
  CHECK(in_order[1] == R"({"optimizer":"sgd","layers":2})");
  auto shuffled_a = rung::grid_searcher(tiny_space, {.seed = 9});
  auto shuffled_b = rung::grid_searcher(tiny_space, {.seed = 9});
  const auto a = suggestions(shuffled_a, 10);
  CHECK(a == suggestions(shuffled_b, 10));
  CHECK(std::multiset<std::string>(a.begin(), a.end()) == std::multiset<std::string>(in_order.begin(), in_order.end()));
}

TEST_CASE("grid search evaluates initial points first and does not repeat them") {
  auto searcher = rung::grid_searcher(
      tiny_space, {.points_to_evaluate = std::vector{tiny_space.partial().set<"optimizer">("adam").set<"layers">(2)}});
  const auto all = suggestions(searcher, 10);
  REQUIRE(all.size() == 6);
  CHECK(all.front() == R"({"optimizer":"adam","layers":2})");
  CHECK(std::count(all.begin(), all.end(), all.front()) == 1);
}

TEST_CASE("the index permutation is a bijection for awkward sizes") {
  for (const std::uint64_t size : {1ULL, 2ULL, 3ULL, 17ULL, 1000ULL, 4097ULL}) {
    rung::detail::index_permutation permutation(size, 77);
    std::set<std::uint64_t> images;
    for (std::uint64_t i = 0; i < size; ++i) images.insert(permutation(i));
    CHECK(images.size() == size);
    CHECK(*images.rbegin() == size - 1);
  }
}

}  // namespace test_searchers
