// Trials as external programs, as Syne Tune's LocalBackend runs them: each
// trial is a child process given its hyperparameters as `--name value`
// arguments (or a JSON file) and `--st_checkpoint_dir <dir>`, reporting on
// stdout with lines `[tune-metric]: {"epoch": 1, "loss": 0.3, ...}` (what
// syne_tune.Reporter prints). A Syne Tune training script runs unchanged:
//
//   rung::tuner tuner(rung::asha(rung::random_searcher(space), {...}), {.n_workers = 4, ...});
//   tuner.run(rung::subprocess_trial({.command = {"python3", "train.py"}}));
//
// The trial's directory <experiment>/trials/<id> holds config.json, std.out
// and std.err. Stopping a trial sends SIGTERM to its process group, then
// SIGKILL after a grace period. A paused trial is started again later with
// the same checkpoint directory. With max_resource_attr, as in Syne Tune,
// each run is told where the scheduler will pause it (--epochs 9; on its
// last stretch the maximum resource), so the program saves its checkpoint
// and exits there by itself: a pause (or the stop at the end) sends no
// signal that could cut a checkpoint short. A program that ignores it is
// sent SIGTERM once it reports beyond that level, or when it has not exited
// stop_grace_period seconds after reporting it. Without max_resource_attr a
// pause is a SIGTERM. A program that exits non-zero (unless signalled), is
// killed by a signal, times out or reports nothing is a failed trial.
//
// Metric lines carry more than the tuner records: keys other than its
// metrics, the resource and Syne Tune's own st_ keys are named once per
// trial in the log (results.csv has one column per metric of
// tuner_options::metrics, fixed when the tuning starts; list them there to
// record them). A trial whose lines hold none of the tuner's metrics is
// named once too, with the metrics expected.
#pragma once

#include "rung/drivers/subprocess/detail/program_run.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <cstddef>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "rung/concepts/config_space.hpp"
#include "rung/drivers/subprocess/detail/output_lines.hpp"
#include "rung/drivers/subprocess/gpu_rotation.hpp"
#include "rung/reporter.hpp"
#include "rung/util/format.hpp"
#include "rung/util/json_write.hpp"
#include "rung/util/scalar.hpp"

namespace rung {

struct subprocess_options {
  std::vector<std::string> command = {};  // the program and its own arguments, e.g. {"python3", "train.py"}
  // Hyperparameters in <trial>/config.json, named by --st_config_json_filename,
  // instead of --name value arguments (Syne Tune's pass_args_as_json).
  bool pass_args_as_json = false;
  std::string resource_attr = "epoch";   // the key of a metric line holding the resource; absent: reports are counted
  // The hyperparameter holding the maximum resource (the scheduler's
  // max_resource_attr): a run is given the level it will be paused at in its
  // place (in its arguments and config.json), so that it ends there by
  // itself. Empty: runs get the configuration as it is, and a pause is SIGTERM.
  std::string max_resource_attr = {};
  // Given to every run as they are, by name: JSON texts (the list and object
  // constants of a dynamic_config_space), in config.json and as --name TEXT.
  std::vector<std::pair<std::string, std::string>> json_constants = {};
  double stop_grace_period = 5.0;        // seconds from SIGTERM to SIGKILL; also how long a run may take to exit
                                         // by itself after its report at the level it was to pause at
  double timeout = 0.0;                  // seconds one run of the program may last; 0: no limit
  std::size_t max_line_bytes = 1 << 20;  // a longer stdout line is skipped
  std::size_t stderr_tail_bytes = 2000;  // how much of std.err a failure quotes
  gpu_options gpus = {};                 // CUDA_VISIBLE_DEVICES per trial
  // Adopt what trials fork and leave (PR_SET_CHILD_SUBREAPER), to kill and
  // reap it here: no orphan outlives its trial and no zombie is left to init.
  bool reap_orphans = true;
  std::ostream* log = &std::cerr;  // skipped lines; nullptr: silent
};

class subprocess_trial {
 public:
  // The state of a child cannot be kept in memory while it is paused.
  static constexpr bool pause_in_memory = false;
  // The longest timeout or grace period (31 years): longer ones are surely a mistake.
  static constexpr double max_seconds = 1e9;

