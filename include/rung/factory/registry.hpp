// The factory's registries: what make_scheduler() (make_scheduler.hpp) can
// build from the "searcher" and "scheduler" sections of JSON settings, over
// a dynamic_config_space.
//
//   auto [scheduler, core] = rung::make_scheduler(space, settings_text, "tune.json");
//   rung::tuner tuner(std::move(scheduler), {...});
//
// Searchers and schedulers are compile-time types; the factory returns
// them erased (any_searcher inside any_scheduler), so that a program that
// may run any of them compiles each once. What can be built is a registry,
// a list of entry types each named in JSON; to add one, pass
// default_schedulers::plus<my_entry> (or a searcher registry) as a
// template argument: no switch to edit. An entry is
//
//   struct my_scheduler_entry {
//     static constexpr std::string_view name = "my_scheduler";
//     static constexpr bool whole_max_t = true;  // max_t read as a whole number
//     static Options read(json_fields& scheduler_fields, const scheduler_core& core, const factory_context& context);
//     template <Searcher S>
//     static auto build(S searcher, Options options, const json_fields& scheduler_fields,
//                       const factory_context& context);
//   };
//   struct my_searcher_entry {
//     static constexpr std::string_view name = "my_searcher";
//     static Options read(json_fields& searcher_fields, const factory_context& context);
//     static auto build(const dynamic_config_space& space, Options options);
//   };
//
// read() takes the entry's own fields (the core's are read for it); the
// factory then refuses fields nobody read, and only then build() constructs,
// so a misspelt field is named before the scheduler's own checks run.
// Errors name the field and the value: "tune.json.scheduler.name = "ashaa":
// must be one of fifo, asha, ...".
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "rung/schedulers/options.hpp"
#include "rung/spaces/dynamic_config_space.hpp"
#include "rung/util/json.hpp"
#include "rung/util/json_fields.hpp"

namespace rung {

// What every entry may use besides its own fields.
struct factory_context {
  const dynamic_config_space& space;
  std::uint64_t seed = 0;  // the searcher section's seed; schedulers that draw (asha's brackets) use it too
};

template <class... Entries>
struct registry {
  template <class... More>
  using plus = registry<Entries..., More...>;

  // "a, b, c", for errors.
  [[nodiscard]] static std::string names() {
    std::string text;
    ((text += (text.empty() ? "" : ", ") + std::string(Entries::name)), ...);
    return text;
  }

  // Calls found(std::type_identity<Entry>{}) for the entry called `name`; false if none is.
  template <class Found>
  static bool find(std::string_view name, Found&& found) {
    return ((Entries::name == name && (found(std::type_identity<Entries>{}), true)) || ...);
  }
};

namespace detail {

// The core's fields of a scheduler section, read in the core's order.
inline scheduler_core read_core(json_fields& scheduler_fields, bool whole_max_t) {
  const scheduler_core defaults;
  scheduler_core core;
  core.metric = scheduler_fields.text("metric").value_or(defaults.metric);
  core.mode = scheduler_fields.word("mode", {"min", "max"}).value_or("min") == "min" ? mode::min : mode::max;
  core.resource_attr = scheduler_fields.text("resource_attr").value_or(defaults.resource_attr);
  if (whole_max_t) {
    if (const auto max_t = scheduler_fields.integer("max_t")) core.max_t = static_cast<double>(*max_t);
  } else {
    core.max_t = scheduler_fields.number("max_t");
  }
  core.max_resource_attr = scheduler_fields.text("max_resource_attr").value_or(defaults.max_resource_attr);
  return core;
}

template <class Entry>
using entry_options_t = decltype(Entry::read(std::declval<json_fields&>(), std::declval<const factory_context&>()));

template <class Entry>
using scheduler_options_t = decltype(Entry::read(std::declval<json_fields&>(), std::declval<const scheduler_core&>(),
                                                 std::declval<const factory_context&>()));

}  // namespace detail

}  // namespace rung
