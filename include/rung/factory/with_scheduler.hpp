// The factory with the searchers and schedulers rung provides (registry.hpp
// for how it works and how to add to it).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
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

// The same from a JSON object's text holding "searcher" and "scheduler"
// sections (either may be absent: random search, fifo); `where` names the
// text in errors.
template <class Visitor>
auto with_scheduler(const dynamic_config_space& space, std::string_view settings_json, const std::string& where,
                    Visitor&& visit) {
  const auto settings = detail::parse_json(settings_json);
  if (!settings.is_object()) throw std::invalid_argument(where + ": must be a JSON object");
  return with_scheduler(space, settings.find("searcher"), settings.find("scheduler"), where,
                        std::forward<Visitor>(visit));
}

}  // namespace rung
