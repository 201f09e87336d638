// Every policy role has a concept. For each: positive cases (rung's own
// policies, the archetype of tests/concept_archetypes.hpp, a user's type),
// and one negative case per requirement (the archetype lacking it, or with
// a wrong signature), so each requirement is shown to be checked. Then every
// shipped policy is instantiated over the archetypes of the roles it takes:
// one that uses more than its concept promises does not compile.
#include "rung/concepts/benchmark.hpp"
#include "rung/concepts/config_space.hpp"
#include "rung/concepts/cutoff_rule.hpp"
#include "rung/concepts/recorder.hpp"
#include "rung/concepts/scheduler.hpp"
#include "rung/concepts/searcher.hpp"
#include "rung/concepts/stop_criterion.hpp"
#include "rung/concepts/trial.hpp"

#include <doctest/doctest.h>

#include <concepts>
#include <array>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "concept_archetypes.hpp"
#include "rung/drivers/simulator.hpp"
#include "rung/drivers/tabulated_benchmark.hpp"
#include "rung/drivers/tuner.hpp"
#include "rung/results/experiment_recorder.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/schedulers/cutoff_rules.hpp"
#include "rung/schedulers/fifo.hpp"
#include "rung/schedulers/median_stopping.hpp"
#include "rung/schedulers/scheduler_ref.hpp"
#include "rung/schedulers/synchronous_hyperband.hpp"
#include "rung/searchers/grid_search.hpp"
#include "rung/searchers/kde_searcher.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/searchers/regularized_evolution.hpp"
#include "rung/spaces/config_space.hpp"
#include "rung/spaces/dynamic_config_space.hpp"
#include "rung/stop_criterion.hpp"

namespace test_concepts {

namespace {

constexpr auto space = rung::config_space(rung::uniform<"x">(0.0, 1.0), rung::choice<"kind">("a", "b"));
using space_type = std::remove_const_t<decltype(space)>;
using config = space_type::config_type;

// A user's searcher: proposes configurations from a fixed list.
class list_searcher {
 public:
  using space_type = test_concepts::space_type;
  using config_type = config;

  explicit list_searcher(std::vector<config> configs) : configs_(std::move(configs)) {}
  std::optional<config> suggest(rung::trial_id id) {
    if (static_cast<std::size_t>(id) >= configs_.size()) return std::nullopt;
    return configs_[static_cast<std::size_t>(id)];
  }
  [[nodiscard]] const space_type& space() const { return space_; }
  void on_report(const rung::observation& obs) { reported.push_back(obs.metric); }
  static constexpr bool exhaustible = true;

  std::vector<double> reported;

