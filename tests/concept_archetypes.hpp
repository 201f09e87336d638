// Archetypes: for each policy role, a type that has exactly what the role's
// concept asks for and nothing more. A shipped policy instantiated over one
// (tests/test_concepts.cpp) fails to compile if it uses more than the concept
// promises. Each archetype takes the requirement to leave out (`lacks`), so
// that the negative tests can show every requirement is one the concept
// checks: `archetype::space<archetype::space_part::sample>` has no sample().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "rung/concepts/config_space.hpp"
#include "rung/concepts/cutoff_rule.hpp"
#include "rung/decision.hpp"
#include "rung/experiment_description.hpp"
#include "rung/random.hpp"
#include "rung/reporter.hpp"
#include "rung/trials.hpp"
#include "rung/tuning_status.hpp"
#include "rung/util/scalar.hpp"

namespace archetype {

// A member type present only when Present, so an archetype can lack it.
template <bool Present, class T>
struct config_type_member {};
template <class T>
struct config_type_member<true, T> {
  using config_type = T;
};
template <bool Present, class T>
struct partial_type_member {};
template <class T>
struct partial_type_member<true, T> {
  using partial_type = T;
};
template <bool Present, class T>
struct grid_type_member {};
template <class T>
struct grid_type_member<true, T> {
  using grid_type = T;
};
template <bool Present, class T>
struct space_type_member {};
template <class T>
struct space_type_member<true, T> {
  using space_type = T;
};

// --- Configuration ----------------------------------------------------------

enum class config_part : std::uint8_t { none, default_init, copy, equality, for_each };

template <config_part Lacks = config_part::none>
class config {
 public:
  config() requires(Lacks != config_part::default_init) = default;
  explicit config(double value) : value_(value) {}
  config(const config&) requires(Lacks != config_part::copy) = default;
  config& operator=(const config&) requires(Lacks != config_part::copy) = default;

  template <class Visitor>
  void for_each(Visitor&& visit) const requires(Lacks != config_part::for_each) {
    visit(std::string_view("x"), value_);
  }
  friend bool operator==(const config& a, const config& b) requires(Lacks != config_part::equality) {
    return a.value_ == b.value_;
  }

