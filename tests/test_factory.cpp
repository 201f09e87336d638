#include "rung/factory.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "rung/schedulers/options.hpp"
#include "rung/spaces/dynamic_config_space.hpp"
#include "rung/util/json.hpp"

namespace {

using space_type = rung::dynamic_config_space;
using random_type = rung::random_search<space_type>;
using grid_type = rung::grid_search<space_type>;

const space_type space = space_type::from_json(R"({"x": {"type": "uniform", "lower": 0, "upper": 1}, "epochs": 9})");

// The settings' searcher and scheduler sections, parsed ("" leaves one out).
struct settings {
  std::optional<rung::detail::json_value> searcher;
  std::optional<rung::detail::json_value> scheduler;
  settings(std::string_view scheduler_json, std::string_view searcher_json = "") {
    if (!searcher_json.empty()) searcher = rung::detail::parse_json(searcher_json);
    if (!scheduler_json.empty()) scheduler = rung::detail::parse_json(scheduler_json);
  }
};

template <class Visitor>
auto build(const settings& given, Visitor&& visit) {
  return rung::with_scheduler(space, given.searcher ? &*given.searcher : nullptr,
                              given.scheduler ? &*given.scheduler : nullptr, "tune.json", std::forward<Visitor>(visit));
}

// Builds and drops the scheduler: for the errors.
void build_only(std::string_view scheduler_json, std::string_view searcher_json = "") {
  build(settings(scheduler_json, searcher_json), [](auto&&, const rung::scheduler_core&) {});
}

// The scheduler's type, as a name, for the checks on which one a name builds.
template <class Scheduler>
std::string kind_of(const Scheduler& /*scheduler*/) {
  if constexpr (std::is_same_v<Scheduler, rung::fifo_scheduler<random_type>>) return "fifo";
  if constexpr (std::is_same_v<Scheduler, rung::fifo_scheduler<grid_type>>) return "fifo over grid";
  if constexpr (std::is_same_v<Scheduler, rung::asha_scheduler<random_type>>) return "asha";
  if constexpr (std::is_same_v<Scheduler, rung::synchronous_hyperband_scheduler<random_type>>) {
    return "synchronous_hyperband";
  }
  if constexpr (std::is_same_v<Scheduler, rung::median_stopping_scheduler<rung::fifo_scheduler<random_type>>>) {
    return "median_stopping";
  }
  return "other";
}

template <class Scheduler>
bool starts_a_trial(Scheduler& scheduler, rung::trial_id id) {
  return std::holds_alternative<rung::start_trial<typename Scheduler::config_type>>(scheduler.suggest(id));
}

}  // namespace

TEST_CASE("the core's fields go into every scheduler's options, and the callback hears them") {
  const auto core = build(settings(R"({"metric": "acc", "mode": "max", "resource_attr": "step", "max_t": 4})"),
                          [](auto&& scheduler, const rung::scheduler_core& read) {
                            CHECK(kind_of(scheduler) == "fifo");  // the default scheduler, over random search
                            CHECK(scheduler.metric() == "acc");
                            CHECK(scheduler.metric_mode() == rung::mode::max);
                            CHECK(scheduler.resource_attr() == "step");
                            CHECK(scheduler.max_resource(space.midpoint()) == 4.0);
                            return read;
                          });
  CHECK(core.metric == "acc");
  CHECK(core.mode == rung::mode::max);
  CHECK(core.resource_attr == "step");
  CHECK(core.max_t == 4.0);
  CHECK(core.max_resource_attr.empty());
}

TEST_CASE("fifo stops a trial at max_resource_attr's value, which may differ per trial") {
  build(settings(R"({"name": "fifo", "metric": "loss", "max_resource_attr": "epochs"})"), [](auto&& scheduler, auto&&) {
    REQUIRE(kind_of(scheduler) == "fifo");
    REQUIRE(starts_a_trial(scheduler, 0));
    CHECK(scheduler.on_report({.trial = 0, .resource = 8, .metric = 1}) == rung::decision::continue_trial);
    CHECK(scheduler.on_report({.trial = 0, .resource = 9, .metric = 1}) == rung::decision::stop_trial);
  });
}

TEST_CASE("asha: type, grace_period, reduction_factor and the searcher's seed reach the scheduler") {
  build(settings(R"({"name": "asha", "metric": "loss", "max_resource_attr": "epochs", "type": "promotion",
                     "grace_period": 1, "reduction_factor": 3})",
                 R"({"seed": 11})"),
        [](auto&& scheduler, auto&&) {
          REQUIRE(kind_of(scheduler) == "asha");
          if constexpr (requires { scheduler.ladder(); }) {
            CHECK(scheduler.options().type == rung::asha_type::promotion);
            CHECK(scheduler.options().seed == 11);
            CHECK(scheduler.ladder().levels() == std::vector<std::int64_t>{1, 3});  // 1 * 3^k below 9
            CHECK(scheduler.num_brackets() == 1);
            CHECK(scheduler.variant() == "asha-promotion");
            REQUIRE(starts_a_trial(scheduler, 0));
            CHECK(scheduler.on_report({.trial = 0, .resource = 1, .metric = 0.5}) == rung::decision::pause_trial);
          }
        });
}

