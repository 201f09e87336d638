// Trials as external programs, through the real-time tuner, with real child
// processes: the scripts in tests/data/subprocess (a Syne Tune-style Python
// script, and shell scripts that crash, hang, fork or stay silent).
#include "rung/drivers/subprocess/subprocess_trial.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "rung/drivers/tuner.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"
#include "process_table.hpp"
#include "temp_dir.hpp"

namespace test_subprocess_trial {

using rung_test::temp_dir;

namespace {

constexpr auto space =
    rung::config_space(rung::randint<"epochs">(1, 5), rung::uniform<"learning_rate">(0.0, 1.0),
                       rung::choice<"label">("plain", R"(two words; $(echo hi) 'single' "double" `tick` | & > * \)"));
using space_type = std::remove_const_t<decltype(space)>;
using config = space_type::config_type;

const std::string data = std::string(RUNG_TEST_DATA_DIR) + "/subprocess/";

config make_config(std::int64_t epochs, double learning_rate, std::string_view label = "plain") {
  return config{{epochs, learning_rate, label}};
}

// Starts the given configurations in order; pauses a trial when `decide`
// says so and resumes paused trials once every configuration has started.
class scripted_scheduler {
 public:
  using config_type = config;
  using rule = std::function<rung::decision(const rung::observation&)>;

  explicit scripted_scheduler(std::vector<config> configs, rule decide = {})
      : configs_(std::move(configs)), decide_(std::move(decide)) {}

  rung::suggestion<config> suggest(rung::trial_id) {
    if (started_ == configs_.size() && !paused_.empty()) {
      const auto [id, resource] = paused_.front();
      paused_.pop_front();
      return rung::resume_trial{id, resource};
    }
    if (started_ < configs_.size()) return rung::start_trial<config>{configs_[started_++]};
    return rung::search_exhausted{};
  }
  rung::decision on_report(const rung::observation& obs) {
    const auto outcome = decide_ ? decide_(obs) : rung::decision::continue_trial;
    if (outcome == rung::decision::pause_trial) paused_.emplace_back(obs.trial, obs.resource);
    return outcome;
  }
  void on_trial_end(rung::trial_id, rung::trial_end) {}
  [[nodiscard]] std::string_view metric() const { return "loss"; }
  [[nodiscard]] rung::mode metric_mode() const { return rung::mode::min; }
  [[nodiscard]] std::string_view resource_attr() const { return "epoch"; }
  [[nodiscard]] std::optional<double> max_resource(const config&) const { return 5.0; }
  [[nodiscard]] const space_type& space() const { return test_subprocess_trial::space; }

 private:
  std::vector<config> configs_;
  rule decide_;
  std::size_t started_ = 0;
  std::deque<std::pair<rung::trial_id, double>> paused_;
};

struct tuning {
  temp_dir root;
  std::ostringstream log;
  rung::tuning_result<config> result;
  double seconds = 0.0;

