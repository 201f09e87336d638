// A worker rank of the MPI driver without MPI: the worker host is fed the
// text rank 0 would send, and what it sends back is read from its outbox,
// so that its trials' side of the protocol is checked in one process
// (tests/mpi/ runs the same across ranks).
#include "rung/drivers/mpi/detail/worker_host.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <semaphore>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "rung/drivers/detail/trial_ref.hpp"
#include "rung/drivers/mpi/detail/wire.hpp"
#include "rung/spaces/config_space.hpp"

namespace test_mpi_worker_host {

namespace wire = rung::detail::wire;

constexpr auto space = rung::config_space(rung::uniform<"x">(-1.0, 1.0), rung::choice<"optimiser">("sgd", "adam"));
constexpr std::uint64_t fingerprint = 42;

namespace {

using space_type = std::remove_const_t<decltype(space)>;
using config = space_type::config_type;

// A blocking trial that reports one epoch per value in `metrics` (1 and 2
// at 0.5 unless told otherwise) and keeps what each report returned, what
// one threw, and the slot it ran on after each. Stepped, it takes each epoch
// only when the test lets it (go), so that rank 0's messages can come between.
struct recording_trial {
  std::vector<double> metrics{0.5, 0.5};
  bool stepped = false;
  std::counting_semaphore<64> go{0};
  std::vector<rung::decision> decisions;
  std::vector<std::size_t> slots;
  std::optional<std::string> thrown;
  void operator()(const config& /*c*/, rung::reporter& reporter) {
    for (std::size_t epoch = 1; epoch <= metrics.size(); ++epoch) {
      if (stepped) go.acquire();
      try {
        decisions.push_back(reporter.report(static_cast<double>(epoch), metrics[epoch - 1]));
      } catch (const std::invalid_argument& refusal) {
        thrown = refusal.what();
        throw;
      }
      slots.push_back(reporter.worker());
      if (decisions.back() != rung::decision::continue_trial) return;
    }
  }
};

// A worker rank of one slot; the test plays rank 0.
struct worker_rank {
  worker_rank() : host(space, rung::detail::erase_trial<config>(trial), io, 1, fingerprint, metric_names, 0) {}

  ~worker_rank() { trial.go.release(32); }  // a stepped trial that a failed check left waiting ends
  worker_rank(const worker_rank&) = delete;
  worker_rank& operator=(const worker_rank&) = delete;

  void from_rank_0(const std::string& text) { host.receive(text); }
  void start(rung::trial_id id, double continues_below = 0.0) {
    std::string json;
    space.append_json(json, space.midpoint());
    from_rank_0(wire::encode_start(id, 0, json, 0.0, std::nullopt, continues_below));
  }
  // What the rank sends next, waiting for a trial thread up to 10 s.
  wire::from_worker next() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (pending.empty() && std::chrono::steady_clock::now() < deadline) {
      host.wait_for_outbox(std::chrono::milliseconds(10));
      for (auto& text : host.take_outbox()) pending.push_back(std::move(text));
    }
    REQUIRE_FALSE(pending.empty());
    const auto text = pending.front();
    pending.erase(pending.begin());
    return wire::decode_from_worker(text, "rank 1");
  }

  boost::asio::io_context io{1};
  recording_trial trial;
  std::vector<std::string> metric_names{"loss"};
  rung::detail::mpi_worker_host<space_type, rung::detail::blocking_trial_ref<config>> host;
  std::vector<std::string> pending;
};

}  // namespace

TEST_CASE("worker host: hello first, then a trial's reports wait for rank 0's answers; a pause waits for the resume") {
  worker_rank worker;
  const auto hello = std::get<wire::hello>(worker.next());
  CHECK(hello.slots == 1);
  CHECK(hello.fingerprint == fingerprint);
  worker.from_rank_0(wire::encode_welcome("/shared/trials"));
  worker.start(3);
  const auto first = std::get<wire::report>(worker.next());
  CHECK(first.trial == 3);
  CHECK(first.resource == 1.0);
  CHECK(first.metrics == std::vector<double>{0.5});
  worker.from_rank_0(wire::encode_pause(3));  // stays inside report(), in memory
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(worker.host.take_outbox().empty());
  worker.from_rank_0(wire::encode_resume(3, 0, 2.0));
  const auto second = std::get<wire::report>(worker.next());
  CHECK(second.resource == 2.0);  // it went on where it paused
  worker.from_rank_0(wire::encode_decision(3, rung::decision::stop_trial));
  CHECK(std::get<wire::returned>(worker.next()).trial == 3);
  CHECK(worker.trial.decisions == std::vector{rung::decision::continue_trial, rung::decision::stop_trial});
  worker.from_rank_0(wire::encode_shutdown(""));
  CHECK(std::holds_alternative<wire::goodbye>(worker.next()));
  CHECK(worker.host.done());
  CHECK(worker.host.shutdown_error().empty());
}

