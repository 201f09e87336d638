#include "rung/factory.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "rung/schedulers/options.hpp"
#include "rung/spaces/dynamic_config_space.hpp"
#include "rung/util/json.hpp"

namespace test_factory {

namespace {

using space_type = rung::dynamic_config_space;
using searcher_type = rung::any_searcher<space_type>;  // the factory erases the searcher it builds
using fifo_type = rung::fifo_scheduler<searcher_type>;
using asha_type = rung::asha_scheduler<searcher_type>;
using synchronous_hyperband_type = rung::synchronous_hyperband_scheduler<searcher_type>;
using median_stopping_type = rung::median_stopping_scheduler<fifo_type>;

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

rung::configured_scheduler build(const settings& given) {
  return rung::make_scheduler(space, given.searcher ? &*given.searcher : nullptr,
                              given.scheduler ? &*given.scheduler : nullptr, "tune.json");
}

// Builds and drops the scheduler: for the errors.
void build_only(std::string_view scheduler_json, std::string_view searcher_json = "") {
  build(settings(scheduler_json, searcher_json));
}

// The held scheduler, which must be an S.
template <class S>
S& held(const rung::configured_scheduler& built) {
  auto* scheduler = built.scheduler.get_if<S>();
  REQUIRE(scheduler != nullptr);
  return *scheduler;
}

bool starts_a_trial(rung::any_scheduler<space_type>& scheduler, rung::trial_id id) {
  return std::holds_alternative<rung::start_trial<rung::dynamic_configuration>>(scheduler.suggest(id));
}

}  // namespace

TEST_CASE("the core's fields go into every scheduler's options, and the result holds them") {
  auto [scheduler, core] = build(settings(R"({"metric": "acc", "mode": "max", "resource_attr": "step", "max_t": 4})"));
  CHECK(scheduler.get_if<fifo_type>() != nullptr);  // the default scheduler
  CHECK(scheduler.get_if<asha_type>() == nullptr);
  CHECK(scheduler.variant() == "fifo");
  CHECK_FALSE(scheduler.searcher_exhaustible());  // random search, the default searcher
  CHECK(scheduler.metric() == "acc");
  CHECK(scheduler.metric_mode() == rung::mode::max);
  CHECK(scheduler.resource_attr() == "step");
  CHECK(scheduler.max_resource(space.midpoint()) == 4.0);
  CHECK(core.metric == "acc");
  CHECK(core.mode == rung::mode::max);
  CHECK(core.resource_attr == "step");
  CHECK(core.max_t == 4.0);
  CHECK(core.max_resource_attr.empty());
}

TEST_CASE("fifo stops a trial at max_resource_attr's value, which may differ per trial") {
  auto built = build(settings(R"({"name": "fifo", "metric": "loss", "max_resource_attr": "epochs"})"));
  held<fifo_type>(built);
  REQUIRE(starts_a_trial(built.scheduler, 0));
  CHECK(built.scheduler.on_report({.trial = 0, .resource = 8, .metric = 1}) == rung::decision::continue_trial);
  CHECK(built.scheduler.on_report({.trial = 0, .resource = 9, .metric = 1}) == rung::decision::stop_trial);
}

TEST_CASE("asha: type, grace_period, reduction_factor and the searcher's seed reach the scheduler") {
  auto built = build(settings(R"({"name": "asha", "metric": "loss", "max_resource_attr": "epochs", "type": "promotion",
                                  "grace_period": 1, "reduction_factor": 3})",
                              R"({"seed": 11})"));
  const auto& asha = held<asha_type>(built);
  CHECK(asha.options().type == rung::asha_type::promotion);
  CHECK(asha.options().seed == 11);
  CHECK(asha.ladder().levels() == std::vector<std::int64_t>{1, 3});  // 1 * 3^k below 9
  CHECK(asha.num_brackets() == 1);
  CHECK(built.scheduler.variant() == "asha-promotion");
  REQUIRE(starts_a_trial(built.scheduler, 0));
  CHECK(built.scheduler.on_report({.trial = 0, .resource = 1, .metric = 0.5}) == rung::decision::pause_trial);
}

