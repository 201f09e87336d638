// The schedulers the factory builds by name (registry.hpp says what an entry
// is): "fifo" (the default), "asha" (stopping or promotion; brackets > 1 is
// asynchronous Hyperband), "hyperband" (asha with every bracket the rung
// levels give, unless brackets says fewer), "synchronous_hyperband" and
// "median_stopping" (over fifo). The core's fields (metric, mode,
// resource_attr, max_t, max_resource_attr) are read for every scheduler and
// go into its options through options_with_core().
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "rung/concepts/searcher.hpp"
#include "rung/factory/registry.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/schedulers/halving_options.hpp"
#include "rung/schedulers/median_stopping.hpp"
#include "rung/schedulers/options.hpp"
#include "rung/schedulers/synchronous_hyperband.hpp"
#include "rung/util/json.hpp"
#include "rung/util/json_fields.hpp"

namespace rung {

namespace detail {
// The schedulers use as many brackets as the rung levels give, as Syne Tune
// does; more asked for in settings is a mistake, not a wish to clamp.
inline void check_brackets(const json_fields& scheduler_fields, std::optional<std::int64_t> asked,
                           std::size_t available) {
  if (asked && static_cast<std::uint64_t>(*asked) > available) {
    scheduler_fields.bad("brackets", json_value(*asked),
                         "must be at most " + std::to_string(available) +
                             ", one per rung level (grace_period to max_t)");
  }
}
}  // namespace detail

struct fifo_entry {
  static constexpr std::string_view name = "fifo";
  static constexpr bool whole_max_t = false;
  static fifo_options read(detail::json_fields& /*scheduler_fields*/, const scheduler_core& core,
                           const factory_context& /*context*/) {
    return options_with_core<fifo_options>(core, name);
  }
  template <Searcher S>
  static auto build(S searcher, fifo_options options, const detail::json_fields& /*scheduler_fields*/,
                    const factory_context& /*context*/) {
    return fifo(std::move(searcher), std::move(options));
  }
};

struct median_stopping_entry {
  static constexpr std::string_view name = "median_stopping";
  static constexpr bool whole_max_t = false;
  struct options_type {
    fifo_options inner;
    median_stopping_options rule;
  };
  static options_type read(detail::json_fields& scheduler_fields, const scheduler_core& core,
                           const factory_context& context) {
    options_type options{.inner = fifo_entry::read(scheduler_fields, core, context), .rule = {}};
    auto& rule = options.rule;
    rule.running_average = scheduler_fields.boolean("running_average").value_or(rule.running_average);
    rule.grace_time = scheduler_fields.number("grace_time").value_or(rule.grace_time);
    rule.grace_population = scheduler_fields.integer("grace_population").value_or(rule.grace_population);
    rule.rank_cutoff = scheduler_fields.number("rank_cutoff").value_or(rule.rank_cutoff);
    return options;
  }
  template <Searcher S>
  static auto build(S searcher, options_type options, const detail::json_fields& /*scheduler_fields*/,
                    const factory_context& /*context*/) {
    return median_stopping(fifo(std::move(searcher), std::move(options.inner)), options.rule);
  }
};

namespace detail {
// asha and hyperband read the same fields; hyperband's brackets default to all.
template <bool AllBrackets>
struct asha_family_entry {
  static constexpr bool whole_max_t = true;
  struct options_type {
    asha_options options;
    std::optional<std::int64_t> brackets;  // as asked for
  };
  static options_type read(json_fields& scheduler_fields, const scheduler_core& core, const factory_context& context) {
    auto options = options_with_core<asha_options>(core, "asha");
    options.type = scheduler_fields.word("type", {"stopping", "promotion"}).value_or("stopping") == "stopping"
                       ? asha_type::stopping
                       : asha_type::promotion;
    options.grace_period = scheduler_fields.integer("grace_period").value_or(options.grace_period);
    options.reduction_factor = scheduler_fields.number("reduction_factor").value_or(options.reduction_factor);
    const auto brackets = scheduler_fields.integer("brackets");
    options.brackets = brackets.value_or(options.brackets);
    options.seed = context.seed;
    return {.options = std::move(options), .brackets = brackets};
  }
  template <Searcher S>
  static auto build(S searcher, options_type read, const json_fields& scheduler_fields,
                    const factory_context& context) {
    auto& options = read.options;
    if (AllBrackets && !read.brackets) {
      // One bracket per rung level and one at the top: the ladder the scheduler will build.
      constexpr std::string_view who = asha_scheduler<S>::name;
      const auto top = resolve_max_resource(context.space, who, checked_core(who, options, context.space));
      options.brackets = static_cast<std::int64_t>(
          make_ladder(who, options.grace_period, options.reduction_factor, options.rung_levels, top).size() + 1);
    }
    auto scheduler = asha(std::move(searcher), std::move(options));
    check_brackets(scheduler_fields, read.brackets, scheduler.num_brackets());
    return scheduler;
  }
};
}  // namespace detail

struct asha_entry : detail::asha_family_entry<false> {
  static constexpr std::string_view name = "asha";
};

struct hyperband_entry : detail::asha_family_entry<true> {
  static constexpr std::string_view name = "hyperband";
};

struct synchronous_hyperband_entry {
  static constexpr std::string_view name = "synchronous_hyperband";
  static constexpr bool whole_max_t = true;
  static synchronous_hyperband_options read(detail::json_fields& scheduler_fields, const scheduler_core& core,
                                            const factory_context& /*context*/) {
    auto options = options_with_core<synchronous_hyperband_options>(core, name);
    options.grace_period = scheduler_fields.integer("grace_period").value_or(options.grace_period);
    options.reduction_factor = scheduler_fields.number("reduction_factor").value_or(options.reduction_factor);
    options.brackets = scheduler_fields.integer("brackets");
    options.iterations = scheduler_fields.integer("iterations").value_or(options.iterations);
    options.parallel_brackets = scheduler_fields.boolean("parallel_brackets").value_or(options.parallel_brackets);
    return options;
  }
  template <Searcher S>
  static auto build(S searcher, synchronous_hyperband_options options, const detail::json_fields& scheduler_fields,
                    const factory_context& /*context*/) {
    const auto asked = options.brackets;
    auto scheduler = synchronous_hyperband(std::move(searcher), std::move(options));
    detail::check_brackets(scheduler_fields, asked, scheduler.brackets().size());
    return scheduler;
  }
};

}  // namespace rung