TEST_CASE("worker host: what it cannot take from rank 0 goes back as an error naming the field") {
  worker_rank worker;
  (void)worker.next();  // hello
  SUBCASE("a configuration the space rejects") {
    worker.from_rank_0(R"({"type":"start","trial":4,"slot":0,"config":{"x":7,"optimiser":"sgd"},"resume_from":0})");
    const auto error = std::get<wire::error>(worker.next());
    CHECK(error.message.starts_with("from rank 0: start message for trial 4: config: hyperparameter 'x'"));
  }
  SUBCASE("a decision for a trial it does not run") {
    worker.from_rank_0(wire::encode_decision(9, rung::decision::continue_trial));
    CHECK(std::get<wire::error>(worker.next()).message ==
          "from rank 0: decision message: field trial = 9: no trial of this rank");
  }
  SUBCASE("a message that does not parse") {
    worker.from_rank_0("{\"type\":");
    CHECK(std::get<wire::error>(worker.next()).message.starts_with("from rank 0: message does not parse"));
  }
  worker.from_rank_0(wire::encode_shutdown("rank 2: gone"));
  CHECK(std::holds_alternative<wire::goodbye>(worker.next()));
  CHECK(worker.host.shutdown_error() == "rank 2: gone");
}

TEST_CASE("worker host: a shutdown stops a paused trial, which returns without a word, then goodbye") {
  worker_rank worker;
  (void)worker.next();
  worker.start(0);
  (void)std::get<wire::report>(worker.next());
  worker.from_rank_0(wire::encode_pause(0));
  worker.from_rank_0(wire::encode_shutdown("rank 0: abandoned"));
  CHECK(std::holds_alternative<wire::goodbye>(worker.next()));  // no returned: rank 0 reads no more
  CHECK(worker.trial.decisions == std::vector{rung::decision::stop_trial});
}

TEST_CASE("worker host: a scratch trials directory (nothing recorded) is removed once the rank's trials returned") {
  const auto trials_dir = std::filesystem::temp_directory_path() / "rung-test-worker-host-scratch";
  for (const bool scratch : {true, false}) {
    CAPTURE(scratch);
    std::filesystem::remove_all(trials_dir);
    std::filesystem::create_directories(trials_dir / "0" / "checkpoints");  // what a trial left there
    worker_rank worker;
    (void)worker.next();
    worker.from_rank_0(wire::encode_welcome(trials_dir.string(), scratch));
    worker.start(0);
    (void)std::get<wire::report>(worker.next());
    worker.from_rank_0(wire::encode_decision(0, rung::decision::stop_trial));
    CHECK(std::get<wire::returned>(worker.next()).trial == 0);
    CHECK(std::filesystem::exists(trials_dir));  // the tuning goes on until the shutdown
    worker.from_rank_0(wire::encode_shutdown(""));
    CHECK(std::holds_alternative<wire::goodbye>(worker.next()));
    CHECK(std::filesystem::exists(trials_dir) == !scratch);
  }
  std::filesystem::remove_all(trials_dir);
}

