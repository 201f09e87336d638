// rung-tune: tunes a training program run as a child process per trial, as
// Syne Tune's LocalBackend runs it (a Syne Tune script runs unchanged):
//
//   rung-tune --config tune.json [--scheduler asha] [--n-workers 4] -- python3 train.py
//
// tune.json holds the configuration space and the settings:
//   {"config_space": {"lr": {"type": "loguniform", "lower": 1e-4, "upper": 0.1}, "epochs": 27},
//    "scheduler": {"name": "asha", "metric": "loss", "max_resource_attr": "epochs", "type": "promotion"},
//    "searcher": {"seed": 1},
//    "tuner": {"n_workers": 4, "max_num_trials_started": 50},
//    "trial": {"timeout": 3600, "gpus": [0, 1]}}
// Flags given on the command line win over the file. SIGINT or SIGTERM stops
// the tuning cleanly (a second kills the trials at once); it goes on with
//   rung-tune --resume NAME [--experiment-root D] [--max-trials N]
// The exit statuses are in rung_tune_launch.hpp and the README.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "rung/drivers/subprocess/subprocess_trial.hpp"
#include "rung/drivers/tuner.hpp"
#include "rung/factory.hpp"
#if RUNG_TUNE_WITH_GP
#include "rung/factory/gp_searcher_entry.hpp"
#endif
#include "rung/spaces/dynamic_config_space.hpp"
#include "rung/util/json_fields.hpp"
#include "rung_tune_launch.hpp"

