// The factory: make_scheduler() builds the searcher and the scheduler that
// JSON settings name, from the searchers and schedulers rung provides or a
// registry extended with your own (registry.hpp says how).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "rung/factory/registry.hpp"
#include "rung/factory/scheduler_entries.hpp"
#include "rung/factory/searcher_entries.hpp"
#include "rung/schedulers/scheduler_ref.hpp"
#include "rung/searchers/any_searcher.hpp"

namespace rung {

using default_searchers =
    registry<random_searcher_entry, grid_searcher_entry, kde_searcher_entry, regularized_evolution_entry>;
using default_schedulers =
    registry<fifo_entry, asha_entry, hyperband_entry, synchronous_hyperband_entry, median_stopping_entry>;

// What the factory builds: the scheduler (over the searcher), erased, and
// the options core its section gave.
struct configured_scheduler {
  any_scheduler<dynamic_config_space> scheduler;
  scheduler_core core;
};

// Builds the searcher and the scheduler the sections name (absent sections:
// random search, fifo). `where` names the settings in errors ("tune.json"
// gives "tune.json.scheduler.max_t = ..."). The searcher is erased before the
// scheduler is built over it, so each scheduler entry compiles once.
template <class Searchers = default_searchers, class Schedulers = default_schedulers>
configured_scheduler make_scheduler(const dynamic_config_space& space, const detail::json_value* searcher_section,
                                         const detail::json_value* scheduler_section, const std::string& where) {
  detail::json_fields searcher_fields(searcher_section, where + ".searcher");
  const std::string searcher_name = searcher_fields.text("name").value_or("random");
  const auto seed = searcher_fields.integer("seed", 0, std::numeric_limits<std::int64_t>::max()).value_or(0);
  const factory_context context{.space = space, .seed = static_cast<std::uint64_t>(seed)};
  detail::json_fields scheduler_fields(scheduler_section, where + ".scheduler");
  const std::string scheduler_name = scheduler_fields.text("name").value_or("fifo");

  std::optional<any_searcher<dynamic_config_space>> searcher;
  const bool searcher_known = Searchers::find(searcher_name, [&]<class SearcherEntry>(std::type_identity<SearcherEntry>) {
    auto searcher_options = SearcherEntry::read(searcher_fields, context);
    searcher_fields.finish();
    searcher.emplace(SearcherEntry::build(space, std::move(searcher_options)));
  });
  if (!searcher_known) {
    searcher_fields.bad("name", detail::json_value(searcher_name), "must be one of " + Searchers::names());
  }
  std::optional<configured_scheduler> built;
  const bool scheduler_known =
      Schedulers::find(scheduler_name, [&]<class SchedulerEntry>(std::type_identity<SchedulerEntry>) {
        const scheduler_core core = detail::read_core(scheduler_fields, SchedulerEntry::whole_max_t);
        auto options = SchedulerEntry::read(scheduler_fields, core, context);
        scheduler_fields.finish();
        built.emplace(configured_scheduler{
            .scheduler = SchedulerEntry::build(std::move(*searcher), std::move(options), scheduler_fields, context),
            .core = core});
      });
  if (!scheduler_known) {
    scheduler_fields.bad("name", detail::json_value(scheduler_name), "must be one of " + Schedulers::names());
  }
  return std::move(*built);
}

// The same from a JSON object's text holding "searcher" and "scheduler"
// sections (either may be absent: random search, fifo); `where` names the
// text in errors.
template <class Searchers = default_searchers, class Schedulers = default_schedulers>
configured_scheduler make_scheduler(const dynamic_config_space& space, std::string_view settings_json,
                                    const std::string& where) {
  const auto settings = detail::parse_json(settings_json);
  if (!settings.is_object()) throw std::invalid_argument(where + ": must be a JSON object");
  return make_scheduler<Searchers, Schedulers>(space, settings.find("searcher"), settings.find("scheduler"), where);
}

}  // namespace rung