  explicit subprocess_trial(subprocess_options options) : options_(std::move(options)), gpus_(options_.gpus) {
    if (options_.command.empty() || options_.command.front().empty()) bad("command", "{}", "name the program to run");
    if (!(options_.stop_grace_period >= 0 && options_.stop_grace_period <= max_seconds)) {
      bad("stop_grace_period", detail::to_text(options_.stop_grace_period), "must be from 0 to 1e+09 seconds");
    }
    if (!(options_.timeout >= 0 && options_.timeout <= max_seconds)) {
      bad("timeout", detail::to_text(options_.timeout), "must be from 0 to 1e+09 seconds (0: none)");
    }
    if (options_.max_line_bytes < 1) bad("max_line_bytes", "0", "must be >= 1");
    if (options_.reap_orphans) detail::child_process::adopt_orphans();
  }

  template <Configuration Config>
  awaitable<void> operator()(const Config& config, async_reporter& reporter) {
    const auto directory = reporter.trial_dir();
    std::filesystem::create_directories(directory);
    // Where the scheduler will pause this run: the program is told to end there.
    const std::optional<double> run_to = options_.max_resource_attr.empty() ? std::nullopt : reporter.run_to();
    std::string json = "{";
    std::vector<std::string> named;  // --name value, per hyperparameter and constant
    const auto add = [&](std::string_view name, std::string_view json_text, std::string argument) {
      if (json.size() > 1) json += ',';
      detail::append_json_key(json, name);
      json += json_text;
      named.push_back("--" + std::string(name));
      named.push_back(std::move(argument));
    };
    bool max_resource_given = false;
    config.for_each([&](std::string_view name, const auto& value) {
      std::string text;
      if (run_to && name == options_.max_resource_attr) {
        max_resource_given = true;
        const scalar_value level = resource_value(*run_to, holds_integer(value));
        detail::append_json_value(text, level);
        return add(name, text, python_text(level));
      }
      detail::append_json_value(text, value);
      add(name, text, python_text(value));
    });
    for (const auto& [name, text] : options_.json_constants) add(name, text, text);
    if (run_to && !max_resource_given) {  // as Syne Tune sets config[max_resource_attr]
      const scalar_value level = resource_value(*run_to, true);
      std::string text;
      detail::append_json_value(text, level);
      add(options_.max_resource_attr, text, python_text(level));
    }
    json += "}\n";
    std::ofstream(directory / "config.json", std::ios::binary | std::ios::trunc) << json;

    std::vector<std::string> arguments(options_.command.begin() + 1, options_.command.end());
    if (options_.pass_args_as_json) {
      arguments.insert(arguments.end(), {"--st_config_json_filename", (directory / "config.json").string()});
    } else {
      arguments.insert(arguments.end(), named.begin(), named.end());
    }
    arguments.insert(arguments.end(), {"--st_checkpoint_dir", reporter.checkpoint_dir().string()});
    co_await run_program(reporter, arguments, run_to);
  }

  [[nodiscard]] const subprocess_options& options() const noexcept { return options_; }

 private:
  [[noreturn]] static void bad(std::string_view field, const std::string& value, std::string_view rule) {
    throw std::invalid_argument("subprocess_options." + std::string(field) + " = " + value + ": " + std::string(rule));
  }

  template <class Value>
  static bool holds_integer(const Value& value) {
    if constexpr (std::same_as<Value, scalar_value>) {
      return std::holds_alternative<std::int64_t>(value);
    } else {
      return std::integral<Value> && !std::same_as<Value, bool>;
    }
  }

  // A resource level in the type of the hyperparameter it replaces: 9, not 9.0, for an integer.
  static scalar_value resource_value(double level, bool integer) {
    if (integer && std::trunc(level) == level && std::abs(level) < 0x1p63) return static_cast<std::int64_t>(level);
    return level;
  }