  [[nodiscard]] std::filesystem::path trial_dir(rung::trial_id id) const {
    return result.experiment_dir / "trials" / std::to_string(id);
  }
  [[nodiscard]] const rung::trial_record<config>& trial(rung::trial_id id) const {
    return result.trials.at(static_cast<std::size_t>(id));
  }
};

template <class Trial>
void tune(tuning& run, std::vector<config> configs, Trial trial, scripted_scheduler::rule decide = {},
          std::size_t workers = 2) {
  rung::tuner tuner(scripted_scheduler(std::move(configs), std::move(decide)),
                    {.n_workers = workers,
                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = 100},
                     .max_failures = 100,
                     .name = "subprocess",
                     .experiment_root = run.root.path,
                     .log = &run.log});
  const auto start = std::chrono::steady_clock::now();
  run.result = tuner.run(std::move(trial));
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

rung::subprocess_options program(std::vector<std::string> command, std::ostream* log = nullptr) {
  return {.command = std::move(command), .stop_grace_period = 0.05, .log = log};
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Processes whose parent is this one: none may be left once a tuning is
// over (the trials, what they forked, the guardian).
std::vector<int> children_of_this_process() { return rung_test::children_of(::getpid()); }

bool process_exists(const std::filesystem::path& pid_file) {
  const std::string pid = read_file(pid_file);
  return !pid.empty() && std::filesystem::exists("/proc/" + std::to_string(std::stoi(pid)));
}

}  // namespace

TEST_CASE("reporter::trial_dir: <experiment>/trials/<id>, the parent of checkpoint_dir()") {
  tuning run;
  std::vector<std::filesystem::path> seen;
  tune(run, {make_config(1, 0.5), make_config(1, 0.5)},
       [&seen](const config&, rung::async_reporter& reporter) -> rung::awaitable<void> {
         seen.push_back(reporter.trial_dir());
         CHECK(reporter.checkpoint_dir() == reporter.trial_dir() / "checkpoints");
         co_await reporter.report(1.0, 0.5);
       });
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == run.trial_dir(0));
  CHECK(seen[1] == run.trial_dir(1));
}

TEST_CASE("subprocess_trial: a Syne Tune script gets its arguments intact and its metric lines reach the tuner") {
  tuning run;
  const std::string awkward = R"(two words; $(echo hi) 'single' "double" `tick` | & > * \)";
  tune(run, {make_config(3, 0.5), make_config(2, 0.25, awkward)},
       rung::subprocess_trial(program({RUNG_TEST_PYTHON, data + "train_report.py"})));
  REQUIRE(run.result.trials.size() == 2);
  for (const rung::trial_id id : {0, 1}) {
    CHECK(run.trial(id).status == rung::trial_status::completed);
    CHECK(run.trial(id).error.empty());
    for (const char* file : {"config.json", "std.out", "std.err"}) {
      CHECK(std::filesystem::exists(run.trial_dir(id) / file));
    }
  }
  CHECK(run.trial(0).iterations == 3);
  CHECK(run.trial(0).last_resource == 3.0);
  CHECK(run.trial(0).best_metric == doctest::Approx(0.5 / 3));
  CHECK(run.trial(1).iterations == 2);
  CHECK(run.result.best_trial == 1);

  // Syne Tune's command line: --name value per hyperparameter, then the checkpoint directory.
  const std::string out = read_file(run.trial_dir(1) / "std.out");
  std::string expected_argv = R"(argv: ["--epochs", "2", "--learning_rate", "0.25", "--label", )";
  rung::detail::append_json_string(expected_argv, awkward);
  expected_argv += R"(, "--st_checkpoint_dir", )";
  rung::detail::append_json_string(expected_argv, (run.trial_dir(1) / "checkpoints").string());
  CHECK(out.find(expected_argv + "]\n") != std::string::npos);
  CHECK(out.find("[tune-metric]: {\"epoch\": 2") != std::string::npos);  // stdout is teed to std.out
  CHECK(out.find("visible devices: unset") != std::string::npos);
  CHECK(read_file(run.trial_dir(0) / "config.json") == "{\"epochs\":3,\"learning_rate\":0.5,\"label\":\"plain\"}\n");
  CHECK(children_of_this_process().empty());
}

TEST_CASE("subprocess_trial: hyperparameters as a JSON file, and CUDA_VISIBLE_DEVICES rotating over the GPUs") {
  tuning run;
  auto options = program({RUNG_TEST_PYTHON, data + "train_report.py"});
  options.pass_args_as_json = true;
  options.gpus = {.devices = {0, 1}};
  tune(run, {make_config(2, 0.5), make_config(1, 0.25)}, rung::subprocess_trial(options));
  REQUIRE(run.result.trials.size() == 2);
  CHECK(run.trial(0).iterations == 2);
  CHECK(run.trial(1).iterations == 1);
  const std::string out = read_file(run.trial_dir(0) / "std.out");
  CHECK(out.find("argv: [\"--st_config_json_filename\", \"" + (run.trial_dir(0) / "config.json").string()) !=
        std::string::npos);
  CHECK(out.find("visible devices: 0") != std::string::npos);
  CHECK(read_file(run.trial_dir(1) / "std.out").find("visible devices: 1") != std::string::npos);
}

TEST_CASE("subprocess_trial: a paused trial is stopped, then started again from its checkpoint") {
  tuning run;
  const auto pause_at_one = [](const rung::observation& obs) {
    return obs.resource == 1.0 ? rung::decision::pause_trial : rung::decision::continue_trial;
  };
  tune(run, {make_config(3, 0.5), make_config(3, 0.25)},
       rung::subprocess_trial(program({RUNG_TEST_PYTHON, data + "train_report.py", "--sleep", "0.05"})), pause_at_one,
       1);
  REQUIRE(run.result.trials.size() == 2);
  for (const rung::trial_id id : {0, 1}) {
    CHECK(run.trial(id).status == rung::trial_status::completed);
    CHECK(run.trial(id).iterations == 3);  // epoch 1, then epochs 2 and 3 after the restart
    CHECK(run.trial(id).last_resource == 3.0);
    const std::string out = read_file(run.trial_dir(id) / "std.out");
    CHECK(out.find("[tune-metric]: {\"epoch\": 1") != std::string::npos);
    CHECK(out.find("[tune-metric]: {\"epoch\": 2") != std::string::npos);  // appended by the second run
  }
  CHECK(children_of_this_process().empty());
}

TEST_CASE("subprocess_trial: a trial resumed with nothing left to do completes without a report") {
  tuning run;
  const auto pause_at_the_end = [](const rung::observation& obs) {
    return obs.resource == 2.0 ? rung::decision::pause_trial : rung::decision::continue_trial;
  };
  tune(run, {make_config(2, 0.5)},
       rung::subprocess_trial(program({RUNG_TEST_PYTHON, data + "train_report.py", "--sleep", "0.05"})),
       pause_at_the_end, 1);
  REQUIRE(run.result.trials.size() == 1);
  CHECK(run.trial(0).status == rung::trial_status::completed);
  CHECK(run.trial(0).iterations == 2);
  CHECK(run.trial(0).error.empty());
}

TEST_CASE("subprocess_trial: a stopped trial that ignores SIGTERM is killed after the grace period") {
  tuning run;
  const auto stop = [](const rung::observation&) { return rung::decision::stop_trial; };
  tune(run, {make_config(1, 0.5), make_config(1, 0.5)}, rung::subprocess_trial(program({data + "hang.sh"})), stop);
  REQUIRE(run.result.trials.size() == 2);
  CHECK(run.trial(0).status == rung::trial_status::stopped);
  CHECK(run.trial(1).status == rung::trial_status::stopped);
  CHECK(run.seconds < 2.0);
  CHECK(children_of_this_process().empty());
}

TEST_CASE("subprocess_trial: when the tuning ends, running programs are stopped with it") {
  temp_dir root;
  rung::tuner tuner(scripted_scheduler({make_config(1, 0.5), make_config(1, 0.5)}),
                    {.n_workers = 2,
                     .stop_criterion = rung::stop_criterion{.max_wallclock_time = 0.3},
                     .name = "ends",
                     .experiment_root = root.path,
                     .log = nullptr});
  const auto start = std::chrono::steady_clock::now();
  const auto result = tuner.run(rung::subprocess_trial(program({data + "hang.sh"})));
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 2.0);
  REQUIRE(result.trials.size() == 2);
  for (const auto& trial : result.trials) {
    CHECK(trial.status != rung::trial_status::failed);
    CHECK(trial.status != rung::trial_status::in_progress);
  }
  CHECK(children_of_this_process().empty());
}