namespace {

using rung_tune::launch;

using rung::detail::json_fields;
using rung::detail::json_value;

// Bounds on settings, checked before any conversion: a value beyond them is a
// mistake that would overflow, or allocate until memory runs out.
constexpr std::int64_t max_workers = 100'000;                   // trials at once, and GPUs per trial
constexpr std::uintmax_t max_settings_bytes = std::uintmax_t{16} << 20U;  // a settings file: 16 MiB

constexpr std::string_view usage =
    "usage: rung-tune --config FILE.json [options] -- PROGRAM [ARGUMENT...]\n"
    "       rung-tune --resume NAME [--experiment-root D] [--max-trials N] [--max-time SECONDS]\n"
    "Runs PROGRAM once per trial with --name value per hyperparameter and --st_checkpoint_dir DIR;\n"
    "it reports with lines '[tune-metric]: {\"epoch\": 1, \"loss\": 0.3}' on stdout (syne_tune.Reporter).\n"
    "options (each overrides the file):\n"
    "  --scheduler NAME     fifo, asha, hyperband, synchronous_hyperband or median_stopping\n"
    "  --n-workers N        trials running at once\n"
    "  --max-trials N       stop after starting N trials\n"
    "  --max-time SECONDS   stop after this wall-clock time\n"
    "  --seed N             the searcher's seed\n"
    "  --name NAME          the experiment's name (default rung-<date>-<time>)\n"
    "  --experiment-root D  where experiments are saved (default rung-experiments)\n"
    "  --timeout SECONDS    the longest one run of PROGRAM may take\n"
    "  --resume NAME        go on with experiment NAME (stopped, killed or crashed) with its saved settings\n"
    "SIGINT or SIGTERM ends the tuning: trials are stopped and recorded, and the summary says how to\n"
    "resume; a second signal kills the trials at once.\n"
    "exit status: 0 the tuning ended and some trial succeeded; 1 bad settings, program or experiment;\n"
    "2 bad command line; 3 more trials failed than max_failures; 4 no trial succeeded; 128+N signal N.\n";

// What --help adds: every field of the settings file, by section (each is
// read in run(); a field not listed there is refused as unknown).
constexpr std::string_view settings_fields =
    "settings file (JSON; every section but config_space may be left out):\n"
    "  config_space  {\"NAME\": DOMAIN, ...}, DOMAIN one of\n"
    "                {\"type\": T, \"lower\": X, \"upper\": X}, T uniform, loguniform, randint or lograndint\n"
    "                {\"type\": T, \"lower\": X, \"upper\": X, \"size\": N}, T finrange or logfinrange\n"
    "                {\"type\": T, \"values\": [numbers or strings]}, T choice or ordinal\n"
    "                a number or a string (a constant), a list, or {\"type\": \"constant\", \"value\": ANY}\n"
    "                (lists and objects are passed to PROGRAM as JSON)\n"
    "  scheduler     name (fifo, asha, hyperband, synchronous_hyperband, median_stopping; default fifo),\n"
    "                metric, mode (min or max), resource_attr (default epoch), max_t, or max_resource_attr\n"
    "                (the constant holding the maximum resource: a promoted run gets its rung level there);\n"
    "                asha, hyperband: type (stopping or promotion), grace_period, reduction_factor, brackets;\n"
    "                synchronous_hyperband: grace_period, reduction_factor, brackets, iterations,\n"
    "                parallel_brackets; median_stopping: running_average, grace_time, grace_population,\n"
    "                rank_cutoff\n"
    "  searcher      name (random, grid, kde, regularized_evolution, or gp when built with Eigen; default\n"
    "                random), seed (0 to 2^63-1, also asha's bracket draw); grid: num_samples (grid points\n"
    "                per interval, 1 to 1000), shuffle; kde (BOHB with asha): num_min_points, top_n_percent,\n"
    "                num_candidates, random_fraction, bandwidth_factor, min_bandwidth;\n"
    "                regularized_evolution: population_size, sample_size; gp: num_init_random,\n"
    "                max_observations, max_fit_observations, refit_every, num_fit_restarts, num_candidates,\n"
    "                num_local_starts, num_local_steps\n"
    "  tuner         n_workers (1 to 100000), max_num_trials_started, max_num_trials_completed,\n"
    "                max_wallclock_time, max_failures, print_update_interval, metrics (recorded in results.csv\n"
    "                besides the scheduler's; the script's st_worker_time and st_worker_iter always are),\n"
    "                name, experiment_root\n"
    "  trial         pass_args_as_json, timeout and stop_grace_period (seconds, 0 to 1e9), gpus (a list of\n"
    "                device numbers), gpus_per_trial\n";

// The flags that may change on --resume; the rest is the experiment's own,
// which its journal replays.
constexpr std::string_view resume_flags[] = {"experiment-root", "max-trials", "max-time"};

struct usage_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct command_line {
  std::filesystem::path config;
  std::optional<std::string> resume;  // --resume NAME
  std::map<std::string, std::string, std::less<>> overrides;  // flag (without --) -> value
  std::vector<std::string> program;
};

command_line parse_command_line(int argc, char** argv) {
  command_line parsed;
  int at = 1;
  for (; at < argc && std::string_view(argv[at]) != "--"; ++at) {
    const std::string_view flag = argv[at];
    if (flag == "--help" || flag == "-h") throw usage_error("");
    static constexpr std::string_view known[] = {"--config", "--scheduler", "--n-workers",       "--max-trials",
                                                 "--max-time", "--seed",    "--name",            "--experiment-root",
                                                 "--timeout", "--resume"};
    if (std::find(std::begin(known), std::end(known), flag) == std::end(known)) {
      throw usage_error("unknown option '" + std::string(flag) + "'");
    }
    if (at + 1 >= argc) throw usage_error("option " + std::string(flag) + " needs a value");
    if (flag == "--config") {
      parsed.config = argv[++at];
    } else if (flag == "--resume") {
      parsed.resume = argv[++at];
    } else {
      parsed.overrides[std::string(flag.substr(2))] = argv[++at];
    }
  }
  for (++at; at < argc; ++at) parsed.program.emplace_back(argv[at]);
  if (parsed.resume) {
    if (!parsed.config.empty() || !parsed.program.empty()) {
      throw usage_error("--resume takes neither --config nor a program: the experiment saved its own");
    }
    for (const auto& [flag, value] : parsed.overrides) {
      if (std::find(std::begin(resume_flags), std::end(resume_flags), flag) == std::end(resume_flags)) {
        throw usage_error("--" + flag + " cannot change on --resume: the journal replays the experiment's own "
                          "settings (--experiment-root, --max-trials and --max-time may be given)");
      }
    }
    return parsed;
  }
  if (parsed.config.empty()) throw usage_error("--config FILE.json is required");
  if (parsed.program.empty()) throw usage_error("name the program to run after --");
  return parsed;
}

// A command-line value in place of the file's, as JSON for the field's reader.
void apply_overrides(json_value& document, const command_line& line) {
  static const std::map<std::string, std::pair<std::string, std::string>, std::less<>> targets = {
      {"scheduler", {"scheduler", "name"}},
      {"n-workers", {"tuner", "n_workers"}},
      {"max-trials", {"tuner", "max_num_trials_started"}},
      {"max-time", {"tuner", "max_wallclock_time"}},
      {"seed", {"searcher", "seed"}},
      {"name", {"tuner", "name"}},
      {"experiment-root", {"tuner", "experiment_root"}},
      {"timeout", {"trial", "timeout"}}};
  for (const auto& [flag, text] : line.overrides) {
    const auto& [section, field] = targets.at(flag);
    json_value value(text);
    if (field != "name" && field != "experiment_root") {  // the others are numbers
      try {
        value = rung::detail::parse_json(text);
      } catch (const rung::detail::json_error&) {
        throw usage_error("--" + flag + " " + text + ": expected a number");
      }
    }
    rung_tune::set_field(document, section, field, std::move(value));
  }
}

// Saves what --resume needs once the settings are known to be good, then
// tunes; returns the exit status.
int tune(rung::any_scheduler<rung::dynamic_config_space> scheduler, rung::tuner_options options, const rung::subprocess_options& trial, const launch& how) {
  options.handle_signals = true;  // Ctrl-C, or SIGTERM (Slurm's preemption): stop, record, summarise
  rung::tuner tuner(std::move(scheduler), std::move(options));
  rung_tune::save_launch(tuner.options().experiment_root / tuner.options().name, how);
  const auto result = tuner.run(rung::subprocess_trial(trial));  // the tuner prints the status tables and the summary
  return rung_tune::ending(result, tuner.options());
}

// Linux's limits on what a program is started with: one argument at most 32
// pages, and every argument and environment string together at most ARG_MAX.
constexpr std::size_t max_argument_bytes = 32 * 4096;

// The longest text a hyperparameter's value can have on a command line.
std::size_t longest_value_text(const rung::dynamic_domain& domain) {
  constexpr std::size_t number_text = 32;  // the longest a number prints
  const auto text_size = [](const rung::scalar_value& value) {
    return rung::holds_number(value) ? number_text : rung::to_text(value).size();
  };
  return std::visit(
      [&](const auto& held) -> std::size_t {
        using held_type = std::decay_t<decltype(held)>;
        if constexpr (std::is_same_v<held_type, rung::dynamic_finite_set>) {
          std::size_t longest = 0;
          for (const auto& value : held.values) longest = std::max(longest, text_size(value));
          return longest;
        } else if constexpr (std::is_same_v<held_type, rung::dynamic_constant>) {
          return text_size(held.value);
        } else {
          return number_text;
        }
      },
      domain.variant());
}

// A trial's command line (--name value per hyperparameter and constant) at
// its longest, checked now: over the system's limits every trial would fail
// with "Argument list too long".
void check_command_line(const rung::dynamic_config_space& space, const rung::subprocess_options& trial,
                        const rung::tuner_options& options, const std::string& file) {
  if (trial.pass_args_as_json) return;
  constexpr std::size_t pointer = sizeof(char*);
  std::size_t total = 0;
  for (const auto& word : trial.command) total += word.size() + 1 + pointer;
  // --st_checkpoint_dir <root>/<name>/trials/<id>/checkpoints
  total += (options.experiment_root / options.name).string().size() + 64 + 2 * pointer;
  for (char** entry = environ; *entry != nullptr; ++entry) total += std::strlen(*entry) + 1 + pointer;
  std::string longest_name;
  std::size_t longest = 0;
  const auto add = [&](const std::string& name, std::size_t value_size) {
    total += name.size() + 3 + value_size + 1 + 2 * pointer;
    if (value_size > longest) longest = value_size, longest_name = name;
  };
  for (std::size_t i = 0; i < space.names().size(); ++i) add(space.names()[i], longest_value_text(space.domains()[i]));
  for (const auto& [name, json] : space.json_constants()) add(name, json.size());
  const long system_limit = ::sysconf(_SC_ARG_MAX);
  const std::size_t limit = system_limit > 0 ? static_cast<std::size_t>(system_limit) : std::size_t{1} << 17U;
  if (longest >= max_argument_bytes || total >= limit) {
    throw std::invalid_argument(
        file + ".config_space: a trial's command line would take up to " + std::to_string(total) +
        " bytes (the value of '" + longest_name + "' alone " + std::to_string(longest) +
        "), over the system's limits (" + std::to_string(limit) + " bytes in all, " +
        std::to_string(max_argument_bytes) + " for one argument); pass the configuration in a file instead: "
        "\"trial\": {\"pass_args_as_json\": true}");
  }
}

// The script's own st_worker_time and st_worker_iter (syne_tune.Reporter adds them to every line) are
// recorded: they fill results.csv's columns of those names, as in Syne Tune's results.
void record_worker_columns(rung::tuner_options& options, const std::string& metric) {
  if (metric.empty()) return;
  if (options.metrics.empty()) options.metrics.push_back(metric);
  for (const std::string_view worker_column : rung::results_worker_columns) {
    if (std::find(options.metrics.begin(), options.metrics.end(), worker_column) == options.metrics.end()) {
      options.metrics.emplace_back(worker_column);
    }
  }
}

// `file` names the settings file in messages: "tune.json.scheduler.max_t = ...". The searcher and the
// scheduler come from the library's factory (rung/factory.hpp). Returns the exit status.
int run(const json_value& document, const std::vector<std::string>& program, const std::string& file,
        const launch& how) {
  json_fields top(&document, file);
  const auto* space_json = top.raw("config_space");
  if (space_json == nullptr) top.bad("config_space", json_value(), "missing: the hyperparameters to tune");
  const auto space = rung::dynamic_config_space::from_json_value(*space_json, file + ".config_space");
  const auto* searcher_json = top.raw("searcher");
  const auto* scheduler_json = top.raw("scheduler");

  json_fields tuner_fields(top.raw("tuner"), file + ".tuner");
  rung::tuner_options options;
  options.resume = how.resume;
  options.n_workers = static_cast<std::size_t>(tuner_fields.integer("n_workers", 1, max_workers).value_or(4));
  options.stop_criterion =
      rung::stop_criterion{.max_wallclock_time = tuner_fields.number("max_wallclock_time"),
                           .max_num_trials_started = tuner_fields.integer("max_num_trials_started"),
                           .max_num_trials_completed = tuner_fields.integer("max_num_trials_completed")};
  options.max_failures = tuner_fields.integer("max_failures").value_or(options.max_failures);
  options.print_update_interval = tuner_fields.number("print_update_interval").value_or(options.print_update_interval);
  options.metrics = tuner_fields.texts("metrics").value_or(std::vector<std::string>{});
  options.name = tuner_fields.text("name").value_or("");
  options.experiment_root = tuner_fields.text("experiment_root").value_or(options.experiment_root.string());
  tuner_fields.finish();

  json_fields trial_fields(top.raw("trial"), file + ".trial");
  rung::subprocess_options trial{.command = program};
  trial.pass_args_as_json = trial_fields.boolean("pass_args_as_json").value_or(false);
  constexpr double max_seconds = rung::subprocess_trial::max_seconds;
  trial.timeout = trial_fields.number("timeout", 0, max_seconds).value_or(0.0);
  trial.stop_grace_period =
      trial_fields.number("stop_grace_period", 0, max_seconds).value_or(trial.stop_grace_period);
  trial.gpus.devices = trial_fields.integers("gpus").value_or(std::vector<int>{});
  trial.gpus.gpus_per_trial =
      static_cast<std::size_t>(trial_fields.integer("gpus_per_trial", 1, max_workers).value_or(1));
  trial.json_constants = space.json_constants();
  trial_fields.finish();
  top.finish();

#if RUNG_TUNE_WITH_GP
  auto [scheduler, core] = rung::make_scheduler<rung::searchers_with_gp>(space, searcher_json, scheduler_json, file);
#else
  auto [scheduler, core] = rung::make_scheduler(space, searcher_json, scheduler_json, file);
#endif
  trial.resource_attr = core.resource_attr;
  trial.max_resource_attr = core.max_resource_attr;  // a promoted run ends at its rung
  record_worker_columns(options, core.metric);
  check_command_line(space, trial, options, file);
  return tune(std::move(scheduler), std::move(options), trial, how);
}

// A settings file's text: a directory or an oversized file is named; a UTF-8
// byte order mark (Windows editors write one) is skipped.
std::string read_text(const std::filesystem::path& file) {
  std::error_code error;
  if (std::filesystem::is_directory(file, error)) throw std::invalid_argument(file.string() + ": is a directory");
  const auto size = std::filesystem::file_size(file, error);
  if (!error && size > max_settings_bytes) {
    throw std::invalid_argument(file.string() + ": " + std::to_string(size) + " bytes, more than a settings file may " +
                                "hold (" + std::to_string(max_settings_bytes) + ")");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  std::string read = text.str();
  if (read.starts_with("\xEF\xBB\xBF")) read.erase(0, 3);
  return read;
}

// A new experiment: the settings file with the flags applied, and a name
// chosen now (the resume command names it). A name must stay inside the
// experiment root.
launch start(const command_line& line) {
  launch how{.program = line.program,
             .config_file = line.config.filename().string(),
             .working_directory = std::filesystem::current_path()};
  try {
    how.settings = rung::detail::parse_json(read_text(line.config));
  } catch (const rung::detail::json_error& error) {
    throw std::invalid_argument(line.config.string() + ": " + error.what());
  }
  if (!how.settings.is_object()) throw std::invalid_argument(line.config.string() + ": must hold a JSON object");
  apply_overrides(how.settings, line);
  const auto* name = rung_tune::field_of(how.settings, "tuner", "name");
  if (name == nullptr) {
    rung_tune::set_field(how.settings, "tuner", "name", rung::detail::timestamped_name("rung"));
  } else if (name->is_string()) {  // another type is the settings' reader's to refuse
    const auto problem = rung::detail::experiment_name_problem(name->as_string());
    const auto quoted = rung::detail::quoted_name(name->as_string());
    if (!problem.empty() && line.overrides.contains("name")) {
      throw usage_error("--name " + quoted + ": " + std::string(problem));
    }
    if (!problem.empty()) {
      throw std::invalid_argument(how.config_file + ".tuner.name = " + quoted + ": " + std::string(problem));
    }
  }
  return how;
}

// An experiment to go on with: what it saved, a larger budget if given, and
// its own working directory again (relative paths in its command start there).
launch reopen(const command_line& line) {
  const std::string& name = *line.resume;
  if (const auto problem = rung::detail::experiment_name_problem(name); !problem.empty()) {
    throw usage_error("--resume " + rung::detail::quoted_name(name) + ": " + std::string(problem));
  }
  const auto found = line.overrides.find("experiment-root");
  const auto root =
      std::filesystem::absolute(found != line.overrides.end() ? found->second : "rung-experiments").lexically_normal();
  const auto directory = root / name;
  const auto file = directory / rung_tune::launch_file_name;
  if (!std::filesystem::exists(file)) {
    throw std::invalid_argument("cannot resume " + directory.string() + ": it holds no " + file.filename().string() +
                                (std::filesystem::exists(directory) ? " (rung-tune did not start it)"
                                                                    : " (no such experiment)"));
  }
  auto how = rung_tune::load_launch(read_text(file), file);
  apply_overrides(how.settings, line);
  rung_tune::set_field(how.settings, "tuner", "name", name);
  rung_tune::set_field(how.settings, "tuner", "experiment_root", root.string());
  std::filesystem::current_path(how.working_directory);
  return how;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto line = parse_command_line(argc, argv);
    const launch how = line.resume ? reopen(line) : start(line);
    rung_tune::check_program(how.program.front());
    return run(how.settings, how.program, how.config_file, how);
  } catch (const usage_error& error) {
    if (*error.what() != '\0') std::cerr << "rung-tune: " << error.what() << '\n';
    std::cerr << usage;
    if (*error.what() == '\0') std::cerr << settings_fields;  // --help
    return *error.what() == '\0' ? rung_tune::succeeded : rung_tune::bad_usage;
  } catch (const std::exception& error) {
    std::cerr << "rung-tune: " << error.what() << '\n';
    return rung_tune::bad_input;
  }
}