TEST_CASE("hyperband is asha with one bracket per rung level and one at the top, unless brackets says fewer") {
  const auto brackets_of = [](std::string_view json) {
    const auto built = build(settings(json));
    CHECK(built.scheduler.variant() == "hyperband-stopping");
    return held<asha_type>(built).num_brackets();
  };
  // Rung levels 1, 3, 9 below 27 (grace_period 1, eta 3): brackets skipping 0, 1, 2 or 3 of them.
  CHECK(brackets_of(R"({"name": "hyperband", "metric": "loss", "max_t": 27})") == 4);
  // Rung levels 2, 4, 8, 16 below 27 (grace_period 2, eta 2): five.
  CHECK(brackets_of(R"({"name": "hyperband", "metric": "loss", "max_t": 27, "grace_period": 2,
                        "reduction_factor": 2})") == 5);
  CHECK(brackets_of(R"({"name": "hyperband", "metric": "loss", "max_t": 27, "brackets": 2})") == 2);
}

TEST_CASE("synchronous_hyperband: brackets, iterations and parallel_brackets reach the scheduler") {
  const auto built = build(settings(R"({"name": "synchronous_hyperband", "metric": "loss", "max_t": 9, "brackets": 2,
                                        "iterations": 1})"));
  const auto& hyperband = held<synchronous_hyperband_type>(built);
  // s_max = log_3(9) = 2: brackets s = 2, 1, 0, of which the first two are kept.
  REQUIRE(hyperband.brackets().size() == 2);
  CHECK(hyperband.brackets()[0].s == 2);
  CHECK(hyperband.brackets()[1].s == 1);
  CHECK(built.scheduler.variant() == "synchronous-hyperband");
  // parallel_brackets: a worker that would wait for bracket s = 2's first rung (9 trials) starts the next bracket.
  const auto open_after_first_rung = [](bool parallel) {
    const std::string json = R"({"name": "synchronous_hyperband", "metric": "loss", "max_t": 9, "parallel_brackets": )" +
                             std::string(parallel ? "true" : "false") + "}";
    auto opened = build(settings(json));
    for (rung::trial_id id = 0; id < 10; ++id) opened.scheduler.suggest(id);
    return held<synchronous_hyperband_type>(opened).open_brackets();
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
    auto built = build(settings(json));
    held<median_stopping_type>(built);
    rung::decision last = rung::decision::continue_trial;
    for (rung::trial_id id = 0; id < 3; ++id) {
      REQUIRE(starts_a_trial(built.scheduler, id));
      last = built.scheduler.on_report({.trial = id, .resource = 1, .metric = 1.0 + static_cast<double>(id)});
    }
    return last;
  };
  CHECK(third_decision(0.5) == rung::decision::stop_trial);
  CHECK(third_decision(0.7) == rung::decision::continue_trial);
}

TEST_CASE("searchers by name: random (the default) with its seed, grid with num_samples and shuffle") {
  const auto second_config = [](std::string_view searcher_json) {
    auto built = build(settings(R"({"metric": "loss"})", searcher_json));
    built.scheduler.suggest(0);  // the midpoint, first for every seed
    auto next = built.scheduler.suggest(1);
    return rung::as_double(std::get<0>(next).config.at("x"));
  };
  auto seeded = rung::random_searcher(space, {.seed = 7});
  seeded.suggest(0);
  CHECK(second_config(R"({"seed": 7})") == rung::as_double(seeded.suggest(1)->at("x")));
  CHECK(second_config(R"({"seed": 7})") != second_config(R"({"seed": 8})"));

  auto built = build(settings(R"({"metric": "loss"})", R"({"name": "grid", "num_samples": 3, "shuffle": false})"));
  const auto* grid = held<fifo_type>(built).searcher().get_if<rung::grid_search<space_type>>();
  REQUIRE(grid != nullptr);
  CHECK(grid->grid_size() == 3);  // 3 values of x, one of the constant epochs
  CHECK(built.scheduler.searcher_exhaustible());  // so a tuning over it needs no stop criterion
  for (rung::trial_id id = 0; id < 3; ++id) CHECK(starts_a_trial(built.scheduler, id));
  CHECK(std::holds_alternative<rung::search_exhausted>(built.scheduler.suggest(3)));
}

