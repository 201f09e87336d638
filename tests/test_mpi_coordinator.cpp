// The MPI driver's rank 0 and its messages, without MPI: the coordinator is
// fed the text a worker rank would send, and its outbox is read back, so the
// protocol's rules are checked here in one process (tests/mpi/ runs the
// same across ranks; test_mpi_worker_host.cpp checks the other side).
#include "rung/drivers/mpi/detail/coordinator.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "rung/concepts/recorder.hpp"
#include "rung/drivers/mpi/detail/wire.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"

namespace test_mpi_coordinator {

namespace {

namespace wire = rung::detail::wire;

constexpr auto space = rung::config_space(rung::uniform<"x">(-1.0, 1.0), rung::choice<"optimiser">("sgd", "adam"));
constexpr std::uint64_t fingerprint = 42;

auto make_scheduler(rung::asha_type type = rung::asha_type::promotion, std::int64_t max_t = 2) {
  return rung::asha(rung::random_searcher(space, {.seed = 3}),
                    {.metric = "loss", .grace_period = 1, .reduction_factor = 2, .max_t = max_t, .type = type});
}
using scheduler_type = decltype(make_scheduler());

struct sent {
  int rank = 0;
  wire::to_worker message;
};

// Two worker ranks (1 and 2) of `slots` slots each around an ASHA that pauses at 1 and ends at 2.
struct rank_zero {
  explicit rank_zero(bool pause_in_memory = true, std::int64_t slots = 1, scheduler_type made = make_scheduler(),
                     bool await_every_report = false)
      : scheduler(std::move(made)),
        coordinator(scheduler, recorder,
                    rung::detail::session_options{{"loss"}, 0, rung::stop_criterion{.max_num_trials_started = 20}, 1},
                    rung::detail::coordinator_settings{.ranks = 3,
                                                       .slots_per_rank = slots,
                                                       .fingerprint = fingerprint,
                                                       .pause_in_memory = pause_in_memory,
                                                       .trials_dir = "/shared/trials",
                                                       .await_every_report = await_every_report}) {
    coordinator.begin({});
  }

  void from(int rank, const std::string& text) { coordinator.receive(rank, text, ++clock); }
  void hellos(std::int64_t slots = 1) {
    from(1, wire::encode_hello(slots, fingerprint));
    from(2, wire::encode_hello(slots, fingerprint));
  }
  void report(int rank, rung::trial_id trial, double resource, double loss, bool awaited = true) {
    const double metrics[] = {loss};
    from(rank, wire::encode_report(trial, resource, metrics, awaited));
  }
  std::vector<sent> outbox() {
    std::vector<sent> out;
    for (auto& message : coordinator.take_outbox()) {
      out.push_back({message.rank, wire::decode_to_worker(message.text, "rank 0")});
    }
    return out;
  }
  template <class Message>
  static std::vector<std::pair<int, Message>> only(const std::vector<sent>& messages) {
    std::vector<std::pair<int, Message>> found;
    for (const auto& [rank, message] : messages) {
      if (const auto* wanted = std::get_if<Message>(&message)) found.emplace_back(rank, *wanted);
    }
    return found;
  }
  // The error every rank is told when the tuning is abandoned.
  std::string shutdown_error() {
    const auto shutdowns = only<wire::shutdown>(outbox());
    REQUIRE(shutdowns.size() == 2);
    CHECK(shutdowns[0].second.error == shutdowns[1].second.error);
    return shutdowns[0].second.error;
  }