 private:
  double value_ = 0.0;
};

// --- ConfigSpace ------------------------------------------------------------

enum class space_part : std::uint8_t {
  none, copy, config_type, partial_type, grid_type, sample, midpoint, complete, contains, cardinality, names,
  encode, append_json, from_scalars, describe_json, grid, grid_size, grid_at
};

using space_config = config<>;

struct partial {};

template <space_part Lacks = space_part::none>
struct grid_of {
  [[nodiscard]] std::uint64_t size() const requires(Lacks != space_part::grid_size) { return 1; }
  [[nodiscard]] space_config at(std::uint64_t index) const requires(Lacks != space_part::grid_at) {
    return space_config(static_cast<double>(index));
  }
};

template <space_part Lacks = space_part::none>
class space : public config_type_member<Lacks != space_part::config_type, space_config>,
              public partial_type_member<Lacks != space_part::partial_type, partial>,
              public grid_type_member<Lacks != space_part::grid_type, grid_of<Lacks>> {
 public:
  explicit space(double value) : value_(value) {}
  space(const space&) requires(Lacks != space_part::copy) = default;
  space& operator=(const space&) requires(Lacks != space_part::copy) = default;

  space_config sample(rung::random_stream& /*rng*/) const requires(Lacks != space_part::sample) {
    return space_config(value_);
  }
  [[nodiscard]] space_config midpoint() const requires(Lacks != space_part::midpoint) { return space_config(value_); }
  [[nodiscard]] space_config complete(const partial& /*given*/) const requires(Lacks != space_part::complete) {
    return space_config(value_);
  }
  [[nodiscard]] bool contains(const space_config& /*config*/) const requires(Lacks != space_part::contains) {
    return true;
  }
  [[nodiscard]] std::optional<std::uint64_t> cardinality() const requires(Lacks != space_part::cardinality) {
    return std::nullopt;
  }
  [[nodiscard]] std::array<std::string_view, 1> names() const requires(Lacks != space_part::names) { return {"x"}; }
  [[nodiscard]] std::array<double, 1> encode(const space_config& /*config*/) const
      requires(Lacks != space_part::encode) {
    return {value_};
  }
  void append_json(std::string& out, const space_config& /*config*/) const requires(Lacks != space_part::append_json) {
    out += "{}";
  }
  template <class Find>
  [[nodiscard]] space_config from_scalars(Find&& /*find*/) const requires(Lacks != space_part::from_scalars) {
    return space_config(value_);
  }
  [[nodiscard]] std::string describe_json() const requires(Lacks != space_part::describe_json) { return "{}"; }
  [[nodiscard]] grid_of<Lacks> grid(std::size_t /*num_samples*/) const requires(Lacks != space_part::grid) {
    return {};
  }

 private:
  double value_;
};

// --- EncodableSpace ---------------------------------------------------------

enum class encodable_part : std::uint8_t { none, encoded_size, encoding, decode };

// One real hyperparameter, encoded as itself.
template <encodable_part Lacks = encodable_part::none>
class encodable_space : public space<> {
 public:
  using space<>::space;
  [[nodiscard]] std::size_t encoded_size() const requires(Lacks != encodable_part::encoded_size) { return 1; }
  [[nodiscard]] std::array<rung::encoded_hyperparameter, 1> encoding() const
      requires(Lacks != encodable_part::encoding) {
    return {rung::encoded_hyperparameter{.name = "x", .kind = rung::encoded_kind::real, .offset = 0, .width = 1}};
  }
  [[nodiscard]] space_config decode(std::span<const double> unit) const requires(Lacks != encodable_part::decode) {
    return space_config(unit[0]);
  }
};

// --- Searcher ---------------------------------------------------------------

enum class searcher_part : std::uint8_t { none, move, space_type, config_type, suggest, space };

template <searcher_part Lacks = searcher_part::none>
class searcher : public space_type_member<Lacks != searcher_part::space_type, archetype::space<>>,
                 public config_type_member<Lacks != searcher_part::config_type, space_config> {
 public:
  explicit searcher(archetype::space<> searched) : space_(std::move(searched)) {}
  searcher(searcher&&) requires(Lacks != searcher_part::move) = default;
  searcher(const searcher&) = delete;

  std::optional<space_config> suggest(rung::trial_id /*id*/) requires(Lacks != searcher_part::suggest) {
    return space_config(1.0);
  }
  [[nodiscard]] const archetype::space<>& space() const requires(Lacks != searcher_part::space) { return space_; }

 private:
  archetype::space<> space_;
};

// --- Scheduler --------------------------------------------------------------

enum class scheduler_part : std::uint8_t {
  none, move, config_type, suggest, on_report, on_trial_end, metric, metric_mode, resource_attr, max_resource, space
};

template <scheduler_part Lacks = scheduler_part::none>
class scheduler : public config_type_member<Lacks != scheduler_part::config_type, space_config> {
 public:
  explicit scheduler(archetype::space<> scheduled) : space_(std::move(scheduled)) {}
  scheduler(scheduler&&) requires(Lacks != scheduler_part::move) = default;
  scheduler(const scheduler&) = delete;

  rung::suggestion<space_config> suggest(rung::trial_id /*id*/) requires(Lacks != scheduler_part::suggest) {
    return rung::search_exhausted{};
  }
  rung::decision on_report(const rung::observation& /*obs*/) requires(Lacks != scheduler_part::on_report) {
    return rung::decision::stop_trial;
  }
  void on_trial_end(rung::trial_id /*id*/, rung::trial_end /*how*/) requires(Lacks != scheduler_part::on_trial_end) {}
  [[nodiscard]] std::string_view metric() const requires(Lacks != scheduler_part::metric) { return "loss"; }
  [[nodiscard]] rung::mode metric_mode() const requires(Lacks != scheduler_part::metric_mode) {
    return rung::mode::min;
  }
  [[nodiscard]] std::string_view resource_attr() const requires(Lacks != scheduler_part::resource_attr) {
    return "epoch";
  }
  [[nodiscard]] std::optional<double> max_resource(const space_config& /*config*/) const
      requires(Lacks != scheduler_part::max_resource) {
    return std::nullopt;
  }
  [[nodiscard]] const archetype::space<>& space() const requires(Lacks != scheduler_part::space) { return space_; }

 private:
  archetype::space<> space_;
};

// --- CutoffRule -------------------------------------------------------------

enum class cutoff_rule_part : std::uint8_t { none, default_init, copy, cutoff, name };

template <cutoff_rule_part Lacks = cutoff_rule_part::none>
struct cutoff_rule_names {
  static constexpr std::string_view name = "archetype";
};
template <>
struct cutoff_rule_names<cutoff_rule_part::name> {};

template <cutoff_rule_part Lacks = cutoff_rule_part::none>
class cutoff_rule : public cutoff_rule_names<Lacks> {
 public:
  cutoff_rule() requires(Lacks != cutoff_rule_part::default_init) = default;
  explicit cutoff_rule(int /*unused*/) {}
  cutoff_rule(const cutoff_rule&) requires(Lacks != cutoff_rule_part::copy) = default;
  cutoff_rule& operator=(const cutoff_rule&) requires(Lacks != cutoff_rule_part::copy) = default;