  // A value as Python's str() writes it, which is what Syne Tune passes.
  template <class Value>
  static std::string python_text(const Value& value) {
    if constexpr (std::same_as<Value, scalar_value>) {
      return std::visit([](const auto& held) { return python_text(held); }, value);
    } else if constexpr (std::same_as<Value, bool>) {
      return value ? "True" : "False";
    } else if constexpr (std::floating_point<Value>) {
      std::string text;
      detail::append_number(text, static_cast<double>(value));
      if (text == "NaN") return "nan";
      if (text.ends_with("Infinity")) return text.starts_with('-') ? "-inf" : "inf";
      if (text.find_first_of(".e") == std::string::npos) text += ".0";
      return text;
    } else {
      return detail::to_text(value);
    }
  }

  struct metric_report {
    double resource = 0.0;
    std::vector<metric_value> metrics;
  };

  // The tuner's metrics in one reported JSON object, or why there are none.
  std::optional<metric_report> read_report(const detail::json_value& report, std::span<const std::string> names,
                                           double counted_resource, std::string& problem) const {
    metric_report out{counted_resource, {}};
    for (const auto& name : names) {
      const auto* value = report.find(name);
      if (value == nullptr) continue;
      if (!value->is_number()) {
        problem = "metric '" + name + "' is not a number";
        return std::nullopt;
      }
      out.metrics.push_back({name, value->as_double()});
    }
    // Syne Tune's own keys (st_worker_time, ...) alone are no report: every line of syne_tune.Reporter has them.
    if (std::all_of(out.metrics.begin(), out.metrics.end(),
                    [](const metric_value& metric) { return metric.name.starts_with("st_"); })) {
      problem = no_tuner_metric_problem;
      return std::nullopt;
    }
    if (const auto* resource = report.find(options_.resource_attr); resource != nullptr && resource->is_number()) {
      out.resource = resource->as_double();
    }
    return out;
  }

