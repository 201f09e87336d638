// Test support: n workers running a scheduler's trials in virtual time, the
// way the tuner's session drives a scheduler in real time (suggest when a
// worker frees, on_report after every epoch, on_trial_end once), with a
// log of every event for comparisons. Deterministic: events at the same time
// run in the order they were scheduled.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "rung/decision.hpp"
#include "rung/detail/format.hpp"

namespace rung::testing {

template <class Config>
struct simulation {
  std::vector<std::string> log;
  std::vector<Config> configs;            // by trial id
  std::vector<std::int64_t> last_epoch;   // by trial id
  std::vector<int> resumes;               // by trial id
  std::int64_t reports = 0;
  double busy_seconds = 0;                // worker time spent training
  double makespan = 0;                    // time of the last event
  [[nodiscard]] double utilisation(std::size_t workers) const {
    return makespan > 0 ? busy_seconds / (static_cast<double>(workers) * makespan) : 0;
  }
};

// metric(config, epoch) -> double; seconds(config) -> the time of one epoch.
// At most max_started trials start; a start suggested beyond that is
// cancelled at once (on_trial_end, stopped) and the worker stays idle.
template <class Scheduler, class Metric, class Seconds>
simulation<typename Scheduler::config_type> simulate(Scheduler& scheduler, std::size_t workers,
                                                     std::int64_t max_started, Metric metric, Seconds seconds,
                                                     std::int64_t max_resource) {
  using config_type = typename Scheduler::config_type;
  using detail::to_text;
  simulation<config_type> result;
  // (time, sequence, trial, epoch): an epoch of the trial ends at that time.
  using event = std::tuple<double, std::int64_t, trial_id, std::int64_t>;
  std::priority_queue<event, std::vector<event>, std::greater<>> pending;
  std::int64_t sequence = 0;
  std::size_t idle = workers;
  bool exhausted = false;
  double now = 0;

  const auto run_epoch = [&](trial_id id, std::int64_t epoch) {
    const double duration = seconds(result.configs[static_cast<std::size_t>(id)]);
    result.busy_seconds += duration;
    pending.emplace(now + duration, sequence++, id, epoch);
  };
  const auto fill = [&] {
    while (idle > 0 && !exhausted) {
      const auto new_id = static_cast<trial_id>(result.configs.size());
      auto next = scheduler.suggest(new_id);
      if (auto* start = std::get_if<start_trial<config_type>>(&next)) {
        result.configs.push_back(start->config);
        result.last_epoch.push_back(0);
        result.resumes.push_back(0);
        if (static_cast<std::int64_t>(result.configs.size()) > max_started) {
          scheduler.on_trial_end(new_id, trial_end::stopped);
          result.log.push_back(to_text(now) + " cancel " + to_text(new_id));
          return;
        }
        result.log.push_back(to_text(now) + " start " + to_text(new_id));
        --idle;
        run_epoch(new_id, 1);
      } else if (const auto* resume = std::get_if<resume_trial>(&next)) {
        const auto index = static_cast<std::size_t>(resume->trial);
        result.log.push_back(to_text(now) + " resume " + to_text(resume->trial) + " from " +
                             to_text(resume->from_resource));
        ++result.resumes[index];
        --idle;
        run_epoch(resume->trial, result.last_epoch[index] + 1);
      } else {
        exhausted = std::holds_alternative<search_exhausted>(next);
        result.log.push_back(to_text(now) + (exhausted ? " exhausted" : " wait"));
        return;
      }
    }
  };

  fill();
  while (!pending.empty()) {
    const auto [time, order, id, epoch] = pending.top();
    pending.pop();
    now = time;
    const auto index = static_cast<std::size_t>(id);
    result.last_epoch[index] = epoch;
    ++result.reports;
    const double value = metric(result.configs[index], epoch);
    const decision outcome = scheduler.on_report(observation{id, static_cast<double>(epoch), value});
    result.log.push_back(to_text(now) + " report " + to_text(id) + " @" + to_text(epoch) + " " +
                         std::string(to_string(outcome)));
    if (outcome == decision::continue_trial) {
      run_epoch(id, epoch + 1);
      continue;
    }
    if (outcome == decision::stop_trial) {
      scheduler.on_trial_end(id, epoch >= max_resource ? trial_end::completed : trial_end::stopped);
    }
    ++idle;
    fill();
  }
  result.makespan = now;
  return result;
}

}  // namespace rung::testing