 private:
  space_type space_ = test_concepts::space;
  std::vector<config> configs_;
};

// A user's searcher with the optional metric-mode hook: remembers what it was told.
class mode_listening_searcher : public list_searcher {
 public:
  using list_searcher::list_searcher;
  void set_metric_mode(rung::mode metric_mode) { told.push_back(metric_mode); }
  std::vector<rung::mode> told;
};

// A user's scheduler: stops every trial after its first report.
class one_epoch_scheduler {
 public:
  using config_type = config;
  rung::suggestion<config> suggest(rung::trial_id id) {
    if (id >= 3) return rung::search_exhausted{};
    return rung::start_trial<config>{test_concepts::space.midpoint()};
  }
  rung::decision on_report(const rung::observation&) { return rung::decision::stop_trial; }
  void on_trial_end(rung::trial_id, rung::trial_end) {}
  [[nodiscard]] std::string_view metric() const { return "loss"; }
  [[nodiscard]] rung::mode metric_mode() const { return rung::mode::min; }
  [[nodiscard]] std::string_view resource_attr() const { return "epoch"; }
  [[nodiscard]] std::optional<double> max_resource(const config&) const { return 1.0; }
  [[nodiscard]] const space_type& space() const { return test_concepts::space; }
};

using archetype::benchmark_part;
using archetype::config_part;
using archetype::cutoff_rule_part;
using archetype::recorder_part;
using archetype::scheduler_part;
using archetype::searcher_part;
using archetype::space_part;
using archetype::stop_criterion_part;
using archetype_config = archetype::space_config;

// Wrong signatures: an archetype with one member hidden by a wrong one.
struct space_sampling_a_double : archetype::space<> {
  using archetype::space<>::space;
  [[nodiscard]] double sample(rung::random_stream& /*rng*/) const { return 0.0; }
};
struct space_with_int_cardinality : archetype::space<> {
  using archetype::space<>::space;
  [[nodiscard]] std::uint64_t cardinality() const { return 1; }
};
struct space_with_mutating_contains : archetype::space<> {
  using archetype::space<>::space;
  bool contains(const archetype_config& /*config*/) { return true; }
};
struct encodable_space_decoding_a_fixed_span : archetype::encodable_space<archetype::encodable_part::decode> {
  using archetype::encodable_space<archetype::encodable_part::decode>::encodable_space;
  [[nodiscard]] archetype_config decode(std::span<const double, 1> unit) const { return archetype_config(unit[0]); }
};
struct encodable_space_describing_names : archetype::encodable_space<archetype::encodable_part::encoding> {
  using archetype::encodable_space<archetype::encodable_part::encoding>::encodable_space;
  [[nodiscard]] std::array<std::string_view, 1> encoding() const { return {"x"}; }
};
struct searcher_of_other_config : archetype::searcher<> {  // config_type is not its space's
  using archetype::searcher<>::searcher;
  using config_type = config;
};
struct searcher_suggesting_without_nullopt : archetype::searcher<> {  // cannot say it has run out
  using archetype::searcher<>::searcher;
  archetype_config suggest(rung::trial_id /*id*/) { return archetype_config(0.0); }
};
struct searcher_with_mutable_space_only : archetype::searcher<> {
  using archetype::searcher<>::searcher;
  const archetype::space<>& space() { return archetype::searcher<>::space(); }
};
struct scheduler_returning_bool_on_report : archetype::scheduler<> {
  using archetype::scheduler<>::scheduler;
  bool on_report(const rung::observation& /*obs*/) { return false; }
};
struct scheduler_suggesting_configs : archetype::scheduler<> {
  using archetype::scheduler<>::scheduler;
  std::optional<archetype_config> suggest(rung::trial_id /*id*/) { return std::nullopt; }
};
struct scheduler_with_non_const_metric_mode : archetype::scheduler<> {
  using archetype::scheduler<>::scheduler;
  rung::mode metric_mode() { return rung::mode::min; }
};
struct scheduler_with_double_max_resource : archetype::scheduler<> {
  using archetype::scheduler<>::scheduler;
  [[nodiscard]] double max_resource(const archetype_config& /*config*/) const { return 1.0; }
};
struct scheduler_over_a_non_space : archetype::scheduler<> {
  using archetype::scheduler<>::scheduler;
  [[nodiscard]] int space() const { return 0; }
};
struct cutoff_rule_returning_double : archetype::cutoff_rule<> {
  template <class Values>
  [[nodiscard]] double cutoff(const Values& /*values*/, const rung::cutoff_query& /*query*/) const { return 0.0; }
};
struct cutoff_rule_with_non_const_cutoff : archetype::cutoff_rule<> {
  template <class Values>
  std::optional<double> cutoff(const Values& /*values*/, const rung::cutoff_query& /*query*/) { return 0.0; }
};
struct cutoff_rule_with_int_name : archetype::cutoff_rule<> {
  static constexpr int name = 1;
};
struct stop_criterion_with_non_const_call {
  bool operator()(const rung::tuning_status& /*status*/) { return true; }
};
struct stop_criterion_returning_void {
  void operator()(const rung::tuning_status& /*status*/) const {}
};
struct recorder_reporting_one_decision : archetype::recorder<recorder_part::trial_reported> {
  void trial_reported(const rung::trial_record<archetype_config>& /*trial*/, double /*resource*/,
                      std::span<const double> /*metrics*/, rung::decision /*outcome*/, double /*now*/) {}
};
struct benchmark_with_double_max_epochs : archetype::benchmark<> {
  using archetype::benchmark<>::benchmark;
  [[nodiscard]] double max_epochs(const archetype_config& /*config*/) const { return 2.0; }
};
struct benchmark_with_float_metric : archetype::benchmark<> {
  using archetype::benchmark<>::benchmark;
  [[nodiscard]] float metric(const archetype_config& /*config*/, std::int64_t /*epoch*/) const { return 1.0F; }
};
struct benchmark_with_other_space_copy : archetype::benchmark<> {  // space() must return the benchmark's own
  using archetype::benchmark<>::benchmark;
  [[nodiscard]] archetype::space<> space() const { return archetype::space<>(0.0); }
};

}  // namespace

// ---- Configuration: archetype and rung's own, then one negative per requirement ----
static_assert(rung::Configuration<archetype::config<>>);
static_assert(rung::Configuration<config>);
static_assert(rung::Configuration<rung::dynamic_config_space::config_type>);
static_assert(!rung::Configuration<archetype::config<config_part::default_init>>);  // trial_record holds Config{}
static_assert(!rung::Configuration<archetype::config<config_part::copy>>);
static_assert(!rung::Configuration<archetype::config<config_part::equality>>);
static_assert(!rung::Configuration<archetype::config<config_part::for_each>>);

// ---- ConfigSpace: archetype and rung's own, then one negative per requirement ----
static_assert(rung::ConfigSpace<archetype::space<>>);
static_assert(rung::ConfigSpace<space_type>);
static_assert(rung::ConfigSpace<rung::dynamic_config_space>);
static_assert(!rung::ConfigSpace<archetype::space<space_part::copy>>);
static_assert(!rung::ConfigSpace<archetype::space<space_part::config_type>>);
static_assert(!rung::ConfigSpace<archetype::space<space_part::partial_type>>);
static_assert(!rung::ConfigSpace<archetype::space<space_part::grid_type>>);  // grid_search holds one
static_assert(!rung::ConfigSpace<archetype::space<space_part::sample>>);
static_assert(!rung::ConfigSpace<archetype::space<space_part::midpoint>>);
static_assert(!rung::ConfigSpace<archetype::space<space_part::complete>>);
static_assert(!rung::ConfigSpace<archetype::space<space_part::contains>>);
static_assert(!rung::ConfigSpace<archetype::space<space_part::cardinality>>);
static_assert(!rung::ConfigSpace<archetype::space<space_part::names>>);
static_assert(!rung::ConfigSpace<archetype::space<space_part::encode>>);
static_assert(!rung::ConfigSpace<archetype::space<space_part::append_json>>);
static_assert(!rung::ConfigSpace<archetype::space<space_part::from_scalars>>);
static_assert(!rung::ConfigSpace<archetype::space<space_part::describe_json>>);
static_assert(!rung::ConfigSpace<archetype::space<space_part::grid>>);
static_assert(!rung::ConfigSpace<archetype::space<space_part::grid_size>>);
static_assert(!rung::ConfigSpace<archetype::space<space_part::grid_at>>);
static_assert(!rung::ConfigSpace<space_sampling_a_double>);
static_assert(!rung::ConfigSpace<space_with_int_cardinality>);
static_assert(!rung::ConfigSpace<space_with_mutating_contains>);
static_assert(!rung::ConfigSpace<config>);

// ---- EncodableSpace: archetype and rung's own, then one negative per requirement ----
static_assert(rung::EncodableSpace<archetype::encodable_space<>>);
static_assert(rung::EncodableSpace<space_type>);
static_assert(rung::EncodableSpace<rung::dynamic_config_space>);
static_assert(!rung::EncodableSpace<archetype::space<>>);  // a ConfigSpace only
static_assert(!rung::EncodableSpace<archetype::encodable_space<archetype::encodable_part::encoded_size>>);
static_assert(!rung::EncodableSpace<archetype::encodable_space<archetype::encodable_part::encoding>>);
static_assert(!rung::EncodableSpace<archetype::encodable_space<archetype::encodable_part::decode>>);
static_assert(!rung::EncodableSpace<encodable_space_decoding_a_fixed_span>);  // a searcher's point has a run-time size
static_assert(!rung::EncodableSpace<encodable_space_describing_names>);

// ---- Searcher: archetype and rung's own, then one negative per requirement ----
static_assert(rung::Searcher<archetype::searcher<>>);
static_assert(rung::Searcher<rung::random_search<space_type>>);
static_assert(rung::Searcher<rung::grid_search<space_type>>);
static_assert(rung::Searcher<rung::random_search<archetype::space<>>>);
static_assert(rung::Searcher<rung::kde_search<space_type>>);
static_assert(rung::Searcher<rung::kde_search<archetype::encodable_space<>>>);
static_assert(rung::Searcher<rung::regularized_evolution_search<archetype::encodable_space<>>>);
static_assert(rung::Searcher<list_searcher>);
static_assert(!rung::Searcher<archetype::searcher<searcher_part::move>>);  // schedulers hold it by value
static_assert(!rung::Searcher<archetype::searcher<searcher_part::space_type>>);
static_assert(!rung::Searcher<archetype::searcher<searcher_part::config_type>>);
static_assert(!rung::Searcher<archetype::searcher<searcher_part::suggest>>);
static_assert(!rung::Searcher<archetype::searcher<searcher_part::space>>);
static_assert(!rung::Searcher<searcher_of_other_config>);
static_assert(!rung::Searcher<searcher_suggesting_without_nullopt>);
static_assert(!rung::Searcher<searcher_with_mutable_space_only>);
static_assert(!rung::Searcher<one_epoch_scheduler>);
static_assert(rung::is_exhaustible_v<list_searcher>);
static_assert(!rung::is_exhaustible_v<archetype::searcher<>>);

// ---- Scheduler: archetype and rung's own, then one negative per requirement ----
static_assert(rung::Scheduler<archetype::scheduler<>>);
static_assert(rung::Scheduler<rung::fifo_scheduler<archetype::searcher<>>>);
static_assert(rung::Scheduler<rung::asha_scheduler<archetype::searcher<>, archetype::cutoff_rule<>>>);
static_assert(rung::Scheduler<rung::synchronous_hyperband_scheduler<archetype::searcher<>>>);
static_assert(rung::Scheduler<rung::median_stopping_scheduler<archetype::scheduler<>>>);
static_assert(rung::Scheduler<rung::fifo_scheduler<list_searcher>>);
static_assert(rung::Scheduler<one_epoch_scheduler>);
static_assert(!rung::Scheduler<archetype::scheduler<scheduler_part::move>>);  // drivers hold it by value
static_assert(!rung::Scheduler<archetype::scheduler<scheduler_part::config_type>>);
static_assert(!rung::Scheduler<archetype::scheduler<scheduler_part::suggest>>);
static_assert(!rung::Scheduler<archetype::scheduler<scheduler_part::on_report>>);
static_assert(!rung::Scheduler<archetype::scheduler<scheduler_part::on_trial_end>>);
static_assert(!rung::Scheduler<archetype::scheduler<scheduler_part::metric>>);
static_assert(!rung::Scheduler<archetype::scheduler<scheduler_part::metric_mode>>);
static_assert(!rung::Scheduler<archetype::scheduler<scheduler_part::resource_attr>>);
static_assert(!rung::Scheduler<archetype::scheduler<scheduler_part::max_resource>>);
static_assert(!rung::Scheduler<archetype::scheduler<scheduler_part::space>>);
static_assert(!rung::Scheduler<scheduler_returning_bool_on_report>);
static_assert(!rung::Scheduler<scheduler_suggesting_configs>);
static_assert(!rung::Scheduler<scheduler_with_non_const_metric_mode>);
static_assert(!rung::Scheduler<scheduler_with_double_max_resource>);
static_assert(!rung::Scheduler<scheduler_over_a_non_space>);
static_assert(!rung::Scheduler<list_searcher>);
static_assert(!rung::detail::SchedulerWithAdmission<archetype::scheduler<>>);
static_assert(!rung::detail::SchedulerWithDecisionPoints<archetype::scheduler<>>);  // optional: no promise

// ---- CutoffRule: archetype and rung's own, then one negative per requirement ----
static_assert(rung::CutoffRule<archetype::cutoff_rule<>>);
static_assert(rung::CutoffRule<rung::interpolated_quantile>);
static_assert(rung::CutoffRule<rung::top_k_rank>);
static_assert(rung::CutoffRule<rung::percentile_of_others>);
static_assert(!rung::CutoffRule<archetype::cutoff_rule<cutoff_rule_part::default_init>>);
static_assert(!rung::CutoffRule<archetype::cutoff_rule<cutoff_rule_part::copy>>);
static_assert(!rung::CutoffRule<archetype::cutoff_rule<cutoff_rule_part::cutoff>>);
static_assert(!rung::CutoffRule<archetype::cutoff_rule<cutoff_rule_part::name>>);
static_assert(!rung::CutoffRule<cutoff_rule_returning_double>);
static_assert(!rung::CutoffRule<cutoff_rule_with_non_const_cutoff>);
static_assert(!rung::CutoffRule<cutoff_rule_with_int_name>);
static_assert(!rung::reads_candidate_rank<archetype::cutoff_rule<>>);

// ---- StopCriterion: archetype and rung's own, then one negative per requirement ----
static_assert(rung::StopCriterion<archetype::stop_criterion<>>);
static_assert(rung::StopCriterion<rung::stop_criterion>);
static_assert(rung::StopCriterion<rung::any_stop_criterion>);
static_assert(rung::StopCriterion<decltype(rung::stop_criterion{} || archetype::stop_criterion<>{})>);
static_assert(!rung::StopCriterion<archetype::stop_criterion<stop_criterion_part::copy>>);
static_assert(!rung::StopCriterion<archetype::stop_criterion<stop_criterion_part::call>>);
static_assert(!rung::StopCriterion<stop_criterion_with_non_const_call>);
static_assert(!rung::StopCriterion<stop_criterion_returning_void>);

// ---- Recorder: archetype and rung's own, then one negative per requirement ----
static_assert(rung::Recorder<archetype::recorder<>, archetype_config>);
static_assert(rung::Recorder<rung::null_recorder, config>);
static_assert(rung::Recorder<rung::experiment_recorder<space_type>, config>);
static_assert(!rung::Recorder<archetype::recorder<recorder_part::tuning_started>, archetype_config>);
static_assert(!rung::Recorder<archetype::recorder<recorder_part::trial_started>, archetype_config>);
static_assert(!rung::Recorder<archetype::recorder<recorder_part::trial_resumed>, archetype_config>);
static_assert(!rung::Recorder<archetype::recorder<recorder_part::trial_reported>, archetype_config>);
static_assert(!rung::Recorder<archetype::recorder<recorder_part::report_ignored>, archetype_config>);
static_assert(!rung::Recorder<archetype::recorder<recorder_part::trial_finished>, archetype_config>);
static_assert(!rung::Recorder<archetype::recorder<recorder_part::tuning_finished>, archetype_config>);
static_assert(!rung::Recorder<archetype::recorder<recorder_part::flush>, archetype_config>);
static_assert(!rung::Recorder<recorder_reporting_one_decision, archetype_config>);
static_assert(!rung::Recorder<archetype::recorder<>, config>);  // records another configuration

// ---- Benchmark: archetype and rung's own, then one negative per requirement ----
static_assert(rung::Benchmark<archetype::benchmark<>>);
static_assert(rung::Benchmark<rung::tabulated_benchmark<space_type>>);
static_assert(!rung::Benchmark<archetype::benchmark<benchmark_part::space_type>>);
static_assert(!rung::Benchmark<archetype::benchmark<benchmark_part::space>>);
static_assert(!rung::Benchmark<archetype::benchmark<benchmark_part::metric_name>>);
static_assert(!rung::Benchmark<archetype::benchmark<benchmark_part::max_epochs>>);
static_assert(!rung::Benchmark<archetype::benchmark<benchmark_part::metric>>);
static_assert(!rung::Benchmark<archetype::benchmark<benchmark_part::epoch_seconds>>);
static_assert(!rung::Benchmark<benchmark_with_double_max_epochs>);
static_assert(!rung::Benchmark<benchmark_with_float_metric>);
static_assert(!rung::Benchmark<benchmark_with_other_space_copy>);

// ---- Trial, both forms: archetype and rung's own, then one negative per requirement ----
using blocking_function = void (*)(const config&, rung::reporter&);
using coroutine_function = rung::awaitable<void> (*)(const config&, rung::async_reporter&);
static_assert(rung::BlockingTrial<archetype::blocking_trial, archetype_config>);
static_assert(rung::BlockingTrial<blocking_function, config>);
static_assert(rung::BlockingTrial<decltype([](const config&, rung::reporter&) { return 1; }), config>);
static_assert(rung::CoroutineTrial<archetype::coroutine_trial, archetype_config>);
static_assert(rung::CoroutineTrial<coroutine_function, config>);
static_assert(rung::Trial<archetype::coroutine_trial, archetype_config>);
static_assert(!rung::CoroutineTrial<archetype::blocking_trial, archetype_config>);  // the forms do not overlap
static_assert(!rung::BlockingTrial<archetype::coroutine_trial, archetype_config>);
static_assert(!rung::Trial<archetype::blocking_trial, config>);                    // another configuration
static_assert(!rung::Trial<void (*)(const config&, rung::async_reporter&), config>);  // a coroutine must be one
static_assert(!rung::Trial<rung::awaitable<int> (*)(const config&, rung::async_reporter&), config>);
static_assert(!rung::Trial<void (*)(config&, rung::reporter&), config>);        // a mutable configuration
static_assert(!rung::Trial<void (*)(const config&), config>);                   // no reporter

}  // namespace test_concepts