  // Once per trial: what its metric lines hold that the tuner does not record, or that they hold none of
  // the tuner's metrics (a misspelt name), so that neither goes unnoticed and neither floods the log.
  void warn_once(std::set<trial_id>& warned, trial_id trial, const std::string& message) {
    if (warned.insert(trial).second) note(trial, message);
  }
  void check_recorded(trial_id trial, const detail::json_value& report, std::span<const std::string> names) {
    const auto keys = detail::unrecorded_keys(report, names, options_.resource_attr);
    if (keys.empty()) return;
    warn_once(unrecorded_warned_, trial,
              "reports " + quoted_list(keys) + ", not recorded (results.csv records tuner_options::metrics, " +
                  quoted_list(names) + "; list them there to record them)");
  }
  void no_tuner_metric(trial_id trial, const detail::json_value& report, std::span<const std::string> names) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : report.as_object()) keys.push_back(key);
    warn_once(no_metric_warned_, trial,
              "its metric lines hold none of the tuner's metrics (expected " + quoted_list(expected(names)) +
                  ", got " + quoted_list(keys) + "): they are skipped; is the metric's name misspelt?");
  }
  // The metrics a line must hold one of: Syne Tune's own st_ keys are extras.
  static std::vector<std::string> expected(std::span<const std::string> names) {
    std::vector<std::string> out;
    std::copy_if(names.begin(), names.end(), std::back_inserter(out),
                 [](const std::string& name) { return !name.starts_with("st_"); });
    return out;
  }
  static std::string quoted_list(std::span<const std::string> names) {
    std::string text;
    for (const auto& name : names) text += (text.empty() ? "'" : ", '") + detail::printable(name, 80) + "'";
    return text.empty() ? "nothing" : text;
  }

  void note(trial_id trial, const std::string& message) const {
    if (options_.log) *options_.log << "trial " << trial << ": " << message << '\n';
  }

  void skipped(trial_id trial, std::string_view why, std::string_view text) const {
    if (options_.log) {
      *options_.log << "trial " << trial << ": skipped a metric line (" << why << "): " << detail::printable(text)
                    << '\n';
    }
  }

  [[nodiscard]] std::string stderr_tail(const std::filesystem::path& file) const {
    std::ifstream in(file, std::ios::binary | std::ios::ate);
    const auto size = static_cast<std::size_t>(std::max<std::streamoff>(in.tellg(), 0));
    const std::size_t kept = std::min(size, options_.stderr_tail_bytes);
    std::string tail(kept, '\0');
    in.seekg(static_cast<std::streamoff>(size - kept));
    in.read(tail.data(), static_cast<std::streamsize>(kept));
    return detail::printable(tail, tail.size(), true);
  }

  [[noreturn]] void fail(const std::filesystem::path& directory, const std::string& what) const {
    std::string program;
    for (const auto& word : options_.command) program += (program.empty() ? "'" : " ") + word;
    std::string message = program + "' " + what;
    const auto tail = stderr_tail(directory / "std.err");
    message += tail.empty() ? "; std.err is empty" : "; std.err ends with:\n" + tail;
    throw std::runtime_error(message);
  }

  std::optional<std::vector<std::string>> environment_for(trial_id trial) {
    if (!gpus_.enabled()) return std::nullopt;
    std::vector<std::string> environment;
    constexpr std::string_view cuda = "CUDA_VISIBLE_DEVICES=";
    for (char** entry = environ; *entry != nullptr; ++entry) {
      if (!std::string_view(*entry).starts_with(cuda)) environment.emplace_back(*entry);
    }
    environment.push_back(std::string(cuda) + gpu_rotation::visible_devices(gpus_.acquire(trial)));
    return environment;
  }

  // Runs the program to its end, forwarding each metric line as it comes.
  // run_to: the level the program was told to end at (max_resource_attr).
  awaitable<void> run_program(async_reporter& reporter, const std::vector<std::string>& arguments,
                              std::optional<double> run_to) {
    namespace asio = boost::asio;
    const trial_id trial = reporter.trial();
    const auto directory = reporter.trial_dir();
    struct gpu_release {
      gpu_rotation& gpus;
      trial_id trial;
      ~gpu_release() { gpus.release(trial); }
    } release_gpus{gpus_, trial};
    const auto environment = environment_for(trial);
    const auto executor = co_await asio::this_coro::executor;
    const auto run = std::make_shared<detail::program_run>(
        executor, options_.command.front(), arguments, directory / "std.err", environment ? &*environment : nullptr);
    run->start(options_.timeout, options_.stop_grace_period);
    struct kill_on_exit {  // leaving early (an exception): nothing of the child survives
      detail::program_run& run;
      ~kill_on_exit() { run.kill(); }
    } guard{*run};

    std::ofstream stdout_file(directory / "std.out", std::ios::binary | std::ios::app);
    detail::line_splitter lines(options_.max_line_bytes);
    std::array<char, 1 << 16> buffer;
    std::size_t reports = 0;
    bool ending = false;        // the scheduler stopped or paused the trial, or the tuning ends
    bool ends_itself = false;   // paused or stopped at run_to: the program exits by itself, no signal
    asio::steady_timer exit_deadline(executor);  // for a program that does not
    const auto end_run = [&] {
      ending = true;
      run->terminate(options_.stop_grace_period);
    };
    const auto await_own_exit = [&] {
      ending = ends_itself = true;
      exit_deadline.expires_after(detail::clock_duration(options_.stop_grace_period));
      exit_deadline.async_wait([this, run, trial](boost::system::error_code error) {
        if (error || run->child().has_exited()) return;
        note(trial, "still running " + detail::to_text(options_.stop_grace_period) + " s after its report at the level "
                    "it was to end at (--" + options_.max_resource_attr + "): sending SIGTERM");
        run->terminate(options_.stop_grace_period);
      });
    };
    for (;;) {
      boost::system::error_code error;
      const std::size_t size = co_await run->child().stdout_pipe().async_read_some(
          asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, error));
      stdout_file.write(buffer.data(), static_cast<std::streamsize>(size)).flush();  // std.out follows live
      lines.append({buffer.data(), size});
      const bool at_end = error == asio::error::eof;
      if (error == asio::error::operation_aborted) {
        if (!ends_itself) end_run();  // cancelled: the tuning ends
      } else if (error && !at_end) {
        throw boost::system::system_error(error, "reading the stdout of trial " + std::to_string(trial));
      }
      std::optional<detail::output_line> line;
      while ((line = lines.next()) || (at_end && (line = lines.rest()))) {
        if (line->truncated) {
          if (!ending) {
            const std::string why =
                "longer than " + std::to_string(options_.max_line_bytes) + " bytes: " + std::to_string(line->length);
            skipped(trial, why, line->text);
          }
          continue;
        }
        const auto parsed = detail::parse_tune_metric_line(line->text);
        if (parsed.what == detail::tune_metric_line::kind::other || (ending && !ends_itself)) continue;
        std::string problem = parsed.error;
        const double counted = reporter.resume_from() + static_cast<double>(reports + 1);
        const auto names = reporter.metric_names();
        const auto report = problem.empty() ? read_report(parsed.report, names, counted, problem) : std::nullopt;
        if (ending) {  // ended at run_to: a report beyond it means the program ignores max_resource_attr
          if (report && report->resource > *run_to && !run->terminated()) {
            note(trial, "reported " + options_.resource_attr + " " + detail::to_text(report->resource) + " beyond " +
                            detail::to_text(*run_to) + ", where it was to end (--" + options_.max_resource_attr +
                            "): sending SIGTERM");
            run->terminate(options_.stop_grace_period);
          }
          continue;
        }
        if (!report) {
          if (parsed.what == detail::tune_metric_line::kind::metrics && problem == no_tuner_metric_problem) {
            no_tuner_metric(trial, parsed.report, names);
          } else {
            skipped(trial, problem, line->text);
          }
          continue;
        }
        check_recorded(trial, parsed.report, names);
        ++reports;
        const decision outcome = co_await reporter.report(report->resource, report->metrics);
        // At run_to the program ends by itself, paused there or (at the maximum resource) stopped.
        if (outcome != decision::continue_trial && run_to && report->resource >= *run_to) {
          await_own_exit();
        } else if (outcome != decision::continue_trial) {
          end_run();
        }
      }
      if (at_end) break;
      if (!ending && reporter.stop_requested()) end_run();
    }
    while (!run->child().has_exited()) {
      boost::system::error_code cancelled;
      co_await run->exit_signal().async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
      if (!run->child().has_exited() && !ends_itself) end_run();  // cancelled: the tuning ends
    }
    exit_deadline.cancel();
    stdout_file.close();
    const int status = run->child().wait_status();
    if (ends_itself && !run->terminated() && status != 0) {
      fail(directory, detail::describe_wait_status(status) + " after its report at " + options_.resource_attr + " " +
                          detail::to_text(*run_to) + ", where it was to end");
    }
    if (ending) co_return;
    if (run->timed_out()) fail(directory, "timed out after " + detail::to_text(options_.timeout) + " s");
    if (status != 0) fail(directory, detail::describe_wait_status(status));
    // A resumed run may find its checkpoint already at the end: nothing left to report.
    if (reports == 0 && reporter.resume_from() == 0) {
      fail(directory, "ended without reporting a metric (no line \"" + std::string(detail::tune_metric_prefix) +
                          "{...}\" with one of the tuner's metrics, " + quoted_list(expected(reporter.metric_names())) +
                          ", on its stdout)");
    }
  }

  static constexpr std::string_view no_tuner_metric_problem = "it holds none of the tuner's metrics";

  subprocess_options options_;
  gpu_rotation gpus_;
  std::set<trial_id> unrecorded_warned_;  // trials whose unrecorded keys were named
  std::set<trial_id> no_metric_warned_;   // trials whose lines held none of the tuner's metrics
};

}  // namespace rung