  scheduler_type scheduler;
  rung::null_recorder recorder;
  rung::detail::mpi_coordinator<rung::detail::space_of_t<scheduler_type>, rung::null_recorder> coordinator;
  double clock = 0.0;
};

}  // namespace

TEST_CASE("wire: every message reads back as written, doubles bit for bit") {
  const double awkward[] = {0.1, -0.0, std::numeric_limits<double>::denorm_min(), 1.0 / 3.0,
                            std::numeric_limits<double>::quiet_NaN()};
  const auto report = std::get<wire::report>(wire::decode_from_worker(wire::encode_report(7, 3.0, awkward), "rank 1"));
  CHECK(report.trial == 7);
  CHECK(report.resource == 3.0);
  REQUIRE(report.metrics.size() == 5);
  for (std::size_t i = 0; i < 4; ++i) CHECK(std::bit_cast<std::uint64_t>(report.metrics[i]) == std::bit_cast<std::uint64_t>(awkward[i]));
  CHECK(std::isnan(report.metrics[4]));

  const auto hello = std::get<wire::hello>(wire::decode_from_worker(wire::encode_hello(2, ~0ULL), "rank 1"));
  CHECK(hello.slots == 2);
  CHECK(hello.fingerprint == ~0ULL);  // beyond JSON's integers: it travels as text

  const auto config = space.midpoint();
  std::string json;
  space.append_json(json, config);
  const auto start = std::get<wire::start>(wire::decode_to_worker(wire::encode_start(4, 1, json, 2.0, 4.0), "rank 0"));
  CHECK(start.trial == 4);
  CHECK(start.slot == 1);
  CHECK(start.resume_from == 2.0);
  CHECK(start.run_to == 4.0);
  CHECK(wire::config_from_json(space, start.config, "here") == config);

  CHECK(std::get<wire::welcome>(wire::decode_to_worker(wire::encode_welcome("/t", true), "r")).scratch);
  CHECK_FALSE(std::get<wire::welcome>(wire::decode_to_worker(wire::encode_welcome("/t"), "r")).scratch);

  const auto failed = std::get<wire::failed>(wire::decode_from_worker(wire::encode_failed(3, "bad \"epoch\"\n"), "r"));
  CHECK(failed.message == "bad \"epoch\"\n");
  CHECK(std::get<wire::decision_reply>(wire::decode_to_worker(wire::encode_decision(5, rung::decision::pause_trial), "r"))
            .outcome == rung::decision::pause_trial);
}

TEST_CASE("wire: a message that does not parse, a missing field, a wrong type are errors naming the sender and the field") {
  CHECK_THROWS_WITH_AS(wire::decode_from_worker("{\"type\":\"report\"", "rank 2"),
                       doctest::Contains("rank 2: message does not parse"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(wire::decode_from_worker(R"({"type":"report","trial":1,"metrics":[1]})", "rank 2"),
                       "rank 2: report message.resource = null: missing", std::invalid_argument);
  CHECK_THROWS_WITH_AS(wire::decode_from_worker(R"({"type":"report","trial":1,"resource":1,"metrics":["a"]})", "rank 2"),
                       doctest::Contains("rank 2: report message.metrics = [\"a\"]: must be an array of numbers"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(wire::decode_from_worker(R"({"type":"returned","trial":1,"extra":0})", "rank 3"),
                       doctest::Contains("rank 3: returned message.extra = 0: unknown field"), std::invalid_argument);
  // The fields of pipelined reports and of the scratch directory, mistyped or out of range.
  CHECK_THROWS_WITH_AS(wire::decode_from_worker(R"({"type":"report","trial":1,"resource":1,"metrics":[1],"awaited":3})",
                                                "rank 2"),
                       "rank 2: report message.awaited = 3: must be true or false", std::invalid_argument);
  CHECK_THROWS_WITH_AS(wire::decode_to_worker(R"({"type":"decision","trial":1,"decision":"CONTINUE","continues_below":-1})",
                                              "rank 0"),
                       "rank 0: decision message.continues_below = -1: must be a number from 0 to Infinity", std::invalid_argument);
  CHECK_THROWS_WITH_AS(wire::decode_to_worker(R"({"type":"welcome","trials_dir":"/t","scratch":"yes"})", "rank 0"),
                       "rank 0: welcome message.scratch = \"yes\": must be true or false", std::invalid_argument);
  CHECK_THROWS_WITH_AS(wire::decode_from_worker(R"({"type":"hi"})", "rank 1"),
                       doctest::Contains("rank 1: hi message.type = \"hi\": must be hello, report"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(wire::config_from_json(space, rung::detail::parse_json(R"({"x":5,"optimiser":"sgd"})"),
                                              "rank 1: start message for trial 0"),
                       doctest::Contains("rank 1: start message for trial 0: config: hyperparameter 'x'"),
                       std::invalid_argument);
}

TEST_CASE("coordinator: trials start once every rank said hello, one per slot, configurations exact") {
  rank_zero zero;
  zero.from(1, wire::encode_hello(1, fingerprint));
  CHECK(zero.outbox().empty());  // rank 2 has not said hello
  zero.from(2, wire::encode_hello(1, fingerprint));
  const auto out = zero.outbox();
  CHECK(rank_zero::only<wire::welcome>(out).size() == 2);
  const auto starts = rank_zero::only<wire::start>(out);
  REQUIRE(starts.size() == 2);
  CHECK(starts[0].first != starts[1].first);  // one on each rank
  for (const auto& [rank, start] : starts) {
    CHECK(start.slot == 0);
    CHECK(start.run_to == 1.0);  // promotion ASHA's first rung
    CHECK(wire::config_from_json(space, start.config, "") == zero.coordinator.session().trial(start.trial).config);
    CHECK(zero.coordinator.rank_of(start.trial) == rank);
  }
}

TEST_CASE("coordinator: a pause keeps the trial on its rank; it resumes there only, when that rank has a free slot") {
  rank_zero zero;
  zero.hellos();
  (void)zero.outbox();  // trial 0 on rank 1, trial 1 on rank 2
  REQUIRE(zero.coordinator.rank_of(0) == 1);
  REQUIRE(zero.coordinator.rank_of(1) == 2);

  zero.report(1, 0, 1.0, 0.1);  // the best at rung 1, alone there: paused, not promoted (floor(1 / 2) = 0)
  auto out = zero.outbox();
  CHECK(rank_zero::only<wire::pause>(out).size() == 1);
  auto starts = rank_zero::only<wire::start>(out);
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].first == 1);  // rank 1's freed slot takes a new trial
  CHECK(starts[0].second.trial == 2);
  CHECK(zero.coordinator.rank_of(0) == 1);  // still there, in memory

  // Trial 0 is now promotable (top 1 of 2), but it lives on rank 1, whose
  // slot is taken: rank 2's free slot starts a new trial instead.
  zero.report(2, 1, 1.0, 0.5);
  out = zero.outbox();
  CHECK(rank_zero::only<wire::resume>(out).empty());
  starts = rank_zero::only<wire::start>(out);
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].first == 2);
  CHECK(starts[0].second.trial == 3);

  // Rank 1's slot frees: trial 0 resumes there, to the next rung.
  zero.report(1, 2, 1.0, 0.9);
  out = zero.outbox();
  const auto resumes = rank_zero::only<wire::resume>(out);
  REQUIRE(resumes.size() == 1);
  CHECK(resumes[0].first == 1);
  CHECK(resumes[0].second.trial == 0);
  CHECK(resumes[0].second.run_to == 2.0);
  CHECK(resumes[0].second.continues_below == 2.0);  // the promise: CONTINUE below the top
  CHECK(rank_zero::only<wire::start>(out).empty());

  zero.report(1, 0, 2.0, 0.05);  // the top rung: the trial completes
  out = zero.outbox();
  const auto decisions = rank_zero::only<wire::decision_reply>(out);
  REQUIRE(decisions.size() == 1);
  CHECK(decisions[0].second.outcome == rung::decision::stop_trial);
  zero.from(1, wire::encode_returned(0));
  CHECK(zero.coordinator.session().trial(0).status == rung::trial_status::completed);
  CHECK_FALSE(zero.coordinator.failure());
}

TEST_CASE("coordinator: in checkpoint mode a paused trial returns, and any rank's free slot calls it again") {
  rank_zero zero(false);
  zero.hellos();
  (void)zero.outbox();
  zero.report(1, 0, 1.0, 0.1);
  auto decisions = rank_zero::only<wire::decision_reply>(zero.outbox());
  REQUIRE(decisions.size() == 1);
  CHECK(decisions[0].second.outcome == rung::decision::pause_trial);  // the trial checkpoints and returns
  zero.from(1, wire::encode_returned(0));
  auto starts = rank_zero::only<wire::start>(zero.outbox());
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].second.trial == 2);  // not promotable yet: a new trial on rank 1

  zero.report(2, 1, 1.0, 0.5);  // trial 0 promotable now: it resumes on rank 2, where the slot freed
  zero.from(2, wire::encode_returned(1));
  starts = rank_zero::only<wire::start>(zero.outbox());
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].first == 2);
  CHECK(starts[0].second.trial == 0);
  CHECK(starts[0].second.resume_from == 1.0);
  CHECK(starts[0].second.run_to == 2.0);
}

