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
// and std.err. Stopping or pausing a trial sends SIGTERM to its process
// group, then SIGKILL after a grace period; a paused trial is started again
// later with the same checkpoint directory. A program that exits non-zero,
// is killed by a signal, times out or reports nothing is a failed trial.
#pragma once

#include "rung/detail/program_run.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "rung/concepts/config_space.hpp"
#include "rung/detail/format.hpp"
#include "rung/detail/json_write.hpp"
#include "rung/detail/output_lines.hpp"
#include "rung/gpu_rotation.hpp"
#include "rung/reporter.hpp"
#include "rung/scalar.hpp"

namespace rung {

struct subprocess_options {
  std::vector<std::string> command = {};  // the program and its own arguments, e.g. {"python3", "train.py"}
  // Hyperparameters in <trial>/config.json, named by --st_config_json_filename,
  // instead of --name value arguments (Syne Tune's pass_args_as_json).
  bool pass_args_as_json = false;
  std::string resource_attr = "epoch";   // the key of a metric line holding the resource; absent: reports are counted
  double stop_grace_period = 5.0;        // seconds from SIGTERM to SIGKILL when a trial is stopped or paused
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

  explicit subprocess_trial(subprocess_options options) : options_(std::move(options)), gpus_(options_.gpus) {
    if (options_.command.empty() || options_.command.front().empty()) bad("command", "{}", "name the program to run");
    if (!(options_.stop_grace_period >= 0)) {
      bad("stop_grace_period", detail::to_text(options_.stop_grace_period), "must be >= 0 seconds");
    }
    if (!(options_.timeout >= 0)) bad("timeout", detail::to_text(options_.timeout), "must be >= 0 seconds (0: none)");
    if (options_.max_line_bytes < 1) bad("max_line_bytes", "0", "must be >= 1");
    if (options_.reap_orphans) detail::child_process::adopt_orphans();
  }

  template <Configuration Config>
  awaitable<void> operator()(const Config& config, async_reporter& reporter) {
    const auto directory = reporter.trial_dir();
    std::filesystem::create_directories(directory);
    std::string json = "{";
    config.for_each([&json](std::string_view name, const auto& value) {
      if (json.size() > 1) json += ',';
      detail::append_json_key(json, name);
      detail::append_json_value(json, value);
    });
    json += "}\n";
    std::ofstream(directory / "config.json", std::ios::binary | std::ios::trunc) << json;

    std::vector<std::string> arguments(options_.command.begin() + 1, options_.command.end());
    if (options_.pass_args_as_json) {
      arguments.insert(arguments.end(), {"--st_config_json_filename", (directory / "config.json").string()});
    } else {
      config.for_each([&arguments](std::string_view name, const auto& value) {
        arguments.push_back("--" + std::string(name));
        arguments.push_back(python_text(value));
      });
    }
    arguments.insert(arguments.end(), {"--st_checkpoint_dir", reporter.checkpoint_dir().string()});
    co_await run_program(reporter, arguments);
  }

  [[nodiscard]] const subprocess_options& options() const noexcept { return options_; }

 private:
  [[noreturn]] static void bad(std::string_view field, const std::string& value, std::string_view rule) {
    throw std::invalid_argument("subprocess_options." + std::string(field) + " = " + value + ": " + std::string(rule));
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
    if (out.metrics.empty()) {
      problem = "it holds none of the tuner's metrics";
      return std::nullopt;
    }
    if (const auto* resource = report.find(options_.resource_attr); resource != nullptr && resource->is_number()) {
      out.resource = resource->as_double();
    }
    return out;
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
  awaitable<void> run_program(async_reporter& reporter, const std::vector<std::string>& arguments) {
    namespace asio = boost::asio;
    const trial_id trial = reporter.trial();
    const auto directory = reporter.trial_dir();
    struct gpu_release {
      gpu_rotation& gpus;
      trial_id trial;
      ~gpu_release() { gpus.release(trial); }
    } release_gpus{gpus_, trial};
    const auto environment = environment_for(trial);
    const auto run =
        std::make_shared<detail::program_run>(co_await asio::this_coro::executor, options_.command.front(), arguments,
                                              directory / "std.err", environment ? &*environment : nullptr);
    run->start(options_.timeout, options_.stop_grace_period);
    struct kill_on_exit {  // leaving early (an exception): nothing of the child survives
      detail::program_run& run;
      ~kill_on_exit() { run.kill(); }
    } guard{*run};

    std::ofstream stdout_file(directory / "std.out", std::ios::binary | std::ios::app);
    detail::line_splitter lines(options_.max_line_bytes);
    std::array<char, 1 << 16> buffer;
    std::size_t reports = 0;
    bool ending = false;  // the scheduler stopped or paused the trial, or the tuning ends
    const auto end_run = [&] {
      ending = true;
      run->terminate(options_.stop_grace_period);
    };
    for (;;) {
      boost::system::error_code error;
      const std::size_t size = co_await run->child().stdout_pipe().async_read_some(
          asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, error));
      stdout_file.write(buffer.data(), static_cast<std::streamsize>(size)).flush();  // std.out follows live
      lines.append({buffer.data(), size});
      const bool at_end = error == asio::error::eof;
      if (error == asio::error::operation_aborted) {
        end_run();  // cancelled: the tuning ends
      } else if (error && !at_end) {
        throw boost::system::system_error(error, "reading the stdout of trial " + std::to_string(trial));
      }
      std::optional<detail::output_line> line;
      while ((line = lines.next()) || (at_end && (line = lines.rest()))) {
        if (ending) continue;  // the rest is only teed
        if (line->truncated) {
          skipped(trial,
                  "longer than " + std::to_string(options_.max_line_bytes) + " bytes: " + std::to_string(line->length),
                  line->text);
          continue;
        }
        const auto parsed = detail::parse_tune_metric_line(line->text);
        if (parsed.what == detail::tune_metric_line::kind::other) continue;
        std::string problem = parsed.error;
        const double counted = reporter.resume_from() + static_cast<double>(reports + 1);
        const auto report =
            problem.empty() ? read_report(parsed.report, reporter.metric_names(), counted, problem) : std::nullopt;
        if (!report) {
          skipped(trial, problem, line->text);
          continue;
        }
        ++reports;
        if (co_await reporter.report(report->resource, report->metrics) != decision::continue_trial) end_run();
      }
      if (at_end) break;
      if (!ending && reporter.stop_requested()) end_run();
    }
    while (!run->child().has_exited()) {
      boost::system::error_code cancelled;
      co_await run->exit_signal().async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
      if (!run->child().has_exited()) end_run();  // cancelled: the tuning ends
    }
    stdout_file.close();
    if (ending) co_return;
    if (run->timed_out()) fail(directory, "timed out after " + detail::to_text(options_.timeout) + " s");
    if (run->child().wait_status() != 0) fail(directory, detail::describe_wait_status(run->child().wait_status()));
    // A resumed run may find its checkpoint already at the end: nothing left to report.
    if (reports == 0 && reporter.resume_from() == 0) {
      fail(directory, "ended without reporting a metric (no line \"" + std::string(detail::tune_metric_prefix) +
                          "{...}\" with the tuner's metrics on its stdout)");
    }
  }

  subprocess_options options_;
  gpu_rotation gpus_;
};

}  // namespace rung
