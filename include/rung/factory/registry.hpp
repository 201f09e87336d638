// The factory's registries and its entry point: with_scheduler() turns the
// "searcher" and "scheduler" sections of a JSON settings object into a
// searcher and a scheduler over a dynamic_config_space, and hands the
// scheduler to a callback.
//
//   rung::with_scheduler(space, settings.find("searcher"), settings.find("scheduler"), "tune.json",
//                        [&](auto scheduler, const rung::scheduler_core& core) { ... });
//
// Searchers and schedulers are compile-time types, so the factory cannot
// return "a scheduler": it calls the callback with the one it built (the
// callback is instantiated once per searcher and scheduler pair). What can
// be built is a registry, a list of entry types each named in JSON; to add
// one, pass default_schedulers::plus<my_entry> (or a searcher registry) as
// a template argument: no switch to edit. An entry is
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

template <class SearcherEntry, class SchedulerEntry>
using built_scheduler_t = decltype(SchedulerEntry::build(
    SearcherEntry::build(std::declval<const dynamic_config_space&>(), std::declval<entry_options_t<SearcherEntry>>()),
    std::declval<scheduler_options_t<SchedulerEntry>>(), std::declval<const json_fields&>(),
    std::declval<const factory_context&>()));

template <class Registry>
struct first_entry;
template <class First, class... Rest>
struct first_entry<registry<First, Rest...>> {
  using type = First;
};

}  // namespace detail

// Builds the searcher and the scheduler the sections name (absent sections:
// random search, fifo) and returns visit(scheduler, core). `where` names the
// settings in errors ("tune.json" gives "tune.json.scheduler.max_t = ...").
// Every pair's callback must return the same type.
template <class Searchers, class Schedulers, class Visitor>
auto with_scheduler_from(const dynamic_config_space& space, const detail::json_value* searcher_section,
                         const detail::json_value* scheduler_section, const std::string& where, Visitor&& visit) {
  using result = std::invoke_result_t<
      Visitor&,
      detail::built_scheduler_t<typename detail::first_entry<Searchers>::type,
                                typename detail::first_entry<Schedulers>::type>&&,
      const scheduler_core&>;
  detail::json_fields searcher_fields(searcher_section, where + ".searcher");
  const std::string searcher_name = searcher_fields.text("name").value_or("random");
  const auto seed = searcher_fields.integer("seed", 0, std::numeric_limits<std::int64_t>::max()).value_or(0);
  const factory_context context{.space = space, .seed = static_cast<std::uint64_t>(seed)};
  detail::json_fields scheduler_fields(scheduler_section, where + ".scheduler");
  const std::string scheduler_name = scheduler_fields.text("name").value_or("fifo");

  [[maybe_unused]] std::conditional_t<std::is_void_v<result>, bool, std::optional<result>> outcome{};
  const bool searcher_known = Searchers::find(searcher_name, [&]<class SearcherEntry>(std::type_identity<SearcherEntry>) {
    auto searcher_options = SearcherEntry::read(searcher_fields, context);
    searcher_fields.finish();
    const bool scheduler_known =
        Schedulers::find(scheduler_name, [&]<class SchedulerEntry>(std::type_identity<SchedulerEntry>) {
          const scheduler_core core = detail::read_core(scheduler_fields, SchedulerEntry::whole_max_t);
          auto options = SchedulerEntry::read(scheduler_fields, core, context);
          scheduler_fields.finish();
          auto scheduler = SchedulerEntry::build(SearcherEntry::build(space, std::move(searcher_options)),
                                                 std::move(options), scheduler_fields, context);
          if constexpr (std::is_void_v<result>) {
            visit(std::move(scheduler), core);
          } else {
            outcome.emplace(visit(std::move(scheduler), core));
          }
        });
    if (!scheduler_known) {
      scheduler_fields.bad("name", detail::json_value(scheduler_name), "must be one of " + Schedulers::names());
    }
  });
  if (!searcher_known) {
    searcher_fields.bad("name", detail::json_value(searcher_name), "must be one of " + Searchers::names());
  }
  if constexpr (!std::is_void_v<result>) return std::move(*outcome);
}

}  // namespace rung
