// The factory with the searchers and schedulers rung provides (registry.hpp
// for how it works and how to add to it).
#pragma once

#include <string>
#include <utility>

#include "rung/factory/registry.hpp"
#include "rung/factory/scheduler_entries.hpp"
#include "rung/factory/searcher_entries.hpp"

namespace rung {

using default_searchers = registry<random_searcher_entry, grid_searcher_entry>;
using default_schedulers =
    registry<fifo_entry, asha_entry, hyperband_entry, synchronous_hyperband_entry, median_stopping_entry>;

template <class Visitor>
auto with_scheduler(const dynamic_config_space& space, const detail::json_value* searcher_section,
                    const detail::json_value* scheduler_section, const std::string& where, Visitor&& visit) {
  return with_scheduler_from<default_searchers, default_schedulers>(space, searcher_section, scheduler_section, where,
                                                                     std::forward<Visitor>(visit));
}

}  // namespace rung