TEST_CASE("coordinator: a trial that fails on a rank is recorded failed, and the tuning goes on there") {
  rank_zero zero;
  zero.hellos();
  (void)zero.outbox();
  zero.from(2, wire::encode_failed(1, "CUDA out of memory"));
  const auto& record = zero.coordinator.session().trial(1);
  CHECK(record.status == rung::trial_status::failed);
  CHECK(record.error == "CUDA out of memory");
  const auto starts = rank_zero::only<wire::start>(zero.outbox());
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].first == 2);
  CHECK_FALSE(zero.coordinator.failure());
}

TEST_CASE("coordinator: a report the session refuses fails that trial only: report() throws the reason") {
  rank_zero zero;
  zero.hellos();
  (void)zero.outbox();
  zero.report(1, 0, -1.0, 0.1);
  const auto refused = rank_zero::only<wire::refused>(zero.outbox());
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].second.message.find("must be a positive number") != std::string::npos);
  CHECK_FALSE(zero.coordinator.failure());
}

TEST_CASE("coordinator: bad input from a rank abandons the tuning with an error naming the rank and the field") {
  SUBCASE("a report for a trial the rank does not run") {
    rank_zero zero;
    zero.hellos();
    (void)zero.outbox();
    zero.report(2, 0, 1.0, 0.1);
    CHECK(zero.shutdown_error() == "rank 2: report message: field trial = 0: it runs on rank 1");
  }
  SUBCASE("a returned for a trial no rank runs") {
    rank_zero zero;
    zero.hellos();
    (void)zero.outbox();
    zero.from(1, wire::encode_returned(77));
    CHECK(zero.shutdown_error() == "rank 1: returned message: field trial = 77: no rank runs that trial");
  }
  SUBCASE("a report for a trial paused in memory there, not resumed") {
    rank_zero zero;
    zero.hellos();
    (void)zero.outbox();
    zero.report(1, 0, 1.0, 0.1);  // paused at rung 1 (alone there, not promoted)
    REQUIRE(rank_zero::only<wire::pause>(zero.outbox()).size() == 1);
    zero.report(1, 0, 2.0, 0.1);
    CHECK(zero.shutdown_error() ==
          "rank 1: report message: field trial = 0: the trial is paused in memory there and was not resumed");
  }
  SUBCASE("a message that does not parse") {
    rank_zero zero;
    zero.hellos();
    (void)zero.outbox();
    zero.from(1, "{\"type\": \"report\", \"trial\": 0,");
    CHECK(zero.shutdown_error().starts_with("rank 1: message does not parse"));
  }
  SUBCASE("a rank that could not take a start (its space refused the configuration)") {
    rank_zero zero;
    zero.hellos();
    (void)zero.outbox();
    zero.from(2, wire::encode_error("from rank 0: start message for trial 1: config: x = 7: outside"));
    CHECK(zero.shutdown_error() == "rank 2: from rank 0: start message for trial 1: config: x = 7: outside");
  }
  SUBCASE("a rank with another configuration space or scheduler") {
    rank_zero zero;
    zero.from(1, wire::encode_hello(1, fingerprint));
    zero.from(2, wire::encode_hello(1, fingerprint + 1));
    const auto error = zero.shutdown_error();
    CHECK(error.starts_with("rank 2: hello message: fingerprint = 43: rank 0's is 42"));
    CHECK(error.find("another configuration space or scheduler") != std::string::npos);
    CHECK(zero.coordinator.session().trials().empty());  // nothing started
  }
  SUBCASE("a rank with another workers_per_rank") {
    rank_zero zero;
    zero.from(1, wire::encode_hello(2, fingerprint));
    CHECK(zero.shutdown_error().starts_with("rank 1: hello message: slots = 2: rank 0 has workers_per_rank = 1"));
  }
  rank_zero zero;  // what comes after the shutdown is dropped until each rank's goodbye
  zero.from(1, wire::encode_hello(1, fingerprint + 1));
  CHECK(zero.coordinator.failure());
  (void)zero.outbox();
  zero.from(2, wire::encode_hello(1, fingerprint));
  zero.from(1, wire::encode_goodbye());
  CHECK_FALSE(zero.coordinator.done());
  zero.from(2, "not even JSON");
  zero.from(2, wire::encode_goodbye());
  CHECK(zero.coordinator.done());
  CHECK(zero.outbox().empty());
}