// ---- Every shipped policy over the archetypes of the roles it takes ----
// (explicit instantiations belong in the namespace of what they instantiate)
template class rung::random_search<archetype::space<>>;
template class rung::grid_search<archetype::space<>>;
template class rung::kde_search<archetype::encodable_space<>>;
template class rung::regularized_evolution_search<archetype::encodable_space<>>;
template class rung::fifo_scheduler<archetype::searcher<>>;
template class rung::asha_scheduler<archetype::searcher<>>;
template class rung::asha_scheduler<archetype::searcher<>, archetype::cutoff_rule<>>;
template class rung::synchronous_hyperband_scheduler<archetype::searcher<>>;
template class rung::median_stopping_scheduler<archetype::scheduler<>>;
template class rung::median_stopping_scheduler<rung::asha_scheduler<archetype::searcher<>>>;
template class rung::scheduler_ref<archetype::space<>>;
template class rung::any_scheduler<archetype::space<>>;
template class rung::detail::tuning_session<archetype::space<>, archetype::recorder<>>;
template class rung::detail::simulation_loop<archetype::space<>, archetype::benchmark<>, archetype::recorder<>>;
template class rung::tuner<archetype::scheduler<>>;
template rung::tuning_result<archetype::space_config> rung::tuner<archetype::scheduler<>>::run(archetype::blocking_trial);
template rung::tuning_result<archetype::space_config> rung::tuner<archetype::scheduler<>>::run(archetype::coroutine_trial);
template rung::simulation_result<archetype::space_config> rung::simulate(archetype::scheduler<>&,
                                                                       const archetype::benchmark<>&,
                                                                       rung::simulator_options);
