// The searchers the factory builds by name (registry.hpp says what an entry
// is): "random" (the default) and "grid". The seed is read for every
// searcher, before the entry's own fields.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "rung/factory/registry.hpp"
#include "rung/searchers/grid_search.hpp"
#include "rung/searchers/random_search.hpp"
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

}  // namespace rung