TEST_CASE("coordinator: the tuning's end stops running trials, wakes paused ones, and shuts the ranks down last") {
  rank_zero zero;
  zero.hellos();
  (void)zero.outbox();
  zero.report(1, 0, 1.0, 0.1);  // paused on rank 1; trial 2 starts there
  (void)zero.outbox();
  zero.coordinator.interrupt("interrupted by SIGTERM", ++zero.clock);
  auto out = zero.outbox();
  const auto stops = rank_zero::only<wire::stop>(out);
  CHECK(stops.size() == 3);  // trials 0 (paused), 1 and 2
  CHECK(rank_zero::only<wire::shutdown>(out).empty());  // not before every callable returned
  zero.report(2, 1, 1.0, 0.3);  // in flight when the stop went out
  const auto decisions = rank_zero::only<wire::decision_reply>(zero.outbox());
  REQUIRE(decisions.size() == 1);
  CHECK(decisions[0].second.outcome == rung::decision::stop_trial);
  for (const auto& [rank, trial] : {std::pair{1, 0}, std::pair{2, 1}, std::pair{1, 2}}) {
    zero.from(rank, wire::encode_returned(trial));
  }
  out = zero.outbox();
  const auto shutdowns = rank_zero::only<wire::shutdown>(out);
  REQUIRE(shutdowns.size() == 2);
  CHECK(shutdowns[0].second.error.empty());
  CHECK(zero.coordinator.session().trial(0).status == rung::trial_status::paused);  // a resume may promote it
  CHECK(zero.coordinator.session().stopping_reason(zero.clock) == "interrupted by SIGTERM");
  zero.from(1, wire::encode_goodbye());
  zero.from(2, wire::encode_goodbye());
  CHECK(zero.coordinator.done());
  CHECK_FALSE(zero.coordinator.failure());
}