TEST_CASE("subprocess_trial: failures carry the exit status and the end of std.err; the tuner goes on") {
  const auto failure = [](const std::vector<std::string>& command, double timeout = 0.0) {
    tuning run;
    auto options = program(command);
    options.timeout = timeout;
    tune(run, {make_config(1, 0.5)}, rung::subprocess_trial(options));
    REQUIRE(run.result.trials.size() == 1);
    CHECK(run.trial(0).status == rung::trial_status::failed);
    CHECK(children_of_this_process().empty());
    return run.trial(0).error;
  };
  CHECK(failure({data + "crash.sh"}) ==
        "'" + data + "crash.sh' exited with status 3; std.err ends with:\n" + "training diverged: loss is NaN\n");
  CHECK(failure({data + "segfault.sh"}).starts_with("'" + data + "segfault.sh' killed by signal 11 ("));
  CHECK(failure({data + "silent.sh"}) == "'" + data + "silent.sh' ended without reporting a metric (no line " +
                                             "\"[tune-metric]: {...}\" with one of the tuner's metrics, 'loss', " +
                                             "on its stdout); std.err is empty");
  CHECK(failure({data + "hang.sh"}, 0.2) == "'" + data + "hang.sh' timed out after 0.2 s; std.err is empty");
  CHECK(failure({data + "not_executable.sh"}) == "cannot run '" + data + "not_executable.sh': Permission denied");
  CHECK(failure({data + "missing.sh"}) == "cannot run '" + data + "missing.sh': No such file or directory");
  CHECK(failure({"rung-no-such-program"}) == "cannot run 'rung-no-such-program': not found on PATH");

  // One trial failing does not end the tuning.
  tuning run;
  rung::subprocess_trial crash(program({data + "crash.sh"}));
  rung::subprocess_trial works(program({RUNG_TEST_PYTHON, data + "train_report.py"}));
  tune(run, {make_config(1, 0.5), make_config(1, 0.5)},
       [&](const config& configuration, rung::async_reporter& reporter) -> rung::awaitable<void> {
         return reporter.trial() == 0 ? crash(configuration, reporter) : works(configuration, reporter);
       });
  CHECK(run.trial(0).status == rung::trial_status::failed);
  CHECK(run.trial(1).status == rung::trial_status::completed);
  CHECK(run.log.str().find("trial 0 failed: '" + data + "crash.sh' exited with status 3") != std::string::npos);
}

