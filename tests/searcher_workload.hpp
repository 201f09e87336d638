// What the searcher tests share: a bowl to minimise, a sequential loop that
// feeds a searcher its own suggestions' values, and the error an options
// check throws.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "rung/concepts/searcher.hpp"
#include "rung/spaces/config_space.hpp"

namespace rung_test {

inline constexpr auto bowl_space = rung::config_space(rung::uniform<"a">(-1.0, 1.0), rung::uniform<"b">(-1.0, 1.0),
                                                      rung::uniform<"c">(-1.0, 1.0), rung::uniform<"d">(-1.0, 1.0));
using bowl_config = decltype(bowl_space)::config_type;

// Smallest (0) at a = 0.5, b = -0.3, c = 0.1, d = 0.
inline double bowl(const bowl_config& c) {
  const auto square = [](double v) { return v * v; };
  return square(c.get<"a">() - 0.5) + square(c.get<"b">() + 0.3) + square(c.get<"c">() - 0.1) + square(c.get<"d">());
}

// Feeds `trials` suggestions one after another, each reported once at resource 1.
template <class Searcher, class Objective>
std::vector<typename Searcher::config_type> run(Searcher& searcher, Objective objective, int trials) {
  std::vector<typename Searcher::config_type> suggested;
  for (rung::trial_id id = 0; id < trials; ++id) {
    auto config = searcher.suggest(id);
    REQUIRE(config);
    rung::detail::notify_report(searcher, {.trial = id, .resource = 1.0, .metric = objective(*config)});
    suggested.push_back(std::move(*config));
  }
  return suggested;
}

// The lowest value `trials` sequential suggestions reached.
template <class Searcher, class Objective>
double best_of(Searcher searcher, Objective objective, int trials) {
  double best = std::numeric_limits<double>::infinity();
  for (const auto& config : run(searcher, objective, trials)) best = std::min(best, objective(config));
  return best;
}

// What make() throws as std::invalid_argument, or "no error".
std::string error_of(auto make) {
  try {
    (void)make();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace rung_test