template rung::any_stop_criterion::any_stop_criterion(archetype::stop_criterion<>);
template struct rung::stop_when_either<rung::stop_criterion, archetype::stop_criterion<>>;
template struct rung::stop_when_both<archetype::stop_criterion<>, rung::stop_criterion>;

namespace test_concepts {

// The erased forms are schedulers, with admission, a resume filter and decision points, whatever they hold.
static_assert(rung::Scheduler<rung::scheduler_ref<archetype::space<>>>);
static_assert(rung::Scheduler<rung::any_scheduler<archetype::space<>>>);
static_assert(rung::detail::SchedulerWithAdmission<rung::scheduler_ref<archetype::space<>>>);
static_assert(rung::detail::SchedulerWithResumeFilter<rung::any_scheduler<archetype::space<>>>);
static_assert(rung::detail::SchedulerWithDecisionPoints<rung::any_scheduler<archetype::space<>>>);
static_assert(std::constructible_from<rung::scheduler_ref<archetype::space<>>, archetype::scheduler<>&>);
static_assert(!std::constructible_from<rung::scheduler_ref<archetype::space<>>, archetype::searcher<>&>);
static_assert(!std::copy_constructible<rung::any_scheduler<archetype::space<>>>);  // it owns its scheduler

TEST_CASE("the factory functions take the archetypes: a scheduler over an archetype searcher starts its trials") {
  auto fifo = rung::fifo(archetype::searcher<>(archetype::space<>(0.5)), {.metric = "loss", .max_t = 3});
  auto asha = rung::asha(archetype::searcher<>(archetype::space<>(0.5)), {.metric = "loss", .max_t = 9},
                         archetype::cutoff_rule<>{});
  CHECK(std::holds_alternative<rung::start_trial<archetype_config>>(fifo.suggest(0)));
  CHECK(std::holds_alternative<rung::start_trial<archetype_config>>(asha.suggest(0)));
}

TEST_CASE("the simulator runs an archetype scheduler on an archetype benchmark, stopped by an archetype criterion") {
  archetype::scheduler<> scheduler(archetype::space<>(0.5));  // proposes nothing: the search is exhausted at once
  const archetype::benchmark<> benchmark(archetype::space<>(0.5));
  const auto result = rung::simulate(scheduler, benchmark,
                                     {.n_workers = 1,
                                      .stop_criterion = archetype::stop_criterion<>{},
                                      .record_results = false,
                                      .log = nullptr});
  CHECK(result.status.num_trials_started == 0);
  CHECK(result.stop_reason == "no configuration left to evaluate");
}

// The documented spelling: a class template in this place is read by g++ 12
// as a parameter declaration, the factory functions are not.
TEST_CASE("rung::tuner tuner(rung::asha(rung::random_searcher(space), {...}), {...}) compiles and runs") {
  rung::tuner tuner(rung::asha(rung::random_searcher(space), {.metric = "loss", .max_t = 9}),
                    {.n_workers = 1,
                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = 2},
                     .record_results = false,
                     .log = nullptr});
  const auto result = tuner.run([](const config& c, rung::reporter& reporter) {
    for (int epoch = 1; epoch <= 9 && reporter.report(epoch, c.get<"x">()) == rung::decision::continue_trial;
         ++epoch) {
    }
  });
  CHECK(result.status.num_trials_started == 2);
}