TEST_CASE("coordinator: starts and CONTINUEs carry the scheduler's promise; a report below it is recorded, not answered") {
  rank_zero zero(true, 1, make_scheduler(rung::asha_type::stopping, 8));  // rungs 1, 2 and 4
  zero.hellos();
  const auto starts = rank_zero::only<wire::start>(zero.outbox());
  REQUIRE(starts.size() == 2);
  for (const auto& [rank, start] : starts) CHECK(start.continues_below == 1.0);
  const auto [rank, start] = starts[0];
  zero.report(rank, start.trial, 1.0, 0.3);
  auto decisions = rank_zero::only<wire::decision_reply>(zero.outbox());
  REQUIRE(decisions.size() == 1);
  CHECK(decisions[0].second.outcome == rung::decision::continue_trial);
  CHECK(decisions[0].second.continues_below == 2.0);
  zero.report(rank, start.trial, 2.0, 0.2);
  decisions = rank_zero::only<wire::decision_reply>(zero.outbox());
  REQUIRE(decisions.size() == 1);
  CHECK(decisions[0].second.continues_below == 4.0);
  zero.report(rank, start.trial, 3.0, 0.1, false);
  CHECK(zero.outbox().empty());
  const auto& record = zero.coordinator.session().trial(start.trial);
  CHECK(record.last_resource == 3.0);  // recorded as any report
  CHECK(record.iterations == 3);
  CHECK_FALSE(zero.coordinator.failure());
}