TEST_CASE("hyperband is asha with one bracket per rung level and one at the top, unless brackets says fewer") {
  const auto brackets_of = [](std::string_view json) {
    return build(settings(json), [](auto&& scheduler, auto&&) -> std::size_t {
      if constexpr (requires { scheduler.num_brackets(); }) {
        CHECK(scheduler.variant() == "hyperband-stopping");
        return scheduler.num_brackets();
      }
      return 0;
    });
  };
  // Rung levels 1, 3, 9 below 27 (grace_period 1, eta 3): brackets skipping 0, 1, 2 or 3 of them.
  CHECK(brackets_of(R"({"name": "hyperband", "metric": "loss", "max_t": 27})") == 4);
  // Rung levels 2, 4, 8, 16 below 27 (grace_period 2, eta 2): five.
  CHECK(brackets_of(R"({"name": "hyperband", "metric": "loss", "max_t": 27, "grace_period": 2,
                        "reduction_factor": 2})") == 5);
  CHECK(brackets_of(R"({"name": "hyperband", "metric": "loss", "max_t": 27, "brackets": 2})") == 2);
}

TEST_CASE("synchronous_hyperband: brackets, iterations and parallel_brackets reach the scheduler") {
  build(settings(R"({"name": "synchronous_hyperband", "metric": "loss", "max_t": 9, "brackets": 2,
                     "iterations": 1})"),
        [](auto&& scheduler, auto&&) {
          REQUIRE(kind_of(scheduler) == "synchronous_hyperband");
          if constexpr (requires { scheduler.brackets(); }) {
            // s_max = log_3(9) = 2: brackets s = 2, 1, 0, of which the first two are kept.
            REQUIRE(scheduler.brackets().size() == 2);
            CHECK(scheduler.brackets()[0].s == 2);
            CHECK(scheduler.brackets()[1].s == 1);
            CHECK(scheduler.variant() == "synchronous-hyperband");
          }
        });
  // parallel_brackets: a worker that would wait for bracket s = 2's first rung (9 trials) starts the next bracket.
  const auto open_after_first_rung = [](bool parallel) {
    const std::string json = R"({"name": "synchronous_hyperband", "metric": "loss", "max_t": 9, "parallel_brackets": )" +
                             std::string(parallel ? "true" : "false") + "}";
    return build(settings(json), [](auto&& scheduler, auto&&) -> std::size_t {
      if constexpr (requires { scheduler.open_brackets(); }) {
        for (rung::trial_id id = 0; id < 10; ++id) scheduler.suggest(id);
        return scheduler.open_brackets();
      }
      return 0;
    });
  };
  CHECK(open_after_first_rung(false) == 1);
  CHECK(open_after_first_rung(true) == 2);
}

TEST_CASE("median_stopping over fifo: its rule's fields reach it") {
  // Three trials report at resource 1 with values 1, 2, 3 (grace_population 2 spares the first): the
  // second has 1 of 2 values strictly better, rank 1/2, and goes on; the third 2 of 3, rank 2/3, above
  // a cutoff of 0.5, below one of 0.7.
  const auto third_decision = [](double rank_cutoff) {
    const std::string json = R"({"name": "median_stopping", "metric": "loss", "max_t": 9, "running_average": false,
                                 "grace_time": 0, "grace_population": 2, "rank_cutoff": )" +
                             rung::detail::to_text(rank_cutoff) + "}";
    return build(settings(json), [](auto&& scheduler, auto&&) {
      REQUIRE(kind_of(scheduler) == "median_stopping");
      rung::decision last = rung::decision::continue_trial;
      for (rung::trial_id id = 0; id < 3; ++id) {
        REQUIRE(starts_a_trial(scheduler, id));
        last = scheduler.on_report({.trial = id, .resource = 1, .metric = 1.0 + static_cast<double>(id)});
      }
      return last;
    });
  };
  CHECK(third_decision(0.5) == rung::decision::stop_trial);
  CHECK(third_decision(0.7) == rung::decision::continue_trial);
}