TEST_CASE("a user's searcher drives the FIFO scheduler and the tuner, and sees every report") {
  std::vector<config> configs;
  for (double x : {0.1, 0.5, 0.9}) configs.push_back(space.complete(space.partial().set<"x">(x)));
  rung::tuner tuner(rung::fifo(list_searcher(configs), {.metric = "loss", .max_t = 2}),
                    {.n_workers = 2, .record_results = false, .log = nullptr});  // exhaustible: no stop criterion needed
  const auto result = tuner.run([](const config& c, rung::reporter& reporter) {
    for (int epoch = 1; reporter.report(epoch, c.get<"x">() / epoch) == rung::decision::continue_trial; ++epoch) {
    }
  });
  CHECK(result.status.num_trials_completed == 3);
  CHECK(result.stop_reason == "no configuration left to evaluate");
  CHECK(result.best_metric == doctest::Approx(0.05));
  CHECK(tuner.scheduler().searcher().reported.size() == 6);
}

TEST_CASE("every scheduler holding a searcher tells it the metric mode once, when it is made") {
  const auto fifo = rung::fifo(mode_listening_searcher(std::vector<config>{}), {.metric = "loss", .mode = rung::mode::max, .max_t = 3});
  const auto asha = rung::asha(mode_listening_searcher(std::vector<config>{}), {.metric = "loss", .mode = rung::mode::max, .max_t = 9});
  const auto hyperband = rung::synchronous_hyperband(mode_listening_searcher(std::vector<config>{}),
                                                     {.metric = "loss", .mode = rung::mode::max, .max_t = 9});
  const auto minimising = rung::asha(mode_listening_searcher(std::vector<config>{}), {.metric = "loss", .max_t = 9});
  CHECK(fifo.searcher().told == std::vector{rung::mode::max});
  CHECK(asha.searcher().told == std::vector{rung::mode::max});
  CHECK(hyperband.searcher().told == std::vector{rung::mode::max});
  CHECK(minimising.searcher().told == std::vector{rung::mode::min});
}

TEST_CASE("a user's scheduler runs in the tuner") {
  rung::tuner tuner(one_epoch_scheduler{}, {.n_workers = 1,
                                            .stop_criterion = rung::stop_criterion{.max_num_evaluations = 100},
                                            .record_results = false,
                                            .log = nullptr});
  const auto result = tuner.run([](const config&, rung::reporter& reporter) {
    CHECK(reporter.report(1, 0.5) == rung::decision::stop_trial);
  });
  CHECK(result.status.num_trials_completed == 3);
  CHECK(result.status.num_evaluations == 3);
}

}  // namespace test_concepts
