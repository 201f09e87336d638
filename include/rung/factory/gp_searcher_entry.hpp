// The factory's "gp" searcher (rung::gp_searcher), apart from the others
// because it needs Eigen (link rung::gp): pass rung::searchers_with_gp as the
// registry, as rung-tune does when built with it.
//
//   auto [scheduler, core] = rung::make_scheduler<rung::searchers_with_gp>(space, settings, "tune.json");
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>

#include "rung/factory/make_scheduler.hpp"
#include "rung/searchers/gp_searcher.hpp"

namespace rung {

struct gp_searcher_entry {
  static constexpr std::string_view name = "gp";
  static gp_searcher_options<dynamic_config_space> read(detail::json_fields& searcher_fields,
                                                        const factory_context& context) {
    gp_searcher_options<dynamic_config_space> options;
    options.seed = context.seed;
    const auto count = [&](std::string_view key, std::size_t fallback) {
      return static_cast<std::size_t>(detail::searcher_count(searcher_fields, key).value_or(static_cast<std::int64_t>(fallback)));
    };
    if (const auto initial = detail::searcher_count(searcher_fields, "num_init_random")) {
      options.num_init_random = static_cast<std::size_t>(*initial);
    }
    options.max_observations = count("max_observations", options.max_observations);
    options.max_fit_observations = count("max_fit_observations", options.max_fit_observations);
    options.refit_every = count("refit_every", options.refit_every);
    options.num_fit_restarts = count("num_fit_restarts", options.num_fit_restarts);
    options.num_candidates = count("num_candidates", options.num_candidates);
    options.num_local_starts = count("num_local_starts", options.num_local_starts);
    options.num_local_steps = count("num_local_steps", options.num_local_steps);
    return options;
  }
  static auto build(const dynamic_config_space& space, gp_searcher_options<dynamic_config_space> options) {
    return gp_searcher(space, std::move(options));
  }
};

using searchers_with_gp = default_searchers::plus<gp_searcher_entry>;

}  // namespace rung
