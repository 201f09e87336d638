// A worker rank killed in the middle of a tuning (SIGKILL, as kill -9 or the
// out-of-memory killer would), then the job relaunched with resume; run by
// killed_rank.cmake under mpiexec, one phase per launch:
//   rung_mpi_killed_rank <experiment_root> kill     rank 2 kills itself at its 3rd report:
//                                                   the job must end non-zero, naming the rank
//   rung_mpi_killed_rank <experiment_root> resume   the same tuning goes on from the journal; rank 0
//                                                   checks that it ended, that every event the first
//                                                   run recorded is still there, and that no trial
//                                                   started twice, and exits 1 if not
#include "rung/mpi.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mpi_world.hpp"
#include "rung/results/journal.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"

namespace {

constexpr std::int64_t max_epochs = 9;
constexpr std::int64_t trials = 24;
constexpr int killed_rank = 2;
constexpr int reports_before_kill = 3;

constexpr auto space = rung::config_space(rung::uniform<"x">(-1.0, 1.0));
using config = decltype(space)::config_type;

std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::vector<std::string> lines;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Rank 0 after the resumed run: 0 when nothing was lost or started twice.
int check_resumed(const rung::tuning_result<config>& result, const std::vector<std::string>& before) {
  int problems = 0;
  const auto fail = [&problems](const std::string& why) {
    std::fprintf(stderr, "killed_rank: %s\n", why.c_str());
    ++problems;
  };
  if (result.status.num_trials_started != trials) {
    fail("the resumed tuning started " + std::to_string(result.status.num_trials_started) + " trials in all, not " +
         std::to_string(trials));
  }
  if (result.interrupted) fail("the resumed tuning was interrupted");
  const auto after = lines_of(result.experiment_dir / rung::journal_file_name);
  // The killed run may have left a line cut short at the end: every complete one must still be there.
  const std::size_t complete = before.empty() || before.back().ends_with('}') ? before.size() : before.size() - 1;
  for (std::size_t line = 0; line < complete; ++line) {
    if (line >= after.size() || after[line] != before[line]) fail("journal line " + std::to_string(line + 1) + " was lost");
  }
  std::map<rung::trial_id, int> starts;
  rung::read_journal(result.experiment_dir / rung::journal_file_name, [&](const rung::journal_event& event) {
    if (event.kind == rung::journal_event_kind::trial_started) ++starts[event.trial];
  });
  for (const auto& [trial, count] : starts) {
    if (count != 1) fail("trial " + std::to_string(trial) + " started " + std::to_string(count) + " times");
  }
  if (starts.size() != static_cast<std::size_t>(trials)) fail(std::to_string(starts.size()) + " trials in the journal");
  if (problems == 0) {
    std::printf("killed_rank: resumed from %zu journal lines to %zu; %zu trials, each started once\n", complete,
                after.size(), starts.size());
  }
  return problems == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const rung::mpi_session session(argc, argv);
  if (argc != 3 || (std::string_view(argv[2]) != "kill" && std::string_view(argv[2]) != "resume")) {
    std::fprintf(stderr, "usage: %s EXPERIMENT_ROOT kill|resume\n", argv[0]);
    return 2;
  }
  const std::filesystem::path root = argv[1];
  const bool resuming = std::string_view(argv[2]) == "resume";
  const std::string name = "killed";
  std::vector<std::string> before;
  if (resuming && rung::bench::world_rank() == 0) before = lines_of(root / name / rung::journal_file_name);

  rung::mpi_tuner tuner(rung::asha(rung::random_searcher(space, {.seed = 3}),
                                   {.metric = "loss", .grace_period = 1, .reduction_factor = 3, .max_t = max_epochs}),
                        {.tuning = {.stop_criterion = rung::stop_criterion{.max_num_trials_started = trials},
                                    .name = name,
                                    .experiment_root = root,
                                    .resume = resuming,
                                    .log = nullptr},
                         .workers_per_rank = 2});
  int reports_here = 0;  // on this rank, by its trials (one thread each)
  std::mutex counting;
  const auto result = tuner.run([&](const config& c, rung::reporter& reporter) {
    for (auto epoch = static_cast<std::int64_t>(reporter.resume_from()) + 1; epoch <= max_epochs; ++epoch) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (!resuming && tuner.rank() == killed_rank) {
        const std::lock_guard lock(counting);
        if (++reports_here == reports_before_kill) std::raise(SIGKILL);
      }
      const double x = c.get<"x">();
      if (reporter.report(static_cast<double>(epoch), x * x + 1.0 / static_cast<double>(epoch)) !=
          rung::decision::continue_trial) {
        return;
      }
    }
  });
  if (tuner.rank() != 0) return 0;
  if (!resuming) {
    std::fprintf(stderr, "killed_rank: the tuning ended although rank %d was killed\n", killed_rank);
    return 1;
  }
  return check_resumed(result, before);
}