TEST_CASE("subprocess_trial: malformed, non-UTF-8 and oversized metric lines are logged with their text and skipped") {
  tuning run;
  std::ostringstream log;
  tune(run, {make_config(1, 0.5)}, rung::subprocess_trial(program({data + "garbage.py"}, &log)));
  REQUIRE(run.result.trials.size() == 1);
  CHECK(run.trial(0).status == rung::trial_status::completed);
  CHECK(run.trial(0).iterations == 1);
  CHECK(run.trial(0).best_metric == 0.25);
  const std::string messages = log.str();
  CHECK(messages.find("trial 0: skipped a metric line (") != std::string::npos);
  CHECK(messages.find("): [tune-metric]: {not json") != std::string::npos);
  CHECK(messages.find("(expected a JSON object, got an array): [tune-metric]: [1, 2]") != std::string::npos);
  CHECK(messages.find("(metric 'loss' is not a number): [tune-metric]: {\"loss\": \"low\"}") != std::string::npos);
  CHECK(messages.find("\"note\": \"\\xff\"}") != std::string::npos);
  CHECK(messages.find("(longer than 1048576 bytes: ") != std::string::npos);
  CHECK(std::count(messages.begin(), messages.end(), '\n') == 5);  // the non-metric line is no metric line
  // std.out holds every byte, the 1.5 MB line included.
  CHECK(std::filesystem::file_size(run.trial_dir(0) / "std.out") > 1536 * 1024);
}

TEST_CASE("subprocess_trial: what a trial forks and leaves is killed with its process group, and reaped") {
  tuning run;
  tune(run, {make_config(1, 0.5)}, rung::subprocess_trial(program({data + "forker.sh"})));
  REQUIRE(run.result.trials.size() == 1);
  CHECK(run.trial(0).status == rung::trial_status::completed);
  CHECK(run.seconds < 5.0);  // not the 30 s the grandchild would hold stdout open
  CHECK_FALSE(process_exists(run.trial_dir(0) / "grandchild.pid"));
  CHECK_FALSE(process_exists(run.trial_dir(0) / "child.pid"));
  CHECK(children_of_this_process().empty());
}