TEST_CASE("coordinator: with await_every_report, no start, resume or CONTINUE carries a promise") {
  rank_zero zero(true, 1, make_scheduler(rung::asha_type::stopping, 8), true);
  zero.hellos();
  const auto starts = rank_zero::only<wire::start>(zero.outbox());
  REQUIRE(starts.size() == 2);
  for (const auto& [rank, start] : starts) CHECK(start.continues_below == 0.0);
  zero.report(starts[0].first, starts[0].second.trial, 1.0, 0.1);  // the first at rung 1 goes on
  const auto decisions = rank_zero::only<wire::decision_reply>(zero.outbox());
  REQUIRE(decisions.size() == 1);
  CHECK(decisions[0].second.outcome == rung::decision::continue_trial);
  CHECK(decisions[0].second.continues_below == 0.0);
}

TEST_CASE("coordinator: a refused report the trial did not wait for fails it; what it reports after is not recorded") {
  rank_zero zero(true, 1, make_scheduler(rung::asha_type::stopping, 8));
  zero.hellos();
  const auto [rank, start] = rank_zero::only<wire::start>(zero.outbox())[0];
  zero.report(rank, start.trial, 1.0, 0.3);
  (void)zero.outbox();
  zero.report(rank, start.trial, 1.5, 0.3, false);  // ASHA takes whole resources only
  auto refused = rank_zero::only<wire::refused>(zero.outbox());
  REQUIRE(refused.size() == 1);
  CHECK_FALSE(refused[0].second.awaited);
  const auto reason = refused[0].second.message;
  CHECK(reason.find("whole number") != std::string::npos);
  zero.report(rank, start.trial, 1.7, 0.3, false);
  CHECK(zero.outbox().empty());
  zero.report(rank, start.trial, 2.0, 0.3);  // sent before the refusal arrived: refused too
  refused = rank_zero::only<wire::refused>(zero.outbox());
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].second.awaited);
  CHECK(refused[0].second.message == reason);
  CHECK(zero.coordinator.session().trial(start.trial).last_resource == 1.0);
  zero.from(rank, wire::encode_returned(start.trial));  // it returned without calling report() again
  const auto& record = zero.coordinator.session().trial(start.trial);
  CHECK(record.status == rung::trial_status::failed);
  CHECK(record.error == reason);
  const auto next = rank_zero::only<wire::start>(zero.outbox());
  REQUIRE(next.size() == 1);  // its slot takes a new trial
  CHECK(next[0].first == rank);
  CHECK_FALSE(zero.coordinator.failure());
}

TEST_CASE("coordinator: a report that did not wait, answered other than CONTINUE, abandons the tuning, naming the rank") {
  rank_zero zero;  // promotion: every trial pauses at epoch 1
  zero.hellos();
  const auto [rank, start] = rank_zero::only<wire::start>(zero.outbox())[0];
  zero.report(rank, start.trial, 1.0, 0.3, false);
  const auto error = zero.shutdown_error();
  CHECK(error.starts_with("rank " + std::to_string(rank) + ": report message: trial " + std::to_string(start.trial) +
                          " went on at epoch = 1 without waiting"));
  CHECK(error.find("answered PAUSE") != std::string::npos);
  CHECK(zero.coordinator.failure());
}

}  // namespace test_mpi_coordinator
