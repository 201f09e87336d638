// The searchers the factory builds by name (registry.hpp says what an entry
// is): "random" (the default), "grid", "kde" (TPE-style, BOHB with ASHA)
// and "regularized_evolution"; "gp" needs Eigen (gp_searcher_entry.hpp).
// The seed is read for every searcher, before the entry's own fields; the
// searchers check their own options, naming the option and the value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "rung/factory/registry.hpp"
#include "rung/searchers/grid_search.hpp"
#include "rung/searchers/kde_searcher.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/searchers/regularized_evolution.hpp"
#include "rung/spaces/dynamic_config_space.hpp"
#include "rung/util/json_fields.hpp"

namespace rung {

struct random_searcher_entry {
  static constexpr std::string_view name = "random";
  static random_searcher_options<dynamic_config_space> read(detail::json_fields& /*searcher_fields*/,
                                                            const factory_context& context) {
    return {.seed = context.seed};
  }
  static auto build(const dynamic_config_space& space, random_searcher_options<dynamic_config_space> options) {
    return random_searcher(space, std::move(options));
  }
};

struct grid_searcher_entry {
  static constexpr std::string_view name = "grid";
  // Grid points per interval hyperparameter: the grid grows as its power, so it is bounded here.
  static constexpr std::int64_t max_num_samples = 1000;

  static grid_searcher_options<dynamic_config_space> read(detail::json_fields& searcher_fields,
                                                          const factory_context& context) {
    grid_searcher_options<dynamic_config_space> options;
    options.seed = context.seed;
    options.num_samples = static_cast<std::size_t>(
        searcher_fields.integer("num_samples", 1, max_num_samples).value_or(static_cast<std::int64_t>(options.num_samples)));
    options.shuffle = searcher_fields.boolean("shuffle").value_or(options.shuffle);
    return options;
  }
  static auto build(const dynamic_config_space& space, grid_searcher_options<dynamic_config_space> options) {
    return grid_searcher(space, std::move(options));
  }
};

namespace detail {
// A count a searcher's options take: any positive integer here, the searcher's own checks say more.
inline std::optional<std::int64_t> searcher_count(json_fields& fields, std::string_view key) {
  return fields.integer(key, 1, std::numeric_limits<std::int64_t>::max());
}
}  // namespace detail

struct kde_searcher_entry {
  static constexpr std::string_view name = "kde";
  static kde_searcher_options<dynamic_config_space> read(detail::json_fields& searcher_fields,
                                                         const factory_context& context) {
    kde_searcher_options<dynamic_config_space> options;
    options.seed = context.seed;
    options.num_min_points = detail::searcher_count(searcher_fields, "num_min_points");
    options.top_n_percent = searcher_fields.number("top_n_percent").value_or(options.top_n_percent);
    options.num_candidates = detail::searcher_count(searcher_fields, "num_candidates").value_or(options.num_candidates);
    options.random_fraction = searcher_fields.number("random_fraction").value_or(options.random_fraction);
    options.bandwidth_factor = searcher_fields.number("bandwidth_factor").value_or(options.bandwidth_factor);
    options.min_bandwidth = searcher_fields.number("min_bandwidth").value_or(options.min_bandwidth);
    return options;
  }
  static auto build(const dynamic_config_space& space, kde_searcher_options<dynamic_config_space> options) {
    return kde_searcher(space, std::move(options));
  }
};

struct regularized_evolution_entry {
  static constexpr std::string_view name = "regularized_evolution";
  static regularized_evolution_options<dynamic_config_space> read(detail::json_fields& searcher_fields,
                                                                  const factory_context& context) {
    regularized_evolution_options<dynamic_config_space> options;
    options.seed = context.seed;
    options.population_size =
        detail::searcher_count(searcher_fields, "population_size").value_or(options.population_size);
    options.sample_size = detail::searcher_count(searcher_fields, "sample_size").value_or(options.sample_size);
    return options;
  }
  static auto build(const dynamic_config_space& space, regularized_evolution_options<dynamic_config_space> options) {
    return regularized_evolution(space, std::move(options));
  }
};

}  // namespace rung