  // Generic over RankedValues: the concept checks it with an archetype of those.
  template <rung::RankedValues Values>
  [[nodiscard]] std::optional<double> cutoff(const Values& values, const rung::cutoff_query& /*query*/) const
      requires(Lacks != cutoff_rule_part::cutoff) {
    if (values.size() == 0) return std::nullopt;
    return values.at(0);
  }
};

// --- StopCriterion ----------------------------------------------------------

enum class stop_criterion_part : std::uint8_t { none, copy, call };

template <stop_criterion_part Lacks = stop_criterion_part::none>
struct stop_criterion {
  stop_criterion() = default;
  stop_criterion(const stop_criterion&) requires(Lacks != stop_criterion_part::copy) = default;
  [[nodiscard]] bool operator()(const rung::tuning_status& status) const requires(Lacks != stop_criterion_part::call) {
    return status.num_trials_started >= 1;
  }
};

// --- Recorder ---------------------------------------------------------------

enum class recorder_part : std::uint8_t {
  none, tuning_started, trial_started, trial_resumed, trial_reported, report_ignored, trial_finished,
  tuning_finished, flush
};

template <recorder_part Lacks = recorder_part::none>
struct recorder {
  using record = rung::trial_record<space_config>;
  void tuning_started(const rung::experiment_description& /*description*/, double /*now*/)
      requires(Lacks != recorder_part::tuning_started) {}
  void trial_started(const record& /*trial*/, double /*now*/) requires(Lacks != recorder_part::trial_started) {}
  void trial_resumed(const record& /*trial*/, double /*from_resource*/, double /*now*/)
      requires(Lacks != recorder_part::trial_resumed) {}
  void trial_reported(const record& /*trial*/, double /*resource*/, std::span<const double> /*metrics*/,
                      rung::decision /*outcome*/, rung::decision /*scheduler_decision*/, double /*now*/)
      requires(Lacks != recorder_part::trial_reported) {}
  void report_ignored(const record& /*trial*/, double /*resource*/, std::string_view /*why*/, double /*now*/)
      requires(Lacks != recorder_part::report_ignored) {}
  void trial_finished(const record& /*trial*/, double /*now*/) requires(Lacks != recorder_part::trial_finished) {}
  void tuning_finished(const rung::tuning_status& /*status*/, std::string_view /*reason*/, double /*now*/)
      requires(Lacks != recorder_part::tuning_finished) {}
  void flush() requires(Lacks != recorder_part::flush) {}
};

// --- Benchmark --------------------------------------------------------------

enum class benchmark_part : std::uint8_t { none, space_type, space, metric_name, max_epochs, metric, epoch_seconds };

template <benchmark_part Lacks = benchmark_part::none>
class benchmark : public space_type_member<Lacks != benchmark_part::space_type, archetype::space<>> {
 public:
  explicit benchmark(archetype::space<> benchmarked) : space_(std::move(benchmarked)) {}
  benchmark(const benchmark&) = delete;

  [[nodiscard]] const archetype::space<>& space() const requires(Lacks != benchmark_part::space) { return space_; }
  [[nodiscard]] std::string_view metric_name() const requires(Lacks != benchmark_part::metric_name) { return "loss"; }
  [[nodiscard]] std::int64_t max_epochs(const space_config& /*config*/) const
      requires(Lacks != benchmark_part::max_epochs) {
    return 2;
  }
  [[nodiscard]] double metric(const space_config& /*config*/, std::int64_t epoch) const
      requires(Lacks != benchmark_part::metric) {
    return 1.0 / static_cast<double>(epoch);
  }
  [[nodiscard]] double epoch_seconds(const space_config& /*config*/, std::int64_t /*epoch*/) const
      requires(Lacks != benchmark_part::epoch_seconds) {
    return 1.0;
  }

 private:
  archetype::space<> space_;
};

// --- Trials -----------------------------------------------------------------

// Move-only callables of exactly the two accepted forms.
struct blocking_trial {
  blocking_trial() = default;
  blocking_trial(blocking_trial&&) = default;
  blocking_trial(const blocking_trial&) = delete;
  void operator()(const space_config& /*config*/, rung::reporter& reporter) { (void)reporter.report(1, 0.5); }
};

struct coroutine_trial {
  coroutine_trial() = default;
  coroutine_trial(coroutine_trial&&) = default;
  coroutine_trial(const coroutine_trial&) = delete;
  rung::awaitable<void> operator()(const space_config& /*config*/, rung::async_reporter& reporter) {
    (void)co_await reporter.report(1, 0.5);
  }
};

}  // namespace archetype