TEST_CASE("worker host: below the scheduler's promise a report goes out unawaited and the trial goes on; at it, it waits") {
  worker_rank worker;
  (void)worker.next();  // hello
  worker.trial.metrics = {0.5, 0.4, 0.3, 0.2};
  worker.start(1, 2.0);  // promised: CONTINUE below epoch 2
  const auto first = std::get<wire::report>(worker.next());
  CHECK(first.resource == 1.0);
  CHECK_FALSE(first.awaited);
  const auto second = std::get<wire::report>(worker.next());  // it went on without an answer
  CHECK(second.resource == 2.0);
  CHECK(second.awaited);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(worker.host.take_outbox().empty());  // it waits at epoch 2
  worker.from_rank_0(wire::encode_decision(1, rung::decision::continue_trial, 4.0));  // a new promise
  CHECK_FALSE(std::get<wire::report>(worker.next()).awaited);  // epoch 3
  const auto fourth = std::get<wire::report>(worker.next());
  CHECK(fourth.resource == 4.0);
  CHECK(fourth.awaited);
  worker.from_rank_0(wire::encode_decision(1, rung::decision::stop_trial));
  CHECK(std::get<wire::returned>(worker.next()).trial == 1);
  CHECK(worker.trial.decisions == std::vector{rung::decision::continue_trial, rung::decision::continue_trial,
                                              rung::decision::continue_trial, rung::decision::stop_trial});
}

TEST_CASE("worker host: a trial that keeps reporting below the promise waits after 64 unawaited reports") {
  worker_rank worker;
  (void)worker.next();
  worker.trial.metrics = std::vector<double>(66, 0.5);
  worker.start(5, 1000.0);
  for (int epoch = 1; epoch <= 64; ++epoch) {
    CAPTURE(epoch);
    CHECK_FALSE(std::get<wire::report>(worker.next()).awaited);
  }
  const auto waits = std::get<wire::report>(worker.next());
  CHECK(waits.resource == 65.0);
  CHECK(waits.awaited);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(worker.host.take_outbox().empty());
  worker.from_rank_0(wire::encode_decision(5, rung::decision::continue_trial, 1000.0));
  CHECK_FALSE(std::get<wire::report>(worker.next()).awaited);  // the count starts again
  CHECK(std::get<wire::returned>(worker.next()).trial == 5);
}

TEST_CASE("worker host: rank 0's refusal of a report the trial did not wait for is thrown by its next report()") {
  worker_rank worker;
  (void)worker.next();
  worker.trial.metrics = {0.5, 0.4, 0.3};
  worker.trial.stepped = true;
  worker.start(2, 9.0);
  worker.trial.go.release();
  CHECK_FALSE(std::get<wire::report>(worker.next()).awaited);
  worker.from_rank_0(wire::encode_refused(2, "report(): epoch = 1: refused", false));
  CHECK(worker.host.take_outbox().empty());  // nothing to answer: the trial goes on
  worker.trial.go.release();
  const auto failed = std::get<wire::failed>(worker.next());  // its epoch 2 was never sent
  CHECK(failed.trial == 2);
  CHECK(failed.message.find("report(): epoch = 1: refused") != std::string::npos);
  CHECK(worker.trial.thrown == "report(): epoch = 1: refused");
  // A refusal for a trial that has returned meanwhile is no error: rank 0 records the failure.
  worker.from_rank_0(wire::encode_refused(2, "late", false));
  CHECK(worker.host.take_outbox().empty());
}

TEST_CASE("worker host: after a stop, or with a NaN of the scheduler's metric, a report below the promise waits") {
  worker_rank worker;
  (void)worker.next();
  worker.trial.stepped = true;
  SUBCASE("a stop") {
    worker.start(3, 9.0);
    worker.trial.go.release();
    CHECK_FALSE(std::get<wire::report>(worker.next()).awaited);
    worker.from_rank_0(wire::encode_stop(3));
  }
  SUBCASE("a NaN of the scheduler's metric: rank 0 records the trial failed") {
    worker.trial.metrics = {0.5, std::numeric_limits<double>::quiet_NaN()};
    worker.start(3, 9.0);
    worker.trial.go.release();
    CHECK_FALSE(std::get<wire::report>(worker.next()).awaited);
  }
  worker.trial.go.release();
  const auto second = std::get<wire::report>(worker.next());
  CHECK(second.resource == 2.0);
  CHECK(second.awaited);
  worker.from_rank_0(wire::encode_decision(3, rung::decision::stop_trial));
  CHECK(std::get<wire::returned>(worker.next()).trial == 3);
}

}  // namespace test_mpi_worker_host
