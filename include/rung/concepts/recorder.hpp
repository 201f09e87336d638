// The Recorder role: what becomes of the tuning's events. The experiment
// directory writer (results/experiment_recorder.hpp) keeps them on disk;
// null_recorder drops them. Every hook is called on the session's thread, in
// the order the events happened. trial_reported gets the decision and the
// scheduler's own: they differ where the tuning's end turned it into STOP
// (trial_record::cut then marks the trial's end too).
#pragma once

#include <concepts>
#include <span>
#include <string_view>

#include "rung/decision.hpp"
#include "rung/experiment_description.hpp"
#include "rung/trials.hpp"
#include "rung/tuning_status.hpp"

namespace rung {

template <class R, class Config>
concept Recorder = requires(R& recorder, const experiment_description& description,
                            const trial_record<Config>& trial, std::span<const double> metrics, decision d,
                            const tuning_status& status, std::string_view text, double number) {
  recorder.tuning_started(description, number);
  recorder.trial_started(trial, number);
  recorder.trial_resumed(trial, number, number);
  recorder.trial_reported(trial, number, metrics, d, d, number);  // the decision, then the scheduler's own
  recorder.report_ignored(trial, number, text, number);
  recorder.trial_finished(trial, number);
  recorder.tuning_finished(status, text, number);
  recorder.flush();
};

// Records nothing.
struct null_recorder {
  void tuning_started(const experiment_description& /*description*/, double /*now*/) {}
  template <class Config>
  void trial_started(const trial_record<Config>& /*trial*/, double /*now*/) {}
  template <class Config>
  void trial_resumed(const trial_record<Config>& /*trial*/, double /*from_resource*/, double /*now*/) {}
  template <class Config>
  void trial_reported(const trial_record<Config>& /*trial*/, double /*resource*/, std::span<const double> /*metrics*/,
                      decision /*outcome*/, decision /*scheduler_decision*/, double /*now*/) {}
  template <class Config>
  void report_ignored(const trial_record<Config>& /*trial*/, double /*resource*/, std::string_view /*why*/,
                      double /*now*/) {}
  template <class Config>
  void trial_finished(const trial_record<Config>& /*trial*/, double /*now*/) {}
  void tuning_finished(const tuning_status& /*status*/, std::string_view /*reason*/, double /*now*/) {}
  void flush() {}
};

}  // namespace rung
