#include "rung/stop_criterion.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "rung/concepts/stop_criterion.hpp"

namespace test_stop_criterion {

namespace {

rung::tuning_status status_with_metrics() {
  rung::tuning_status status;
  status.set_metric_names({"loss", "accuracy"});
  return status;
}

struct never_stop {
  bool operator()(const rung::tuning_status&) const { return false; }
};

}  // namespace

static_assert(rung::StopCriterion<rung::stop_criterion>);
static_assert(rung::StopCriterion<rung::any_stop_criterion>);
static_assert(rung::StopCriterion<never_stop>);
static_assert(!rung::StopCriterion<int>);
static_assert(!rung::StopCriterion<void (*)(const rung::tuning_status&)>);

TEST_CASE("each limit is reached at its value, not one later") {
  auto status = status_with_metrics();
  const rung::stop_criterion completed{.max_num_trials_completed = 3};
  status.num_trials_completed = 2;
  CHECK(!completed(status));
  status.num_trials_completed = 3;
  CHECK(completed(status));
  CHECK(completed.reason(status) == "reached max_num_trials_completed (3)");

  const rung::stop_criterion finished{.max_num_trials_finished = 4};
  status.num_trials_stopped = 1;
  CHECK(finished.reason(status) == "reached max_num_trials_finished (4)");

  const rung::stop_criterion evaluations{.max_num_evaluations = 10};
  status.num_evaluations = 9;
  CHECK(!evaluations(status));
  status.num_evaluations = 10;
  CHECK(evaluations(status));

  const rung::stop_criterion clock{.max_wallclock_time = 60};
  status.wallclock_time = 59.9;
  CHECK(!clock(status));
  status.wallclock_time = 60;
  CHECK(clock.reason(status) == "reached max_wallclock_time (60)");
}

TEST_CASE("max_num_trials_started limits starts and never ends the tuning by itself") {
  auto status = status_with_metrics();
  const rung::stop_criterion started{.max_num_trials_started = 5};
  status.num_trials_started = 5;
  status.num_trials_running = 0;
  CHECK(!started(status));  // the driver ends the tuning once nothing is left to run
  CHECK(started.max_trials_started() == 5);
  CHECK(started.can_trigger());
}

TEST_CASE("metric thresholds trigger on any report beyond them") {
  auto status = status_with_metrics();
  const rung::stop_criterion low_loss{.min_metric_value = {{"loss", 0.1}}};
  status.observe_metric(0, 0.2);
  CHECK(!low_loss(status));
  status.observe_metric(0, 0.05);
  CHECK(low_loss.reason(status) == "loss went below min_metric_value 0.1");
  const rung::stop_criterion high_accuracy{.max_metric_value = {{"accuracy", 0.9}}};
  status.observe_metric(1, std::numeric_limits<double>::quiet_NaN());  // NaN is never beyond a threshold
  CHECK(!high_accuracy(status));
  status.observe_metric(1, 0.95);
  CHECK(high_accuracy(status));
}

TEST_CASE("criteria compose with || and &&, keeping limits and reasons") {
  auto status = status_with_metrics();
  const auto either = rung::stop_criterion{.max_wallclock_time = 10} || rung::stop_criterion{.max_num_evaluations = 5};
  const auto both = rung::stop_criterion{.max_wallclock_time = 10} && rung::stop_criterion{.max_num_evaluations = 5};
  status.num_evaluations = 5;
  CHECK(either(status));
  CHECK(either.reason(status) == "reached max_num_evaluations (5)");
  CHECK(!both(status));
  status.wallclock_time = 11;
  CHECK(both.reason(status) == "reached max_wallclock_time (10) and reached max_num_evaluations (5)");
  CHECK(rung::detail::max_wallclock_time(either) == 10.0);

  const auto custom = rung::stop_criterion{.max_num_trials_started = 100} ||
                      rung::stop_if([](const rung::tuning_status& s) { return s.num_trials_failed > 2; });
  CHECK(custom.max_trials_started() == 100);
  status.num_trials_failed = 3;
  CHECK(custom.reason(status) == "the stop criterion was met");
}

TEST_CASE("a criterion that can never trigger is known as such") {
  CHECK(!rung::stop_criterion{}.can_trigger());
  CHECK(rung::stop_criterion{.max_num_evaluations = 1}.can_trigger());
  CHECK(!(rung::stop_criterion{} || rung::stop_criterion{}).can_trigger());
  CHECK(!(rung::stop_criterion{} && rung::stop_criterion{.max_num_evaluations = 1}).can_trigger());
  CHECK(rung::any_stop_criterion(never_stop{}).can_trigger());  // a user predicate is trusted
  CHECK(!rung::any_stop_criterion{}.can_trigger());
}

TEST_CASE("invalid limits are refused with the field and the value") {
  const std::vector<std::string> metrics = {"loss"};
  CHECK_THROWS_WITH_AS(rung::stop_criterion{.max_wallclock_time = -1}.validate(metrics),
                       "stop_criterion.max_wallclock_time = -1: must be a positive number of seconds",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::stop_criterion{.max_num_trials_started = 0}.validate(metrics),
                       "stop_criterion.max_num_trials_started = 0: must be at least 1", std::invalid_argument);
  CHECK_THROWS_WITH_AS((rung::stop_criterion{.max_num_evaluations = 3} ||
                        rung::stop_criterion{.max_metric_value = {{"acc", 1.0}}})
                           .validate(metrics),
                       "stop_criterion.max_metric_value = acc: no trial reports this metric (reported metrics: loss)",
                       std::invalid_argument);
  CHECK_NOTHROW(rung::any_stop_criterion(rung::stop_criterion{.max_num_evaluations = 3}).validate(metrics));
}

}  // namespace test_stop_criterion