TEST_CASE("searchers by name: random (the default) with its seed, grid with num_samples and shuffle") {
  const auto second_config = [](std::string_view searcher_json) {
    return build(settings(R"({"metric": "loss"})", searcher_json), [](auto&& scheduler, auto&&) {
      scheduler.suggest(0);  // the midpoint, first for every seed
      auto next = scheduler.suggest(1);
      return rung::as_double(std::get<0>(next).config.at("x"));
    });
  };
  auto seeded = rung::random_searcher(space, {.seed = 7});
  seeded.suggest(0);
  CHECK(second_config(R"({"seed": 7})") == rung::as_double(seeded.suggest(1)->at("x")));
  CHECK(second_config(R"({"seed": 7})") != second_config(R"({"seed": 8})"));

  build(settings(R"({"metric": "loss"})", R"({"name": "grid", "num_samples": 3, "shuffle": false})"),
        [](auto&& scheduler, auto&&) {
          REQUIRE(kind_of(scheduler) == "fifo over grid");
          if constexpr (requires { scheduler.searcher().grid_size(); }) {
            CHECK(scheduler.searcher().grid_size() == 3);  // 3 values of x, one of the constant epochs
            for (rung::trial_id id = 0; id < 3; ++id) CHECK(starts_a_trial(scheduler, id));
            CHECK(std::holds_alternative<rung::search_exhausted>(scheduler.suggest(3)));
          }
        });
}

TEST_CASE("bad names and fields are refused, naming the field and the value") {
  CHECK_THROWS_WITH_AS(build_only(R"({"name": "ashaa", "metric": "loss"})"),
                       "tune.json.scheduler.name = \"ashaa\": must be one of fifo, asha, hyperband, "
                       "synchronous_hyperband, median_stopping",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_only(R"({"metric": "loss"})", R"({"name": "bayesian"})"),
                       "tune.json.searcher.name = \"bayesian\": must be one of random, grid", std::invalid_argument);
  // A field of another scheduler, or of another searcher, is unknown here.
  CHECK_THROWS_WITH_AS(build_only(R"({"name": "fifo", "metric": "loss", "grace_period": 2})"),
                       "tune.json.scheduler.grace_period = 2: unknown field; expected name, metric, mode, "
                       "resource_attr, max_t, max_resource_attr",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_only(R"({"metric": "loss"})", R"({"num_samples": 3})"),
                       "tune.json.searcher.num_samples = 3: unknown field; expected name, seed",
                       std::invalid_argument);
  // Misspelt fields are named before the scheduler's own checks (the metric is missing too).
  CHECK_THROWS_WITH_AS(build_only(R"({"name": "asha", "metrc": "loss", "max_t": 3})"),
                       "tune.json.scheduler.metrc = \"loss\": unknown field; expected name, metric, mode, "
                       "resource_attr, max_t, max_resource_attr, type, grace_period, reduction_factor, brackets",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_only(R"({"name": "asha", "metric": "loss", "max_t": 2.5})"),
                       "tune.json.scheduler.max_t = 2.5: must be a whole number", std::invalid_argument);
  CHECK_NOTHROW(build_only(R"({"name": "fifo", "metric": "loss", "max_t": 2.5})"));  // fifo stops at any resource
  CHECK_THROWS_WITH_AS(build_only(R"({"metric": "loss", "mode": "maximum"})"),
                       "tune.json.scheduler.mode = \"maximum\": must be one of min, max", std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_only(R"({"name": "asha", "metric": "loss", "max_t": 9, "type": "pause"})"),
                       "tune.json.scheduler.type = \"pause\": must be one of stopping, promotion", std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_only(R"({"name": "hyperband", "metric": "loss", "max_t": 9, "brackets": 4})"),
                       "tune.json.scheduler.brackets = 4: must be at most 3, one per rung level (grace_period to max_t)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_only(R"({"name": "synchronous_hyperband", "metric": "loss", "max_t": 9,
                                      "brackets": 4})"),
                       "tune.json.scheduler.brackets = 4: must be at most 3, one per rung level (grace_period to max_t)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_only(R"({"metric": "loss"})", R"({"name": "grid", "num_samples": 0})"),
                       "tune.json.searcher.num_samples = 0: must be a whole number from 1 to 1000",
                       std::invalid_argument);
  // The scheduler's own checks, after the fields are read: they name the option and the value.
  CHECK_THROWS_WITH_AS(build_only(R"({"name": "asha", "max_t": 9})"),
                       "asha: options.metric = \"\": name the metric the trials report, e.g. .metric = "
                       "\"validation_error\"",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_only(R"({"name": "hyperband", "metric": "loss", "max_resource_attr": "max_epochs"})"),
                       "asha: options.max_resource_attr = max_epochs: not a hyperparameter of the space (x, epochs)",
                       std::invalid_argument);
}