TEST_CASE("subprocess_options: bad settings are named") {
  CHECK_THROWS_WITH_AS(rung::subprocess_trial({}), "subprocess_options.command = {}: name the program to run",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::subprocess_trial({.command = {"true"}, .stop_grace_period = -1}),
                       "subprocess_options.stop_grace_period = -1: must be from 0 to 1e+09 seconds",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(rung::subprocess_trial({.command = {"true"}, .timeout = -2}),
                       "subprocess_options.timeout = -2: must be from 0 to 1e+09 seconds (0: none)",
                       std::invalid_argument);
  // Durations that would overflow the clock's nanoseconds are refused before any conversion.
  for (const double seconds : {9.3e9, 1e300, std::numeric_limits<double>::infinity()}) {
    CHECK_THROWS_WITH_AS(rung::subprocess_trial({.command = {"true"}, .stop_grace_period = seconds}),
                         doctest::Contains("subprocess_options.stop_grace_period = "), std::invalid_argument);
    CHECK_THROWS_WITH_AS(rung::subprocess_trial({.command = {"true"}, .timeout = seconds}),
                         doctest::Contains("subprocess_options.timeout = "), std::invalid_argument);
  }
  CHECK_NOTHROW(rung::subprocess_trial({.command = {"true"}, .stop_grace_period = 1e9, .timeout = 1e9}));
}

TEST_CASE("clock_duration: seconds to a timer's duration saturate instead of overflowing into the past") {
  using duration = std::chrono::steady_clock::duration;
  CHECK(rung::detail::clock_duration(1.5) == std::chrono::milliseconds(1500));
  CHECK(rung::detail::clock_duration(0.0) == duration::zero());
  CHECK(rung::detail::clock_duration(-3.0) == duration::zero());
  CHECK(rung::detail::clock_duration(std::numeric_limits<double>::quiet_NaN()) == duration::zero());
  for (const double seconds : {9.3e9, 1e300, std::numeric_limits<double>::infinity()}) {
    CHECK(rung::detail::clock_duration(seconds) == duration::max());
  }
  CHECK(rung::detail::clock_duration(9.2e9) > std::chrono::hours(2'000'000));  // 292 years fit, just
}

TEST_CASE("subprocess_trial: list and object constants reach the program as JSON, as arguments and in config.json") {
  tuning run;
  auto options = program({RUNG_TEST_PYTHON, data + "train_report.py"});
  options.json_constants = {{"list_arg", R"(["this","is",1])"}, {"dict_arg", R"({"a":[1,2],"b":{"c":0}})"}};
  tune(run, {make_config(1, 0.5)}, rung::subprocess_trial(options));
  REQUIRE(run.result.trials.size() == 1);
  CHECK(run.trial(0).status == rung::trial_status::completed);
  CHECK(read_file(run.trial_dir(0) / "config.json") ==
        R"({"epochs":1,"learning_rate":0.5,"label":"plain",)"
        R"("list_arg":["this","is",1],"dict_arg":{"a":[1,2],"b":{"c":0}}})"
        "\n");
  CHECK(read_file(run.trial_dir(0) / "std.out")
            .find(R"("--list_arg", "[\"this\",\"is\",1]", "--dict_arg", "{\"a\":[1,2],\"b\":{\"c\":0}}")") !=
        std::string::npos);
}

TEST_CASE("subprocess_trial: a misspelt metric is named once per trial, with the metric expected") {
  tuning run;
  std::ostringstream log;
  tune(run, {make_config(3, 0.5), make_config(2, 0.5)},
       rung::subprocess_trial(program({RUNG_TEST_PYTHON, data + "train_report.py", "--metric_key", "los"}, &log)));
  REQUIRE(run.result.trials.size() == 2);
  const std::string messages = log.str();
  for (const rung::trial_id id : {0, 1}) {
    CHECK(run.trial(id).status == rung::trial_status::failed);
    CHECK(run.trial(id).error.find("with one of the tuner's metrics, 'loss',") != std::string::npos);
    const std::string warning = "trial " + std::to_string(id) +
                                ": its metric lines hold none of the tuner's metrics (expected 'loss', got 'epoch', "
                                "'los', 'st_worker_timestamp', 'st_worker_time', 'st_worker_iter'): they are skipped; "
                                "is the metric's name misspelt?\n";
    CHECK(messages.find(warning) != std::string::npos);
    CHECK(messages.find(warning) == messages.rfind(warning));  // once, not once per line
  }
  CHECK(messages.find("skipped a metric line") == std::string::npos);
}

TEST_CASE("subprocess_trial: metrics the tuner does not record are named once per trial, saying how to record them") {
  tuning run;
  std::ostringstream log;
  tune(run, {make_config(3, 0.5), make_config(3, 0.25)},
       rung::subprocess_trial(program({RUNG_TEST_PYTHON, data + "train_report.py", "--extra_key", "accuracy"}, &log)));
  REQUIRE(run.result.trials.size() == 2);
  const std::string messages = log.str();
  for (const rung::trial_id id : {0, 1}) {
    CHECK(run.trial(id).status == rung::trial_status::completed);
    CHECK(run.trial(id).iterations == 3);
    const std::string warning = "trial " + std::to_string(id) +
                                ": reports 'accuracy', not recorded (results.csv records tuner_options::metrics, "
                                "'loss'; list them there to record them)\n";
    CHECK(messages.find(warning) != std::string::npos);
    CHECK(messages.find(warning) == messages.rfind(warning));
  }
  // Syne Tune's own keys and the resource are no such metric.
  tuning plain;
  std::ostringstream quiet;
  tune(plain, {make_config(2, 0.5)},
       rung::subprocess_trial(program({RUNG_TEST_PYTHON, data + "train_report.py"}, &quiet)));
  CHECK(quiet.str().empty());
}

TEST_CASE("results.csv: Syne Tune's st_status, and st_worker_time and st_worker_iter as the script reported them") {
  temp_dir root;
  std::ostringstream log;
  rung::tuner tuner(scripted_scheduler({make_config(3, 0.5)}),
                    {.n_workers = 1,
                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = 1},
                     .metrics = {"loss", "st_worker_time", "st_worker_iter"},
                     .name = "worker",
                     .experiment_root = root.path,
                     .log = &log});
  const auto result = tuner.run(rung::subprocess_trial(program({RUNG_TEST_PYTHON, data + "train_report.py"})));
  REQUIRE(result.trials.size() == 1);
  std::istringstream csv(read_file(result.experiment_dir / "results.csv"));
  std::string line;
  std::getline(csv, line);
  CHECK(line == "trial_id,st_status,st_decision,st_tuner_time,st_worker_time,st_worker_iter,epoch,loss,config_epochs,"
                "config_learning_rate,config_label");
  std::vector<std::string> iterations;
  std::vector<double> times;
  while (std::getline(csv, line)) {
    std::vector<std::string> fields;
    std::istringstream row(line);
    for (std::string field; std::getline(row, field, ',');) fields.push_back(field);
    REQUIRE(fields.size() == 11);
    times.push_back(std::stod(fields[4]));
    iterations.push_back(fields[5]);
  }
  CHECK(iterations == std::vector<std::string>{"0", "1", "2"});  // syne_tune.Reporter counts from 0; the tuner from 1
  // The script's own clock, exactly: each value as its metric line has it.
  std::vector<double> reported;
  std::istringstream out(read_file(result.experiment_dir / "trials" / "0" / "std.out"));
  while (std::getline(out, line)) {
    const auto parsed = rung::detail::parse_tune_metric_line(line);
    if (parsed.what == rung::detail::tune_metric_line::kind::metrics) {
      reported.push_back(parsed.report.find("st_worker_time")->as_double());
    }
  }
  CHECK(times == reported);
}

namespace {

// Promotion ASHA over rungs 1, 3 and 9, max_resource_attr "epochs" as in
// Syne Tune's launchers: each run is told where it will be paused.
constexpr auto promoted_space =
    rung::config_space(rung::uniform<"learning_rate">(0.0, 1.0), rung::constant<"epochs">(9));

struct promotion_run {
  temp_dir root;
  std::ostringstream log;
  rung::tuning_result<std::remove_const_t<decltype(promoted_space)>::config_type> result;

  promotion_run(std::vector<std::string> script_arguments, double grace_period, std::int64_t trials) {
    std::vector<std::string> command = {RUNG_TEST_PYTHON, data + "train_report.py"};
    command.insert(command.end(), script_arguments.begin(), script_arguments.end());
    rung::tuner tuner(
        rung::asha(rung::random_searcher(promoted_space, {.seed = 7}), {.metric = "loss",
                                                                        .grace_period = 1,
                                                                        .reduction_factor = 3,
                                                                        .max_resource_attr = "epochs",
                                                                        .type = rung::asha_type::promotion}),
        {.n_workers = 2,
         .stop_criterion = rung::stop_criterion{.max_num_trials_started = trials},
         .name = "promotion",
         .experiment_root = root.path,
         .log = &log});
    result = tuner.run(rung::subprocess_trial(
        {.command = command, .max_resource_attr = "epochs", .stop_grace_period = grace_period, .log = &log}));
  }
  [[nodiscard]] std::filesystem::path trial_dir(std::size_t id) const {
    return result.experiment_dir / "trials" / std::to_string(id);
  }
};

// The epochs a trial's program reported, over all its runs, and the --epochs
// each run was given.
std::pair<std::vector<std::int64_t>, std::vector<std::string>> runs_of(const std::filesystem::path& trial_dir) {
  std::vector<std::int64_t> epochs;
  std::vector<std::string> told;
  std::istringstream out(read_file(trial_dir / "std.out"));
  for (std::string line; std::getline(out, line);) {
    const auto parsed = rung::detail::parse_tune_metric_line(line);
    if (parsed.what == rung::detail::tune_metric_line::kind::metrics) {
      epochs.push_back(parsed.report.find("epoch")->as_int64());
    } else if (line.starts_with("argv: ")) {
      const auto argv = rung::detail::parse_json(line.substr(6));
      for (std::size_t i = 0; i + 1 < argv.as_array().size(); ++i) {
        if (argv.as_array()[i].as_string() == "--epochs") told.push_back(argv.as_array()[i + 1].as_string());
      }
    }
  }
  return {epochs, told};
}

}  // namespace

TEST_CASE(
    "subprocess_trial: promotion ASHA runs each program to its rung, "
    "where it saves and exits by itself") {
  // --linger: after its last report the script takes 0.1 s more (a slow final
  // save), well inside the grace period.
  promotion_run run({"--linger", "0.1"}, 5.0, 6);
  REQUIRE(run.result.trials.size() == 6);
  bool promoted = false;
  for (std::size_t id = 0; id < run.result.trials.size(); ++id) {
    CAPTURE(id);
    CHECK_FALSE(std::filesystem::exists(run.trial_dir(id) / "sigterm.log"));  // no pause was a SIGTERM
    CHECK(run.result.trials[id].error.empty());
    const auto [epochs, told] = runs_of(run.trial_dir(id));
    // Each run was given its rung level, and went on from the checkpoint of the
    // one before: 1, 2 3, 4 .. 9.
    std::vector<std::int64_t> expected(epochs.size());
    std::iota(expected.begin(), expected.end(), 1);
    CHECK(epochs == expected);
    const std::vector<std::string> levels = {"1", "3", "9"};
    REQUIRE(told.size() <= levels.size());
    CHECK(told == std::vector<std::string>(levels.begin(), levels.begin() + static_cast<std::ptrdiff_t>(told.size())));
    CHECK(epochs.back() == std::stoll(told.back()));  // ended exactly where it was told
    promoted = promoted || told.size() > 1;
    CHECK(read_file(run.trial_dir(id) / "config.json").find("\"epochs\":" + told.back() + "}") != std::string::npos);
  }
  CHECK(promoted);
  CHECK(run.log.str().find("SIGTERM") == std::string::npos);
  CHECK(children_of_this_process().empty());
}

TEST_CASE(
    "subprocess_trial: a program that ignores max_resource_attr is sent "
    "SIGTERM once it reports beyond its rung") {
  promotion_run run({"--ignore_epochs", "9", "--sleep", "0.02"}, 5.0, 2);
  REQUIRE(run.result.trials.size() == 2);
  for (std::size_t id = 0; id < 2; ++id) {
    CHECK(std::filesystem::exists(run.trial_dir(id) / "sigterm.log"));
    CHECK(run.log.str().find("trial " + std::to_string(id) +
                             ": reported epoch 2 beyond 1, where it was to end "
                             "(--epochs): sending SIGTERM") != std::string::npos);
  }
  CHECK(children_of_this_process().empty());
}

TEST_CASE(
    "subprocess_trial: a program still running a grace period after its "
    "report at its rung is sent SIGTERM") {
  promotion_run run({"--linger", "30"}, 0.1, 1);
  REQUIRE(run.result.trials.size() == 1);
  CHECK(std::filesystem::exists(run.trial_dir(0) / "sigterm.log"));
  CHECK(run.log.str().find("trial 0: still running 0.1 s after its report at "
                           "the level it was to end at (--epochs): "
                           "sending SIGTERM") != std::string::npos);
  CHECK(run.result.trials[0].error.empty());  // a pause, not a failure
  CHECK(children_of_this_process().empty());
}

}  // namespace test_subprocess_trial
