#include "rung/schedulers/asha.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <variant>

#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"

// rung::asha against decisions recorded from Syne Tune v0.13's own rung
// systems (scripts/syne_tune_decisions.py): stopping and promotion, modes
// min and max, eta 2, 2.5, 3 and 4, many ties, skipped milestones.

namespace test_asha_syne_tune {

namespace {

constexpr auto space = rung::config_space(rung::uniform<"x">(0.0, 1.0));
using searcher = rung::random_search<std::remove_const_t<decltype(space)>>;
using scheduler = rung::asha_scheduler<searcher, rung::interpolated_quantile>;

constexpr const char* recorded =
#include "data/syne_tune_decisions.inc"
    ;

struct replay_result {
  int scenarios = 0;
  int checked = 0;
  int differences = 0;
  std::string first_difference;
};

replay_result replay(rung::interpolated_quantile rule) {
  replay_result result;
  std::istringstream lines(recorded);
  std::unique_ptr<scheduler> asha;
  std::string header;
  rung::trial_id next_id = 0;
  bool in_step = true;  // after a difference the runs part ways: skip to the next scenario
  const auto differ = [&](const std::string& line, const std::string& got) {
    if (result.differences++ == 0) result.first_difference = header + " | " + line + " | rung: " + got;
    in_step = false;
  };
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string tag;
    words >> tag;
    if (tag == "stopping" || tag == "promotion") {
      std::string mode;
      std::int64_t grace = 0;
      double eta = 0;
      std::int64_t max_t = 0;
      words >> mode >> grace >> eta >> max_t;
      asha = std::make_unique<scheduler>(
          searcher(space),
          rung::asha_options{.metric = "y",
                             .mode = mode == "min" ? rung::mode::min : rung::mode::max,
                             .grace_period = grace,
                             .reduction_factor = eta,
                             .max_t = max_t,
                             .type = tag == "stopping" ? rung::asha_type::stopping : rung::asha_type::promotion},
          rule);
      ++result.scenarios;
      header = line;
      next_id = 0;
      in_step = true;
    } else if (tag == "S" && in_step) {
      std::string expected;
      std::getline(words >> std::ws, expected);
      const auto next = asha->suggest(next_id);
      std::string got = "other";
      if (std::holds_alternative<rung::start_trial<searcher::config_type>>(next)) {
        got = "new " + std::to_string(next_id++);
      } else if (const auto* resume = std::get_if<rung::resume_trial>(&next)) {
        got = "resume " + std::to_string(resume->trial) + " " + rung::detail::to_text(resume->from_resource);
      }
      ++result.checked;
      if (got != expected) differ(line, got);
    } else if (tag == "R" && in_step) {
      rung::trial_id trial = 0;
      std::int64_t resource = 0;
      std::string value;
      std::string expected;
      words >> trial >> resource >> value >> expected;
      const auto decision = asha->on_report({trial, static_cast<double>(resource), std::stod(value)});
      ++result.checked;
      if (rung::to_string(decision) != expected) differ(line, std::string(rung::to_string(decision)));
      if (decision == rung::decision::stop_trial) asha->on_trial_end(trial, rung::trial_end::stopped);
    }
  }
  return result;
}

}  // namespace

TEST_CASE("with Syne Tune's rounding, every recorded decision of Syne Tune v0.13 is rung's") {
  const auto result = replay({.syne_tune_rounding = true});
  CHECK(result.scenarios == 12);
  CHECK(result.checked > 4000);
  CHECK(result.differences == 0);
  CHECK(result.first_difference == "");
}

TEST_CASE("by default a value tied with the cutoff goes on, where Syne Tune's rounding may stop it") {
  // Syne Tune interpolates g * b + (1 - g) * a; for a == b == 0.22 that can give
  // 0.21999999999999997, and a trial reporting 0.22 stops.
  const auto result = replay({});
  CHECK(result.differences > 0);
  // Here rung's decision is the lenient one: continue where Syne Tune stopped.
  CHECK(result.first_difference.find("STOP | rung: CONTINUE") != std::string::npos);
}

}  // namespace test_asha_syne_tune