TEST_CASE("the model-based searchers by name, each with its options, and a bad value named by the searcher") {
  auto bohb = build(settings(R"({"name": "asha", "metric": "loss", "max_t": 9})",
                             R"({"name": "kde", "seed": 4, "top_n_percent": 20, "num_candidates": 32})"));
  const auto* kde = held<asha_type>(bohb).searcher().get_if<rung::kde_search<space_type>>();
  REQUIRE(kde != nullptr);
  CHECK(kde->options().top_n_percent == 20.0);
  CHECK(kde->options().num_candidates == 32);
  CHECK(kde->options().seed == 4);
  CHECK(starts_a_trial(bohb.scheduler, 0));

  auto evolution = build(settings(R"({"metric": "loss"})",
                                  R"({"name": "regularized_evolution", "population_size": 8, "sample_size": 3})"));
  const auto* rea = held<fifo_type>(evolution).searcher().get_if<rung::regularized_evolution_search<space_type>>();
  REQUIRE(rea != nullptr);
  CHECK(rea->options().population_size == 8);
  CHECK(rea->options().sample_size == 3);

  CHECK_THROWS_WITH_AS(build_only(R"({"metric": "loss"})", R"({"name": "kde", "bandwidth": 1})"),
                       "tune.json.searcher.bandwidth = 1: unknown field; expected name, seed, num_min_points, "
                       "top_n_percent, num_candidates, random_fraction, bandwidth_factor, min_bandwidth",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_only(R"({"metric": "loss"})", R"({"name": "regularized_evolution", "sample_size": 0})"),
                       "tune.json.searcher.sample_size = 0: must be a whole number from 1 to 9223372036854775807",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_only(R"({"metric": "loss"})", R"({"name": "kde", "top_n_percent": 150})"),
                       doctest::Contains("top_n_percent = 150"), std::invalid_argument);
}

TEST_CASE("bad names and fields are refused, naming the field and the value") {
  CHECK_THROWS_WITH_AS(build_only(R"({"name": "ashaa", "metric": "loss"})"),
                       "tune.json.scheduler.name = \"ashaa\": must be one of fifo, asha, hyperband, "
                       "synchronous_hyperband, median_stopping",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_only(R"({"metric": "loss"})", R"({"name": "bayesian"})"),
                       "tune.json.searcher.name = \"bayesian\": must be one of random, grid, kde, regularized_evolution", std::invalid_argument);
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
  const auto built = rung::make_scheduler<rung::default_searchers, more_schedulers>(space, nullptr, &json, "tune.json");
  CHECK(built.scheduler.max_resource(space.midpoint()) == 6.0);
  const auto unknown = rung::detail::parse_json(R"({"name": "capped"})");
  const auto build_unknown = [&] {
    rung::make_scheduler<rung::default_searchers, more_schedulers>(space, nullptr, &unknown, "tune.json");
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
  const auto built = rung::make_scheduler(
      space, R"({"searcher": {"seed": 3}, "scheduler": {"name": "asha", "metric": "loss", "max_t": 9}})", "tune.json");
  CHECK(built.core.max_t == 9.0);
  CHECK(held<asha_type>(built).options().seed == 3);
  const auto fallback = rung::make_scheduler(space, R"({"scheduler": {"metric": "loss", "max_t": 9}})", "tune.json");
  CHECK(fallback.scheduler.get_if<fifo_type>() != nullptr);  // no name: fifo over random search
  CHECK_THROWS_WITH_AS(rung::make_scheduler(space, "[1]", "tune.json"), "tune.json: must be a JSON object",
                       std::invalid_argument);
}

}  // namespace test_factory