namespace {
// A scheduler added from outside the library: fifo under another name, with a field of its own.
struct capped_fifo_entry {
  static constexpr std::string_view name = "capped_fifo";
  static constexpr bool whole_max_t = false;
  static rung::fifo_options read(rung::detail::json_fields& scheduler_fields, const rung::scheduler_core& core,
                                 const rung::factory_context& /*context*/) {
    auto options = rung::options_with_core<rung::fifo_options>(core, name);
    options.max_t = scheduler_fields.number("cap");
    return options;
  }
  template <rung::Searcher S>
  static auto build(S searcher, rung::fifo_options options, const rung::detail::json_fields& /*scheduler_fields*/,
                    const rung::factory_context& /*context*/) {
    return rung::fifo(std::move(searcher), std::move(options));
  }
};
using more_schedulers = rung::default_schedulers::plus<capped_fifo_entry>;
}  // namespace

TEST_CASE("a registry extended with an entry builds it by name, and names it among the choices") {
  const auto json = rung::detail::parse_json(R"({"name": "capped_fifo", "metric": "loss", "cap": 6})");
  const auto cap = rung::with_scheduler_from<rung::default_searchers, more_schedulers>(
      space, nullptr, &json, "tune.json",
      [](auto&& scheduler, auto&&) { return scheduler.max_resource(space.midpoint()); });
  CHECK(cap == 6.0);
  const auto unknown = rung::detail::parse_json(R"({"name": "capped"})");
  const auto build_unknown = [&] {
    rung::with_scheduler_from<rung::default_searchers, more_schedulers>(space, nullptr, &unknown, "tune.json",
                                                                        [](auto&&, auto&&) {});
  };
  CHECK_THROWS_WITH_AS(build_unknown(),
                       "tune.json.scheduler.name = \"capped\": must be one of fifo, asha, hyperband, "
                       "synchronous_hyperband, median_stopping, capped_fifo",
                       std::invalid_argument);
}

TEST_CASE("the options core: read from any options struct, checked once, and filled back in") {
  const rung::asha_options asha{.metric = "loss", .mode = rung::mode::max, .resource_attr = "step", .max_t = 27};
  const auto core = rung::core_of(asha);
  CHECK(core.metric == "loss");
  CHECK(core.mode == rung::mode::max);
  CHECK(core.resource_attr == "step");
  CHECK(core.max_t == 27.0);
  const auto back = rung::options_with_core<rung::synchronous_hyperband_options>(core, "synchronous_hyperband");
  CHECK(back.max_t == std::optional<std::int64_t>(27));
  CHECK(back.resource_attr == "step");
  CHECK_THROWS_WITH_AS(rung::options_with_core<rung::asha_options>({.metric = "y", .max_t = 2.5}, "asha"),
                       "asha: options.max_t = 2.5: must be a whole number (rung levels are)", std::invalid_argument);
  // Every scheduler checks the same core the same way.
  CHECK_THROWS_WITH_AS(rung::fifo(rung::random_searcher(space), {.metric = "y", .resource_attr = ""}),
                       "fifo_scheduler: options.resource_attr = \"\": name the resource the trials report, e.g. "
                       ".resource_attr = \"epoch\"",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::fifo(rung::random_searcher(space), {.metric = "y", .mode = static_cast<rung::mode>(7)}),
                       "fifo_scheduler: options.mode = 7: must be min or max", std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::asha(rung::random_searcher(space), {.metric = "y", .max_t = 9, .max_resource_attr = "epochs"}),
                       "asha: options.max_resource_attr = epochs: set either max_t or max_resource_attr, not both",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::synchronous_hyperband(rung::random_searcher(space), {.metric = "y", .max_t = -1}),
                       "synchronous_hyperband: options.max_t = -1: must be positive", std::invalid_argument);
}

TEST_CASE("the factory reads a whole settings text, and refuses one that is not an object") {
  const auto kind = rung::with_scheduler(
      space, R"({"searcher": {"seed": 3}, "scheduler": {"name": "asha", "metric": "loss", "max_t": 9}})", "tune.json",
      [](auto scheduler, const rung::scheduler_core& core) {
        CHECK(core.max_t == 9.0);
        return kind_of(scheduler);
      });
  CHECK(kind == "asha");
  const auto fallback = rung::with_scheduler(space, R"({"scheduler": {"metric": "loss", "max_t": 9}})", "tune.json",
                                             [](auto scheduler, const rung::scheduler_core&) { return kind_of(scheduler); });
  CHECK(fallback == "fifo");  // no name: fifo over random search
  CHECK_THROWS_WITH_AS(rung::with_scheduler(space, "[1]", "tune.json", [](auto&&, const rung::scheduler_core&) {}),
                       "tune.json: must be a JSON object", std::invalid_argument);
}
